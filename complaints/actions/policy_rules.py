"""Policy rules: stored conditions that propose actions (docs/architecture.md "The path of a report").

A rule is data (``PolicyRule``): for open tickets of a classification type, when a condition
holds (days awaiting the customer without an answer, repeat tickets for the customer, events
on the ticket), propose an action. ``policy_rules_dry_run`` shows what the rules would do
without writing anything; ``policy_rules_apply`` (beat, one task per rule) writes proposals.

What a proposal becomes:

- against the provider's own infrastructure (``PROVIDER_CUSTOMER_IDS``) or a ticket with no
  customer: nothing at all;
- a rule not marked automatic, a protected customer, the global switch off, or the hourly
  cap of automatic actions reached: a *requested* action an agent must approve;
- otherwise (automatic rule, switch on, under the cap): an approved action that runs.

The cap is counted under a transaction-scoped advisory lock, so concurrent rule tasks never
exceed it together.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Exists, OuterRef, QuerySet, Subquery
from django.utils import timezone

from complaints.actions.services import action_request, automation_enabled
from complaints.models import Action, Message, PolicyRule, Ticket
from complaints.models.actions import FOUR_EYES_KINDS
from complaints.models.tickets import OPEN_STATUSES
from complaints.restriction import contact_withheld_q

_RATE_LOCK = 0x7453_6441  # advisory lock id guarding the automatic-action count
_ACTIVE = ("requested", "approved", "running", "retrying", "done")


@dataclass(frozen=True)
class Proposal:
    rule_id: int
    rule: str
    ticket_id: int
    customer: str
    kind: str
    outcome: str  # "automatic" | "proposed"
    why: str  # what made the rule fire
    note: str  # why it is only proposed (empty when automatic)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def policy_rule_ids_enabled() -> list[int]:
    return list(PolicyRule.objects.filter(enabled=True).values_list("pk", flat=True))


def _candidates(rule: PolicyRule, now: datetime) -> QuerySet[Ticket]:
    # Never a restricted case (complaints.restriction): legal and investigation kinds
    # included, not only the escalated ones; an action there would tell the customer.
    qs = (
        Ticket.objects.filter(status__in=OPEN_STATUSES, customer__isnull=False)
        .exclude(contact_withheld_q())  # nor a customer under a legal hold
        .exclude(customer__external_id__in=settings.PROVIDER_CUSTOMER_IDS)
    )
    if rule.type:
        qs = qs.filter(type=rule.type)
    # Nothing twice: no proposal when this kind is already pending or done on the ticket.
    qs = qs.exclude(
        Exists(Action.objects.filter(ticket=OuterRef("pk"), kind=rule.proposes, status__in=_ACTIVE))
    )
    if rule.condition == PolicyRule.Condition.NO_CUSTOMER_ANSWER_DAYS:
        last_notice = (
            Message.objects.filter(ticket=OuterRef("pk"), direction="out", visibility="customer")
            .order_by("-created_at")
            .values("created_at")[:1]
        )
        qs = qs.filter(status="awaiting_customer").annotate(last_notice_at=Subquery(last_notice))
        qs = qs.filter(last_notice_at__lte=now - timedelta(days=rule.threshold))
        answered = Message.objects.filter(
            ticket=OuterRef("pk"), direction="in", visibility="customer",
            created_at__gt=OuterRef("last_notice_at"),
        )  # fmt: skip
        qs = qs.exclude(Exists(answered))
    elif rule.condition == PolicyRule.Condition.REPEAT_COUNT:
        since = now - timedelta(days=rule.window_days)
        repeats = (
            Ticket.objects.filter(customer=OuterRef("customer"), type=OuterRef("type"), created_at__gte=since)
            .order_by().values("customer").annotate(n=Count("pk")).values("n")
        )  # fmt: skip
        qs = qs.annotate(repeats=Subquery(repeats)).filter(repeats__gte=rule.threshold)
    elif rule.condition == PolicyRule.Condition.EVENT_COUNT:
        qs = qs.filter(event_count__gte=rule.threshold)
    else:
        return qs.none()
    return qs.select_related("customer").order_by("pk")


def _why(rule: PolicyRule, ticket: Ticket) -> str:
    if rule.condition == PolicyRule.Condition.NO_CUSTOMER_ANSWER_DAYS:
        return f"no answer from the customer for {rule.threshold}+ days"
    if rule.condition == PolicyRule.Condition.REPEAT_COUNT:
        n = getattr(ticket, "repeats", rule.threshold)
        return f"{n} {ticket.type or 'abuse'} tickets within {rule.window_days} days"
    return f"{ticket.event_count} events on the ticket"


def _automatic_used_last_hour(now: datetime) -> int:
    return Action.objects.filter(automatic=True, requested_at__gte=now - timedelta(hours=1)).count()


def _evaluate(rule: PolicyRule, now: datetime) -> list[tuple[Ticket, str, str]]:
    """(ticket, why, note-if-only-proposed) for each ticket the rule fires on."""
    switch_on = automation_enabled()
    out = []
    for ticket in _candidates(rule, now):
        note = ""
        if not rule.automatic or rule.proposes in FOUR_EYES_KINDS:
            note = "rule proposes only"
        elif ticket.customer is not None and ticket.customer.protected:
            note = "protected customer: never automatic"
        elif not switch_on:
            note = "automatic actions are switched off"
        out.append((ticket, _why(rule, ticket), note))
    return out


def policy_rules_dry_run(*, rule_ids: list[int] | None = None) -> list[Proposal]:
    """What the enabled rules would do now, without writing anything (the cap included)."""
    now = timezone.now()
    rules = PolicyRule.objects.filter(enabled=True)
    if rule_ids is not None:
        rules = rules.filter(pk__in=rule_ids)
    budget = max(settings.AUTOMATIC_ACTIONS_PER_HOUR - _automatic_used_last_hour(now), 0)
    proposals = []
    for rule in rules.order_by("pk"):
        for ticket, why, note in _evaluate(rule, now):
            if not note:
                if budget > 0:
                    budget -= 1
                else:
                    note = "hourly cap of automatic actions reached"
            proposals.append(_proposal(rule, ticket, why, note))
    return proposals


def _proposal(rule: PolicyRule, ticket: Ticket, why: str, note: str) -> Proposal:
    return Proposal(
        rule_id=rule.pk, rule=rule.name, ticket_id=ticket.pk,
        customer=ticket.customer.external_id if ticket.customer else "",
        kind=rule.proposes, outcome="proposed" if note else "automatic", why=why, note=note,
    )  # fmt: skip


def policy_rule_apply(*, rule_id: int) -> list[Proposal]:
    """Write the proposals of one rule (one transaction per ticket)."""
    rule = PolicyRule.objects.filter(pk=rule_id, enabled=True).first()
    if rule is None:
        return []
    now = timezone.now()
    done = []
    for ticket, why, note in _evaluate(rule, now):
        proposal = _apply_one(rule, ticket, why, note)
        if proposal is not None:
            done.append(proposal)
    return done


@transaction.atomic
def _apply_one(rule: PolicyRule, ticket: Ticket, why: str, note: str) -> Proposal | None:
    if not note:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_RATE_LOCK])
        # Re-read the switch under the lock: it may have been turned off meanwhile.
        if not automation_enabled():
            note = "automatic actions are switched off"
        elif _automatic_used_last_hour(timezone.now()) >= settings.AUTOMATIC_ACTIONS_PER_HOUR:
            note = "hourly cap of automatic actions reached"
    reason = f"Policy rule “{rule.name}”: {why}." + (f" Proposed only: {note}." if note else "")
    try:
        with transaction.atomic():
            action_request(
                ticket=ticket, kind=rule.proposes, reason=reason, actor=None, rule=rule,
                automatic=not note,
            )  # fmt: skip
    except IntegrityError:
        return None  # another run proposed it first (one open action per rule and ticket)
    return _proposal(rule, ticket, why, note)


def policy_rules_apply() -> list[Proposal]:
    """Apply every enabled rule in this process (beat fans out per rule instead)."""
    out: list[Proposal] = []
    for rule_id in policy_rule_ids_enabled():
        out.extend(policy_rule_apply(rule_id=rule_id))
    return out
