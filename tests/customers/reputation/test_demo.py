"""The demo seed of the reputation watch: listings with tickets and delisting requests,
idempotent."""

from __future__ import annotations

import pytest

from complaints.models import Ticket
from customers.demo import seed_registry
from customers.models import DelistingRequest, Listing
from customers.reputation.demo import seed_reputation

pytestmark = pytest.mark.django_db


def test_seed_reputation_is_believable_and_idempotent() -> None:
    seed_registry()
    first = seed_reputation()
    assert first == {"listings": 6, "delisting_requests": 4}
    assert Listing.objects.filter(state="active").count() == 5
    assert Listing.objects.filter(state="delisted").count() == 1
    assert Listing.objects.filter(customer__isnull=False).count() == 6  # demo space is allocated
    assert Ticket.objects.filter(kind="listing").count() >= 5
    assert DelistingRequest.objects.filter(status__in=["open", "submitted"]).count() == 3
    assert seed_reputation() == {"listings": 0, "delisting_requests": 0}
    assert Listing.objects.count() == 6
