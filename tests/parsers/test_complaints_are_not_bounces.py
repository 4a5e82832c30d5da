"""Complaints are never mistaken for bounces or auto-replies: only the outer message's
structure and envelope make a bounce (a top-level delivery status report, or a non-delivery
notice with a null sender) or an auto-reply (its header, or a subject that is an auto-reply
marker). Regression samples in tests/fixtures/reports/autoreply/, written by us."""

from __future__ import annotations

import pytest

from ._mail_fixtures import parse, raw, values


def test_a_complaint_forwarding_a_bounce_is_a_complaint_about_the_spam_source() -> None:
    """Backscatter: the reporter forwards a DSN for spam forged with their domain. The DSN
    is inside an attachment; the outer mail is a person's complaint."""
    result = parse("autoreply/complaint_forwarding_dsn.eml")
    assert (result.kind, result.is_complaint) == ("complaint", True)
    assert values(result, "ip") == {"192.0.2.71"}
    assert values(result, "type") == {"spam"}
    # the bouncing server and the reporter's own relay are not what is complained about
    assert "198.51.100.41" not in {str(ip) for ip in values(result, "ip")}


def test_a_postmaster_writing_about_refused_spam_is_a_complaint() -> None:
    """From postmaster@, with "Non-delivery" in the subject, but a real sender address and
    no delivery status report: a person telling us about 192.0.2.72."""
    result = parse("autoreply/postmaster_nondelivery.eml")
    assert (result.kind, result.is_complaint) == ("complaint", True)
    assert values(result, "ip") == {"192.0.2.72"}


def test_vacation_rental_phishing_is_phishing_not_an_out_of_office() -> None:
    result = parse("autoreply/vacation_rental_phishing.eml")
    assert (result.kind, result.is_complaint) == ("complaint", True)
    assert values(result, "type") == {"phishing"}
    assert "192.0.2.73" in {str(ip) for ip in values(result, "ip")}
    assert "shop.example.net" in values(result, "domain")


@pytest.mark.parametrize(
    ("fixture", "kind"),
    [
        ("autoreply/bounce.eml", "bounce"),  # multipart/report; report-type=delivery-status
        ("autoreply/bounce_of_unknown_message.eml", "bounce"),
        ("autoreply/classic_bounce_null_sender.eml", "bounce"),  # qmail: Return-Path <>, no DSN
        ("autoreply/out_of_office.eml", "auto-reply"),  # Auto-Submitted: auto-replied
        ("autoreply/automatic_reply_subject_only.eml", "auto-reply"),  # "Automatic reply: ..."
    ],
)
def test_real_bounces_and_auto_replies_are_still_recognised(fixture: str, kind: str) -> None:
    result = parse(fixture)
    assert (result.format, result.kind, result.is_complaint, result.events) == (
        "autoreply", kind, False, [],
    )  # fmt: skip


def test_a_bounce_subject_from_a_real_sender_address_is_not_a_bounce() -> None:
    """The classic bounce, but with a sender address instead of the null reverse-path: it
    is whatever its content says (here a complaint naming 192.0.2.70), not a bounce."""
    from complaints.parsers import registry

    forged = raw("autoreply/classic_bounce_null_sender.eml").replace(
        b"Return-Path: <>", b"Return-Path: <MAILER-DAEMON@mx.oldhost.example.net>"
    )
    result = registry.parse(forged)
    assert result.kind == "complaint"


@pytest.mark.parametrize(
    "subject",
    ["Out of office until 27 May", "Vacation rental scam", "Autoresponder abuse from 192.0.2.9",
     "Returned mail: phishing kit on 192.0.2.9"],
)  # fmt: skip
def test_subject_words_alone_do_not_make_an_auto_reply(subject: str) -> None:
    from complaints.parsers import autoreply
    from complaints.parsers.mime import load

    doc = load(
        f"From: a@reporter.example.org\nSubject: {subject}\n\nPhishing on 192.0.2.9\n".encode()
    )
    assert not autoreply.PARSER.detect(doc)
