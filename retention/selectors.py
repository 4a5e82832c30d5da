"""Retention's figures for leads: churn, the reasons, save rates by offer, and satisfaction
per agent and per kind of case (docs/architecture.md "retention/").

Each figure is a list of rows (dicts) over a window of days, read through the viewer's
permission rule on the rated or cancelled ticket (``complaints.permissions.ticket_filter_for``),
so nobody counts a case they may not see. The figures page, its CSV export and the panel on
the leads' dashboards (``retention/leads_panels.py``) all read these.

- Churn: customers who cancelled in the window over the customers the billing system bills
  (those with a ledger service registered before the window ended), voluntary and
  involuntary (terminated by us) apart. Saved requests (an offer taken) are not churn.
- Reasons: the voluntary cancellations of the window by reason.
- Save rate by offer: how often each offer was shown on the way to a cancellation, and how
  often it was taken instead.
- CSAT per agent and per kind: answers of the window (1-5), their mean, the share of 4 and
  5, the invitations sent and withheld.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Avg, Count, Q
from django.utils import timezone

from accounts import roles
from accounts.roles import AnyUser
from billing.models import LedgerService
from complaints.permissions import ticket_filter_for
from retention.models import Cancellation, CancelReason, SaveOffer, SurveyInvitation, SurveyResponse

FIGURE_ROLES = frozenset({roles.LEAD})
CHURNED = (Cancellation.Status.SENDING, Cancellation.Status.SENT, Cancellation.Status.BY_HAND)
WINDOWS = (7, 30, 90, 365)


def can_read_figures(user: AnyUser) -> bool:
    return roles.has_any_role(user, FIGURE_ROLES)


def _cancellations(user: AnyUser, days: int) -> Any:
    since = timezone.now() - timedelta(days=days)
    visible = ticket_filter_for(user, through="ticket") | Q(ticket__isnull=True)
    if not roles.has_any_role(user, FIGURE_ROLES):
        visible = Q(pk__in=[])
    return Cancellation.objects.filter(created_at__gte=since).filter(visible)


def churn(user: AnyUser, days: int) -> list[dict[str, Any]]:
    end = timezone.localdate()
    billed = (
        LedgerService.objects.filter(customer__isnull=False)
        .filter(Q(registered_on__isnull=True) | Q(registered_on__lte=end))
        .values("customer_id")
        .distinct()
        .count()
    )
    rows = []
    cancellations = _cancellations(user, days).filter(status__in=CHURNED)
    for kind, label in Cancellation.Kind.choices:
        customers = cancellations.filter(kind=kind).values("customer_id").distinct().count()
        services = cancellations.filter(kind=kind).count()
        rows.append({"kind": label, "customers": customers, "services": services,
                     "billed": billed, "rate": customers / billed if billed else None})  # fmt: skip
    return rows


def reason_mix(user: AnyUser, days: int) -> list[dict[str, Any]]:
    voluntary = _cancellations(user, days).filter(
        kind=Cancellation.Kind.VOLUNTARY, status__in=CHURNED
    )
    counts = dict(
        voluntary.values_list("reason").annotate(n=Count("pk")).values_list("reason", "n")
    )
    total = sum(counts.values())
    return [
        {"reason": label, "cancellations": counts.get(value, 0),
         "share": counts.get(value, 0) / total if total else None}
        for value, label in CancelReason.choices
        if counts.get(value) or value != CancelReason.SUSPENDED_FOR_ABUSE
    ]  # fmt: skip


def save_rates(user: AnyUser, days: int) -> list[dict[str, Any]]:
    flows = _cancellations(user, days).filter(kind=Cancellation.Kind.VOLUNTARY)
    rows = []
    for offer in SaveOffer.objects.all():
        shown = flows.filter(offers_shown__contains=[offer.code]).count()
        taken = flows.filter(offer_taken=offer).count()
        rows.append({"offer": offer.title, "kind": offer.get_kind_display(), "shown": shown,
                     "taken": taken, "rate": taken / shown if shown else None})  # fmt: skip
    saved = flows.filter(status=Cancellation.Status.SAVED).count()
    decided = flows.filter(Q(status=Cancellation.Status.SAVED) | Q(status__in=CHURNED)).count()
    rows.append({"offer": "All offers", "kind": "", "shown": decided, "taken": saved,
                 "rate": saved / decided if decided else None})  # fmt: skip
    return rows


def _responses(user: AnyUser, days: int) -> Any:
    since = timezone.now() - timedelta(days=days)
    if not roles.has_any_role(user, FIGURE_ROLES):
        return SurveyResponse.objects.none()
    return SurveyResponse.objects.filter(
        created_at__gte=since, invitation__kind=SurveyInvitation.Kind.CSAT
    ).filter(ticket_filter_for(user, through="invitation__ticket"))


def _invitations(user: AnyUser, days: int) -> Any:
    since = timezone.now() - timedelta(days=days)
    if not roles.has_any_role(user, FIGURE_ROLES):
        return SurveyInvitation.objects.none()
    return SurveyInvitation.objects.filter(
        created_at__gte=since, kind=SurveyInvitation.Kind.CSAT
    ).filter(ticket_filter_for(user, through="ticket"))


def _csat_rows(responses: Any, invitations: Any, key: str, label_of: Any) -> list[dict[str, Any]]:
    answered = {
        row[key]: row
        for row in responses.values(key).annotate(
            answers=Count("pk"), mean=Avg("rating"), good=Count("pk", filter=Q(rating__gte=4))
        )
    }
    invited_key = key.removeprefix("invitation__")
    sent = {
        row[invited_key]: row
        for row in invitations.values(invited_key).annotate(
            sent=Count("pk", filter=~Q(status=SurveyInvitation.Status.WITHHELD)),
            withheld=Count("pk", filter=Q(status=SurveyInvitation.Status.WITHHELD)),
        )
    }
    rows = []
    for value in sorted(set(answered) | set(sent), key=lambda v: str(label_of(v))):
        a, s = answered.get(value, {}), sent.get(value, {})
        answers = a.get("answers", 0)
        rows.append({
            "label": label_of(value), "answers": answers, "mean": a.get("mean"),
            "satisfied": (a.get("good", 0) / answers) if answers else None,
            "sent": s.get("sent", 0), "withheld": s.get("withheld", 0),
        })  # fmt: skip
    return rows


def csat_by_agent(user: AnyUser, days: int) -> list[dict[str, Any]]:
    responses, invitations = _responses(user, days), _invitations(user, days)
    names = dict(
        invitations.filter(agent__isnull=False)
        .values_list("agent_id", "agent__username")
        .distinct()
    )
    return _csat_rows(responses, invitations, "invitation__agent",
                      lambda pk: names.get(pk, "unassigned") if pk else "unassigned")  # fmt: skip


def csat_by_kind(user: AnyUser, days: int) -> list[dict[str, Any]]:
    return _csat_rows(_responses(user, days), _invitations(user, days), "invitation__ticket_kind",
                      lambda kind: kind or "—")  # fmt: skip


def exit_surveys(user: AnyUser, days: int) -> list[dict[str, Any]]:
    since = timezone.now() - timedelta(days=days)
    if not roles.has_any_role(user, FIGURE_ROLES):
        return []
    answers = SurveyResponse.objects.filter(
        created_at__gte=since, invitation__kind=SurveyInvitation.Kind.EXIT
    ).filter(ticket_filter_for(user, through="invitation__ticket"))
    summary = answers.aggregate(n=Count("pk"), mean=Avg("rating"))
    return [{"label": "Exit survey", "answers": summary["n"], "mean": summary["mean"]}]
