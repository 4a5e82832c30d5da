"""``manage.py resolve`` prints the holder as JSON (docs/architecture.md "Stable interfaces")."""

from __future__ import annotations

import io
import ipaddress
import json
from datetime import UTC, datetime

import pytest
from django.core.management import call_command

from tests.factories import AllocationFactory, CustomerFactory, ServiceFactory

pytestmark = pytest.mark.django_db


def resolve(*args: str) -> dict:
    out = io.StringIO()
    call_command("resolve", *args, stdout=out)
    return json.loads(out.getvalue())


def test_resolve_names_customer_service_and_allocation() -> None:
    customer = CustomerFactory(external_id="C42")
    service = ServiceFactory(customer=customer, label="vps-7.example")
    AllocationFactory(
        network=ipaddress.ip_network("203.0.113.8/29"), customer=customer, service=service
    )
    answer = resolve("203.0.113.9", "--at", "2024-05-01T10:00:00")
    assert answer == {
        "ip": "203.0.113.9",
        "at": datetime(2024, 5, 1, 10, tzinfo=UTC).isoformat(),
        "customer": "C42",
        "service": "vps-7.example",
        "allocation": "203.0.113.8/29",
    }


def test_resolve_of_an_unheld_address_answers_nulls() -> None:
    answer = resolve("198.51.100.1")
    assert answer["customer"] is None and answer["allocation"] is None and answer["service"] is None
