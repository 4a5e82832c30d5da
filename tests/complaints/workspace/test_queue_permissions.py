"""Promise 6 in the queue: an agent never meets a legal, investigation or restricted ticket —
not in the rows, the count, a search, the new-items partial, a bulk action or the API; a
legal user sees legal cases only."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from complaints.models import AuditEntry, Ticket
from tests.complaints.queue_support import make_event, make_ticket, message_from_customer

pytestmark = pytest.mark.django_db
SECRET = "xylophonequartz"  # a word only the hidden tickets hold


@pytest.fixture
def world():
    abuse = make_ticket(subject="Spam from 192.0.2.1")
    legal = make_ticket(kind=Ticket.Kind.LEGAL, subject=f"Court order {SECRET}")
    investigation = make_ticket(kind=Ticket.Kind.INVESTIGATION, subject=f"Fraud ring {SECRET}")
    escalated = make_ticket(subject=f"Escalated abuse {SECRET}", restricted_group="investigations")
    billing = make_ticket(kind=Ticket.Kind.BILLING, subject=f"Chargeback {SECRET}")
    for ticket in (legal, investigation, escalated, billing):
        make_event(ticket, ip="198.51.100.9", evidence=SECRET)
        message_from_customer(ticket, body=SECRET)
    return {
        "abuse": abuse,
        "legal": legal,
        "investigation": investigation,
        "escalated": escalated,
        "billing": billing,
    }


def login(users, role: str) -> Client:
    client = Client()
    client.force_login(users[role])
    return client


def shown_ids(response) -> set[int]:
    html = response.content.decode()
    import re

    return {int(m) for m in re.findall(r'data-ticket-id="(\d+)"', html)}


QUERIES = [
    "",
    "status=any",
    f"q={SECRET}",
    "ip=198.51.100.0/24",
    "replied=1",
    "kind=legal",
    "kind=investigation",
]


@pytest.mark.parametrize("query", QUERIES)
def test_agent_queue_never_shows_restricted_tickets(users, world, query):
    client = login(users, "agent")
    response = client.get(reverse("workspace:queue") + "?" + query)
    assert response.status_code == 200
    hidden = {world[k].pk for k in ("legal", "investigation", "escalated", "billing")}
    assert not shown_ids(response) & hidden
    page = response.content.decode()
    assert not any(
        word in page for word in ("Court order", "Fraud ring", "Escalated abuse", "Chargeback")
    )
    if query in (
        f"q={SECRET}",
        "ip=198.51.100.0/24",
        "replied=1",
        "kind=legal",
        "kind=investigation",
    ):
        assert response.context["count"].value == 0


def test_agent_partials_and_api_never_show_them(users, world, api_client_for):
    client = login(users, "agent")
    for name in ("workspace:queue-new", "workspace:queue-rows"):
        response = client.get(reverse(name) + f"?status=any&q={SECRET}")
        assert response.status_code == 200 and shown_ids(response) == set()
    api = api_client_for("agent")
    body = api.get(f"/api/v1/tickets/?status=any&q={SECRET}").json()
    assert body["count"] == 0 and body["results"] == []
    everything = api.get("/api/v1/tickets/?status=any").json()
    assert {r["id"] for r in everything["results"]} == {world["abuse"].pk}
    for key in ("legal", "investigation", "escalated", "billing"):
        assert api.get(f"/api/v1/tickets/{world[key].pk}/").status_code == 404


def test_legal_sees_legal_only_and_every_read_is_audited(users, world):
    client = login(users, "legal")
    response = client.get(reverse("workspace:queue") + "?status=any")
    assert shown_ids(response) == {world["legal"].pk}
    assert response.context["count"].value == 1
    assert AuditEntry.objects.filter(verb="ticket.read", ticket_id=world["legal"].pk).exists()
    searched = client.get(reverse("workspace:queue") + f"?q={SECRET}")
    assert shown_ids(searched) == {world["legal"].pk}


def test_investigations_see_their_group_only(users, world):
    client = login(users, "investigations")
    response = client.get(reverse("workspace:queue") + "?status=any")
    assert shown_ids(response) == {world["investigation"].pk, world["escalated"].pk}


def test_superuser_without_role_sees_nothing(world, make_user):
    boss = make_user("root-like")
    boss.is_superuser = True
    boss.is_staff = True
    boss.save()
    client = Client()
    client.force_login(boss)
    assert client.get(reverse("workspace:queue")).status_code == 403


def test_no_role_and_anonymous_are_refused(users, world):
    assert login(users, "none").get(reverse("workspace:queue")).status_code == 403
    anonymous = Client().get(reverse("workspace:queue"))
    assert anonymous.status_code == 302 and "/accounts/login" in anonymous["Location"]


def test_bulk_action_on_an_invisible_ticket_is_refused_whole(users, world):
    client = login(users, "agent")
    response = client.post(
        reverse("workspace:queue-bulk"),
        {"action": "assign", "assignee": "me", "ticket": [world["abuse"].pk, world["legal"].pk]},
    )
    assert response.status_code == 404
    assert not Ticket.objects.filter(assignee=users["agent"]).exists()
