"""A forged Authentication-Results header is not believed anywhere: the report is not
"sender authenticated", the forged From gets no acknowledgement (no backscatter), and a mail
from a party's address carrying it waits for an agent instead of counting as that party's
answer. The fixtures are ours (tests/fixtures/reports/ack/), with documentation addresses."""

from __future__ import annotations

from complaints.intake import reply_detection
from complaints.intake.reactions import reports_react
from complaints.mediation import replies
from complaints.models import Message, Receipt, Report, Ticket
from tests.complaints.ack_support import (  # noqa: F401 - fixtures
    World,
    _fresh_rate_limits,
    file_and_react,
    file_report,
    load,
    world_fixture,
)
from tests.complaints.ticket_support import CUSTOMER_ABUSE, Case, _fresh_cache, case  # noqa: F401

OURS = "Authentication-Results: mx.desk.example; dmarc=pass header.from=shop.example.net\r\n"


def test_our_id_below_a_relays_header_gets_no_acknowledgement(world: World) -> None:
    """The mail came in through a relay that is not ours; the sender wrote a field with our
    authserv-id below it. Believing it would mail the forged From (a bystander)."""
    report = file_and_react(load("forged_below_relay.eml"))
    assert (report.status, report.event_count) == ("filed", 1)
    assert report.sender == "ceo@forged-victim.example"
    assert not report.sender_authenticated
    assert not Message.objects.filter(kind=Message.Kind.ACKNOWLEDGEMENT).exists()


def test_the_same_report_stamped_by_our_mx_on_top_is_acknowledged(world: World) -> None:
    """The counterpart: our MX's own field on top, for the same From, is believed."""
    raw = load("forged_below_relay.eml").replace(
        b"Authentication-Results: mx2.relay.example; spf=softfail smtp.mailfrom=forged-victim.example\n",
        b"Authentication-Results: mx.desk.example; dmarc=pass header.from=forged-victim.example\n",
    )
    report = file_and_react(raw)
    assert report.sender_authenticated
    [ack] = Message.objects.filter(kind=Message.Kind.ACKNOWLEDGEMENT)
    assert ack.to_address == "ceo@forged-victim.example"


def test_a_raw_message_uploaded_through_the_api_is_never_authenticated(world: World) -> None:
    """No MX of ours saw an uploaded message: every header in it is the uploader's."""
    raw = load("forged_below_relay.eml").replace(
        b"Authentication-Results: mx2.relay.example; spf=softfail smtp.mailfrom=forged-victim.example\n",
        b"Authentication-Results: mx.desk.example; dmarc=pass header.from=forged-victim.example\n",
    )
    report = file_report(raw, channel=Receipt.Channel.API)
    assert report.status == "filed" and not report.sender_authenticated


def customer_mail(extra: str, subject: str) -> bytes:
    return (
        f"{extra}From: <{CUSTOMER_ABUSE}>\r\nTo: <abuse@desk.example>\r\nSubject: {subject}\r\n"
        f"Message-ID: <{abs(hash(subject))}@shop.example.net>\r\n"
        "Date: Tue, 07 May 2024 10:00:00 +0000\r\nContent-Type: text/plain\r\n\r\n"
        "We removed the page, please close the case.\r\n"
    ).encode()


def test_a_forged_header_from_the_customers_address_waits_for_an_agent(case: Case) -> None:  # noqa: F811
    replies.ticket_reply(case.ticket, author=None, audience="customer", body="Please fix.")
    relay = "Authentication-Results: mx2.relay.example; none\r\n"
    message = reply_detection.message_receive_inbound(customer_mail(relay + OURS, "Fixed"))
    assert message is not None and message.ticket == case.ticket
    assert message.status == Message.Status.PENDING
    assert message.visibility == Message.Visibility.INTERNAL
    case.ticket.refresh_from_db()
    assert case.ticket.status == Ticket.Status.AWAITING_CUSTOMER  # not "the customer answered"


def test_a_filed_reply_carrying_our_header_from_the_api_waits_for_an_agent(case: Case) -> None:  # noqa: F811
    """Through the intake: the uploaded mail is filed, then threaded as unconfirmed."""
    from complaints.intake.filing.pipeline import reports_process
    from complaints.intake.receiving import Arrival, reports_receive

    notice = replies.ticket_reply(case.ticket, author=None, audience="customer", body="Fix.")
    raw = customer_mail(OURS + f"In-Reply-To: {notice.message_id}\r\n", "Re: your notice")
    [received] = reports_receive([Arrival(raw=raw, channel=Receipt.Channel.API)], queue=False)
    reports_process([received.report_id])
    report = Report.objects.get(pk=received.report_id)
    assert report.status == "filed" and not report.sender_authenticated
    reports_react([report.pk])
    message = Message.objects.get(report=report)
    assert message.status == Message.Status.PENDING
