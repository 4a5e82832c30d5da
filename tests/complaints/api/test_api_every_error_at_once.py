"""Every endpoint that takes input names every problem in one answer (issue 17 item 7), not
one per round trip: the ticket list's parameters, an action request (with a service that is
not the customer's), a message (with a template that does not exist and nothing to send),
the allocations' parameters and a new allocation (its times, its service and a clash).
``POST /api/v1/reports/`` has its own test (test_reports_api_all_errors.py)."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from complaints.models import Action, Message
from tests.complaints.actions_support import make_ticket
from tests.factories import AllocationFactory, CustomerFactory, ServiceFactory

pytestmark = pytest.mark.django_db


def test_ticket_list_parameters(api_client_for: Callable) -> None:
    response = api_client_for("agent").get(
        "/api/v1/tickets/", {"status": "bogus", "ip": "not-an-ip", "sort": "nope", "age": "old"}
    )
    assert response.status_code == 400
    assert {"status", "ip", "sort", "age"} <= set(response.json())


def test_an_action_request(api_client_for: Callable) -> None:
    ticket = make_ticket()
    elsewhere = ServiceFactory(customer=CustomerFactory())
    response = api_client_for("agent").post(
        f"/api/v1/tickets/{ticket.pk}/actions/",
        {"kind": "explode", "reason": "", "service": elsewhere.pk},
        format="json",
    )
    assert response.status_code == 400
    errors = response.json()
    assert set(errors) == {"kind", "reason", "service"}
    assert errors["service"] == ["not a service of the ticket's customer"]
    assert not Action.objects.exists()
    # The service alone is still refused, with the same words.
    alone = api_client_for("agent").post(
        f"/api/v1/tickets/{ticket.pk}/actions/",
        {"kind": "warn", "reason": "r", "service": elsewhere.pk},
        format="json",
    )
    assert alone.status_code == 400 and set(alone.json()) == {"service"}


def test_a_message(api_client_for: Callable) -> None:
    ticket = make_ticket()
    url = f"/api/v1/tickets/{ticket.pk}/messages/"
    client = api_client_for("agent")
    response = client.post(url, {"audience": "nobody", "template": 999999}, format="json")
    assert response.status_code == 400
    errors = response.json()
    assert set(errors) == {"audience", "template", "body"}
    assert errors["template"] == ["no such active template"]
    assert errors["body"] == ["the message is empty"]
    note = client.post(url, {"audience": "internal", "body": "  "}, format="json")
    assert note.status_code == 400 and note.json() == {"body": ["the message is empty"]}
    assert not Message.objects.exists()
    sent = client.post(url, {"audience": "internal", "body": "checked"}, format="json")
    assert sent.status_code == 201


def test_the_allocations_parameters(api_client_for: Callable) -> None:
    response = api_client_for("admin").get("/api/v1/allocations/", {"ip": "nope", "at": "then"})
    assert response.status_code == 400
    assert set(response.json()) == {"ip", "at"}


def test_a_new_allocation(api_client_for: Callable) -> None:
    holder, other = CustomerFactory(external_id="C-HOLD"), CustomerFactory(external_id="C-NEW")
    AllocationFactory(network=ipaddress.ip_network("192.0.2.0/28"), customer=holder,
                      valid_from=datetime(2024, 1, 1, tzinfo=UTC))  # fmt: skip
    foreign = ServiceFactory(customer=holder)
    client = api_client_for("admin")
    clash = client.post("/api/v1/allocations/", {
        "network": "192.0.2.0/28", "customer": "C-NEW", "service": foreign.pk,
        "valid_from": "2024-06-01T00:00:00Z",
    }, format="json")  # fmt: skip
    assert clash.status_code == 400
    assert set(clash.json()) == {"network", "service"}  # the clash and the service, together
    times = client.post("/api/v1/allocations/", {
        "network": "192.0.2.16/28", "customer": "C-NEW", "service": foreign.pk,
        "valid_from": "2024-06-01T00:00:00Z", "valid_to": "2024-01-01T00:00:00Z",
    }, format="json")  # fmt: skip
    assert times.status_code == 400
    assert set(times.json()) == {"valid_to", "service"}
    fields = client.post("/api/v1/allocations/", {
        "network": "192.0.2.7/28", "customer": "C-NOBODY", "valid_from": "soon",
    }, format="json")  # fmt: skip
    assert fields.status_code == 400
    assert set(fields.json()) == {"network", "customer", "valid_from"}
    assert other.allocations.count() == 0
