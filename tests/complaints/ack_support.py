"""Helpers of the acknowledgement, notice and outbound-mail tests.

The desk's world for these tests: customer "Shop Example Ltd" holds 192.0.2.64/28 and hosts
shop.example.net; the SOC of reporter.example.org is a known reporter; the fixture reports
under ``tests/fixtures/reports/ack/`` (written by us, documentation address ranges) go
through the real intake (``reports_receive`` + ``reports_process``) and the real reaction.
"""

from __future__ import annotations

import importlib
import ipaddress
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.apps import apps
from django.core.cache import cache

from complaints.intake.filing.pipeline import reports_process
from complaints.intake.reactions import reports_react
from complaints.intake.receiving import Arrival, reports_receive
from complaints.models import Receipt, Report, Reporter
from customers.models import Customer
from tests.factories import AllocationFactory, CustomerFactory, DomainFactory, NetworkFactory

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "reports" / "ack"
KNOWN_REPORTER = "soc@reporter.example.org"
CUSTOMER_ABUSE = "abuse@shop.example.net"


def load(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def with_headers(raw: bytes, *headers: str) -> bytes:
    """``raw`` with header lines added on top (as a relay would add them)."""
    return "".join(f"{h}\n" for h in headers).encode() + raw


def retagged(raw: bytes, tag: str) -> bytes:
    """The same report with another Message-ID and subject tag: different bytes, so a new
    report (the same bytes twice would be one report)."""
    text = raw.decode()
    head, _, body = text.partition("\n\n")
    lines = []
    for line in head.split("\n"):
        if line.lower().startswith("message-id:"):
            line = f"Message-ID: <{tag}@reporter.example.org>"
        elif line.lower().startswith("subject:"):
            line = f"{line} [{tag}]"
        lines.append(line)
    return ("\n".join(lines) + "\n\n" + body).encode()


def default_templates_ensure() -> None:
    """The default templates and notice policy of migration 0003 (a transactional test
    elsewhere may have flushed them; creating them is idempotent)."""
    migration = importlib.import_module("complaints.migrations.0003_notice_policy")
    migration.default_templates(apps, None)


@dataclass
class World:
    customer: Customer
    known: Reporter


@pytest.fixture(name="world")
def world_fixture(db: None) -> World:
    default_templates_ensure()
    NetworkFactory(prefix=ipaddress.ip_network("192.0.2.0/24"))
    customer = CustomerFactory(
        name="Shop Example Ltd",
        abuse_email=CUSTOMER_ABUSE,
        billing_email="billing@shop.example.net",
    )
    AllocationFactory(network=ipaddress.ip_network("192.0.2.64/28"), customer=customer)
    DomainFactory(name="shop.example.net", customer=customer)
    known = Reporter.objects.create(
        address=KNOWN_REPORTER, name="SOC Team", trust=Reporter.Trust.KNOWN
    )
    return World(customer=customer, known=known)


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> Iterator[None]:
    """Rate-limit windows live in Redis (this run's own database): start each test empty."""
    cache.clear()
    yield


def file_report(raw: bytes, *, filename: str = "", channel: str = Receipt.Channel.FILE) -> Report:
    """Receive and process one report through the real intake; returns it filed."""
    [received] = reports_receive(
        [Arrival(raw=raw, channel=channel, filename=filename)], queue=False
    )
    reports_process([received.report_id])
    return Report.objects.get(pk=received.report_id)


def file_and_react(raw: bytes, *, filename: str = "") -> Report:
    report = file_report(raw, filename=filename)
    reports_react([report.pk])
    return report
