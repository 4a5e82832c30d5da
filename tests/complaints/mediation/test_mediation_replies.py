"""Outbound mediation: redaction for the customer, awaiting statuses and reminders, the
digest when one customer gets too many notices, the closing notice to the reporter, and a
real SMTP delivery."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from complaints.intake import reply_detection
from complaints.mediation import digests, followups, outbound, parties, replies
from complaints.models import DigestEntry, Message, Ticket
from complaints.tickets.services import ticket_status_change
from tests.complaints.ticket_support import REPORTER, VICTIM, Case, _fresh_cache, case, case_make  # noqa: F401
from tests.servers.smtp import smtp_server  # noqa: F401


def test_customer_message_redacts_reporter_and_recipients(case: Case) -> None:  # noqa: F811
    message = replies.ticket_reply(
        case.ticket, author=None, audience="customer",
        body=f"{REPORTER} says the page was mailed to {VICTIM}; write to abuse@shop.example.net",
    )  # fmt: skip
    assert REPORTER not in message.body and VICTIM not in message.body
    assert "abuse@shop.example.net" in message.body
    assert "/self-service/" in message.body  # a fresh self-service link in every notice
    assert message.to_address == "abuse@shop.example.net"
    reporter_msg = replies.ticket_reply(
        case.ticket, author=None, audience="reporter", body="Thanks"
    )
    assert reporter_msg.to_address == REPORTER
    case.ticket.refresh_from_db()
    assert case.ticket.status == Ticket.Status.AWAITING_REPORTER


def test_reminders_when_the_customer_stays_silent(case: Case, settings) -> None:  # noqa: F811
    settings.MEDIATION_REMINDER_AFTER_HOURS = 48
    settings.MEDIATION_MAX_REMINDERS = 1
    notice = replies.ticket_reply(case.ticket, author=None, audience="customer", body="Fix it.")
    assert followups.tickets_reminder_due() == []
    Message.objects.filter(pk=notice.pk).update(created_at=timezone.now() - timedelta(hours=49))
    assert followups.tickets_reminder_due() == [case.ticket.pk]
    reminder = followups.ticket_remind(case.ticket.pk)
    assert reminder is not None and reminder.kind == Message.Kind.REMINDER
    assert "/self-service/" in reminder.body
    assert followups.tickets_reminder_due() == []  # at most MEDIATION_MAX_REMINDERS
    assert followups.ticket_remind(case.ticket.pk) is None


def test_notices_beyond_the_burst_go_into_one_digest(case: Case, settings) -> None:  # noqa: F811
    settings.MEDIATION_NOTICE_BURST = 2
    results = [
        digests.customer_notice_queue(case.ticket, kind="notice", subject=f"n{i}", body=f"body {i} {VICTIM}")
        for i in range(5)
    ]  # fmt: skip
    assert [m.status for m in results] == ["queued", "queued", "recorded", "recorded", "recorded"]
    assert all(VICTIM not in m.body for m in results)
    assert digests.customers_with_pending_digest() == [case.customer.pk]
    digest = digests.customer_digest_send(case.customer.pk)
    assert digest is not None and digest.kind == Message.Kind.DIGEST and digest.status == "queued"
    assert all(f"body {i}" in digest.body for i in (2, 3, 4))
    assert DigestEntry.objects.filter(digest=digest).count() == 3
    assert digests.customer_digest_send(case.customer.pk) is None  # nothing twice


def test_reporter_is_told_when_the_case_closes(case: Case) -> None:  # noqa: F811
    ticket_status_change(ticket=case.ticket, status="resolved", actor_id=None)
    assert followups.tickets_closed_unnotified() == [case.ticket.pk]
    [sent] = followups.ticket_closed_notify(case.ticket.pk)
    assert sent.kind == Message.Kind.CLOSED and sent.to_address == REPORTER
    assert followups.ticket_closed_notify(case.ticket.pk) == []
    assert followups.tickets_closed_unnotified() == []


def test_unknown_unauthenticated_reporter_gets_no_mail(case: Case) -> None:  # noqa: F811
    case.reporter.trust = 1
    case.reporter.save()
    with pytest.raises(parties.MediationError):
        replies.ticket_reply(case.ticket, author=None, audience="reporter", body="hi")


@pytest.mark.django_db(transaction=True)
def test_reply_is_delivered_over_smtp_with_the_reply_token(smtp_server, make_user) -> None:  # noqa: F811
    from django.contrib.auth.models import Group

    Group.objects.get_or_create(name="agent")
    built = case_make()
    agent = make_user("agent-smtp", "agent")
    message = replies.ticket_reply(
        built.ticket, author=agent, audience="customer", body="Please remove the kit."
    )
    assert outbound.message_send(message_id=message.pk) == "sent"
    [received] = smtp_server.wait_for(1)
    assert received.rcpt_tos == ["abuse@shop.example.net"]
    mail = received.message
    assert mail["Reply-To"] == outbound.reply_address(built.ticket.pk, "customer")
    assert mail["Message-ID"] == message.message_id
    assert f"#{built.ticket.pk}" in mail["Subject"]
    assert "Please remove the kit." in mail.get_content()
    # the customer answers that mail: it threads by the token
    answer = (
        f"From: <abuse@shop.example.net>\r\nTo: {mail['Reply-To']}\r\nSubject: Re: {mail['Subject']}\r\n"
        f"In-Reply-To: {mail['Message-ID']}\r\nMessage-ID: <answer-1@shop.example.net>\r\n\r\nDone.\r\n"
    ).encode()
    threaded = reply_detection.message_receive_inbound(answer)
    assert (
        threaded is not None
        and threaded.status == "received"
        and threaded.ticket_id == built.ticket.pk
    )
