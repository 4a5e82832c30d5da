"""Bulk actions from the queue (assign, status, merge) through the ticket services, each
leaving TicketChange history."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.test import Client
from django.urls import reverse

from complaints.models import Event, Message, Ticket, TicketChange
from complaints.tickets import services as ticket_services
from complaints.tickets.selectors import QueueFilters, ticket_queue_for
from tests.complaints.queue_support import make_event, make_ticket, message_from_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent_client(users) -> Client:
    client = Client()
    client.force_login(users["agent"])
    return client


def bulk(client: Client, **data):
    return client.post(reverse("workspace:queue-bulk"), data)


def test_assign_to_me_and_to_a_colleague(agent_client, users, make_user):
    colleague = make_user("colleague", "agent")
    a, b = make_ticket(), make_ticket()
    response = bulk(
        agent_client, action="assign", assignee="me", ticket=[a.pk, b.pk], back="status=any"
    )
    assert response.status_code == 302 and response["Location"].endswith("?status=any")
    assert set(Ticket.objects.filter(assignee=users["agent"]).values_list("pk", flat=True)) == {
        a.pk,
        b.pk,
    }
    bulk(agent_client, action="assign", assignee=str(colleague.pk), ticket=[a.pk])
    change = TicketChange.objects.filter(ticket=a, field="assignee").order_by("-id").first()
    assert (change.old_value, change.new_value, change.actor) == (
        "user-agent",
        "colleague",
        users["agent"],
    )


def test_a_legal_user_cannot_be_given_an_abuse_ticket(users):
    ticket = make_ticket()
    with pytest.raises(ValidationError):
        ticket_services.ticket_assign(
            ticket=ticket, assignee_id=users["legal"].pk, actor_id=users["agent"].pk
        )
    assert not TicketChange.objects.filter(ticket=ticket).exists()


def test_status_change_sets_resolved_at_and_history(agent_client, users):
    a, b = make_ticket(), make_ticket(status="new")
    bulk(agent_client, action="status", status="resolved", ticket=[a.pk, b.pk], note="cleaned up")
    for ticket in (a, b):
        ticket.refresh_from_db()
        assert ticket.status == "resolved" and ticket.resolved_at is not None
    change = TicketChange.objects.get(ticket=b, field="status")
    assert (change.old_value, change.new_value, change.note) == ("new", "resolved", "cleaned up")
    bulk(agent_client, action="status", status="open", ticket=[a.pk])
    a.refresh_from_db()
    assert a.status == "open" and a.resolved_at is None


def test_reopening_when_the_case_has_a_new_open_ticket_is_refused(users):
    old = make_ticket(status="resolved", aggregation_key="abuse:1:spam:192.0.2.1")
    make_ticket(status="open", aggregation_key="abuse:1:spam:192.0.2.1")
    with pytest.raises(ValidationError, match="merge into it"):
        ticket_services.ticket_status_change(ticket=old, status="open", actor_id=users["agent"].pk)
    old.refresh_from_db()
    assert old.status == "resolved"


def test_a_failing_ticket_rolls_back_the_whole_bulk_status(agent_client):
    fine = make_ticket(status="resolved", aggregation_key="k1")
    blocked = make_ticket(status="resolved", aggregation_key="k2")
    make_ticket(status="open", aggregation_key="k2")
    bulk(agent_client, action="status", status="open", ticket=[fine.pk, blocked.pk])
    fine.refresh_from_db()
    assert fine.status == "resolved"


def test_merge_moves_events_and_messages_and_closes_the_others(agent_client, users):
    target = make_ticket(subject="Phishing at shop.example", event_count=1, resource="192.0.2.1")
    other = make_ticket(
        subject="Phishing at shop.example again", event_count=2, resource="192.0.2.2"
    )
    third = make_ticket(subject="Same kit", event_count=1, resource="192.0.2.4")
    make_event(target, ip="192.0.2.1")
    make_event(other, ip="192.0.2.2", evidence="kit marmalade")
    make_event(other, ip="192.0.2.3")
    make_event(third, ip="192.0.2.4")
    message_from_customer(other, body="we removed it")
    response = bulk(
        agent_client,
        action="merge",
        merge_target=str(target.pk),
        ticket=[target.pk, other.pk, third.pk],
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.event_count == 4 and target.report_count == 4
    assert Event.objects.filter(ticket=target).count() == 4
    assert Message.objects.filter(ticket=target).count() == 1
    for source in (other, third):
        source.refresh_from_db()
        assert (
            source.status == "closed" and source.resolved_at is not None and source.event_count == 0
        )
        assert TicketChange.objects.filter(
            ticket=source, field="merged_into", new_value=f"#{target.pk}"
        ).exists()
        assert TicketChange.objects.filter(
            ticket=source, field="status", new_value="closed"
        ).exists()
    assert (
        TicketChange.objects.get(ticket=target, field="merged").new_value
        == f"#{other.pk}, #{third.pk}"
    )
    # The target now answers the queue's filters for what it absorbed.
    found = ticket_queue_for(
        users["agent"], QueueFilters.from_query(QueryDict("q=marmalade&replied=1"))
    )
    assert [t.pk for t in found] == [target.pk]


def test_merge_needs_two_tickets(agent_client):
    only = make_ticket()
    bulk(agent_client, action="merge", ticket=[only.pk])
    only.refresh_from_db()
    assert only.status == "open"
    assert not TicketChange.objects.filter(ticket=only).exists()


def test_unknown_action_changes_nothing(agent_client):
    ticket = make_ticket()
    response = bulk(agent_client, action="delete", ticket=[ticket.pk])
    assert response.status_code == 302
    assert not TicketChange.objects.filter(ticket=ticket).exists()
