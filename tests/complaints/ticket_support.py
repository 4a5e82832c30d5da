"""The world of the ticket page, mediation and self-service tests.

Customer "Shop Example Ltd" holds 192.0.2.64/28 and hosts shop.example.net. A known
reporter (the bank's security team) reports a phishing page on 192.0.2.70 with a mail that
carries hostile content everywhere an attacker can put it (subject, text, HTML part,
attachment name): ``tests/fixtures/reports/ticket/phishing_with_html.eml``, written by us
with documentation address ranges.
"""

from __future__ import annotations

import hashlib
import ipaddress
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.core.cache import cache
from django.utils import timezone

from complaints.models import Event, Report, Reporter, ReportRaw, Ticket
from complaints.tickets.services import ticket_open_or_join
from customers.models import Customer
from tests.factories import AllocationFactory, CustomerFactory, DomainFactory, NetworkFactory

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "reports" / "ticket"
REPORTER = "security@bank.example.org"
CUSTOMER_ABUSE = "abuse@shop.example.net"
VICTIM = "victim.person@mail.example.com"


def load(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@dataclass
class Case:
    customer: Customer
    reporter: Reporter
    report: Report
    ticket: Ticket


def case_make() -> Case:
    """The case built row by row (the intake has its own tests): the report with its raw
    bytes, one event on 192.0.2.70 with the report's text as evidence, the open ticket."""
    NetworkFactory(prefix=ipaddress.ip_network("192.0.2.0/24"))
    customer = CustomerFactory(name="Shop Example Ltd", abuse_email=CUSTOMER_ABUSE)
    allocation = AllocationFactory(network=ipaddress.ip_network("192.0.2.64/28"), customer=customer)
    DomainFactory(name="shop.example.net", customer=customer)
    reporter = Reporter.objects.create(
        address=REPORTER, name="Bank Security", trust=Reporter.Trust.KNOWN
    )
    raw = load("phishing_with_html.eml")
    report = Report.objects.create(
        sha256=hashlib.sha256(raw).hexdigest(),
        size=len(raw),
        status=Report.Status.FILED,
        format="freetext",
        kind="complaint",
        reporter=reporter,
        sender=REPORTER,
        subject="Phishing site hosted at 192.0.2.70 <script>alert('subject')</script>",
        evidence=raw.decode(),
        event_count=1,
        processed_at=timezone.now(),
    )
    ReportRaw.objects.create(report=report, content=raw)
    observed = datetime(2024, 5, 6, 9, 58, tzinfo=UTC)
    ticket, _ = ticket_open_or_join(
        key=f"abuse:{customer.pk}:phishing:192.0.2.70",
        kind=Ticket.Kind.ABUSE,
        subject="Phishing from 192.0.2.70 <script>alert('ticket')</script>",
        customer_id=customer.pk,
        type_="phishing",
        resource="192.0.2.70",
        at=observed,
        events=1,
    )
    Event.objects.create(
        report=report,
        ticket=ticket,
        fingerprint=uuid.uuid4(),
        ip="192.0.2.70",
        url="http://192.0.2.70/secure-login/index.php",
        taxonomy="fraud",
        type="phishing",
        observed_at=observed,
        attribution=Event.Attribution.CUSTOMER,
        customer=customer,
        allocation=allocation,
        evidence=f"Phishing page sent to {VICTIM}, reported by {REPORTER}; "
        "contact abuse@shop.example.net <img src=x onerror=alert('evidence')>",
    )
    Ticket.objects.filter(pk=ticket.pk).update(report_count=1)
    ticket.refresh_from_db()
    return Case(customer=customer, reporter=reporter, report=report, ticket=ticket)


def more_events(ticket: Ticket, count: int) -> None:
    """``count`` further events on the ticket (for paging), one minute apart."""
    report = Report.objects.filter(events__ticket=ticket).first()
    base = datetime(2024, 5, 1, tzinfo=UTC)
    Event.objects.bulk_create(
        Event(
            report=report, ticket=ticket, fingerprint=uuid.uuid4(), ip="192.0.2.71",
            taxonomy="fraud", type="phishing", observed_at=base + timedelta(minutes=i),
            attribution=Event.Attribution.CUSTOMER, customer=ticket.customer,
            evidence=f"event number {i}",
        )
        for i in range(count)
    )  # fmt: skip


@pytest.fixture
def case(db: None) -> Case:
    return case_make()


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """Rate limits live in Redis (this run's own database): start each test empty."""
    cache.clear()
    yield
