"""Inbound mail threads only with proof: the signed reply token, or an authenticated party
address. A forged From with the ticket number in the subject waits for an agent."""

from __future__ import annotations

from complaints.intake import reply_detection
from complaints.mediation import inbound, replies
from complaints.mediation.outbound import reply_address
from complaints.models import Message, Ticket
from tests.complaints.ticket_support import CUSTOMER_ABUSE, Case, _fresh_cache, case  # noqa: F401


def mail(
    *, frm: str, to: str, subject: str, body: str = "We removed the page.", extra: str = ""
) -> bytes:
    return (
        f"{extra}From: <{frm}>\r\nTo: <{to}>\r\nSubject: {subject}\r\n"
        f"Message-ID: <{abs(hash((frm, to, subject, body)))}@shop.example.net>\r\n"
        "Date: Tue, 07 May 2024 10:00:00 +0000\r\nContent-Type: text/plain\r\n\r\n"
        f"{body}\r\n"
    ).encode()


def notify_customer(case: Case) -> Message:  # noqa: F811
    return replies.ticket_reply(case.ticket, author=None, audience="customer", body="Please fix.")


def test_reply_to_the_token_address_threads_and_reopens(case: Case) -> None:  # noqa: F811
    notify_customer(case)
    case.ticket.refresh_from_db()
    assert case.ticket.status == Ticket.Status.AWAITING_CUSTOMER
    raw = mail(frm=CUSTOMER_ABUSE, to=reply_address(case.ticket.pk, "customer"),
               subject="Re: your notice")  # fmt: skip
    message = reply_detection.message_receive_inbound(raw)
    assert message is not None and message.ticket == case.ticket
    assert message.status == Message.Status.RECEIVED
    assert message.visibility == Message.Visibility.CUSTOMER
    case.ticket.refresh_from_db()
    assert case.ticket.status == Ticket.Status.OPEN
    assert reply_detection.message_receive_inbound(raw) == message  # the same mail twice: once


def test_a_valid_token_from_another_address_waits_for_an_agent(case: Case) -> None:  # noqa: F811
    """The token travels with every forward and quote of our mail; only the address it was
    sent to makes the mail that party's answer. Kept on the ticket as an unconfirmed note."""
    notify_customer(case)
    token = reply_address(case.ticket.pk, "customer")
    raw = mail(frm="someone-else@other.example", to=token, subject="Re: your notice",
               body="This is the customer: all fixed, close it and stop the suspension.")  # fmt: skip
    message = reply_detection.message_receive_inbound(raw)
    assert message is not None and message.ticket == case.ticket
    assert message.status == Message.Status.PENDING
    assert message.visibility == Message.Visibility.INTERNAL
    assert message.party is None
    case.ticket.refresh_from_db()
    assert case.ticket.status == Ticket.Status.AWAITING_CUSTOMER  # nobody answered yet
    # the reporter's token does not make the customer's address a reporter either
    reporter_token = reply_address(case.ticket.pk, "reporter")
    raw2 = mail(frm=CUSTOMER_ABUSE, to=reporter_token, subject="Re: thanks")
    assert reply_detection.message_receive_inbound(raw2).status == Message.Status.PENDING


def test_a_tampered_token_does_not_thread(case: Case) -> None:  # noqa: F811
    good = reply_address(case.ticket.pk, "customer")
    forged = good.replace(f"+{case.ticket.pk}-", f"+{case.ticket.pk + 1}-")
    raw = mail(frm="x@attacker.example", to=forged, subject="Re: hi")
    assert reply_detection.message_receive_inbound(raw) is None


def test_forged_from_with_ticket_number_waits_as_pending(case: Case) -> None:  # noqa: F811
    notify_customer(case)
    raw = mail(frm=CUSTOMER_ABUSE, to="abuse@desk.example",
               subject=f"Re: [Ticket #{case.ticket.pk}] fixed, please close")  # fmt: skip
    message = reply_detection.message_receive_inbound(raw)
    assert message is not None
    assert message.status == Message.Status.PENDING
    assert message.visibility == Message.Visibility.INTERNAL
    case.ticket.refresh_from_db()
    assert case.ticket.status == Ticket.Status.AWAITING_CUSTOMER  # nothing changed


def test_ticket_number_alone_never_threads(case: Case) -> None:  # noqa: F811
    raw = mail(frm="stranger@attacker.example", to="abuse@desk.example",
               subject=f"Re: [Ticket #{case.ticket.pk}]")  # fmt: skip
    assert reply_detection.message_receive_inbound(raw) is None
    assert not Message.objects.filter(direction="in").exists()


def test_authenticated_party_address_threads(case: Case, settings) -> None:  # noqa: F811
    notify_customer(case)
    settings.TRUSTED_AUTHSERV_IDS = ["mx.desk.example"]
    raw = mail(frm=CUSTOMER_ABUSE, to="abuse@desk.example", subject="About your notice",
               extra="Authentication-Results: mx.desk.example; dmarc=pass header.from=shop.example.net\r\n")  # fmt: skip
    message = reply_detection.message_receive_inbound(raw)
    assert message is not None and message.status == Message.Status.RECEIVED
    assert message.ticket == case.ticket
    # the same header written by the sender's own server proves nothing
    raw2 = mail(frm=CUSTOMER_ABUSE, to="abuse@desk.example", subject="Second",
                extra="Authentication-Results: mx.shop.example.net; dmarc=pass\r\n")  # fmt: skip
    assert reply_detection.message_receive_inbound(raw2).status == Message.Status.PENDING


def test_agent_confirms_or_rejects_pending_mail(case: Case, users) -> None:  # noqa: F811
    notify_customer(case)
    first = reply_detection.message_receive_inbound(
        mail(frm=CUSTOMER_ABUSE, to="abuse@desk.example", subject="one")
    )
    second = reply_detection.message_receive_inbound(
        mail(frm=CUSTOMER_ABUSE, to="abuse@desk.example", subject="two")
    )
    inbound.message_confirm(first, actor=users["agent"])
    first.refresh_from_db()
    assert first.status == Message.Status.RECEIVED and first.visibility == "customer"
    case.ticket.refresh_from_db()
    assert case.ticket.status == Ticket.Status.OPEN
    inbound.message_reject(second, actor=users["agent"])
    second.refresh_from_db()
    assert second.ticket is None


def test_bounce_of_our_notice_is_linked_and_shown(case: Case) -> None:  # noqa: F811
    from complaints.tickets.timeline import ticket_timeline

    notice = notify_customer(case)
    bounce = (
        "From: MAILER-DAEMON@mx.shop.example.net\r\nTo: abuse@desk.example\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <bounce-1@mx.shop.example.net>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
        "--b\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        "--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.shop.example.net\r\n\r\n"
        f"Final-Recipient: rfc822; {CUSTOMER_ABUSE}\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n"
        "--b\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"Message-ID: {notice.message_id}\r\nSubject: {notice.subject}\r\n\r\n--b--\r\n"
    ).encode()
    linked = reply_detection.message_receive_inbound(bounce)
    assert linked is not None and linked.kind == Message.Kind.BOUNCE
    notice.refresh_from_db()
    assert notice.status == Message.Status.BOUNCED
    titles = [e.title for e in ticket_timeline(case.ticket)]
    assert any(t.startswith("Bounce from") for t in titles)
