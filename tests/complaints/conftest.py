"""Fixtures shared by the intake's no-loss and concurrency tests."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime

import pytest

from complaints.intake.receiving import Arrival, reports_receive
from complaints.models import Receipt
from tests.complaints import builders
from tests.factories import AllocationFactory, CustomerFactory


@pytest.fixture
def one_complaint() -> tuple:
    """(customer, id of a received spam complaint about one of their addresses)."""
    customer = CustomerFactory()
    AllocationFactory(
        network=ipaddress.ip_network("203.0.113.0/24"),
        customer=customer,
        valid_from=datetime(2024, 1, 1, tzinfo=UTC),
    )
    [received] = reports_receive(
        [Arrival(raw=builders.arf("203.0.113.5"), channel=Receipt.Channel.FILE)], queue=False
    )
    return customer, received.report_id
