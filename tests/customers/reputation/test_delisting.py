"""Delisting requests: per listing or per mailbox provider, follow-ups, and reminders when a
pending request goes stale."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from complaints.models import Message
from customers.models import DelistingRequest, Listing
from customers.reputation.delisting import (
    delisting_request_create,
    delisting_request_update,
    delisting_requests_remind,
    provider_for_zone,
)
from customers.reputation.selectors import delisting_requests_stale
from customers.reputation.sweep import sweep_resources
from customers.reputation.targets import all_resources
from customers.reputation.zones import zones_for_sweep

pytestmark = pytest.mark.django_db


@pytest.fixture
def listing(zones, network) -> Listing:  # type: ignore[no-untyped-def]
    sweep_resources(all_resources(), zones_for_sweep())
    return Listing.objects.get(resource="192.0.2.20")


def test_request_for_a_listing_takes_its_resource_customer_and_notes_the_ticket(
    listing, users
) -> None:  # type: ignore[no-untyped-def]
    request = delisting_request_create(
        provider="spamhaus", user_id=users["agent"].pk, listing_id=listing.pk, reference="SR-77",
        status="submitted", note="Customer removed the infected CMS.",
    )  # fmt: skip
    assert request.resource == "192.0.2.20" and request.customer_id == listing.customer_id
    assert request.next_reminder_at == request.requested_at + timedelta(days=3)
    assert list(request.events.values_list("kind", "new_status")) == [("created", "submitted")]
    note = Message.objects.filter(
        ticket=listing.ticket, subject__startswith="Delisting requested"
    ).get()
    assert "SR-77" in note.body and note.visibility == "internal"


def test_request_per_mailbox_provider_without_listing(users) -> None:  # type: ignore[no-untyped-def]
    request = delisting_request_create(
        provider="gmail", user_id=users["agent"].pk, resource="198.18.0.0/24"
    )
    assert request.listing is None and request.get_provider_display().startswith("Gmail")


def test_follow_ups_and_outcome_close_the_request(listing, users) -> None:  # type: ignore[no-untyped-def]
    request = delisting_request_create(provider="spamhaus", user_id=None, listing_id=listing.pk)
    delisting_request_update(request_id=request.pk, user_id=users["lead"].pk, note="Called them.")
    delisting_request_update(
        request_id=request.pk,
        user_id=users["lead"].pk,
        status="granted",
        outcome="Removed within 2h",
    )
    request.refresh_from_db()
    assert request.status == "granted" and request.closed_at and request.next_reminder_at is None
    assert list(request.events.values_list("kind", flat=True)) == ["created", "note", "status"]


def test_stale_requests_are_reminded_once_per_period(listing) -> None:  # type: ignore[no-untyped-def]
    long_ago = timezone.now() - timedelta(days=5)
    stale = delisting_request_create(
        provider="spamhaus",
        user_id=None,
        listing_id=listing.pk,
        status="submitted",
        requested_at=long_ago,
    )
    fresh = delisting_request_create(provider="yahoo", user_id=None, resource="192.0.2.20")
    done = delisting_request_create(
        provider="outlook",
        user_id=None,
        resource="192.0.2.21",
        status="granted",
        requested_at=long_ago,
    )
    assert set(delisting_requests_stale()) == {stale}
    assert delisting_requests_remind() == 1
    assert delisting_requests_remind() == 0  # the next reminder is a period away
    stale.refresh_from_db()
    assert stale.last_reminded_at and stale.next_reminder_at > timezone.now() + timedelta(days=2)
    assert stale.events.filter(kind="reminder").count() == 1
    assert (
        Message.objects.filter(ticket=listing.ticket, subject="Delisting request reminder").count()
        == 1
    )
    assert (
        not fresh.events.filter(kind="reminder").exists()
        and not done.events.filter(kind="reminder").exists()
    )


def test_provider_is_guessed_from_the_zone() -> None:
    assert provider_for_zone("zen.spamhaus.org") == DelistingRequest.Provider.SPAMHAUS
    assert provider_for_zone("psbl.surriel.com") == DelistingRequest.Provider.PSBL
    assert provider_for_zone("bl.rep.test") == DelistingRequest.Provider.OTHER
