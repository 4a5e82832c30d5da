"""A legal hold (gag or preservation) on a customer acts on the rest of the desk through
``complaints.restriction`` (issue 14 item 6): nothing automatic and nobody outside legal
writes to that customer — notices, reminders, digests, warnings, automatic suspensions,
policy rules, acknowledgements, self-service links — on any of its tickets or at any of its
addresses; mail queued before the hold never leaves; agents see only the neutral badge;
and once the hold is lifted or ends, mail flows again.

The hold rows are placed with ``customers.legal_holds`` directly: the legal app's own tests
place them through its services.
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
from complaints.actions.tasks import action_execute_task
from complaints.mediation import digests, followups, outbound, parties, replies, selfservice
from complaints.mediation.notices import reports_notify_customers, ticket_notify_customer
from complaints.models import Action, DigestEntry, Message, NoticePolicy, Party, PolicyRule, Ticket
from complaints.restriction import (
    LEGAL_HOLD_BADGE,
    WITHHELD_HOLD,
    customer_contact_cut_off,
    ticket_contact_withheld,
)
from customers.legal_holds import (
    customers_under_legal_hold,
    legal_hold_place,
    legal_holds_lift,
)
from customers.models import Customer, CustomerLegalHold
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

REFERENCE = "legal-request:999"


def hold(customer: Customer, kind: str = CustomerLegalHold.Kind.GAG, **kwargs) -> None:  # type: ignore[no-untyped-def]
    legal_hold_place(customer=customer, kind=kind, reference=REFERENCE,
                     starts_at=kwargs.get("starts_at", timezone.now() - timedelta(minutes=1)),
                     ends_at=kwargs.get("ends_at"))  # fmt: skip
    customer_contact_cut_off(customer_id=customer.pk, actor_id=None)


def customer_mail(ticket: Ticket) -> list[Message]:
    return list(
        Message.objects.filter(ticket=ticket, direction=Message.Direction.OUTBOUND)
        .filter(visibility=Message.Visibility.CUSTOMER)
        .filter(status__in=[Message.Status.QUEUED, Message.Status.SENT, Message.Status.RECORDED])
        .exclude(error=WITHHELD_HOLD)  # a notice dropped from its digest stays "recorded"
    )


@pytest.mark.parametrize("kind", [CustomerLegalHold.Kind.GAG, CustomerLegalHold.Kind.PRESERVATION])
def test_the_outbound_queue_refuses_mail_to_a_held_customer_unless_legal_writes(
    case: Case, users, kind: str
) -> None:
    hold(case.customer, kind)
    ticket = case.ticket
    party = parties.customer_party(ticket)
    assert party is not None
    for author in (None, users["agent"], users["lead"], users["investigations"]):
        with pytest.raises(outbound.MailWithheld) as refused:
            outbound.message_queue(kind="notice", visibility="customer", to_address=party.email,
                                   subject="s", body="b", ticket=ticket, party=party,
                                   author_id=getattr(author, "pk", None))  # fmt: skip
        assert refused.value.reason == WITHHELD_HOLD
    # any address of the customer, on no ticket or another one, whatever the mail calls itself
    for to in (CUSTOMER_ABUSE.upper(), f"  {CUSTOMER_ABUSE} "):
        with pytest.raises(outbound.MailWithheld):
            outbound.message_queue(kind="acknowledgement", visibility="reporter", to_address=to,
                                   subject="s", body="b")  # fmt: skip
    other = make_ticket(subject="Another customer's case")
    with pytest.raises(outbound.MailWithheld):
        outbound.message_queue(kind="reply", visibility="reporter", to_address=CUSTOMER_ABUSE,
                               subject="s", body="b", ticket=other)  # fmt: skip
    # the reporter still gets mail; legal may still write to the customer by hand
    outbound.message_queue(kind="reply", visibility="reporter", to_address="soc@cert.example.org",
                           subject="s", body="b", ticket=ticket)  # fmt: skip
    by_legal = outbound.message_queue(kind="reply", visibility="customer", to_address=party.email,
                                      subject="s", body="b", ticket=ticket, party=party,
                                      author_id=users["legal"].pk)  # fmt: skip
    assert by_legal.status == Message.Status.QUEUED
    assert ticket_contact_withheld(ticket) == WITHHELD_HOLD


def test_an_agents_reply_to_the_held_customer_is_refused_with_the_neutral_reason(
    case: Case, users
) -> None:
    hold(case.customer)
    agent = Client()
    agent.force_login(users["agent"])
    response = agent.post(reverse("workspace:ticket-reply", args=[case.ticket.pk]),
                          {"audience": "customer", "body": "Please fix it."}, follow=True)  # fmt: skip
    assert response.status_code == 200
    assert "do not contact, ask legal" in response.content.decode()
    assert customer_mail(case.ticket) == []


def test_mail_links_and_digests_from_before_the_hold_are_cut_off(
    transactional_db: None, case: Case, users, settings
) -> None:
    settings.MEDIATION_NOTICE_BURST = 0  # the automatic notice waits for the digest
    by_agent = replies.ticket_reply(case.ticket, author=users["agent"], audience="customer",
                                    body="Fix it.")  # fmt: skip
    held = digests.customer_notice_queue(case.ticket, kind="notice", subject="n", body="held")
    link, url = selfservice.link_issue(ticket=case.ticket, created_by_id=None)
    assert link is not None
    page = reverse(
        "selfservice:page", kwargs={"token": url.split("/self-service/", 1)[1].strip("/")}
    )
    assert Client().get(page).status_code == 200

    hold(case.customer)
    by_agent.refresh_from_db()
    assert (by_agent.status, by_agent.error) == (Message.Status.FAILED, WITHHELD_HOLD)
    assert outbound.message_send(message_id=by_agent.pk) == "skipped"
    assert not DigestEntry.objects.filter(message=held).exists()
    assert digests.customer_digest_send(case.customer.pk) is None
    link.refresh_from_db()
    assert link.revoked_at is not None
    response = Client().get(page)
    assert response.status_code == 404 and "no longer available" in response.content.decode()
    assert customer_mail(case.ticket) == []
    note = case.ticket.changes.get(field="customer_contact").note
    assert LEGAL_HOLD_BADGE in note and REFERENCE not in note


def test_a_message_queued_before_the_hold_is_withheld_at_send(
    transactional_db: None, case: Case
) -> None:
    message = replies.ticket_reply(case.ticket, author=None, audience="customer", body="Fix it.")
    # A hold placed without the cut-off (a race): the sender asks again before SMTP.
    legal_hold_place(customer=case.customer, kind="gag", reference=REFERENCE,
                     starts_at=timezone.now() - timedelta(seconds=1), ends_at=None)  # fmt: skip
    assert outbound.message_send(message_id=message.pk) == "withheld"
    message.refresh_from_db()
    assert (message.status, message.error) == (Message.Status.FAILED, WITHHELD_HOLD)


def test_no_link_is_issued_and_old_links_are_refused(case: Case) -> None:
    _, url = selfservice.link_issue(ticket=case.ticket, created_by_id=None)
    legal_hold_place(customer=case.customer, kind="preservation", reference=REFERENCE,
                     starts_at=timezone.now() - timedelta(seconds=1), ends_at=None)  # fmt: skip
    page = reverse(
        "selfservice:page", kwargs={"token": url.split("/self-service/", 1)[1].strip("/")}
    )
    assert Client().get(page).status_code == 404  # refused at use, no cut-off ran
    assert selfservice.link_issue(ticket=case.ticket, created_by_id=None) == (None, "")


def test_reminders_stop(case: Case, users, settings) -> None:
    settings.MEDIATION_REMINDER_AFTER_HOURS = 1
    notice = replies.ticket_reply(case.ticket, author=users["agent"], audience="customer",
                                  body="Fix it.")  # fmt: skip
    Message.objects.filter(pk=notice.pk).update(created_at=timezone.now() - timedelta(hours=2))
    assert followups.tickets_reminder_due() == [case.ticket.pk]
    hold(case.customer)
    assert followups.tickets_reminder_due() == []
    assert followups.ticket_remind(case.ticket.pk) is None


def test_the_digest_leaves_out_a_held_customers_notices(case: Case, settings) -> None:
    settings.MEDIATION_NOTICE_BURST = 0
    digests.customer_notice_queue(case.ticket, kind="notice", subject="one", body="one")
    legal_hold_place(customer=case.customer, kind="gag", reference=REFERENCE,
                     starts_at=timezone.now() - timedelta(seconds=1), ends_at=None)  # fmt: skip
    assert digests.customer_digest_send(case.customer.pk) is None
    with pytest.raises(outbound.MailWithheld):
        digests.customer_notice_queue(case.ticket, kind="notice", subject="two", body="two")


def test_the_first_notice_is_not_sent(case: Case) -> None:
    NoticePolicy.objects.update_or_create(type="phishing", defaults={"notify": True})
    Ticket.objects.filter(pk=case.ticket.pk).update(evidence_status="complete")
    hold(case.customer)
    assert ticket_notify_customer(ticket_id=case.ticket.pk, report_ids=[case.report.pk]) is None
    assert reports_notify_customers([case.report.pk]) == []
    assert customer_mail(case.ticket) == []


def test_a_pending_warning_fails_and_an_automatic_suspension_is_not_carried_out(
    users, webhook_server
) -> None:
    ticket = make_ticket()
    warning = action_request(ticket=ticket, kind="warn", reason="Remove the kit",
                             actor=users["agent"])  # fmt: skip
    rule = PolicyRule.objects.create(name="many events", condition="event_count", threshold=1,
                                     proposes="suspend", automatic=True, enabled=True)  # fmt: skip
    suspension = Action.objects.create(ticket=ticket, customer=ticket.customer,
                                       service=ticket.service, kind="suspend", reason="rule",
                                       status="approved", automatic=True, rule=rule)  # fmt: skip
    hold(ticket.customer)
    action_execute_task.apply(args=[warning.pk])
    action_execute_task.apply(args=[suspension.pk])
    warning.refresh_from_db()
    suspension.refresh_from_db()
    assert (warning.status, warning.error) == (Action.Status.FAILED, WITHHELD_HOLD)
    assert suspension.status == Action.Status.REJECTED
    assert customer_mail(ticket) == [] and webhook_server.requests == []


def test_policy_rules_leave_held_customers_alone(db: None) -> None:
    PolicyRule.objects.create(name="any events", condition="event_count", threshold=0,
                              proposes="warn", automatic=True, enabled=True)  # fmt: skip
    plain = make_ticket(event_count=5)
    held = make_ticket(event_count=5)
    hold(held.customer)
    proposed = {p.ticket_id for p in policy_rules_dry_run()}
    assert plain.pk in proposed and held.pk not in proposed


def test_the_intake_neither_notices_nor_acknowledges_the_held_customer(world: World) -> None:
    """Through the real intake: a report on the held customer's address files a ticket,
    the outside reporter is acknowledged, the customer gets no notice; the customer's own
    contact reporting gets no acknowledgement either."""
    NoticePolicy.objects.filter(type="phishing").update(notify=True)
    hold(world.customer)
    first = file_and_react(load("known_phish.eml"))
    ticket = Ticket.objects.get(type="phishing")
    assert Message.objects.filter(report=first, kind="acknowledgement").exists()
    assert customer_mail(ticket) == []
    Party.objects.create(ticket=ticket, role=Party.Role.CUSTOMER, email=KNOWN_REPORTER,
                         customer=world.customer)  # fmt: skip
    last = Message.objects.order_by("-pk").values_list("pk", flat=True).first()
    again = file_and_react(retagged(load("known_phish.eml").replace(b"08:12", b"08:40"), "again"))
    assert again.events.get().ticket_id == ticket.pk
    assert not Message.objects.filter(pk__gt=last, to_address=KNOWN_REPORTER).exists()
    assert customer_mail(ticket) == []


def test_agents_see_only_the_neutral_badge(case: Case, users) -> None:
    hold(case.customer)
    for role in ("agent", "lead", "legal"):
        client = Client()
        client.force_login(users[role])
        for path in (reverse("customers:customer-detail", args=[case.customer.external_id]),
                     reverse("workspace:ticket-detail", args=[case.ticket.pk])):  # fmt: skip
            response = client.get(path)
            if response.status_code == 404:  # legal does not see abuse tickets
                continue
            html = response.content.decode()
            assert LEGAL_HOLD_BADGE in html, (role, path)
            assert REFERENCE not in html and "legal-request" not in html


def test_mail_flows_again_once_the_hold_is_lifted_or_ends(case: Case) -> None:
    party = parties.customer_party(case.ticket)
    assert party is not None
    hold(case.customer)
    assert customers_under_legal_hold([case.customer.pk]) == {case.customer.pk}
    legal_holds_lift(reference=REFERENCE)
    assert customers_under_legal_hold([case.customer.pk]) == set()
    assert ticket_contact_withheld(case.ticket) == ""
    outbound.message_queue(kind="notice", visibility="customer", to_address=party.email,
                           subject="s", body="b", ticket=case.ticket, party=party)  # fmt: skip
    ended = timezone.now() - timedelta(seconds=1)
    legal_hold_place(customer=case.customer, kind="gag", reference="legal-request:1000",
                     starts_at=ended - timedelta(days=90), ends_at=ended)  # fmt: skip
    assert customers_under_legal_hold([case.customer.pk]) == set()  # ended: not in force
