"""Read queries and access rules for reports, shared by the REST API, the intake pages and
the quarantine, so each applies one permission filter (the reach rule itself,
``reports_reaching_only_visible``, is ``complaints.permissions``': the ticket pages apply it
too).

Who sees which report:
- agents, leads and admins: a report only when *every* ticket it reaches is one they may
  see (``complaints.permissions``). A report reaches a ticket through its events (what it
  complained about) and through the messages it became (a reply or bounce threaded onto a
  ticket by ``complaints.mediation.inbound`` has no event at all, only ``Message.report``): a
  customer's answer to an investigation, or a bounce of a legal case's mail, is the
  restricted case's mail whatever else it mentions;
- an outside reporter (API token): only the reports it submitted itself, i.e. those with a
  receipt made with one of its tokens;
- anyone else: none.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from accounts import roles
from complaints.intake.reporter_tokens import ReporterPrincipal
from complaints.models import Event, Receipt, Report, Reporter
from complaints.permissions import reports_reaching_only_visible

REPORT_SUBMITTERS = frozenset({roles.AGENT, roles.LEAD, roles.ADMIN})
QUARANTINE_VIEWERS = frozenset({roles.LEAD, roles.ADMIN})
QUARANTINE_MANAGERS = frozenset({roles.ADMIN})
MAX_EVENTS_SHOWN = 500


def reporter_of(user: object) -> Reporter | None:
    """The ``Reporter`` behind an API request authenticated by a reporter token, else None."""
    return user.reporter if isinstance(user, ReporterPrincipal) else None


def can_submit_reports(user: roles.AnyUser) -> bool:
    return roles.has_any_role(user, REPORT_SUBMITTERS)


def can_view_quarantine(user: roles.AnyUser) -> bool:
    return roles.has_any_role(user, QUARANTINE_VIEWERS)


def can_reprocess(user: roles.AnyUser) -> bool:
    return roles.has_any_role(user, QUARANTINE_MANAGERS)


def reports_visible_to(user: object) -> QuerySet[Report]:
    """Reports ``user`` (a desk user or a ``ReporterPrincipal``) may read."""
    reporter = reporter_of(user)
    if reporter is not None:
        own = Receipt.objects.filter(report=OuterRef("pk"), reporter_token__reporter=reporter)
        return Report.objects.filter(Exists(own))
    if not can_submit_reports(user):  # type: ignore[arg-type]
        return Report.objects.none()
    return reports_reaching_only_visible(user, Report.objects.all())  # type: ignore[arg-type]


def report_events(report: Report, limit: int = MAX_EVENTS_SHOWN) -> list[Event]:
    """The report's first ``limit`` events with what they were attributed to."""
    return list(
        Event.objects.filter(report=report).select_related("customer").order_by("id")[:limit]
    )


def report_ticket_ids(report: Report) -> list[int]:
    return sorted(
        Event.objects.filter(report=report, ticket__isnull=False)
        .values_list("ticket_id", flat=True)
        .distinct()
    )


@dataclass(frozen=True)
class QuarantinePage:
    reports: list[Report]
    next_before: int | None  # the keyset cursor of the next (older) page


def _quarantined(user: roles.AnyUser | None) -> QuerySet[Report]:
    """Quarantined reports, without those ``user`` may not see (None: all of them, for the
    system's own use). A reply threaded onto a restricted case and quarantined later stays
    that case's mail."""
    quarantined = Report.objects.filter(status=Report.Status.QUARANTINED)
    return quarantined if user is None else reports_reaching_only_visible(user, quarantined)


def quarantine_counts(*, user: roles.AnyUser | None = None) -> list[tuple[str, int]]:
    """(reason, count) of quarantined reports ``user`` may see, most frequent first."""
    rows = (
        _quarantined(user)
        .values("quarantine_reason")
        .annotate(n=Count("id"))
        .order_by("-n", "quarantine_reason")
    )
    return [(row["quarantine_reason"], row["n"]) for row in rows]


def quarantine_page(
    *,
    reason: str = "",
    before: int | None = None,
    size: int = 50,
    user: roles.AnyUser | None = None,
) -> QuarantinePage:
    """Quarantined reports ``user`` may see, newest first, keyset-paginated by id
    (``before``: exclusive)."""
    query = Q()
    if reason:
        query &= Q(quarantine_reason=reason)
    if before is not None:
        query &= Q(pk__lt=before)
    rows = list(
        _quarantined(user)
        .filter(query)
        .defer("evidence", "data", "summary")
        .order_by("-pk")[: size + 1]
    )
    more = len(rows) > size
    rows = rows[:size]
    return QuarantinePage(rows, rows[-1].pk if more and rows else None)
