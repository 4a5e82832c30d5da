"""SLA clocks: due times from the ticket's policy, counted on business hours where the policy
says so, paused while awaiting the customer, and breaches escalated (Celery beat).

The clocks are Ticket fields. They are kept right two ways: ``sla_on_status_change`` is the
one-line hook for the status-change service, and ``sla_sweep`` (beat, every minute) starts
missing clocks, reconciles pauses and first responses with the ticket's status and
messages, and escalates breaches. The sweep alone is enough for correctness; the hook makes
the pause exact to the second.

Escalation of a breach: the ticket is marked ``sla_breached`` (which the queue shows and
filters), an internal note is added, and a Notification goes to every lead who may see the
ticket — for restricted tickets, to the members of the restricted group instead, so a breach
never tells anyone about a ticket they may not see.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F, Min, Q
from django.utils import timezone

from accounts import roles
from complaints import permissions
from complaints.audit import audit_record
from complaints.models import BusinessHours, Message, Notification, SlaPolicy, Ticket, TicketChange
from complaints.models.tickets import OPEN_STATUSES

START_LOOKBACK = timedelta(days=14)  # the sweep starts clocks of tickets this young
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


@transaction.atomic
def sla_start(*, ticket: Ticket) -> bool:
    """Set the due times from the ticket's creation (no-op when set or no policy)."""
    policy = sla_policy_for(ticket)
    if policy is None:
        return False
    hours = policy.business_hours
    start = ticket.created_at
    return bool(
        Ticket.objects.filter(pk=ticket.pk, resolution_due_at__isnull=True).update(
            first_response_due_at=business_add(hours, start, policy.first_response_minutes * 60),
            resolution_due_at=business_add(hours, start, policy.resolution_minutes * 60),
        )
    )


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


def sla_state(ticket: Ticket, now: datetime | None = None) -> str:
    """ "breached" | "paused" | "at_risk" (under an hour left) | "ok" | "none"."""
    now = now or timezone.now()
    if ticket.sla_breached:
        return "breached"
    if ticket.resolution_due_at is None:
        return "none"
    if ticket.sla_paused_since is not None:
        return "paused"
    dues = [ticket.resolution_due_at]
    if ticket.first_responded_at is None and ticket.first_response_due_at is not None:
        dues.append(ticket.first_response_due_at)
    nearest = min(dues)
    if nearest <= now:
        return "breached"
    return "at_risk" if nearest - now <= timedelta(hours=1) else "ok"


# --- the sweep -----------------------------------------------------------------------------


def _last_status_change_at(ticket_id: int) -> datetime | None:
    change = (
        TicketChange.objects.filter(ticket_id=ticket_id, field="status")
        .order_by("-created_at")
        .first()
    )
    return change.created_at if change else None


def sla_sweep(*, now: datetime | None = None, limit: int = 5000) -> dict[str, int]:
    now = now or timezone.now()
    counts = {"started": 0, "paused": 0, "resumed": 0, "responded": 0, "breached": 0}
    fresh = Ticket.objects.filter(
        status__in=OPEN_STATUSES,
        resolution_due_at__isnull=True,
        created_at__gte=now - START_LOOKBACK,
    )
    for ticket in fresh.order_by("pk")[:limit]:
        counts["started"] += sla_start(ticket=ticket)
    to_pause = Ticket.objects.filter(status="awaiting_customer", sla_paused_since__isnull=True)
    for ticket_id in to_pause.values_list("pk", flat=True)[:limit]:
        counts["paused"] += sla_pause(
            ticket_id=ticket_id, at=_last_status_change_at(ticket_id) or now
        )
    to_resume = Ticket.objects.filter(sla_paused_since__isnull=False).exclude(
        status="awaiting_customer"
    )
    for ticket_id in to_resume.values_list("pk", flat=True)[:limit]:
        counts["resumed"] += sla_resume(
            ticket_id=ticket_id, at=_last_status_change_at(ticket_id) or now
        )
    counts["responded"] = _record_first_responses(limit)
    for ticket_id in _breached_ids(now, limit):
        counts["breached"] += sla_escalate_breach(ticket_id=ticket_id, now=now)
    return counts


def _record_first_responses(limit: int) -> int:
    waiting = Ticket.objects.filter(
        status__in=OPEN_STATUSES,
        first_responded_at__isnull=True,
        first_response_due_at__isnull=False,
    )
    firsts = (
        Message.objects.filter(
            ticket__in=waiting.values("pk")[:limit], direction="out", author__isnull=False,
            visibility__in=["customer", "reporter"],
        )
        .values("ticket_id").annotate(first=Min("created_at"))
    )  # fmt: skip
    n = 0
    for row in firsts:
        n += Ticket.objects.filter(pk=row["ticket_id"], first_responded_at__isnull=True).update(
            first_responded_at=row["first"]
        )
    return n


def _breached_ids(now: datetime, limit: int) -> list[int]:
    late_first = Q(first_responded_at__isnull=True, first_response_due_at__lte=now) | Q(
        first_responded_at__gt=F("first_response_due_at")
    )
    late = Ticket.objects.filter(
        status__in=OPEN_STATUSES, sla_breached=False, sla_paused_since__isnull=True
    ).filter(late_first | Q(resolution_due_at__lte=now))
    return list(late.order_by("resolution_due_at").values_list("pk", flat=True)[:limit])


def _escalation_recipients(ticket: Ticket) -> list:  # type: ignore[type-arg]
    users = get_user_model().objects.filter(is_active=True)
    if ticket.restricted_group:
        candidates = users.filter(groups__name=ticket.restricted_group)
    else:
        candidates = users.filter(groups__name=roles.LEAD)
    return [user for user in candidates.distinct() if permissions.can_see_ticket(user, ticket)]


@transaction.atomic
def sla_escalate_breach(*, ticket_id: int, now: datetime | None = None) -> bool:
    """Mark one breach, note it and notify: once per ticket, whoever runs the sweep."""
    now = now or timezone.now()
    ticket = (
        Ticket.objects.select_for_update(skip_locked=True)
        .filter(pk=ticket_id, sla_breached=False).first()
    )  # fmt: skip
    if ticket is None:
        return False
    first_late = ticket.first_response_due_at is not None and (
        (ticket.first_responded_at is None and ticket.first_response_due_at <= now)
        or (
            ticket.first_responded_at is not None
            and ticket.first_responded_at > ticket.first_response_due_at
        )
    )
    which = "first response" if first_late else "resolution"
    due = ticket.first_response_due_at if first_late else ticket.resolution_due_at
    Ticket.objects.filter(pk=ticket.pk).update(sla_breached=True)
    text = f"SLA breached: {which} was due {due:%Y-%m-%d %H:%M} UTC on ticket #{ticket.pk}."
    Message.objects.create(
        ticket=ticket, direction=Message.Direction.NOTE, visibility=Message.Visibility.INTERNAL,
        kind=Message.Kind.NOTE, status=Message.Status.RECORDED, subject="SLA breach", body=text,
    )  # fmt: skip
    for user in _escalation_recipients(ticket):
        try:
            with transaction.atomic():
                Notification.objects.create(
                    recipient=user, ticket=ticket, verb="sla_breach", text=text
                )
        except IntegrityError:
            pass  # already told
    audit_record(actor=None, verb="sla.breached", ticket=ticket, detail={"which": which})
    return True


def notifications_for(user, *, unread_only: bool = True):  # type: ignore[no-untyped-def]
    """A user's notifications, limited to tickets they may still see."""
    qs = Notification.objects.filter(recipient=user)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    visible = permissions.tickets_visible_to(user).values("pk")
    return qs.filter(Q(ticket__isnull=True) | Q(ticket__in=visible)).select_related("ticket")


def notifications_mark_read(*, user) -> int:  # type: ignore[no-untyped-def]
    """Mark all of a user's unread notifications read; returns how many."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
