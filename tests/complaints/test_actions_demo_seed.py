"""The demo seed fills the queue with tickets in every state, idempotently."""

import pytest

from complaints.demo import seed_tickets
from complaints.models import Ticket
from customers.demo import seed_registry


@pytest.mark.django_db
def test_demo_tickets_cover_every_status_and_kind():
    seed_registry()
    result = seed_tickets()
    assert result["created"] == result["tickets"] > 30
    assert set(Ticket.objects.values_list("status", flat=True)) == set(Ticket.Status.values)
    assert set(Ticket.objects.values_list("kind", flat=True)) == set(Ticket.Kind.values)
    assert (
        Ticket.objects.filter(kind="investigation")
        .exclude(restricted_group="investigations")
        .count()
        == 0
    )
    assert Ticket.objects.filter(resolution_due_at__isnull=False).count() == result["tickets"]
    assert seed_tickets()["created"] == 0
