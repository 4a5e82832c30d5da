"""Ticket services: the one place each state change of a ticket is written.

- Changes made by people: assign, change status, merge. The queue's bulk actions, the ticket
  page, mediation and the API all call these, so every change writes its TicketChange
  history row (the timeline's "who changed what, when") in the same transaction as the
  change. Callers authorize first (``complaints.permissions``); the services check only what
  makes a change invalid whoever asks.
- ``ticket_note_add``: the one writer of internal notes, for agents (through mediation),
  the SLA sweep and the reputation watch alike.
- ``ticket_open_or_join`` for every producer of tickets that is not the bulk intake
  (listings, deliverability checks, compromise marks, agents' manual cases): the one-row form
  of the intake's aggregation. It returns the open ticket of an aggregation key or opens one;
  the partial unique index on open keys makes a concurrent second opener fail, and it then
  joins the winner's ticket.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Max, Min
from django.db.models.functions import Greatest, Least
from django.utils import timezone

from complaints.audit import audit_record
from complaints.classification import taxonomy_of
from complaints.models import Event, Message, Party, Ticket, TicketChange
from complaints.models.tickets import OPEN_STATUSES
from complaints.permissions import can_see_ticket
from complaints.tickets.clocks import sla_breach_settle, sla_on_status_change, sla_start
from customers.models import Customer

CLOSED_STATUSES = (Ticket.Status.RESOLVED, Ticket.Status.CLOSED)
NOTE_MAX_CHARS = 200_000


def _username(user_id: int | None) -> str:
    if user_id is None:
        return ""
    User = get_user_model()
    return User.objects.filter(pk=user_id).values_list(User.USERNAME_FIELD, flat=True).first() or ""


def _audit(actor_id: int | None, verb: str, ticket_id: int, detail: dict[str, object]) -> None:
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
    # The SLA clocks pause while awaiting the customer; resolving meets the targets left.
    sla_on_status_change(ticket=locked, old=old, new=status, at=now)
    if locked.sla_breached and status in CLOSED_STATUSES:
        locked.sla_breached = not sla_breach_settle(ticket_id=locked.pk, now=now)
    return locked


@transaction.atomic
def ticket_note_add(
    *, ticket: Ticket | int, subject: str, body: str, author_id: int | None = None
) -> Message:
    """An internal note on the ticket: recorded, never sent, seen only by those who may see
    the ticket. ``author_id`` is None for the desk's own notes (SLA breaches, listings,
    compromise marks, deliverability checks)."""
    ticket_id = ticket.pk if isinstance(ticket, Ticket) else ticket
    return Message.objects.create(
        ticket_id=ticket_id,
        direction=Message.Direction.NOTE,
        visibility=Message.Visibility.INTERNAL,
        kind=Message.Kind.NOTE,
        status=Message.Status.RECORDED,
        subject=subject[:998],
        body=body[:NOTE_MAX_CHARS],
        author_id=author_id,
    )


def _merge_refuse_mixed(into: Ticket, sources: list[Ticket]) -> None:
    """One merged ticket is one case of one customer: folding another customer's events in
    would show them (and their evidence) to this customer in every notice and self-service
    page, and act against the wrong customer; another kind (a billing question into an
    abuse case) would put it under the wrong team, SLA and rules."""
    others = [t for t in sources if t.customer_id != into.customer_id]
    if others:
        ids = {c for c in (into.customer_id, *(t.customer_id for t in others)) if c is not None}
        names = dict(Customer.objects.filter(pk__in=ids).values_list("pk", "name"))

        def name(customer_id: int | None) -> str:
            return names.get(customer_id, "no customer") if customer_id else "no customer"

        listed = ", ".join(f"#{t.pk} ({name(t.customer_id)})" for t in others)
        raise ValidationError(
            f"Tickets of different customers are not merged: #{into.pk} "
            f"({name(into.customer_id)}), {listed}."
        )
    others = [t for t in sources if t.kind != into.kind]
    if others:
        listed = ", ".join(f"#{t.pk} ({t.get_kind_display().lower()})" for t in others)
        raise ValidationError(
            f"Tickets of different kinds are not merged: #{into.pk} "
            f"({into.get_kind_display().lower()}), {listed}."
        )


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
    _merge_refuse_mixed(into, [locked[s] for s in source_ids])

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


@transaction.atomic
def ticket_open_or_join(
    *,
    key: str,
    kind: str,
    subject: str,
    customer_id: int | None,
    type_: str = "",
    resource: str = "",
    service_id: int | None = None,
    at: datetime | None = None,
    events: int = 0,
) -> tuple[Ticket, bool]:
    """The open ticket of ``key`` (created when none is open, its SLA clocks started);
    ``events`` and ``at`` update its counters and event times. Returns (ticket, created)."""
    ticket = (
        Ticket.objects.select_for_update()
        .filter(aggregation_key=key, status__in=OPEN_STATUSES)
        .first()
    )
    created = False
    if ticket is None:
        try:
            with transaction.atomic():
                ticket = Ticket.objects.create(
                    aggregation_key=key,
                    kind=kind,
                    subject=subject[:300],
                    customer_id=customer_id,
                    service_id=service_id,
                    type=type_,
                    taxonomy=taxonomy_of(type_) if type_ else "",
                    resource=resource[:300],
                    needs_triage=customer_id is None,
                    first_event_at=at,
                    last_event_at=at,
                    event_count=events,
                )
                created = True
        except IntegrityError:
            ticket = Ticket.objects.select_for_update().get(
                aggregation_key=key, status__in=OPEN_STATUSES
            )
    if created and sla_start(ticket=ticket):
        ticket.refresh_from_db(fields=["first_response_due_at", "resolution_due_at"])
    if not created and (events or at):
        updates: dict[str, object] = {"event_count": F("event_count") + events}
        if at is not None:
            updates["last_event_at"] = (
                Greatest(F("last_event_at"), at) if ticket.last_event_at else at
            )
            updates["first_event_at"] = (
                Least(F("first_event_at"), at) if ticket.first_event_at else at
            )
        Ticket.objects.filter(pk=ticket.pk).update(**updates)
        ticket.refresh_from_db()
    return ticket, created
