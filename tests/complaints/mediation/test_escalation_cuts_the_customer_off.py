"""Escalation cuts the customer off (issue 11, item 4): once a ticket is restricted —
escalated to investigations, or a legal or investigation case — its self-service links
answer a neutral "no longer available" page, old links included; no reminder, notice,
digest, warning or acknowledgement reaches its customer; mail queued before the escalation
never leaves; and only a person on the case may still write to the customer by hand.

Each automatic path is run on an escalated ticket and must leave no customer mail behind.
"""

# ruff: noqa: F811 - the fixtures imported below are redefined as test arguments
from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from complaints.actions.policy_rules import policy_rules_dry_run
from complaints.actions.services import action_request
from complaints.actions.tasks import action_execute_task, sla_sweep_task
from complaints.mediation import digests, followups, outbound, parties, replies, selfservice
from complaints.mediation.notices import reports_notify_customers
from complaints.models import (
    Action,
    DigestEntry,
    Message,
    NoticePolicy,
    Party,
    PolicyRule,
    SelfServiceLink,
    SlaPolicy,
    Ticket,
)
from complaints.restriction import WITHHELD
from complaints.tickets.investigations import ticket_escalate_to_investigations
from tests.complaints.ack_support import (  # noqa: F401 - fixtures
    KNOWN_REPORTER,
    World,
    _fresh_rate_limits,
    file_and_react,
    load,
    retagged,
    world_fixture,
)
from tests.complaints.actions_support import make_ticket
from tests.complaints.ticket_support import CUSTOMER_ABUSE, Case, _fresh_cache, case  # noqa: F401
from tests.servers.webhook import webhook_server  # noqa: F401 - fixture

SUBJECT_WORDS = ("Phishing from 192.0.2.70", "investigation", "restricted", "escalat")


def customer_mail(ticket: Ticket) -> list[Message]:
    """Mail to the ticket's customer that is queued, sent or waiting for a digest."""
    return list(
        Message.objects.filter(ticket=ticket, direction=Message.Direction.OUTBOUND)
        .filter(visibility=Message.Visibility.CUSTOMER)
        .filter(status__in=[Message.Status.QUEUED, Message.Status.SENT, Message.Status.RECORDED])
        .exclude(error=WITHHELD)
    )


def escalate(ticket: Ticket, users, **kwargs) -> Ticket:  # type: ignore[no-untyped-def]
    return ticket_escalate_to_investigations(
        ticket=ticket, actor=users["agent"], reason="Deliberate fraud", **kwargs
    )


def token_of(url: str) -> str:
    return url.split("/self-service/", 1)[1].strip("/")


# --- self-service links ------------------------------------------------------------------


def test_old_links_answer_a_neutral_page_after_escalation(case: Case, users) -> None:
    link, url = selfservice.link_issue(ticket=case.ticket, created_by_id=None)
    assert link is not None
    token = token_of(url)
    page = reverse("selfservice:page", kwargs={"token": token})
    assert Client().get(page).status_code == 200
    unknown = Client().get(reverse("selfservice:page", kwargs={"token": "B" * 43}))

    escalate(case.ticket, users)
    response = Client().get(page)
    assert response.status_code == 404
    html = response.content.decode()
    assert "no longer available" in html
    for word in SUBJECT_WORDS:
        assert word.lower() not in html.lower()
    assert html == unknown.content.decode()  # indistinguishable from a link that never was
    assert response["Cache-Control"] == "no-store"
    for what in ("reply", "fixed"):
        posted = Client().post(reverse(f"selfservice:{what}", kwargs={"token": token}),
                               {"body": "we fixed it", "what_was_done": "removed the kit"})  # fmt: skip
        assert posted.status_code == 404
    assert not Message.objects.filter(ticket=case.ticket, direction="in").exists()
    # the revocation is stored: the link stays dead whatever happens to the ticket later
    link.refresh_from_db()
    assert link.revoked_at is not None and link.revoked_by == users["agent"]
    assert case.ticket.changes.filter(field="customer_contact").exists()


def test_a_link_of_a_case_restricted_another_way_is_refused_when_used(case: Case) -> None:
    _, url = selfservice.link_issue(ticket=case.ticket, created_by_id=None)
    page = reverse("selfservice:page", kwargs={"token": token_of(url)})
    Ticket.objects.filter(pk=case.ticket.pk).update(kind=Ticket.Kind.LEGAL)  # no cut-off ran
    response = Client().get(page)
    assert response.status_code == 404 and "no longer available" in response.content.decode()
    assert SelfServiceLink.objects.get(ticket=case.ticket).revoked_at is None  # refused at use


def test_no_link_is_issued_for_a_restricted_case(case: Case, users) -> None:
    escalate(case.ticket, users)
    ticket = Ticket.objects.get(pk=case.ticket.pk)
    assert selfservice.link_issue(ticket=ticket, created_by_id=None) == (None, "")
    investigator = Client()
    investigator.force_login(users["investigations"])
    response = investigator.post(
        reverse("workspace:ticket-link-issue", args=[ticket.pk]), follow=True
    )
    assert "no link issued" in response.content.decode()
    assert not SelfServiceLink.objects.filter(ticket=ticket, revoked_at__isnull=True).exists()


# --- the choke point -----------------------------------------------------------------------


def test_the_outbound_queue_refuses_automatic_mail_to_the_customer(case: Case, users) -> None:
    ticket = escalate(case.ticket, users)
    party = parties.customer_party(ticket)
    assert party is not None
    for author in (None, users["agent"]):  # a task, or someone not on the case
        with pytest.raises(outbound.MailWithheld) as refused:
            outbound.message_queue(kind="notice", visibility="customer", to_address=party.email,
                                   subject="s", body="b", ticket=ticket, party=party,
                                   author_id=getattr(author, "pk", None))  # fmt: skip
        assert refused.value.reason == WITHHELD
    # the customer's address is the customer's, whatever the message calls itself
    with pytest.raises(outbound.MailWithheld):
        outbound.message_queue(kind="acknowledgement", visibility="reporter",
                               to_address=CUSTOMER_ABUSE.upper(), subject="s", body="b", ticket=ticket)  # fmt: skip
    # a reporter of the case may still get mail; so may the customer, written by hand on the case
    outbound.message_queue(kind="reply", visibility="reporter", to_address="soc@cert.example.org",
                           subject="s", body="b", ticket=ticket)  # fmt: skip
    reply = replies.ticket_reply(ticket, author=users["investigations"], audience="customer",
                                   body="Please call us about your account.")  # fmt: skip
    assert reply.status == Message.Status.QUEUED and "/self-service/" not in reply.body
    assert customer_mail(ticket) == [reply]


def test_mail_queued_before_the_escalation_never_leaves(
    transactional_db: None,
    case: Case,
    users,
    settings,
) -> None:
    settings.MEDIATION_NOTICE_BURST = 0  # the automatic notice waits for the digest
    by_agent = replies.ticket_reply(
        case.ticket, author=users["agent"], audience="customer", body="Fix it."
    )
    held = digests.customer_notice_queue(case.ticket, kind="notice", subject="n", body="held")
    assert (
        held.status == Message.Status.RECORDED and DigestEntry.objects.filter(message=held).exists()
    )
    to_reporter = replies.ticket_reply(
        case.ticket, author=users["agent"], audience="reporter", body="Thanks"
    )

    escalate(case.ticket, users)
    by_agent.refresh_from_db()
    assert (by_agent.status, by_agent.error) == (Message.Status.FAILED, WITHHELD)
    assert outbound.message_send(message_id=by_agent.pk) == "skipped"
    assert not DigestEntry.objects.filter(message=held).exists()
    assert digests.customer_digest_send(case.customer.pk) is None
    to_reporter.refresh_from_db()
    assert to_reporter.status == Message.Status.QUEUED  # the reporter is not the customer
    assert customer_mail(case.ticket) == []


def test_a_queued_message_of_a_case_restricted_another_way_is_withheld_at_send(
    transactional_db: None,
    case: Case,
) -> None:
    message = replies.ticket_reply(case.ticket, author=None, audience="customer", body="Fix it.")
    Ticket.objects.filter(pk=case.ticket.pk).update(kind=Ticket.Kind.INVESTIGATION)
    # Refused before any SMTP conversation: no server is running for this test.
    assert outbound.message_send(message_id=message.pk) == "withheld"
    message.refresh_from_db()
    assert (message.status, message.error) == (Message.Status.FAILED, WITHHELD)


def test_the_digest_leaves_out_notices_of_a_case_restricted_since(case: Case, settings) -> None:
    settings.MEDIATION_NOTICE_BURST = 0
    other = make_ticket(customer=case.customer, subject="Spam from 192.0.2.71")
    digests.customer_notice_queue(case.ticket, kind="notice", subject="secret case", body="one")
    digests.customer_notice_queue(other, kind="notice", subject="open case", body="two")
    Ticket.objects.filter(pk=case.ticket.pk).update(restricted_group="legal")
    digest = digests.customer_digest_send(case.customer.pk)
    assert digest is not None and digest.ticket_id == other.pk
    assert "open case" in digest.body and "secret case" not in digest.body
    assert digests.customers_with_pending_digest() == []


# --- each automatic path on an escalated ticket -------------------------------------------


def test_reminders_stop(case: Case, users, settings) -> None:
    settings.MEDIATION_REMINDER_AFTER_HOURS = 1
    notice = replies.ticket_reply(
        case.ticket, author=users["agent"], audience="customer", body="Fix it."
    )
    Message.objects.filter(pk=notice.pk).update(created_at=timezone.now() - timedelta(hours=2))
    assert followups.tickets_reminder_due() == [case.ticket.pk]
    escalate(case.ticket, users, keep_kind=True)  # still an abuse ticket, now restricted
    assert followups.tickets_reminder_due() == []
    assert followups.ticket_remind(case.ticket.pk) is None
    assert customer_mail(case.ticket) == []
    assert SelfServiceLink.objects.filter(ticket=case.ticket, revoked_at__isnull=True).count() == 0


def test_a_pending_warning_fails_instead_of_telling_the_customer(users, webhook_server) -> None:
    ticket = make_ticket()
    action = action_request(
        ticket=ticket, kind="warn", reason="Remove the kit", actor=users["agent"]
    )
    escalate(ticket, users)
    action_execute_task.apply(args=[action.pk])
    action.refresh_from_db()
    assert action.status == Action.Status.FAILED and action.error == WITHHELD
    assert customer_mail(ticket) == [] and webhook_server.requests == []


def test_an_automatic_suspension_of_a_restricted_case_is_not_carried_out(
    users, webhook_server
) -> None:
    ticket = make_ticket()
    rule = PolicyRule.objects.create(name="many events", condition="event_count", threshold=1,
                                     proposes="suspend", automatic=True, enabled=True)  # fmt: skip
    action = Action.objects.create(ticket=ticket, customer=ticket.customer, service=ticket.service,
                                   kind="suspend", reason="rule", status="approved", automatic=True,
                                   rule=rule)  # fmt: skip
    escalate(ticket, users)
    action_execute_task.apply(args=[action.pk])
    action.refresh_from_db()
    assert action.status == Action.Status.REJECTED and webhook_server.requests == []


def test_policy_rules_leave_restricted_cases_alone(users) -> None:
    PolicyRule.objects.create(name="any events", condition="event_count", threshold=0,
                              proposes="warn", automatic=True, enabled=True)  # fmt: skip
    plain = make_ticket(event_count=5)
    escalated = escalate(make_ticket(event_count=5), users, keep_kind=True)
    legal = make_ticket(kind=Ticket.Kind.LEGAL, event_count=5)
    investigation = make_ticket(kind=Ticket.Kind.INVESTIGATION, event_count=5)
    proposed = {p.ticket_id for p in policy_rules_dry_run()}
    assert plain.pk in proposed
    assert not proposed & {escalated.pk, legal.pk, investigation.pk}


def test_the_sla_sweep_writes_nothing_to_the_customer(users) -> None:
    SlaPolicy.objects.create(kind="investigation", first_response_minutes=1, resolution_minutes=2)
    ticket = escalate(make_ticket(), users)
    sla_sweep_task.apply()
    Ticket.objects.filter(pk=ticket.pk).update(
        first_response_due_at=timezone.now() - timedelta(hours=1)
    )
    sla_sweep_task.apply()
    ticket.refresh_from_db()
    assert ticket.sla_breached
    assert customer_mail(ticket) == []
    assert not Message.objects.filter(ticket=ticket, direction="out").exists()


def test_the_closing_notice_skips_a_reporter_who_is_the_customer(case: Case, users) -> None:
    Party.objects.create(ticket=case.ticket, role=Party.Role.REPORTER, email=CUSTOMER_ABUSE)
    escalate(case.ticket, users)
    Ticket.objects.filter(pk=case.ticket.pk).update(status="resolved", resolved_at=timezone.now())
    sent = followups.ticket_closed_notify(case.ticket.pk)
    assert sent and all(m.to_address != CUSTOMER_ABUSE for m in sent)


# --- the intake's reactions: notices and acknowledgements ----------------------------------


def seen_again(*, at: str, tag: str) -> bytes:
    """The phishing report again with a later sighting: a new event, not a duplicate."""
    return retagged(load("known_phish.eml").replace(b"08:12", at.encode()), tag)


def test_notices_and_acknowledgements_stop_for_a_restricted_case(world: World, users) -> None:
    """Through the real intake: a phishing ticket escalated while its type had no automatic
    notice gets none when the policy allows them and the next report joins it; a customer
    who also reports gets no acknowledgement while the reporter it is not still does."""
    NoticePolicy.objects.filter(type="phishing").update(notify=False)
    first = file_and_react(load("known_phish.eml"))
    ticket = Ticket.objects.get(type="phishing")
    assert Message.objects.filter(report=first, kind="acknowledgement").exists()
    assert customer_mail(ticket) == []
    escalate(ticket, users, keep_kind=True)
    NoticePolicy.objects.filter(type="phishing").update(notify=True)

    second = file_and_react(seen_again(at="08:40", tag="after-escalation"))
    assert second.events.get().ticket_id == ticket.pk  # joined the escalated case
    assert reports_notify_customers([second.pk]) == []
    assert customer_mail(ticket) == []
    assert Message.objects.filter(report=second, kind="acknowledgement").exists()

    # the known reporter turns out to be the customer's own contact
    Party.objects.create(ticket=ticket, role=Party.Role.CUSTOMER, email=KNOWN_REPORTER)
    last = Message.objects.order_by("-pk").values_list("pk", flat=True).first()
    third = file_and_react(seen_again(at="09:10", tag="from-the-customer"))
    assert third.events.get().ticket_id == ticket.pk
    assert not Message.objects.filter(report=third, kind="acknowledgement").exists()
    assert not Message.objects.filter(pk__gt=last, to_address=KNOWN_REPORTER).exists()
