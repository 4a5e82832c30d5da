"""Acknowledgements: once per report, only to known or authenticated reporters, never to
automatic mail, feeds, loops, lists or ourselves, and rate-limited per reporter.

Reports go through the real intake (fixtures in tests/fixtures/reports/ack/)."""

from __future__ import annotations

import pytest

from complaints.intake.reactions import reports_react
from complaints.mediation.acknowledgements import ack_refusal, mail_headers, reports_acknowledge
from complaints.mediation.outbound import message_send, reply_token_parse
from complaints.models import Message, Party, Receipt, Reporter
from tests.complaints.ack_support import (  # noqa: F401 - fixtures
    KNOWN_REPORTER,
    World,
    _fresh_rate_limits,
    file_and_react,
    file_report,
    load,
    retagged,
    with_headers,
    world_fixture,
)
from tests.servers.smtp import SmtpSink

PROVIDER_ABUSE = "abuse-team@mailbox-provider.example"


def acks() -> list[Message]:
    return list(Message.objects.filter(kind=Message.Kind.ACKNOWLEDGEMENT).order_by("pk"))


def test_known_reporter_is_acknowledged_once_even_when_reactions_run_twice(world: World) -> None:
    report = file_and_react(load("known_phish.eml"))
    reports_react([report.pk])  # a redelivered reaction task
    assert reports_acknowledge([report.pk]) == []

    [ack] = acks()
    assert ack.report_id == report.pk
    assert ack.to_address == KNOWN_REPORTER
    assert ack.status == Message.Status.QUEUED
    assert ack.direction == Message.Direction.OUTBOUND
    assert ack.visibility == Message.Visibility.REPORTER
    assert ack.in_reply_to == "<ack-phish-1@reporter.example.org>"
    assert ack.ticket is not None and ack.ticket.type == "phishing"
    assert ack.subject == f"[Ticket #{ack.ticket_id}] Re: Phishing site hosted on your network"
    assert "192.0.2.66" in ack.body
    assert f"#{ack.ticket_id}" in ack.body
    assert ack.template is not None and ack.template.slug == "acknowledgement"
    party = Party.objects.get(ticket=ack.ticket, role=Party.Role.REPORTER)
    assert (party.email, party.reporter_id) == (KNOWN_REPORTER, world.known.pk)
    assert ack.party_id == party.pk


def test_unknown_but_authenticated_sender_is_acknowledged(world: World) -> None:
    report = file_and_react(load("authenticated_spam.eml"))
    assert report.sender_authenticated
    assert report.reporter.trust == Reporter.Trust.UNKNOWN
    [ack] = acks()
    assert ack.to_address == PROVIDER_ABUSE
    assert ack.in_reply_to == "<case-88123@mailbox-provider.example>"


def test_forged_unauthenticated_sender_is_not_acknowledged(world: World) -> None:
    """The From is a bystander's: acknowledging it would make us a backscatter source.
    The Authentication-Results header was written by the sender's own server, not ours."""
    report = file_and_react(load("forged_unauth.eml"))
    assert report.status == "filed" and report.event_count == 1
    assert not report.sender_authenticated
    assert acks() == []
    raw = load("forged_unauth.eml")
    assert (
        ack_refusal(report, mail_headers(raw), has_mail_receipt=True) == "unknown-unauthenticated"
    )


@pytest.mark.parametrize(
    ("fixture", "reason"),
    [
        ("fbl_arf.eml", "reporter-is-feedback_loop"),
        ("2024-06-03-scan_ntpmonitor-example-asn.csv", "reporter-is-feed"),
        ("out_of_office.eml", "not-a-complaint"),
        ("own_mail.eml", "own-mail"),
    ],
)
def test_automatic_mail_feeds_and_our_own_mail_are_not_acknowledged(
    world: World, fixture: str, reason: str
) -> None:
    raw = load(fixture)
    report = file_and_react(raw, filename=fixture)
    assert report.status == "filed"
    assert acks() == []
    headers = mail_headers(raw) if fixture.endswith(".eml") else None
    assert ack_refusal(report, headers, has_mail_receipt=headers is not None) == reason


AUTHENTICATED = "authenticated_spam.eml"


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        (("Auto-Submitted: auto-generated",), "auto-submitted"),
        (
            # A complaint from a ticketing system that marks all it sends auto-replied
            # is still a complaint (its evidence says so), and never acknowledged.
            ("Auto-Submitted: auto-replied; owner-email=x@mailbox-provider.example",),
            "auto-submitted",
        ),
        (("Precedence: bulk",), "precedence"),
        (("Precedence: junk",), "precedence"),
        (("Precedence: list",), "precedence"),
        (("List-Id: Abuse discussion <abuse.lists.example>",), "list-mail"),
        (("List-Unsubscribe: <mailto:leave@lists.example>",), "list-mail"),
        (("X-Autoreply: yes",), "auto-reply"),
        (("X-Auto-Response-Suppress: OOF, AutoReply",), "auto-response-suppressed"),
        (("X-Loop: desk.example",), "own-mail"),
        (("Return-Path: <>",), "null-sender"),
    ],
)
def test_automatic_or_list_headers_on_the_outer_message_prevent_the_ack(
    world: World, headers: tuple[str, ...], reason: str
) -> None:
    raw = with_headers(load(AUTHENTICATED), *headers)
    report = file_and_react(raw)
    assert report.sender_authenticated and report.status == "filed"
    assert acks() == []
    assert ack_refusal(report, mail_headers(raw), has_mail_receipt=True) == reason


@pytest.mark.parametrize(
    "sender",
    ["MAILER-DAEMON@mailbox-provider.example", "noreply@mailbox-provider.example",
     "owner-abuse@mailbox-provider.example", "abuse-request@mailbox-provider.example"],
)  # fmt: skip
def test_daemons_and_list_robots_are_not_acknowledged(world: World, sender: str) -> None:
    raw = load(AUTHENTICATED).replace(
        b"From: Mailbox Provider Abuse Team <abuse-team@mailbox-provider.example>",
        f"From: {sender}".encode(),
    )
    report = file_and_react(raw)
    assert report.sender_authenticated
    assert acks() == []
    assert ack_refusal(report, mail_headers(raw), has_mail_receipt=True) == "robot-sender"


def test_auto_submitted_no_and_list_headers_inside_the_forwarded_spam_are_fine(
    world: World,
) -> None:
    """A complaint that quotes a list message carries List-Id in its body, not on top."""
    raw = with_headers(load(AUTHENTICATED), "Auto-Submitted: no").replace(
        b"Subject: You won a prize\n",
        b"Subject: You won a prize\nList-Id: <offers.shop.example.net>\nPrecedence: bulk\n",
    )
    file_and_react(raw)
    assert [a.to_address for a in acks()] == [PROVIDER_ABUSE]


def test_quarantined_reports_are_not_acknowledged(world: World) -> None:
    raw = load("known_phish.eml").split(b"\n\n", 1)[0] + b"\n\nHello, something is wrong.\n"
    report = file_and_react(raw)
    assert report.status == "quarantined"
    assert acks() == []


def test_reports_that_did_not_arrive_by_mail_are_not_acknowledged_by_mail(world: World) -> None:
    report = file_report(load("known_phish.eml"), channel=Receipt.Channel.API)
    reports_react([report.pk])
    assert acks() == []


@pytest.mark.parametrize("change", ["blocked", "opted-out"])
def test_blocked_or_opted_out_reporters_get_nothing(world: World, change: str) -> None:
    if change == "blocked":
        Reporter.objects.filter(pk=world.known.pk).update(trust=Reporter.Trust.BLOCKED)
    else:
        Reporter.objects.filter(pk=world.known.pk).update(acknowledge=False)
    file_and_react(load("known_phish.eml"))
    assert acks() == []


def test_acknowledgements_are_rate_limited_per_reporter_address(world: World, settings) -> None:  # type: ignore[no-untyped-def]
    settings.ACK_RATE_PER_ADDRESS_HOUR = 2
    for n in range(4):
        file_and_react(retagged(load("known_phish.eml"), f"flood-{n}"))
    assert len(acks()) == 2
    # Another reporter is not affected by this one's flood.
    file_and_react(load(AUTHENTICATED))
    assert len(acks()) == 3


def test_acknowledgements_are_rate_limited_per_reporter_domain(world: World, settings) -> None:  # type: ignore[no-untyped-def]
    settings.ACK_RATE_PER_DOMAIN_HOUR = 1
    base = load(AUTHENTICATED)
    for n, local in enumerate(["abuse-team", "noc", "postmaster-desk"]):
        raw = base.replace(
            b"<abuse-team@mailbox-provider.example>", f"<{local}@mailbox-provider.example>".encode()
        )
        file_and_react(retagged(raw, f"dom-{n}"))
    assert len(acks()) == 1


def test_acknowledgement_arrives_as_auto_replied_and_threads(
    transactional_db: None, world: World, smtp_server: SmtpSink
) -> None:
    report = file_and_react(load("known_phish.eml"))
    [ack] = acks()
    assert report.acknowledged_at is None  # queued, not sent yet
    assert message_send(message_id=ack.pk) == "sent"
    [received] = smtp_server.wait_for(1)
    mail = received.message
    assert received.rcpt_tos == [KNOWN_REPORTER]
    assert mail["Auto-Submitted"] == "auto-replied"
    assert mail["In-Reply-To"] == "<ack-phish-1@reporter.example.org>"
    assert mail["Message-ID"] == Message.objects.get(pk=ack.pk).message_id
    assert reply_token_parse(str(mail["Reply-To"])) == (ack.ticket_id, "reporter")
    report.refresh_from_db()
    assert report.acknowledged_at is not None


def test_an_insufficient_complaint_about_our_space_gets_the_evidence_request(world: World) -> None:
    raw = (
        f"From: SOC Team <{KNOWN_REPORTER}>\nTo: abuse@desk.example\n"
        "Subject: Attacks from your server\nMessage-ID: <bare-1@reporter.example.org>\n\n"
        "Your customer 192.0.2.70 keeps attacking us. Make it stop.\n"
    ).encode()
    report = file_and_react(raw)
    assert report.evidence_status == "insufficient" and "no-timestamp" in report.evidence_reasons
    [ack] = acks()
    assert ack.template is not None and ack.template.purpose == "evidence_request"
    assert "time of the abuse" in ack.body and "log lines" in ack.body


def test_a_complaint_about_someone_elses_network_is_told_so_not_asked_for_evidence(
    world: World,
) -> None:
    raw = (
        f"From: SOC Team <{KNOWN_REPORTER}>\nTo: abuse@desk.example\n"
        "Subject: Attacks\nMessage-ID: <bare-2@reporter.example.org>\n\n"
        "Host 203.0.113.99 keeps attacking us.\n"
    ).encode()
    report = file_and_react(raw)
    [ack] = acks()
    assert report.not_our_network
    assert ack.template is not None and ack.template.purpose == "acknowledgement"
    assert "does not belong" in ack.body or "belongs to our network" in ack.body
