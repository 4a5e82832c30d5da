"""REST tickets list/detail: the roles matrix, the queue's filters, keyset pages, and 404
for tickets the caller may not see."""

from __future__ import annotations

import pytest

from accounts import roles
from complaints.models import AuditEntry, Ticket
from tests.complaints.queue_support import make_event, make_ticket
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

KINDS = {
    "abuse": {"kind": Ticket.Kind.ABUSE},
    "listing": {"kind": Ticket.Kind.LISTING},
    "legal": {"kind": Ticket.Kind.LEGAL},
    "investigation": {"kind": Ticket.Kind.INVESTIGATION},
    "escalated": {"kind": Ticket.Kind.ABUSE, "restricted_group": "investigations"},
    "billing": {"kind": Ticket.Kind.BILLING},
}
# Which of the tickets above each role sees (permissions.KINDS_BY_ROLE written out by hand).
SEES = {
    roles.AGENT: {"abuse", "listing"},
    roles.LEAD: {"abuse", "listing", "billing"},
    roles.ADMIN: {"abuse", "listing"},
    roles.LEGAL: {"legal"},
    roles.INVESTIGATIONS: {"investigation", "escalated"},
    roles.BILLING: {"billing"},
    "none": set(),
}


@pytest.fixture
def tickets():
    return {name: make_ticket(**fields) for name, fields in KINDS.items()}


@pytest.mark.parametrize("role", sorted(SEES))
def test_list_and_detail_per_role(api_client_for, users, tickets, role):
    client = api_client_for(role)
    response = client.get("/api/v1/tickets/?status=any")
    assert response.status_code == 200
    body = response.json()
    expected = {tickets[name].pk for name in SEES[role]}
    assert {row["id"] for row in body["results"]} == expected
    assert body["count"] == len(expected) and body["count_capped"] is False
    for name, ticket in tickets.items():
        detail = client.get(f"/api/v1/tickets/{ticket.pk}/")
        assert detail.status_code == (200 if name in SEES[role] else 404), (role, name)
    assert client.get("/api/v1/tickets/999999/").status_code == 404


def test_anonymous_is_refused(api_client_for, tickets):
    client = api_client_for(None)
    assert client.get("/api/v1/tickets/").status_code in (401, 403)
    assert client.get(f"/api/v1/tickets/{tickets['abuse'].pk}/").status_code in (401, 403)


def test_restricted_detail_read_is_audited(api_client_for, tickets):
    api_client_for(roles.LEGAL).get(f"/api/v1/tickets/{tickets['legal'].pk}/")
    assert AuditEntry.objects.filter(verb="ticket.read", ticket_id=tickets["legal"].pk).count() == 1


def test_filters_are_the_queues(api_client_for, users):
    acme = CustomerFactory(external_id="ACME-1", status="suspended")
    hit = make_ticket(
        customer=acme, type="phishing", subject="Phishing kit", assignee=users[roles.AGENT]
    )
    make_ticket(customer=acme, type="spam")
    make_ticket(type="phishing")
    make_event(hit, ip="203.0.113.9")
    client = api_client_for(roles.AGENT)
    for query in ("customer=ACME-1&type=phishing", "ip=203.0.113.0/24", "q=kit", "assignee=me"):
        body = client.get(f"/api/v1/tickets/?{query}").json()
        assert [row["id"] for row in body["results"]] == [hit.pk], query
    row = client.get("/api/v1/tickets/?q=kit").json()["results"][0]
    assert row["customer"] == {"external_id": "ACME-1", "name": acme.name, "status": "suspended"}
    assert row["assignee"] == users[roles.AGENT].get_username()
    bad = client.get("/api/v1/tickets/?ip=nonsense&sort=sideways")
    assert bad.status_code == 400
    assert "Not an IP address or CIDR" in str(bad.json()) and "Sort is one of" in str(bad.json())


def test_keyset_pages_through_next(api_client_for):
    made = {make_ticket().pk for _ in range(120)}
    client = api_client_for(roles.AGENT)
    seen: list[int] = []
    url = "/api/v1/tickets/"
    while url:
        body = client.get(url).json()
        seen.extend(row["id"] for row in body["results"])
        url = body["next"]
    assert len(seen) == len(set(seen)) == 120 and set(seen) == made
