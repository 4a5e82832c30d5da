"""First customer notices: per the stored policy, once per ticket (one for a whole scan-feed
report), from the type's template, redacted so the customer never learns who reported or
who received the spam."""

from __future__ import annotations

import pytest

from complaints.intake.reactions import reports_react
from complaints.mediation.notices import reports_notify_customers
from complaints.mediation.outbound import message_send, reply_token_parse
from complaints.mediation.redaction import REDACTED, redact_for_customer
from complaints.models import Message, NoticePolicy, Party, ResponseTemplate, Ticket
from customers.models import Customer
from tests.complaints.ack_support import (  # noqa: F401 - fixtures
    CUSTOMER_ABUSE,
    KNOWN_REPORTER,
    World,
    _fresh_rate_limits,
    file_and_react,
    load,
    world_fixture,
)
from tests.servers.smtp import SmtpSink

FEED = "2024-06-03-scan_ntpmonitor-example-asn.csv"


def notices() -> list[Message]:
    return list(Message.objects.filter(kind=Message.Kind.NOTICE).order_by("pk"))


def test_notice_is_queued_per_policy_from_the_type_template(world: World) -> None:
    report = file_and_react(load("known_phish.eml"))
    [notice] = notices()
    ticket = Ticket.objects.get(type="phishing")
    assert notice.ticket_id == ticket.pk
    assert notice.to_address == CUSTOMER_ABUSE
    assert notice.visibility == Message.Visibility.CUSTOMER
    assert notice.status == Message.Status.QUEUED
    assert notice.template.slug == "notice-phishing"
    assert notice.subject == f"[Ticket #{ticket.pk}] Phishing: 192.0.2.66"
    assert "Dear Shop Example Ltd" in notice.body
    assert "phishing" in notice.body.lower()
    assert "2024-05-11 08:12 UTC" in notice.body  # first seen
    party = Party.objects.get(ticket=ticket, role=Party.Role.CUSTOMER)
    assert (party.email, party.customer_id) == (CUSTOMER_ABUSE, world.customer.pk)
    assert notice.party_id == party.pk
    assert reports_notify_customers([report.pk]) == []


def test_one_notice_per_ticket_whatever_joins_it_later(world: World) -> None:
    first = file_and_react(load("known_phish.eml"))
    second = file_and_react(load("forged_unauth.eml"))  # another report, same ticket
    reports_react([first.pk, second.pk])
    assert Ticket.objects.filter(type="phishing").count() == 1
    assert len(notices()) == 1


def test_a_scan_feed_report_makes_one_notice_for_all_hosts(world: World) -> None:
    file_and_react(load(FEED), filename=FEED)
    [ticket] = Ticket.objects.filter(type="ddos-amplifier")
    assert ticket.event_count == 3
    [notice] = notices()
    for ip in ("192.0.2.70", "192.0.2.71", "192.0.2.72"):
        assert ip in notice.body
    assert notice.template.slug == "notice-ddos-amplifier"
    assert "restrict default noquery" in notice.body

    # The next day's feed joins the open ticket: no second notice.
    next_day = load(FEED).replace(b"2024-06-03 01:02", b"2024-06-04 01:02")
    file_and_react(next_day, filename="2024-06-04-scan_ntpmonitor-example-asn.csv")
    assert Ticket.objects.get(pk=ticket.pk).event_count == 6
    assert len(notices()) == 1


@pytest.mark.parametrize("policy", ["agent-decides", "no-row"])
def test_types_the_policy_does_not_notify_get_no_notice(world: World, policy: str) -> None:
    if policy == "agent-decides":
        NoticePolicy.objects.filter(type="phishing").update(notify=False)
    else:
        NoticePolicy.objects.filter(type="phishing").delete()
    file_and_react(load("known_phish.eml"))
    assert Ticket.objects.filter(type="phishing").exists()
    assert notices() == []


def test_the_policy_template_wins_and_the_generic_one_is_the_fallback(world: World) -> None:
    custom = ResponseTemplate.objects.create(
        slug="phish-short", name="Short phishing notice", purpose="notice", audience="customer",
        type="phishing", subject="Phishing on {{ resources.0 }}", body="Remove it, {{ customer_name }}.",
    )  # fmt: skip
    NoticePolicy.objects.filter(type="phishing").update(template=custom)
    file_and_react(load("known_phish.eml"))
    ResponseTemplate.objects.filter(slug="notice-spam").update(active=False)
    file_and_react(load("authenticated_spam.eml"))
    phish, spam = notices()
    assert (phish.subject, phish.body) == (
        "Phishing on 192.0.2.66",
        "Remove it, Shop Example Ltd.\n",
    )
    assert spam.template.slug == "notice-generic"


def test_notice_never_shows_the_reporter_or_the_recipients(world: World) -> None:
    file_and_react(load("authenticated_spam.eml"))
    file_and_react(load("known_phish.eml"))
    bodies = "\n".join(n.subject + "\n" + n.body for n in notices())
    assert len(notices()) == 2
    for secret in (
        "abuse-team@mailbox-provider.example",  # the reporter
        "jane.recipient@mailbox-provider.example",  # the spam's recipient
        KNOWN_REPORTER,
        "victim.person@mailbox.example",
        "victim.person%40mailbox.example",  # personalised phishing link
    ):
        assert secret not in bodies
    assert REDACTED in bodies


def test_protected_customers_are_still_notified(world: World) -> None:
    Customer.objects.filter(pk=world.customer.pk).update(protected=True)
    file_and_react(load("known_phish.eml"))
    assert len(notices()) == 1


def test_insufficient_evidence_is_left_to_an_agent(world: World) -> None:
    raw = (
        b"From: SOC Team <soc@reporter.example.org>\nTo: abuse@desk.example\n"
        b"Subject: Spam\nMessage-ID: <bare-1@reporter.example.org>\n\n"
        b"Spam comes from 192.0.2.68. Stop it.\n"
    )
    report = file_and_react(raw)
    assert report.evidence_status == "insufficient"
    assert Ticket.objects.get(resource="192.0.2.68").evidence_status == "insufficient"
    assert notices() == []


def test_a_customer_without_a_contact_is_left_to_an_agent(world: World) -> None:
    Customer.objects.filter(pk=world.customer.pk).update(abuse_email="", billing_email="")
    file_and_react(load("known_phish.eml"))
    assert notices() == []


def test_notice_arrives_with_a_customer_reply_token(
    transactional_db: None, world: World, smtp_server: SmtpSink
) -> None:
    file_and_react(load("authenticated_spam.eml"))
    [notice] = notices()
    assert message_send(message_id=notice.pk) == "sent"
    [received] = smtp_server.wait_for(1)
    mail = received.message
    assert received.rcpt_tos == [CUSTOMER_ABUSE]
    assert mail["Auto-Submitted"] == "auto-generated"
    assert reply_token_parse(str(mail["Reply-To"])) == (notice.ticket_id, "customer")
    text = mail.get_content()
    assert "192.0.2.67" in text
    assert "abuse-team@mailbox-provider.example" not in text
    assert "jane.recipient@mailbox-provider.example" not in text
    assert "offers@shop.example.net" in text  # the customer's own sender stays visible


# --- redaction ------------------------------------------------------------------------------


def test_redaction_keeps_only_the_customers_own_addresses() -> None:
    text = (
        "From: Offers <OFFERS@Shop.Example.NET>\n"
        "To: jane@mailbox.example, <bob.smith+tag@sub.mailbox.example>\n"
        "Reply-To: abuse@shop.example.net\n"
        "Link: https://phish.example/login?e=jane%40mailbox.example&x=1\n"
        "Mail mailto:someone@other.example now, or sales@sub.shop.example.net\n"
    )
    out = redact_for_customer(text, keep={"@shop.example.net", "ABUSE@shop.example.net"})
    assert out == (
        "From: Offers <OFFERS@Shop.Example.NET>\n"
        "To: [redacted], <[redacted]>\n"
        "Reply-To: abuse@shop.example.net\n"
        "Link: https://phish.example/login?e=[redacted]&x=1\n"
        "Mail mailto:[redacted] now, or [redacted]\n"
    )


def test_redaction_with_nothing_kept_removes_every_address() -> None:
    assert redact_for_customer("a@b.example c.d@e.example.org", keep=set()) == (
        "[redacted] [redacted]"
    )
    assert redact_for_customer("", keep=set()) == ""
    assert redact_for_customer("no addresses, 192.0.2.1, @handle", keep=set()) == (
        "no addresses, 192.0.2.1, @handle"
    )
    # Run together, the first address's domain swallows the second's local part: neither
    # the second's domain (the recipient's provider) nor the first's may be left.
    assert redact_for_customer("to a@b.com-x@c.org, y@d.net", keep=set()) == (
        "to [redacted], [redacted]"
    )


def test_the_first_notice_carries_a_working_self_service_link(world) -> None:  # type: ignore[no-untyped-def]
    import re

    from complaints.mediation.selfservice import link_resolve
    from complaints.models import SelfServiceLink

    report = file_and_react(load("known_phish.eml"))
    notice = Message.objects.get(kind=Message.Kind.NOTICE, ticket__isnull=False)
    match = re.search(r"/self-service/([A-Za-z0-9_-]+)/", notice.body)
    assert match, notice.body
    link = SelfServiceLink.objects.get(ticket=notice.ticket)
    assert link_resolve(match.group(1)) == link
    assert report.pk
