"""Attacker text PostgreSQL cannot store (issue 11, item 10): a NUL, or a lone surrogate
from a JSON escape or an undecodable file name, in any string the pipeline writes, is
stored as U+FFFD, so one byte cannot make a batch of 200 reports file one by one (or, for
a surrogate, which the driver cannot even encode, fail the whole task)."""

from __future__ import annotations

import ipaddress
import logging
from datetime import UTC, datetime
from pathlib import Path
from unittest import mock

import pytest

from complaints.intake.filing import pipeline
from complaints.intake.reactions import reports_react
from complaints.intake.receiving import Arrival, reports_receive
from complaints.mediation.outbound import reply_address
from complaints.models import Event, Message, Receipt, Report, ReportRaw, Ticket
from tests.complaints import builders
from tests.complaints.ack_support import World, file_report, load, world_fixture  # noqa: F401
from tests.complaints.pipeline import file_reports
from tests.factories import AllocationFactory, CustomerFactory

pytestmark = pytest.mark.django_db(transaction=True)

XARF = (
    Path(__file__).resolve().parents[3] / "fixtures/reports/xarf/v4_login_attack_ipv6.json"
).read_text()


def arf_from(sender_header: bytes, tag: str) -> bytes:
    return builders.arf("203.0.113.9", tag=tag).replace(
        b"From: Feedback Loop <fbl@feedback.example.org>", b"From: " + sender_header
    )


HOSTILE = {
    "nul in the sender": arf_from(b"Feedback <fbl\x00x@feedback.example.org>", "nul-from"),
    "nul in an encoded sender": arf_from(b"=?utf-8?q?x=00?= <f=00bl@feedback.example.org>", "q"),
    "nul in the subject": builders.arf("203.0.113.10", tag="nul-subject").replace(
        b"Subject: Abuse report", b"Subject: Abuse \x00 report"
    ),
    "nul and surrogates in JSON": (
        XARF.replace(
            '"org": "Example Honeynet", "contact"', '"org": "Ex\\ud800\\u0000", "contact"', 1
        )
        .replace('"contact": "abuse@honeynet', '"contact": "ab\\udfff\\u0000use@honeynet', 1)
        .replace('"type": "login_attack"', '"type": "login\\ud800\\u0000"')
        .replace('"protocol": "tcp"', '"protocol": "t\\udc00\\u0000"')
        .replace('"report_id": "5d0c', '"report_id": "\\ud800\\u00005d0c')
        .encode()
    ),
}


@pytest.fixture
def held() -> None:
    customer = CustomerFactory()
    since = datetime(2020, 1, 1, tzinfo=UTC)
    for network in ("203.0.113.0/24", "2001:db8::/32"):
        AllocationFactory(
            network=ipaddress.ip_network(network), customer=customer, valid_from=since
        )


def test_a_batch_with_unstorable_text_files_in_one_go(held: None, caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.INFO, logger="complaints.intake.filing.pipeline")
    raws = [
        builders.arf(f"203.0.113.{i % 250}", tag=f"plain-{i}") for i in range(200 - len(HOSTILE))
    ]
    raws[10:10] = HOSTILE.values()
    with mock.patch.object(
        pipeline, "_file_with_retries", wraps=pipeline._file_with_retries
    ) as filing:
        outcomes = file_reports(*raws)
    assert [o.status for o in outcomes] == ["filed"] * 200
    assert filing.call_count == 1  # one transaction for the whole batch
    assert not [r for r in caplog.records if "one by one" in r.getMessage()]

    senders = set(Report.objects.values_list("sender", flat=True))
    assert "fbl\ufffdx@feedback.example.org" in senders  # distinct from the real address
    assert "fbl@feedback.example.org" in senders
    assert Report.objects.filter(subject="Abuse \ufffd report nul-subject").exists()
    xarf = Report.objects.get(format="xarf")
    assert xarf.sender == "ab\ufffd\ufffduse@honeynet.example.org"
    assert xarf.reporter is not None
    assert (xarf.reporter.address, xarf.reporter.name) == (xarf.sender, "Ex\ufffd\ufffd")
    assert xarf.data["report_id"] == "\ufffd\ufffd5d0c7f38-1d4b-4b8e-9a57-2f3e1b1c0d11"
    [event] = Event.objects.filter(report=xarf)
    assert (event.protocol, event.identifier) == ("t\ufffd\ufffd", "login\ufffd\ufffd")


def test_file_names_and_paths_that_are_not_text_are_stored(held: None) -> None:
    # A Maildir file whose name is not UTF-8 comes out of os.fsdecode with surrogates.
    name = b"report-\xff\x00.eml".decode("utf-8", "surrogateescape")
    [received] = reports_receive(
        [
            Arrival(
                raw=builders.arf("203.0.113.7"),
                channel=Receipt.Channel.FILE,
                path=f"/var/mail/new/{name}",
                filename=name,
            )
        ],
        queue=False,
    )
    assert ReportRaw.objects.get(report_id=received.report_id).filename == "report-\ufffd\ufffd.eml"
    assert (
        Receipt.objects.get(pk=received.receipt_id).path == "/var/mail/new/report-\ufffd\ufffd.eml"
    )


# --- reactions: what a mail says is stored as text PostgreSQL can hold -----------------------


@pytest.fixture
def ticket() -> Ticket:
    customer = CustomerFactory(abuse_email="abuse@kestrel.example")
    AllocationFactory(
        network=ipaddress.ip_network("203.0.113.0/28"),
        customer=customer,
        valid_from=datetime(2024, 1, 1, tzinfo=UTC),
    )
    [outcome] = file_reports(builders.arf("203.0.113.5"))
    return Ticket.objects.get(pk=outcome.ticket_ids[0])


def customer_answer(ticket_id: int, nul_in: str) -> bytes:
    headers = {
        "From": "Kestrel Admin <abuse@kestrel.example>",
        "To": reply_address(ticket_id, "customer"),
        "Subject": "Re: Spam from 203.0.113.5",
        "Message-ID": "<answer-1@kestrel.example>",
        "References": "<notice-1@desk.example>",
    }
    body = "We removed the compromised script, sorry."
    if nul_in == "body":
        body = body.replace(",", "\x00,")
    elif nul_in == "To":  # another recipient beside the reply address
        headers["To"] = f"office\x00@kestrel.example, {headers['To']}"
    else:
        headers[nul_in] = headers[nul_in].replace("@", "\x00@", 1)
    head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    return f"{head}\r\n{body}\r\n".encode()


@pytest.mark.parametrize("nul_in", ["body", "Subject", "From", "To", "Message-ID", "References"])
def test_a_customer_answer_with_a_nul_is_threaded_not_lost(ticket: Ticket, nul_in: str) -> None:
    [outcome] = file_reports(customer_answer(ticket.pk, nul_in))
    assert reports_react([outcome.report_id]) == [outcome.report_id]
    answer = Message.objects.get(ticket=ticket, direction=Message.Direction.INBOUND)
    assert "removed the compromised script" in answer.body
    assert "\x00" not in answer.subject + answer.body + answer.from_address + answer.to_address


def test_a_complaint_whose_message_id_holds_a_nul_is_acknowledged(world: World) -> None:
    raw = load("known_phish.eml").replace(b"Message-ID: <", b"Message-ID: <\x00", 1)
    report = file_report(raw)
    assert reports_react([report.pk]) == [report.pk]
    [ack] = Message.objects.filter(kind=Message.Kind.ACKNOWLEDGEMENT)
    assert ack.in_reply_to == ""  # not a Message-ID: not referred to
    assert Message.objects.filter(kind=Message.Kind.NOTICE).count() == 1
