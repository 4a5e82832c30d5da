"""A merge never mixes customers or kinds of ticket: the service refuses it with a clear
message, the queue's bulk merge shows that message, and nothing moves."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from complaints.models import Event, Ticket, TicketChange
from complaints.tickets import services as ticket_services
from tests.complaints.queue_support import make_event, make_ticket
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def untouched(*tickets: Ticket) -> bool:
    for ticket in tickets:
        ticket.refresh_from_db()
        if ticket.status != Ticket.Status.OPEN:
            return False
        if TicketChange.objects.filter(ticket=ticket).exists():
            return False
        if Event.objects.filter(ticket=ticket).count() != 1:
            return False
    return True


def test_tickets_of_two_customers_are_not_merged(users) -> None:
    shop = CustomerFactory(name="Shop Example Ltd")
    bakery = CustomerFactory(name="Bakery Example GmbH")
    mine = make_ticket(customer=shop, event_count=1)
    theirs = make_ticket(customer=bakery, event_count=1)
    make_event(mine, ip="192.0.2.1")
    make_event(theirs, ip="192.0.2.2", evidence="the bakery's customer's data")
    with pytest.raises(ValidationError, match="different customers") as refused:
        ticket_services.tickets_merge(target=mine, sources=[theirs], actor_id=users["agent"].pk)
    assert f"#{theirs.pk} (Bakery Example GmbH)" in refused.value.messages[0]
    assert untouched(mine, theirs)


def test_a_ticket_without_customer_is_not_merged_into_a_customers(users) -> None:
    shop = CustomerFactory(name="Shop Example Ltd")
    mine = make_ticket(customer=shop, event_count=1)
    nobodys = make_ticket(customer=None, event_count=1)
    make_event(mine, ip="192.0.2.1")
    make_event(nobodys, ip="198.51.100.9")
    with pytest.raises(ValidationError, match="no customer"):
        ticket_services.tickets_merge(target=mine, sources=[nobodys], actor_id=None)
    assert untouched(mine, nobodys)


def test_tickets_of_two_kinds_are_not_merged(users) -> None:
    shop = CustomerFactory(name="Shop Example Ltd")
    abuse = make_ticket(customer=shop, event_count=1)
    billing = make_ticket(customer=shop, event_count=1, kind=Ticket.Kind.BILLING, type="")
    make_event(abuse, ip="192.0.2.1")
    make_event(billing, ip="192.0.2.3")
    with pytest.raises(ValidationError, match="different kinds") as refused:
        ticket_services.tickets_merge(target=abuse, sources=[billing], actor_id=None)
    assert f"#{billing.pk} (billing)" in refused.value.messages[0]
    assert untouched(abuse, billing)


def test_the_queue_shows_why_a_merge_was_refused(users) -> None:
    client = Client()
    client.force_login(users["agent"])
    a = make_ticket(customer=CustomerFactory(name="Shop Example Ltd"), event_count=1)
    b = make_ticket(customer=CustomerFactory(name="Bakery Example GmbH"), event_count=1)
    make_event(a, ip="192.0.2.1")
    make_event(b, ip="192.0.2.2")
    response = client.post(
        reverse("workspace:queue-bulk"),
        {"action": "merge", "merge_target": str(a.pk), "ticket": [a.pk, b.pk]},
    )
    assert response.status_code == 302
    [shown] = [str(m) for m in get_messages(response.wsgi_request)]
    assert "different customers" in shown and f"#{b.pk}" in shown
    assert untouched(a, b)


def test_tickets_of_one_customer_and_kind_still_merge(users) -> None:
    shop = CustomerFactory(name="Shop Example Ltd")
    a = make_ticket(customer=shop, event_count=1, type="phishing")
    b = make_ticket(customer=shop, event_count=1, type="spam")
    make_event(a, ip="192.0.2.1")
    make_event(b, ip="192.0.2.2")
    merged = ticket_services.tickets_merge(target=a, sources=[b], actor_id=None)
    assert merged.event_count == 2
