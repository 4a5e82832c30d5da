"""The SLA sweep and its escalations (Celery beat).

The clocks are Ticket fields (``complaints.tickets.clocks``: due times on business hours,
paused while awaiting the customer). They are kept right two ways: the status-change service
pauses and resumes them to the second (``sla_on_status_change``), and ``sla_sweep`` (beat,
every minute) starts missing clocks, reconciles pauses and first responses with the
ticket's status and messages, and escalates breaches. The sweep alone is enough for
correctness; the hook makes the pause exact to the second.

Escalation of a breach: the ticket is marked ``sla_breached`` (which the queue shows and
filters), an internal note is added, and a Notification goes to every lead who may see the
ticket — for restricted tickets, to the members of the restricted group instead, so a breach
never tells anyone about a ticket they may not see. The mark means "breached now": once the
target is met (the first answer sent, the ticket resolved) it is cleared
(``clocks.sla_breach_settle``), and a first answer sent late is not a breach again.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Min, Q
from django.utils import timezone

from accounts import roles
from complaints import permissions
from complaints.audit import audit_record
from complaints.models import Message, Notification, Ticket, TicketChange
from complaints.models.tickets import OPEN_STATUSES
from complaints.tickets.clocks import sla_breach_settle, sla_pause, sla_resume, sla_start
from complaints.tickets.services import ticket_note_add

START_LOOKBACK = timedelta(days=14)  # the sweep starts clocks of tickets this young


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
    counts = {
        "started": 0, "paused": 0, "resumed": 0, "responded": 0, "settled": 0, "breached": 0,
    }  # fmt: skip
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
    # A breach whose target has been met since (the first answer sent) is breached no more.
    flagged = Ticket.objects.filter(sla_breached=True, status__in=OPEN_STATUSES)
    for ticket_id in flagged.values_list("pk", flat=True)[:limit]:
        counts["settled"] += sla_breach_settle(ticket_id=ticket_id, now=now)
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
    # Only a target missed and still unmet: a first answer sent late has met it (late).
    late_first = Q(first_responded_at__isnull=True, first_response_due_at__lte=now)
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
    first_late = (
        ticket.first_response_due_at is not None
        and ticket.first_responded_at is None
        and ticket.first_response_due_at <= now
    )
    which = "first response" if first_late else "resolution"
    due = ticket.first_response_due_at if first_late else ticket.resolution_due_at
    Ticket.objects.filter(pk=ticket.pk).update(sla_breached=True)
    text = f"SLA breached: {which} was due {due:%Y-%m-%d %H:%M} UTC on ticket #{ticket.pk}."
    ticket_note_add(ticket=ticket, subject="SLA breach", body=text)
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
