"""A ticket's SLA clocks: due times from the ticket's policy, counted on business hours
where the policy says so, paused while the ticket awaits the customer.

A clock starts when the ticket's first report arrived (``Report.received_at``), never before
it: a report filed late (a worker down, a quarantined report released, an imported archive)
has waited since it came in, and a ticket opened without a report (a listing, a manual case)
starts when it is opened. The intake starts the clocks of the tickets a filing opens in the
filing's transaction (``sla_start_opened``), ``ticket_open_or_join`` those it opens, so a
ticket shows its SLA from the first page it appears on.

``sla_state`` is the ticket's state now, from its clocks: a target missed and still unmet
is "breached"; once it is met (the first answer sent, the ticket resolved) the state says so
("late" while the rest is on time, "missed" or "met" when resolved).

The clocks are Ticket fields, so they are the tickets' own: ``ticket_status_change``
(``complaints.tickets.services``) pauses and resumes them through ``sla_on_status_change``,
to the second. The sweep that starts missing clocks, reconciles pauses and escalates
breaches is the SLA's (``complaints.actions.services.sla``).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import Min
from django.utils import timezone

from complaints.models import BusinessHours, Event, Message, Report, SlaPolicy, Ticket
from complaints.models.tickets import OPEN_STATUSES
from trustsafety.pg_arrays import array_literal

_MAX_DAYS = 3700  # a calendar with no working day must not loop forever


# --- business-time arithmetic -------------------------------------------------------------


def _holidays(calendar: BusinessHours) -> set[date]:
    return {date.fromisoformat(d) for d in calendar.holidays or []}


def _windows(calendar: BusinessHours, start: datetime):  # type: ignore[no-untyped-def]
    """Working windows (aware datetimes) from the day of ``start`` onwards."""
    zone = ZoneInfo(calendar.time_zone)
    weekdays = set(calendar.weekdays or [])
    if not weekdays:
        raise ValueError(f"business hours {calendar.name!r} have no working day")
    holidays = _holidays(calendar)
    day = start.astimezone(zone).date()
    for _ in range(_MAX_DAYS):
        if day.weekday() in weekdays and day not in holidays:
            yield (
                datetime.combine(day, calendar.opens_at, tzinfo=zone),
                datetime.combine(day, calendar.closes_at, tzinfo=zone),
            )
        day += timedelta(days=1)
    raise ValueError("no working window within ten years")


def business_add(calendar: BusinessHours | None, start: datetime, seconds: float) -> datetime:
    """The moment ``seconds`` of working time after ``start``."""
    if calendar is None:
        return start + timedelta(seconds=seconds)
    remaining = timedelta(seconds=seconds)
    for opens, closes in _windows(calendar, start):
        begin = max(opens, start)
        if begin >= closes:
            continue
        if begin + remaining <= closes:
            return (begin + remaining).astimezone(start.tzinfo)
        remaining -= closes - begin
    raise AssertionError("unreachable")  # _windows raises first


def business_seconds_between(
    calendar: BusinessHours | None, start: datetime, end: datetime
) -> float:
    """Working seconds in ``[start, end)`` (0 when end <= start)."""
    if end <= start:
        return 0.0
    if calendar is None:
        return (end - start).total_seconds()
    total = 0.0
    for opens, closes in _windows(calendar, start):
        if opens >= end:
            break
        begin, finish = max(opens, start), min(closes, end)
        if finish > begin:
            total += (finish - begin).total_seconds()
    return total


# --- policy and clocks ---------------------------------------------------------------------


def sla_policy_for(ticket: Ticket) -> SlaPolicy | None:
    """The most specific enabled policy: kind + type, else kind alone."""
    return (
        SlaPolicy.objects.filter(enabled=True, kind=ticket.kind, type__in=[ticket.type, ""])
        .select_related("business_hours")
        .order_by("-type")
        .first()
    )


def sla_start_time(ticket: Ticket) -> datetime:
    """When the ticket's clocks start: its first report's arrival, else its opening."""
    reports = Report.objects.filter(pk__in=Event.objects.filter(ticket=ticket).values("report_id"))
    reports = reports | Report.objects.filter(
        pk__in=Message.objects.filter(ticket=ticket, report__isnull=False).values("report_id")
    )
    arrived = reports.aggregate(first=Min("received_at"))["first"]
    return arrived or ticket.created_at


def _due_times(policy: SlaPolicy, start: datetime) -> tuple[datetime, datetime]:
    hours = policy.business_hours
    return (
        business_add(hours, start, policy.first_response_minutes * 60),
        business_add(hours, start, policy.resolution_minutes * 60),
    )


@transaction.atomic
def sla_start(*, ticket: Ticket) -> bool:
    """Set the due times from the ticket's start (``sla_start_time``); a no-op when they
    are set or no policy applies."""
    policy = sla_policy_for(ticket)
    if policy is None:
        return False
    first, resolution = _due_times(policy, sla_start_time(ticket))
    return bool(
        Ticket.objects.filter(pk=ticket.pk, resolution_due_at__isnull=True).update(
            first_response_due_at=first, resolution_due_at=resolution
        )
    )


def sla_start_opened(starts: dict[int, datetime]) -> int:
    """Start the clocks of tickets just opened, each from the given moment (its first
    report's arrival), in one statement: a feed report opens hundreds. Tickets with clocks
    or without a policy are left alone. Runs in the caller's transaction (the filing's)."""
    if not starts:
        return 0
    policies: dict[tuple[str, str], SlaPolicy] = {
        (p.kind, p.type): p
        for p in SlaPolicy.objects.filter(enabled=True).select_related("business_hours")
    }
    if not policies:
        return 0
    rows = Ticket.objects.filter(pk__in=list(starts), resolution_due_at__isnull=True).values_list(
        "pk", "kind", "type"
    )
    ids: list[int] = []
    firsts: list[datetime] = []
    resolutions: list[datetime] = []
    dues: dict[tuple[int, datetime], tuple[datetime, datetime]] = {}
    for pk, kind, type_ in rows:
        policy = policies.get((kind, type_)) or policies.get((kind, ""))
        if policy is None:
            continue
        key = (policy.pk, starts[pk])
        if key not in dues:  # the tickets of one report share their start
            dues[key] = _due_times(policy, starts[pk])
        ids.append(pk)
        firsts.append(dues[key][0])
        resolutions.append(dues[key][1])
    if not ids:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE complaints_ticket t SET first_response_due_at = u.first, "
            "resolution_due_at = u.resolution "
            "FROM unnest(%s::bigint[], %s::timestamptz[], %s::timestamptz[]) "
            "AS u(id, first, resolution) "
            "WHERE t.id = u.id AND t.resolution_due_at IS NULL",
            [array_literal(ids), array_literal(firsts), array_literal(resolutions)],
        )
        return cursor.rowcount


@transaction.atomic
def sla_pause(*, ticket_id: int, at: datetime | None = None) -> bool:
    at = at or timezone.now()
    return bool(
        Ticket.objects.filter(pk=ticket_id, sla_paused_since__isnull=True).update(
            sla_paused_since=at
        )
    )


@transaction.atomic
def sla_resume(*, ticket_id: int, at: datetime | None = None) -> bool:
    """End a pause: every due time not yet passed moves by the working time paused."""
    at = at or timezone.now()
    ticket = Ticket.objects.select_for_update().filter(pk=ticket_id).first()
    if ticket is None or ticket.sla_paused_since is None:
        return False
    since = ticket.sla_paused_since
    at = max(at, since)
    policy = sla_policy_for(ticket)
    hours = policy.business_hours if policy else None
    updates: dict[str, object] = {
        "sla_paused_since": None,
        "sla_paused_seconds": ticket.sla_paused_seconds + int((at - since).total_seconds()),
    }
    for name in ("first_response_due_at", "resolution_due_at"):
        due = getattr(ticket, name)
        if due is None or due <= since:
            continue  # already passed before the pause: a breach stays a breach
        if name == "first_response_due_at" and ticket.first_responded_at is not None:
            continue
        updates[name] = business_add(hours, at, business_seconds_between(hours, since, due))
    Ticket.objects.filter(pk=ticket_id).update(**updates)
    return True


def sla_on_status_change(*, ticket: Ticket, old: str, new: str, at: datetime | None = None) -> None:
    """The hook for ``ticket_status_change``: pause on awaiting_customer, resume after."""
    if new == Ticket.Status.AWAITING_CUSTOMER and old != new:
        sla_pause(ticket_id=ticket.pk, at=at)
    elif old == Ticket.Status.AWAITING_CUSTOMER and new != old:
        sla_resume(ticket_id=ticket.pk, at=at)


SLA_STATES = {
    "none": "No SLA policy applies",
    "ok": "On time",
    "at_risk": "Due within the hour",
    "breached": "A target is missed and not yet met",
    "late": "A target was met late; the rest is on time",
    "paused": "Paused while awaiting the customer",
    "met": "Resolved within its targets",
    "missed": "Resolved, a target missed",
}


# The word a badge shows for each state (the state's code is its CSS class).
SLA_WORDS = {
    "none": "", "ok": "on time", "at_risk": "due soon", "breached": "breached",
    "late": "late", "paused": "paused", "met": "met", "missed": "missed",
}  # fmt: skip


def _first_late(ticket: Ticket) -> bool:
    """The first answer went out after it was due."""
    due, answered = ticket.first_response_due_at, ticket.first_responded_at
    return due is not None and answered is not None and answered > due


def sla_state(ticket: Ticket, now: datetime | None = None) -> str:
    """The ticket's SLA now, one of ``SLA_STATES``: "breached" while a target is missed and
    still unmet (no first answer past its due time, or unresolved past the resolution due
    time); once met, "late" (the rest on time), and when resolved "met" or "missed"."""
    now = now or timezone.now()
    if ticket.resolution_due_at is None:
        return "none"
    if ticket.status not in OPEN_STATUSES:
        resolved = ticket.resolved_at or now
        on_time = resolved <= ticket.resolution_due_at and not _first_late(ticket)
        if ticket.first_responded_at is None and ticket.first_response_due_at is not None:
            on_time = on_time and resolved <= ticket.first_response_due_at
        return "met" if on_time else "missed"
    if ticket.sla_paused_since is not None:
        return "paused"
    dues = [ticket.resolution_due_at]
    if ticket.first_responded_at is None and ticket.first_response_due_at is not None:
        dues.append(ticket.first_response_due_at)
    nearest = min(dues)
    if nearest <= now:
        return "breached"
    if nearest - now <= timedelta(hours=1):
        return "at_risk"
    return "late" if _first_late(ticket) else "ok"


def sla_target_missed(ticket: Ticket, now: datetime | None = None) -> bool:
    """A target is missed and still unmet now: what ``sla_breached`` records."""
    return sla_state(ticket, now) == "breached"


@transaction.atomic
def sla_first_response_record(*, ticket_id: int, at: datetime) -> bool:
    """A person's first answer to the customer or a reporter went out at ``at``: the first
    response target is met (on time or late), at once rather than at the next sweep."""
    recorded = Ticket.objects.filter(pk=ticket_id, first_responded_at__isnull=True).update(
        first_responded_at=at
    )
    if recorded:
        sla_breach_settle(ticket_id=ticket_id, now=at)
    return bool(recorded)


@transaction.atomic
def sla_breach_settle(*, ticket_id: int, now: datetime | None = None) -> bool:
    """Clear ``sla_breached`` once no target is missed any more (the first answer sent and
    the resolution still ahead, or the ticket resolved): the queue's "breached" then means
    breached now. The breach stays in the ticket's notes and its escalation. Returns
    whether it was cleared."""
    ticket = (
        Ticket.objects.select_for_update().defer("search_vector")
        .filter(pk=ticket_id, sla_breached=True).first()
    )  # fmt: skip
    if ticket is None or sla_target_missed(ticket, now):
        return False
    return bool(Ticket.objects.filter(pk=ticket_id).update(sla_breached=False))
