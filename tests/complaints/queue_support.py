"""Builders for the queue tests: tickets, reports, events and messages written the way the
product writes them (events and messages through plain inserts, so the database triggers
that keep the queue's derived columns run as they do in production)."""

from __future__ import annotations

import hashlib
import itertools
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from complaints.models import Event, Message, Party, Report, Reporter, Ticket

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
_counter = itertools.count(1)


def make_ticket(**fields: Any) -> Ticket:
    n = next(_counter)
    values: dict[str, Any] = {
        "kind": Ticket.Kind.ABUSE,
        "status": Ticket.Status.OPEN,
        "aggregation_key": f"test:{uuid.uuid4()}",
        "subject": f"Spam from 192.0.2.{n % 250}",
        "type": "spam",
        "taxonomy": "abusive-content",
        "last_event_at": T0 + timedelta(minutes=n),
        "first_event_at": T0,
    }
    values.update(fields)
    return Ticket.objects.create(**values)


def make_reporter(address: str, **fields: Any) -> Reporter:
    return Reporter.objects.create(address=address.lower(), **fields)


def make_report(
    reporter: Reporter | None = None, *, subject: str = "", evidence: str = ""
) -> Report:
    body = f"{uuid.uuid4()}".encode()
    return Report.objects.create(
        sha256=hashlib.sha256(body).hexdigest(),
        size=len(body),
        status=Report.Status.FILED,
        reporter=reporter,
        subject=subject,
        evidence=evidence,
    )


def make_event(
    ticket: Ticket,
    *,
    report: Report | None = None,
    ip: str | None = "192.0.2.10",
    evidence: str = "",
    observed_at: datetime | None = None,
    domain: str = "",
) -> Event:
    return Event.objects.create(
        report=report or make_report(),
        ticket=ticket,
        fingerprint=uuid.uuid4(),
        ip=ip,
        domain=domain,
        taxonomy=ticket.taxonomy or "other",
        type=ticket.type or "other",
        observed_at=observed_at or T0,
        attribution=Event.Attribution.CUSTOMER,
        customer=ticket.customer,
        evidence=evidence,
    )


def customer_party(ticket: Ticket, email: str = "abuse@customer.example") -> Party:
    party, _ = Party.objects.get_or_create(
        ticket=ticket, role=Party.Role.CUSTOMER, email=email, defaults={"customer": ticket.customer}
    )
    return party


def message_from_customer(ticket: Ticket, body: str = "We fixed it.", **fields: Any) -> Message:
    values: dict[str, Any] = {
        "direction": Message.Direction.INBOUND,
        "visibility": Message.Visibility.CUSTOMER,
        "kind": Message.Kind.INBOUND,
        "status": Message.Status.RECEIVED,
        "subject": "Re: your notice",
    }
    return Message.objects.create(
        ticket=ticket, party=customer_party(ticket), body=body, **{**values, **fields}
    )


def message_to_customer(ticket: Ticket, body: str = "Please clean up.", **fields: Any) -> Message:
    values: dict[str, Any] = {
        "direction": Message.Direction.OUTBOUND,
        "visibility": Message.Visibility.CUSTOMER,
        "kind": Message.Kind.REPLY,
        "status": Message.Status.SENT,
        "subject": "Abuse notice",
    }
    return Message.objects.create(
        ticket=ticket, party=customer_party(ticket), body=body, **{**values, **fields}
    )
