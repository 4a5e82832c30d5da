"""Outbound mail against a real SMTP server (aiosmtpd on loopback): what arrives, with which
headers; no header injection; temporary and permanent failures; one delivery under
concurrent sends; nothing sent before the transaction that queued it commits."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from complaints.mediation.outbound import (
    InvalidAddress,
    TemporarySendError,
    message_queue,
    message_send,
    messages_requeue_stuck,
    reply_address,
    reply_token_parse,
)
from complaints.models import Message, Party
from complaints.tickets.services import ticket_open_or_join
from tests.factories import CustomerFactory
from tests.servers.smtp import SmtpSink, closed_port

CUSTOMER = "abuse@shop.example.net"


def _ticket_and_party() -> tuple[object, Party]:
    customer = CustomerFactory(abuse_email=CUSTOMER)
    ticket, _ = ticket_open_or_join(
        key=f"abuse:{customer.pk}:spam:192.0.2.67",
        kind="abuse",
        subject="Spam from 192.0.2.67",
        customer_id=customer.pk,
        type_="spam",
        resource="192.0.2.67",
    )
    party = Party.objects.create(ticket=ticket, role=Party.Role.CUSTOMER, email=CUSTOMER)
    return ticket, party


def _queue_notice(subject: str = "[Ticket #1] Spam: 192.0.2.67", **extra: object) -> Message:
    ticket, party = _ticket_and_party()
    with transaction.atomic():
        return message_queue(
            kind=Message.Kind.NOTICE,
            visibility=Message.Visibility.CUSTOMER,
            to_address=CUSTOMER,
            subject=subject,
            body="Dear customer,\n\nspam was sent from 192.0.2.67.\n",
            ticket=ticket,
            party=party,
            **extra,  # type: ignore[arg-type]
        )


# --- what arrives --------------------------------------------------------------------------


def test_notice_arrives_with_message_id_auto_submitted_and_reply_token(
    transactional_db: None, smtp_server: SmtpSink
) -> None:
    message = _queue_notice()
    assert message_send(message_id=message.pk) == "sent"

    [received] = smtp_server.wait_for(1)
    mail = received.message
    message.refresh_from_db()
    assert received.rcpt_tos == [CUSTOMER]
    assert received.mail_from == "abuse@desk.example"
    assert mail["Message-ID"] == message.message_id
    assert message.message_id.endswith("@desk.example>")
    assert mail["Auto-Submitted"] == "auto-generated"
    assert mail["X-Auto-Response-Suppress"] == "All"
    assert mail["X-Loop"] == "desk.example"
    assert mail["Precedence"] is None
    assert reply_token_parse(str(mail["Reply-To"])) == (message.ticket_id, "customer")
    assert str(mail["From"]) == "Example Hosting Abuse Desk <abuse@desk.example>"
    assert mail.get_content_type() == "text/plain"
    assert "spam was sent from 192.0.2.67" in mail.get_content()
    assert message.status == Message.Status.SENT
    assert message.sent_at is not None
    assert message.attempts == 1

    # Sending again (a redelivered task) sends nothing.
    assert message_send(message_id=message.pk) == "skipped"
    time.sleep(0.3)
    assert len(smtp_server.messages) == 1


def test_agent_reply_is_person_to_person_and_threads(
    transactional_db: None, smtp_server: SmtpSink, make_user
) -> None:  # type: ignore[no-untyped-def]
    agent = make_user("agent-ack", "agent")
    original = "<a1b2c3@shop.example.net>"
    message = _queue_notice(subject="Re: your question", author_id=agent.pk, in_reply_to=original)
    Message.objects.filter(pk=message.pk).update(kind=Message.Kind.REPLY)
    assert message_send(message_id=message.pk) == "sent"
    [received] = smtp_server.wait_for(1)
    mail = received.message
    assert mail["Auto-Submitted"] is None
    assert mail["X-Auto-Response-Suppress"] is None
    assert mail["Precedence"] is None
    assert mail["In-Reply-To"] == original
    assert mail["References"] == original


def test_acknowledgement_is_auto_replied() -> None:
    """RFC 3834 section 5: a response to a message is ``auto-replied`` (checked on the
    built message; the full path is in test_acknowledgements)."""
    from complaints.mediation.outbound import _email_of

    message = Message(
        kind=Message.Kind.ACKNOWLEDGEMENT, to_address="soc@reporter.example.org",
        subject="Re: report", body="thanks", message_id="<x1@desk.example>",
    )  # fmt: skip
    built = _email_of(message).message()
    assert built["Auto-Submitted"] == "auto-replied"
    assert built["Reply-To"] == "abuse@desk.example"


# --- header injection --------------------------------------------------------------------

INJECTED_SUBJECT = "Spam report\r\nBcc: victim@example.org\r\nX-Injected: yes\n\nbody takeover"


def test_crlf_in_a_subject_cannot_inject_headers(
    transactional_db: None, smtp_server: SmtpSink
) -> None:
    queued = _queue_notice(subject=INJECTED_SUBJECT)
    # A row written by other code with the raw subject must be just as safe.
    raw = _queue_notice()
    Message.objects.filter(pk=raw.pk).update(subject=INJECTED_SUBJECT)

    for message in (queued, raw):
        assert message_send(message_id=message.pk) == "sent"
    for received in smtp_server.wait_for(2):
        mail = received.message
        assert received.rcpt_tos == [CUSTOMER]
        assert mail["Bcc"] is None
        assert mail["X-Injected"] is None
        assert (
            mail["Subject"] == "Spam report Bcc: victim@example.org X-Injected: yes body takeover"
        )
        assert b"\nX-Injected:" not in received.raw
        assert b"\nBcc:" not in received.raw


@pytest.mark.parametrize(
    "address",
    [
        "abuse@shop.example.net\r\nBcc: victim@example.org",
        "abuse@shop.example.net, victim@example.org",
        "not an address",
        "",
    ],
)
def test_invalid_recipients_are_refused_when_queued(db: None, address: str) -> None:
    with pytest.raises(InvalidAddress):
        message_queue(
            kind=Message.Kind.NOTICE,
            visibility=Message.Visibility.CUSTOMER,
            to_address=address,
            subject="s",
            body="b",
        )


def test_a_stored_invalid_recipient_fails_permanently(
    transactional_db: None, smtp_server: SmtpSink
) -> None:
    message = _queue_notice()
    Message.objects.filter(pk=message.pk).update(
        to_address="abuse@shop.example.net\nBcc: victim@example.org"
    )
    assert message_send(message_id=message.pk) == "failed"
    message.refresh_from_db()
    assert message.status == Message.Status.FAILED
    assert "line break" in message.error
    assert smtp_server.messages == []


# --- failures ------------------------------------------------------------------------------


def test_permanent_refusal_is_recorded_with_the_reason(
    transactional_db: None, smtp_server: SmtpSink
) -> None:
    smtp_server.refuse_rcpt = "550 5.1.1 <abuse@shop.example.net>: Recipient address rejected"
    message = _queue_notice()
    assert message_send(message_id=message.pk) == "failed"
    message.refresh_from_db()
    assert message.status == Message.Status.FAILED
    assert "550" in message.error and "Recipient address rejected" in message.error
    assert message.attempts == 1


def test_temporary_refusal_is_retried_and_then_delivered_once(
    transactional_db: None, smtp_server: SmtpSink
) -> None:
    smtp_server.refuse_rcpt = "451 4.3.0 Try again later"
    message = _queue_notice()
    with pytest.raises(TemporarySendError):
        message_send(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == Message.Status.QUEUED
    assert "451" in message.error

    smtp_server.refuse_rcpt = None
    assert message_send(message_id=message.pk) == "sent"
    message.refresh_from_db()
    assert (message.status, message.attempts, message.error) == (Message.Status.SENT, 2, "")
    assert len(smtp_server.wait_for(1)) == 1


def test_two_workers_sending_one_message_deliver_it_once(
    transactional_db: None, smtp_server: SmtpSink
) -> None:
    smtp_server.data_delay = 1.0  # the first sender is still talking when the second comes
    message = _queue_notice()
    outcomes: list[str] = []
    start = threading.Barrier(2)

    def send() -> None:
        start.wait()
        try:
            outcomes.append(message_send(message_id=message.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) in (["busy", "sent"], ["sent", "skipped"])
    time.sleep(0.5)
    assert len(smtp_server.messages) == 1
    message.refresh_from_db()
    assert message.status == Message.Status.SENT


# --- never inside a transaction --------------------------------------------------------------


def test_sending_inside_a_transaction_is_refused(
    transactional_db: None, smtp_server: SmtpSink
) -> None:
    message = _queue_notice()
    with pytest.raises(RuntimeError, match="inside a transaction"), transaction.atomic():
        message_send(message_id=message.pk)
    assert smtp_server.messages == []
    message.refresh_from_db()
    assert message.status == Message.Status.QUEUED and message.attempts == 0


def test_a_rolled_back_transaction_queues_nothing(
    db: None, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    ticket, party = _ticket_and_party()
    with django_capture_on_commit_callbacks() as callbacks:
        try:
            with transaction.atomic():
                message_queue(
                    kind=Message.Kind.NOTICE,
                    visibility=Message.Visibility.CUSTOMER,
                    to_address=CUSTOMER,
                    subject="s",
                    body="b",
                    ticket=ticket,  # type: ignore[arg-type]
                    party=party,
                )
                raise RuntimeError("the state change failed")
        except RuntimeError:
            pass
    assert callbacks == []
    assert not Message.objects.exists()


@pytest.fixture
def fast_mail_retries(monkeypatch, settings) -> None:  # type: ignore[no-untyped-def]
    """Retry settings for this process and for the worker the test starts."""
    for name, value in (("MAIL_RETRY_BACKOFF_SECONDS", 0), ("MAIL_SEND_MAX_ATTEMPTS", 3)):
        setattr(settings, name, value)
        monkeypatch.setenv(name, str(value))


@pytest.fixture
def empty_queues() -> None:
    """Tasks left in this run's broker database by earlier tests are dropped before a
    worker starts."""
    cache.clear()


@pytest.mark.worker
def test_the_worker_sends_only_after_the_commit(
    empty_queues: None, smtp_server: SmtpSink, celery_worker_process
) -> None:  # type: ignore[no-untyped-def]
    ticket, party = _ticket_and_party()
    with transaction.atomic():
        message = message_queue(
            kind=Message.Kind.NOTICE,
            visibility=Message.Visibility.CUSTOMER,
            to_address=CUSTOMER,
            subject="[Ticket #1] Spam: 192.0.2.67",
            body="Dear customer,\n",
            ticket=ticket,  # type: ignore[arg-type]
            party=party,
        )
        time.sleep(2)  # a worker that could see the row would have sent it by now
        assert smtp_server.messages == []
    [received] = smtp_server.wait_for(1, timeout=30)
    assert received.message["Message-ID"] == message.message_id
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        message.refresh_from_db()
        if message.status == Message.Status.SENT:
            break
        time.sleep(0.1)
    assert message.status == Message.Status.SENT


@pytest.mark.worker
def test_smtp_server_down_is_retried_then_failed_with_the_reason(
    empty_queues: None, fast_mail_retries: None, mail_down: None, celery_worker_process
) -> None:  # type: ignore[no-untyped-def]
    # The worker was started with EMAIL_PORT pointing at a port nobody listens on.
    message = _queue_notice()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        message.refresh_from_db()
        if message.status != Message.Status.QUEUED:
            break
        time.sleep(0.2)
    assert message.status == Message.Status.FAILED
    assert message.attempts == 3
    assert message.error.startswith("gave up after 3 attempts:")
    assert "Connection refused" in message.error or "ConnectionRefusedError" in message.error


@pytest.fixture
def mail_down(monkeypatch, settings) -> None:  # type: ignore[no-untyped-def]
    port = closed_port()
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    monkeypatch.setenv("EMAIL_HOST", "127.0.0.1")
    monkeypatch.setenv("EMAIL_PORT", str(port))


# --- the sweeper ---------------------------------------------------------------------------


def test_requeue_stuck_fans_out_only_messages_without_a_pending_task(db: None) -> None:
    lost = _queue_notice()
    pending = _queue_notice()
    fresh = _queue_notice()
    old = timezone.now() - timedelta(hours=1)
    Message.objects.filter(pk__in=[lost.pk, pending.pk]).update(created_at=old)
    cache.clear()
    cache.set(f"mail-inflight:{pending.pk}", 1, timeout=600)
    assert messages_requeue_stuck() == 1
    assert cache.get(f"mail-inflight:{lost.pk}") == 1  # now marked in flight
    assert cache.get(f"mail-inflight:{fresh.pk}") is None
    assert messages_requeue_stuck() == 0


# --- reply tokens ----------------------------------------------------------------------------


def test_reply_token_round_trip() -> None:
    address = reply_address(4217, "customer")
    local, _, domain = address.partition("@")
    assert domain == "desk.example"
    assert local.startswith("abuse+4217-c-")
    assert address == address.lower()
    assert reply_token_parse(address) == (4217, "customer")
    assert reply_token_parse(address.upper()) == (4217, "customer")
    assert reply_token_parse(f"Abuse Desk <{address}>") == (4217, "customer")
    assert reply_token_parse(reply_address(9, "reporter")) == (9, "reporter")
    assert reply_token_parse(reply_address(9, "third_party")) == (9, "third_party")


def _flip_last_mac_digit(address: str) -> str:
    local, _, domain = address.partition("@")
    return f"{local[:-1]}{'0' if local[-1] != '0' else '1'}@{domain}"


@pytest.mark.parametrize(
    "forge",
    [
        lambda a: a.replace("4217-", "4218-"),  # another ticket, same signature
        lambda a: a.replace("-c-", "-r-"),  # another role
        lambda a: _flip_last_mac_digit(a),
        lambda a: a.replace("@desk.example", "@evil.example"),
        lambda a: a.replace("abuse+", "other+"),
        lambda a: a + "\r\nBcc: x@example.org",
        lambda a: "abuse@desk.example",
    ],
)
def test_forged_reply_tokens_are_refused(forge) -> None:  # type: ignore[no-untyped-def]
    address = reply_address(4217, "customer")
    assert reply_token_parse(forge(address)) is None
