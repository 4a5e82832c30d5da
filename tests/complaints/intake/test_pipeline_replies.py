"""Answers to our own mail go to their ticket, never into the complaint pipeline."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime

import pytest

from complaints.intake.reactions import reports_react
from complaints.mediation.outbound import reply_address
from complaints.models import Event, Message, Report, Ticket
from tests.complaints import builders
from tests.complaints.pipeline import file_reports
from tests.factories import AllocationFactory, CustomerFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def ticket() -> Ticket:
    customer = CustomerFactory(abuse_email="abuse@kestrel.example")
    AllocationFactory(network=ipaddress.ip_network("203.0.113.0/28"), customer=customer,
                      valid_from=datetime(2024, 1, 1, tzinfo=UTC))  # fmt: skip
    [outcome] = file_reports(builders.arf("203.0.113.5"))
    return Ticket.objects.get(pk=outcome.ticket_ids[0])


def reply(to: str, body: str, **headers: str) -> bytes:
    extra = "".join(f"{k.replace('_', '-')}: {v}\r\n" for k, v in headers.items())
    return (
        f"From: Kestrel Admin <abuse@kestrel.example>\r\nTo: {to}\r\nSubject: Re: Spam from 203.0.113.5\r\n"
        f"Message-ID: <r-{abs(hash(body))}@kestrel.example>\r\n{extra}\r\n{body}\r\n"
    ).encode()


def test_a_reply_to_the_ticket_address_threads_and_opens_nothing(ticket: Ticket) -> None:
    raw = reply(reply_address(ticket.pk, "customer"), "We removed the compromised script, sorry.")
    [outcome] = file_reports(raw)
    report = Report.objects.get(pk=outcome.report_id)
    assert (report.status, report.kind) == ("filed", "reply")
    reports_react([report.pk])
    message = Message.objects.get(ticket=ticket, direction=Message.Direction.INBOUND)
    assert "removed the compromised script" in message.body
    assert Ticket.objects.count() == 1


def test_a_reply_quoting_our_notice_adds_no_event_about_the_customer(ticket: Ticket) -> None:
    quoted = "> We received a complaint about 203.0.113.5 sending spam on 2024-05-06 09:58 UTC.\r\nFixed."
    [outcome] = file_reports(reply(reply_address(ticket.pk, "customer"), quoted))
    assert outcome.events == [] and outcome.ticket_ids == []
    assert Event.objects.count() == 1  # only the original complaint's


def test_a_forged_token_is_treated_as_an_ordinary_complaint(ticket: Ticket) -> None:
    forged = f"abuse+{ticket.pk}-c-0000000000@desk.example"
    [outcome] = file_reports(
        reply(forged, "Spam from 203.0.113.5 at 2024-05-07 10:00 UTC, headers attached.")
    )
    assert Report.objects.get(pk=outcome.report_id).kind == "complaint"
