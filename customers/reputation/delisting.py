"""Delisting requests: the ask to a blocklist or a mailbox provider, its follow-ups, and
reminders when a pending one goes stale.

A request is pending while ``open`` (not yet sent) or ``submitted``; every change writes a
``DelistingEvent``. Reminders (beat, hourly) fall due at ``next_reminder_at``, which
creation and every follow-up push ``DELISTING_REMIND_DAYS`` ahead: a request nobody touches
is reminded about once per period, on the request and on the listing's ticket.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from complaints.tickets.services import ticket_note_add
from customers.reputation.models import DelistingEvent, DelistingRequest, Listing

PENDING = (DelistingRequest.Status.OPEN, DelistingRequest.Status.SUBMITTED)
FINAL = (
    DelistingRequest.Status.GRANTED,
    DelistingRequest.Status.REFUSED,
    DelistingRequest.Status.CLOSED,
)

# The provider to ask about a listing, guessed from the zone's name.
_PROVIDER_OF_ZONE = {
    "spamhaus": DelistingRequest.Provider.SPAMHAUS,
    "spamcop": DelistingRequest.Provider.SPAMCOP,
    "barracuda": DelistingRequest.Provider.BARRACUDA,
    "uceprotect": DelistingRequest.Provider.UCEPROTECT,
    "mailspike": DelistingRequest.Provider.MAILSPIKE,
    "surriel": DelistingRequest.Provider.PSBL,
    "psbl": DelistingRequest.Provider.PSBL,
}


def provider_for_zone(zone_name: str) -> str:
    lowered = zone_name.lower()
    for needle, provider in _PROVIDER_OF_ZONE.items():
        if needle in lowered:
            return provider
    return DelistingRequest.Provider.OTHER


def _reminder_from(moment: datetime) -> datetime:
    return moment + timedelta(days=settings.DELISTING_REMIND_DAYS)


@transaction.atomic
def delisting_request_create(
    *,
    provider: str,
    user_id: int | None,
    listing_id: int | None = None,
    resource: str = "",
    customer_id: int | None = None,
    reference: str = "",
    status: str = DelistingRequest.Status.OPEN,
    note: str = "",
    requested_at: datetime | None = None,
) -> DelistingRequest:
    """A request for one listing (resource and customer taken from it) or for a mailbox
    provider about any resource."""
    now = requested_at or timezone.now()
    listing = Listing.objects.select_related("zone").get(pk=listing_id) if listing_id else None
    if listing is not None:
        resource = resource or listing.resource
        customer_id = customer_id or listing.customer_id
    request = DelistingRequest.objects.create(
        listing=listing,
        provider=provider,
        resource=resource.strip()[:253],
        customer_id=customer_id,
        requested_at=now,
        requested_by_id=user_id,
        reference=reference.strip()[:200],
        status=status,
        next_reminder_at=_reminder_from(now) if status in PENDING else None,
        closed_at=now if status in FINAL else None,
    )
    DelistingEvent.objects.create(
        request=request,
        kind=DelistingEvent.Kind.CREATED,
        new_status=status,
        text=note,
        author_id=user_id,
        at=now,
    )
    if listing is not None and listing.ticket_id:
        ticket_note_add(
            ticket=listing.ticket_id,
            subject=f"Delisting requested from {request.get_provider_display()}",
            body=f"{request.get_provider_display()} asked to delist {request.resource}"
            + (f" (reference {request.reference})" if request.reference else "")
            + (f".\n\n{note}" if note else "."),
            author_id=user_id,
        )
    return request


@transaction.atomic
def delisting_request_update(
    *,
    request_id: int,
    user_id: int | None,
    status: str | None = None,
    reference: str | None = None,
    outcome: str | None = None,
    note: str = "",
    next_reminder_at: datetime | None = None,
) -> DelistingRequest:
    """Record a follow-up: a status change, the provider's reference, the outcome, a note,
    or a chosen reminder date. Any follow-up on a pending request restarts its reminder."""
    request = DelistingRequest.objects.select_for_update().get(pk=request_id)
    now = timezone.now()
    old = request.status
    fields = ["updated_at"]
    if reference is not None and reference.strip() != request.reference:
        request.reference = reference.strip()[:200]
        fields.append("reference")
    if outcome is not None and outcome.strip() != request.outcome:
        request.outcome = outcome.strip()
        fields.append("outcome")
    if status and status != old:
        request.status = status
        fields.append("status")
        DelistingEvent.objects.create(
            request=request,
            kind=DelistingEvent.Kind.STATUS,
            old_status=old,
            new_status=status,
            text=note,
            author_id=user_id,
            at=now,
        )
        if status in FINAL:
            request.closed_at = now
            request.next_reminder_at = None
            fields += ["closed_at", "next_reminder_at"]
    elif note:
        DelistingEvent.objects.create(
            request=request, kind=DelistingEvent.Kind.NOTE, text=note, author_id=user_id, at=now
        )
    if request.status in PENDING:
        request.next_reminder_at = next_reminder_at or _reminder_from(now)
        request.closed_at = None
        fields += ["next_reminder_at", "closed_at"]
    request.save(update_fields=sorted(set(fields)))
    return request


def delisting_requests_remind(*, now: datetime | None = None) -> int:
    """Beat: remind about every pending request whose reminder is due. Each is claimed
    with a conditional update, so two beats (or a redelivered task) remind once."""
    now = now or timezone.now()
    due = list(
        DelistingRequest.objects.filter(status__in=PENDING, next_reminder_at__lte=now).values_list(
            "pk", flat=True
        )[:1000]
    )
    return sum(1 for pk in due if delisting_request_remind(request_id=pk, now=now))


@transaction.atomic
def delisting_request_remind(*, request_id: int, now: datetime) -> bool:
    claimed = DelistingRequest.objects.filter(
        pk=request_id, status__in=PENDING, next_reminder_at__lte=now
    ).update(next_reminder_at=_reminder_from(now), last_reminded_at=now)
    if not claimed:
        return False
    request = DelistingRequest.objects.select_related("listing").get(pk=request_id)
    age = (now - request.requested_at).days
    text = (
        f"Still {request.get_status_display().lower()} after {age} day(s): check with "
        f"{request.get_provider_display()}"
        + (f" (reference {request.reference})" if request.reference else "")
        + " and record the answer."
    )
    DelistingEvent.objects.create(
        request=request, kind=DelistingEvent.Kind.REMINDER, text=text, at=now
    )
    if request.listing is not None and request.listing.ticket_id:
        ticket_note_add(
            ticket=request.listing.ticket_id, subject="Delisting request reminder", body=text
        )
    return True
