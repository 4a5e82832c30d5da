"""Ticket services shared by every producer of tickets that is not the bulk intake
(listings, deliverability checks, agents' manual cases).

``ticket_open_or_join`` is the one-row form of the intake's aggregation: it returns the open
ticket of an aggregation key or opens one. The partial unique index on open keys makes a
concurrent second opener fail; it then joins the winner's ticket.
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Greatest, Least

from complaints.classification import taxonomy_of
from complaints.models import Ticket
from complaints.models.tickets import OPEN_STATUSES


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
    """The open ticket of ``key`` (created when none is open); ``events`` and ``at`` update
    its counters and clock. Returns (ticket, created)."""
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
