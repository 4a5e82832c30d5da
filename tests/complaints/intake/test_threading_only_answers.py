"""Only mail that answers mail is threaded onto a party's open ticket: a reporter's next
complaint is a new complaint with its own events, never that reporter's "answer" on the
ticket of their previous one (which would reopen it and hide the new abuse in a thread)."""

from __future__ import annotations

from complaints.models import Event, Message, Party, Report, Ticket
from tests.complaints.ack_support import (  # noqa: F401 - fixtures
    KNOWN_REPORTER,
    World,
    _fresh_rate_limits,
    file_and_react,
    load,
    world_fixture,
)

OUR_MX = "Authentication-Results: mx.desk.example; dmarc=pass header.from=reporter.example.org\n"

NEXT_COMPLAINT = (
    OUR_MX + f"From: SOC Team <{KNOWN_REPORTER}>\nTo: abuse@desk.example\n"
    "Subject: Another phishing page on your network\nMessage-ID: <ack-phish-2@reporter.example.org>\n"
    "Date: Sun, 12 May 2024 09:00:00 +0000\n\n"
    "Hello again,\n\na second phishing page, this time at hxxp://192.0.2.67/webmail/ on 192.0.2.67\n"
    "(seen 2024-05-12 07:40:00 UTC).\n\n"
    '2024-05-12 07:40:00 GET /webmail/index.php 200 "Mozilla/5.0"\n\nRegards,\nSOC Team\n'
).encode()


def test_a_reporters_next_complaint_is_not_threaded_onto_their_open_ticket(world: World) -> None:
    first = file_and_react(load("known_phish.eml"))
    old_ticket = Ticket.objects.get(events__report=first)
    assert Party.objects.filter(ticket=old_ticket, role="reporter", email=KNOWN_REPORTER).exists()
    Ticket.objects.filter(pk=old_ticket.pk).update(status=Ticket.Status.AWAITING_REPORTER)

    second = file_and_react(NEXT_COMPLAINT)
    assert (second.status, second.kind, second.sender_authenticated) == ("filed", "complaint", True)
    assert {str(e.ip) for e in Event.objects.filter(report=second)} == {"192.0.2.67"}
    assert not Message.objects.filter(report=second, direction=Message.Direction.INBOUND).exists()
    old_ticket.refresh_from_db()
    assert old_ticket.status == Ticket.Status.AWAITING_REPORTER  # nobody answered it


def test_the_reporters_answer_to_our_mail_is_still_threaded(world: World) -> None:
    first = file_and_react(load("known_phish.eml"))
    [ack] = Message.objects.filter(report=first, kind=Message.Kind.ACKNOWLEDGEMENT)
    answer = (
        OUR_MX + f"From: SOC Team <{KNOWN_REPORTER}>\nTo: abuse@desk.example\n"
        f"Subject: Re: {ack.subject}\nIn-Reply-To: {ack.message_id}\n"
        "Message-ID: <ack-answer-1@reporter.example.org>\n\nThank you, it is gone now.\n"
    ).encode()
    report = file_and_react(answer)
    assert Report.objects.get(pk=report.pk).kind == "reply"
    message = Message.objects.get(report=report)
    assert message.ticket_id == ack.ticket_id and message.status == Message.Status.RECEIVED
