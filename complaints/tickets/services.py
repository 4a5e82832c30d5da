"""State changes of tickets made by people: assign, change status, merge.

The queue's bulk actions, the ticket page, mediation and the API all call these, so every
change writes its TicketChange history row (the timeline's "who changed what, when") in the
same transaction as the change. Callers authorize first (``complaints.permissions``); the
services check only what makes a change invalid whoever asks.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Max, Min
from django.utils import timezone

from complaints.models import Event, Message, Party, Ticket, TicketChange
from complaints.models.tickets import OPEN_STATUSES
from complaints.permissions import can_see_ticket

CLOSED_STATUSES = (Ticket.Status.RESOLVED, Ticket.Status.CLOSED)


def _username(user_id: int | None) -> str:
    if user_id is None:
        return ""
    User = get_user_model()
    return User.objects.filter(pk=user_id).values_list(User.USERNAME_FIELD, flat=True).first() or ""


def _audit(actor_id: int | None, verb: str, ticket_id: int, detail: dict[str, object]) -> None:
    from complaints.audit import audit_record

    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    audit_record(actor=actor, verb=verb, ticket=ticket_id, detail=detail)


def _locked(ticket: Ticket | int) -> Ticket:
    pk = ticket.pk if isinstance(ticket, Ticket) else ticket
    return Ticket.objects.select_for_update().defer("search_vector").get(pk=pk)


@transaction.atomic
def ticket_assign(
    *, ticket: Ticket | int, assignee_id: int | None, actor_id: int | None, note: str = ""
) -> Ticket:
    """Give the ticket to ``assignee_id`` (None: unassign). The assignee must be able to see
    the ticket: a legal case is never handed to an agent by a bulk action."""
    locked = _locked(ticket)
    if locked.assignee_id == assignee_id:
        return locked
    if assignee_id is not None:
        assignee = get_user_model().objects.filter(pk=assignee_id, is_active=True).first()
        if assignee is None:
            raise ValidationError("No such active user.")
        if not can_see_ticket(assignee, locked):
            raise ValidationError(f"{_username(assignee_id)} may not work ticket #{locked.pk}.")
    old = locked.assignee_id
    Ticket.objects.filter(pk=locked.pk).update(assignee_id=assignee_id, updated_at=timezone.now())
    TicketChange.objects.create(
        ticket=locked,
        actor_id=actor_id,
        field="assignee",
        old_value=_username(old),
        new_value=_username(assignee_id),
        note=note[:500],
    )
    locked.assignee_id = assignee_id
    _audit(
        actor_id,
        "ticket.assigned",
        locked.pk,
        {"from": _username(old), "to": _username(assignee_id)},
    )
    return locked


@transaction.atomic
def ticket_status_change(
    *, ticket: Ticket | int, status: str, actor_id: int | None, note: str = ""
) -> Ticket:
    """Move the ticket to ``status``. Resolved and closed set ``resolved_at``; reopening
    clears it — unless another ticket of the same aggregation key is open meanwhile (one
    open ticket per key), which is refused with a reason."""
    if status not in Ticket.Status.values:
        raise ValidationError(f"Unknown status {status!r}.")
    locked = _locked(ticket)
    old = locked.status
    if old == status:
        return locked
    now = timezone.now()
    updates: dict[str, object] = {"status": status, "updated_at": now}
    if status in CLOSED_STATUSES and old not in CLOSED_STATUSES:
        updates["resolved_at"] = now
    elif status in OPEN_STATUSES:
        updates["resolved_at"] = None
    try:
        with transaction.atomic():
            Ticket.objects.filter(pk=locked.pk).update(**updates)
    except IntegrityError as exc:
        other = (
            Ticket.objects.filter(aggregation_key=locked.aggregation_key, status__in=OPEN_STATUSES)
            .exclude(pk=locked.pk)
            .values_list("pk", flat=True)
            .first()
        )
        raise ValidationError(
            f"Ticket #{other} is open for the same case; merge into it instead of reopening."
        ) from exc
    TicketChange.objects.create(
        ticket=locked, actor_id=actor_id, field="status", old_value=old, new_value=status,
        note=note[:500],
    )  # fmt: skip
    for name, value in updates.items():
        setattr(locked, name, value)
    _audit(actor_id, "ticket.status_changed", locked.pk, {"from": old, "to": status})
    from complaints import sla  # the SLA clocks pause while awaiting the customer

    sla.sla_on_status_change(ticket=locked, old=old, new=status, at=now)
    return locked


@transaction.atomic
def tickets_merge(
    *, target: Ticket | int, sources: Sequence[Ticket | int], actor_id: int | None
) -> Ticket:
    """Fold ``sources`` into ``target``: their events, messages and parties move to the
    target, its counters and clock are recomputed, and each source is closed with a history
    row saying where it went."""
    target_id = target.pk if isinstance(target, Ticket) else target
    source_ids = sorted({s.pk if isinstance(s, Ticket) else s for s in sources} - {target_id})
    if not source_ids:
        raise ValidationError("Choose at least one other ticket to merge.")
    # Lock in id order so two merges over overlapping tickets cannot deadlock.
    locked = {
        t.pk: t
        for t in Ticket.objects.select_for_update()
        .defer("search_vector")
        .filter(pk__in=[target_id, *source_ids])
        .order_by("pk")
    }
    if target_id not in locked or len(locked) != len(source_ids) + 1:
        raise ValidationError("A ticket to merge no longer exists.")
    into = locked[target_id]
    if into.restricted_group or any(
        locked[s].restricted_group != into.restricted_group for s in source_ids
    ):
        raise ValidationError("Restricted tickets are not merged.")

    Event.objects.filter(ticket_id__in=source_ids).update(ticket_id=target_id)
    # Parties are unique per (ticket, role, address): a party the target already has keeps
    # the target's row, and the source's messages point at it.
    existing = {(p.role, p.email.lower()): p.pk for p in Party.objects.filter(ticket_id=target_id)}
    for party in Party.objects.filter(ticket_id__in=source_ids).order_by("pk"):
        key = (party.role, party.email.lower())
        if key in existing:
            Message.objects.filter(party_id=party.pk).update(party_id=existing[key])
            party.delete()
        else:
            Party.objects.filter(pk=party.pk).update(ticket_id=target_id)
            existing[key] = party.pk
    Message.objects.filter(ticket_id__in=source_ids).update(ticket_id=target_id)

    totals = Event.objects.filter(ticket_id=target_id).aggregate(
        n=Count("id"), reports=Count("report_id", distinct=True),
        first=Min("observed_at"), last=Max("observed_at"),
    )  # fmt: skip
    now = timezone.now()
    Ticket.objects.filter(pk=target_id).update(
        event_count=totals["n"], report_count=totals["reports"],
        first_event_at=totals["first"] or into.first_event_at,
        last_event_at=totals["last"] or into.last_event_at, updated_at=now,
    )  # fmt: skip
    Ticket.objects.filter(pk__in=source_ids).update(event_count=0, report_count=0, updated_at=now)
    merged = ", ".join(f"#{s}" for s in source_ids)
    TicketChange.objects.create(
        ticket_id=target_id, actor_id=actor_id, field="merged", new_value=merged[:300],
        note=f"Merged {merged} into this ticket"[:500],
    )  # fmt: skip
    for source_id in source_ids:
        TicketChange.objects.create(
            ticket_id=source_id, actor_id=actor_id, field="merged_into", new_value=f"#{target_id}"
        )
        if locked[source_id].status != Ticket.Status.CLOSED:
            ticket_status_change(
                ticket=source_id, status=Ticket.Status.CLOSED, actor_id=actor_id,
                note=f"Merged into #{target_id}",
            )  # fmt: skip
    _audit(actor_id, "ticket.merged", target_id, {"sources": source_ids})
    with connection.cursor() as cursor:
        cursor.execute("SELECT tsd_tickets_rederive(%s::bigint[])", [[target_id, *source_ids]])
    into.refresh_from_db()
    return into
