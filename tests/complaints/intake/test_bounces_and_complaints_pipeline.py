"""Through the whole intake: complaints that talk about delivery are filed as complaints
with their events, a bounce of our own mail is linked to it, and a bounce that names none
of our messages is quarantined "bounce-unmatched" where agents see it, never filed into
nowhere. Samples in tests/fixtures/reports/autoreply/ (ours, documentation addresses)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from complaints.mediation.acknowledgements import ack_refusal, mail_headers
from complaints.models import Event, Message, Report
from tests.complaints.ack_support import (  # noqa: F401 - fixtures
    World,
    _fresh_rate_limits,
    file_and_react,
    load,
    world_fixture,
)

AUTOREPLY = Path(__file__).resolve().parents[2] / "fixtures" / "reports" / "autoreply"


def sample(name: str) -> bytes:
    return (AUTOREPLY / name).read_bytes()


@pytest.mark.parametrize(
    ("fixture", "ip", "type_"),
    [
        ("complaint_forwarding_dsn.eml", "192.0.2.71", "spam"),
        ("postmaster_nondelivery.eml", "192.0.2.72", "spam"),
        ("vacation_rental_phishing.eml", "192.0.2.73", "phishing"),
    ],
)
def test_complaints_about_delivery_are_filed_as_complaints(
    world: World, fixture: str, ip: str, type_: str
) -> None:
    report = file_and_react(sample(fixture))
    assert (report.status, report.kind) == ("filed", "complaint")
    events = Event.objects.filter(report=report)
    assert ip in {str(e.ip) for e in events if e.ip}
    assert {e.type for e in events} == {type_}
    # attributed to the customer who holds 192.0.2.64/28, on a ticket
    assert {e.ticket.customer_id for e in events if e.ip} == {world.customer.pk}
    assert not Message.objects.filter(report=report).exists()  # not threaded anywhere


def test_a_bounce_naming_none_of_our_messages_is_quarantined_visibly(world: World, users) -> None:
    raw = load("bounce.eml")  # returns a mail from our domain that the desk never sent
    report = file_and_react(raw)
    assert (report.status, report.quarantine_reason) == ("quarantined", "bounce-unmatched")
    assert report.format == "autoreply"
    assert "gone@mailbox-provider.example" in report.quarantine_detail  # who could not be reached
    assert not Message.objects.filter(kind=Message.Kind.ACKNOWLEDGEMENT).exists()
    assert ack_refusal(report, mail_headers(raw), has_mail_receipt=True) == "not-filed"
    client = Client()
    client.force_login(users["lead"])  # the quarantine's readers: leads and admins
    page = client.get("/intake/quarantine/?reason=bounce-unmatched").content.decode()
    assert "<code>bounce-unmatched</code>" in page and f">{report.pk}</a>" in page
    # the complaint-shaped words in the returned text (192.0.2.67) opened nothing
    assert not Event.objects.exists()


def test_a_classic_bounce_of_our_acknowledgement_is_linked_to_it(world: World) -> None:
    """qmail style: null sender, no delivery-status part; our Message-ID in In-Reply-To."""
    complaint = file_and_react(load("known_phish.eml"))
    [ack] = Message.objects.filter(report=complaint, kind=Message.Kind.ACKNOWLEDGEMENT)
    bounce = sample("classic_bounce_null_sender.eml").replace(
        b"<NOTICE-ID>", (ack.message_id or "").encode()
    )
    report = file_and_react(bounce)
    assert (report.status, report.kind) == ("filed", "bounce")
    ack.refresh_from_db()
    assert ack.status == Message.Status.BOUNCED
    linked = Message.objects.get(report=report)
    assert linked.kind == Message.Kind.BOUNCE and linked.ticket_id == ack.ticket_id
    assert Report.objects.get(pk=report.pk).event_count == 0
    assert Message.objects.filter(kind=Message.Kind.ACKNOWLEDGEMENT).count() == 1  # no new one
    assert ack_refusal(report, mail_headers(bounce), has_mail_receipt=True) == "not-a-complaint"


def test_a_forged_bounce_of_a_desk_address_is_quarantined_not_filed(world: World) -> None:
    """Backscatter of spam forged with our own From: the DSN names a Message-ID in our
    domain that we never sent."""
    report = file_and_react(sample("bounce_of_unknown_message.eml"))
    assert (report.status, report.quarantine_reason) == ("quarantined", "bounce-unmatched")
