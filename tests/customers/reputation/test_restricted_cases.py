"""The reputation tools and a restricted case (issue 11, item 4): the deliverability doctor
neither notes on nor mails about a case escalated to investigations, compromise detection
takes no evidence from it and proposes no suspension on it, and the reputation pages do
not name it to people who may not see it."""

from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta
from html import escape

import pytest
from django.test import Client
from django.utils import timezone

from complaints.models import Action, Event, Message, Report, Reporter, Ticket
from complaints.tickets.investigations import ticket_escalate_to_investigations
from complaints.tickets.services import ticket_open_or_join
from customers.models import BlocklistZone, DomainCheck, Listing, ServiceCompromise
from customers.reputation.compromise import compromise_candidates, compromise_rules_apply
from customers.reputation.delisting import delisting_request_create, delisting_requests_remind
from customers.reputation.doctor import NOT_FROM_HERE, NotSendable, domain_check_send
from tests.factories import CustomerFactory, DomainFactory

pytestmark = pytest.mark.django_db

DOMAIN = "shop.doctor.test"
SECRET = "Carding ring behind the shop"
IP = "192.0.2.12"


def escalate(ticket: Ticket, users) -> Ticket:  # type: ignore[no-untyped-def]
    return ticket_escalate_to_investigations(
        ticket=ticket, actor=users["agent"], reason="fraud", keep_kind=True
    )


def customer_mail() -> list[Message]:
    return list(Message.objects.filter(direction="out", visibility="customer"))


@pytest.fixture
def check(db: None) -> DomainCheck:
    customer = CustomerFactory(external_id="C-SHOP", name="Shop", abuse_email="abuse@shop.test")
    DomainFactory(name=DOMAIN, customer=customer)
    return DomainCheck.objects.create(
        domain=DOMAIN, status=DomainCheck.Status.DONE, worst_severity="error", customer=customer,
        checked_at=timezone.now(),
        findings=[{"check": "spf", "severity": "error", "message": "two SPF records", "fix": "merge"}],
    )  # fmt: skip


def _deliverability_ticket(check: DomainCheck) -> Ticket:
    ticket, _ = ticket_open_or_join(
        key=f"deliverability:{check.customer_id}:{DOMAIN}", kind="deliverability",
        subject=SECRET, customer_id=check.customer_id, resource=DOMAIN,
    )  # fmt: skip
    return ticket


def test_the_doctor_does_not_attach_to_an_escalated_case(check, users) -> None:  # type: ignore[no-untyped-def]
    ticket = escalate(_deliverability_ticket(check), users)
    agent = Client()
    agent.force_login(users["agent"])
    response = agent.post(f"/reputation/doctor/{check.pk}/attach/", follow=True)
    assert f"Not attached: {escape(NOT_FROM_HERE)}" in response.content.decode()
    check.refresh_from_db()
    assert check.ticket_id is None
    assert not ticket.messages.exists()  # no note written onto the case
    response = agent.post(f"/reputation/doctor/{check.pk}/send/", follow=True)
    assert f"Not sent: {escape(NOT_FROM_HERE)}" in response.content.decode()
    assert customer_mail() == [] and SECRET not in response.content.decode()


def test_a_check_attached_before_the_escalation_is_not_sent(check, users) -> None:  # type: ignore[no-untyped-def]
    ticket = _deliverability_ticket(check)
    DomainCheck.objects.filter(pk=check.pk).update(ticket=ticket)
    escalate(ticket, users)
    with pytest.raises(NotSendable):
        domain_check_send(check_id=check.pk, user_id=users["agent"].pk)
    assert customer_mail() == []
    agent = Client()
    agent.force_login(users["agent"])
    page = agent.get(f"/reputation/doctor/{check.pk}/").content.decode()
    assert f"#{ticket.pk}" not in page and "Send to the customer" not in page


def _complaints(network, ticket: Ticket, count: int) -> None:  # type: ignore[no-untyped-def]
    now = timezone.now()
    for index in range(count):
        reporter = Reporter.objects.create(
            address=f"informant-{index}@secret.example", trust=Reporter.Trust.TRUSTED
        )
        report = Report.objects.create(
            sha256=hashlib.sha256(f"restricted-{index}".encode()).hexdigest(), size=100,
            status="filed", format="spamcop", reporter=reporter,
        )  # fmt: skip
        Event.objects.create(
            report=report, ticket=ticket, fingerprint=uuid.uuid4(), ip=IP, taxonomy="abusive-content",
            type="spam", observed_at=now - timedelta(minutes=5), attribution="customer",
            customer=network["listed"], service=network["listed_service"],
        )  # fmt: skip


def test_compromise_detection_takes_nothing_from_a_restricted_case(network, users) -> None:  # type: ignore[no-untyped-def]
    ticket, _ = ticket_open_or_join(
        key=f"abuse:{network['listed'].pk}:spam:{IP}", kind="abuse", subject=SECRET, type_="spam",
        customer_id=network["listed"].pk, resource=IP,
    )  # fmt: skip
    _complaints(network, ticket, 3)
    assert [c for c in compromise_candidates() if c.kind == "reporters"]  # evidence enough
    escalate(ticket, users)
    assert [c for c in compromise_candidates() if c.kind == "reporters"] == []
    assert compromise_rules_apply() == []
    assert not ServiceCompromise.objects.exists()
    assert not Action.objects.filter(ticket=ticket).exists()
    assert not ticket.messages.exists()


def test_a_listing_on_an_escalated_case_gets_no_suspension_and_is_not_named(network, users) -> None:  # type: ignore[no-untyped-def]
    now = timezone.now()
    ticket, _ = ticket_open_or_join(
        key=f"listing:{network['listed'].pk}:zen.spamhaus.org", kind="listing", type_="blacklist",
        subject=SECRET, customer_id=network["listed"].pk, resource="192.0.2.10",
        service_id=network["listed_service"].pk,
    )  # fmt: skip
    zone = BlocklistZone.objects.get(name="zen.spamhaus.org")
    listing = Listing.objects.create(
        resource="192.0.2.10", ip="192.0.2.10", zone=zone, state="active", codes=["127.0.0.4"],
        meanings=["XBL"], first_seen=now, last_seen=now, listed_since=now,
        customer=network["listed"], service=network["listed_service"], ticket=ticket,
    )  # fmt: skip
    agent = Client()
    agent.force_login(users["agent"])
    named = f">#{ticket.pk}<"  # the ticket number, linked or not
    assert named in agent.get("/reputation/listings/").content.decode()
    escalate(ticket, users)
    for path in ("/reputation/listings/", "/reputation/", f"/reputation/listings/{listing.pk}/"):
        page = agent.get(path).content.decode()
        assert named not in page and SECRET not in page, path
    for mark in compromise_rules_apply():
        assert mark.ticket_id != ticket.pk
    assert not Action.objects.filter(ticket=ticket).exists()
    request = delisting_request_create(provider="spamhaus", user_id=None, listing_id=listing.pk)
    type(request).objects.filter(pk=request.pk).update(next_reminder_at=now - timedelta(days=1))
    delisting_requests_remind(now=now)
    assert customer_mail() == []
    investigator = Client()
    investigator.force_login(users["investigations"])
    assert investigator.get(f"/reputation/listings/{listing.pk}/").status_code == 403
