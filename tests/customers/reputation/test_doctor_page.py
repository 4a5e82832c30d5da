"""The deliverability doctor page: a stored check run on the "checks" queue (here run by
calling the task's service), its findings page, attaching to a deliverability ticket and
queueing the findings to the customer."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts import roles
from complaints.models import Message, Ticket
from customers.models import DomainCheck
from customers.reputation.doctor import domain_check_run
from tests.customers.dns.data import GOOD_MX_IP
from tests.factories import CustomerFactory, DomainFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def agent(users) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(users[roles.AGENT])
    return client


@pytest.fixture
def hosted(db) -> object:  # type: ignore[no-untyped-def]
    customer = CustomerFactory(
        external_id="C-MAIL", name="Mail Sender", abuse_email="abuse@sender.example"
    )
    DomainFactory(name="twospf.doctor.test", customer=customer)
    return customer


def _run(check_id: int, server) -> DomainCheck:  # type: ignore[no-untyped-def]
    return domain_check_run(check_id=check_id, nameserver=server.nameserver)


def test_form_refuses_bad_input(agent) -> None:  # type: ignore[no-untyped-def]
    page = agent.post(
        "/reputation/doctor/", {"domain": "not a domain", "ip": "999.1.1.1", "selectors": "a b$"}
    )
    text = page.content.decode()
    assert page.status_code == 200 and "Not a domain name" in text and "Not an IP address" in text
    assert "Not a DKIM selector" in text
    assert DomainCheck.objects.count() == 0


def test_check_is_created_pending_then_shows_findings(
    agent, authoritative_server, hosted, users
) -> None:  # type: ignore[no-untyped-def]
    response = agent.post(
        "/reputation/doctor/",
        {"domain": "user@TwoSPF.doctor.test", "ip": GOOD_MX_IP, "selectors": "selector1, mail"},
    )
    assert response.status_code == 302
    check = DomainCheck.objects.get()
    assert check.status == "pending" and check.domain == "twospf.doctor.test"
    assert check.selectors == ["selector1", "mail"] and check.customer == hosted
    assert check.checked_by == users[roles.AGENT]
    pending = agent.get(response["Location"]).content.decode()
    assert 'hx-trigger="every 1s"' in pending and "Checking" in pending

    _run(check.pk, authoritative_server)
    check.refresh_from_db()
    assert check.status == "done" and check.worst_severity == "error"
    fragment = agent.get(f"/reputation/doctor/{check.pk}/result/").content.decode()
    assert "hx-trigger" not in fragment  # polling stops
    assert "two SPF records" in fragment.lower() or "spf" in fragment.lower()
    assert "Attach to a deliverability ticket" in fragment and "abuse@sender.example" in fragment
    # Running the task again (a redelivery) changes nothing.
    assert _run(check.pk, authoritative_server).findings == check.findings


def test_attach_then_send_queues_a_customer_message(agent, authoritative_server, hosted) -> None:  # type: ignore[no-untyped-def]
    agent.post("/reputation/doctor/", {"domain": "twospf.doctor.test"})
    check = _run(DomainCheck.objects.get().pk, authoritative_server)
    assert agent.post(f"/reputation/doctor/{check.pk}/attach/").status_code == 302
    check.refresh_from_db()
    ticket = Ticket.objects.get(pk=check.ticket_id)
    assert ticket.kind == "deliverability" and ticket.customer == hosted
    assert ticket.aggregation_key == f"deliverability:{hosted.pk}:twospf.doctor.test"
    note = ticket.messages.get(direction="note")
    assert note.visibility == "internal" and "What to do:" in note.body

    assert agent.post(f"/reputation/doctor/{check.pk}/send/").status_code == 302
    check.refresh_from_db()
    sent = Message.objects.get(pk=check.sent_message_id)
    assert sent.ticket_id == ticket.pk
    assert (sent.direction, sent.visibility, sent.to_address) == (
        "out",
        "customer",
        "abuse@sender.example",
    )
    assert sent.status in {"queued", "sent", "failed"}  # the SMTP sender may already have run
    assert "What to do:" in sent.body and sent.message_id
    # A second click sends nothing more and attaching again opens no second ticket.
    agent.post(f"/reputation/doctor/{check.pk}/send/")
    agent.post(f"/reputation/doctor/{check.pk}/attach/")
    assert Message.objects.filter(direction="out").count() == 1
    assert Ticket.objects.filter(kind="deliverability").count() == 1


def test_send_without_a_customer_is_refused_with_a_message(agent, authoritative_server, db) -> None:  # type: ignore[no-untyped-def]
    agent.post("/reputation/doctor/", {"domain": "nodmarc.doctor.test"})
    check = _run(DomainCheck.objects.get().pk, authoritative_server)
    page = agent.post(f"/reputation/doctor/{check.pk}/send/", follow=True).content.decode()
    assert "Not sent" in page
    assert not Message.objects.filter(direction="out").exists()


def test_a_broker_that_is_down_leaves_the_check_pending_not_a_500(agent, hosted) -> None:  # type: ignore[no-untyped-def]
    from unittest import mock

    from kombu.exceptions import OperationalError

    with mock.patch(
        "customers.reputation.doctor.domain_check_run_task.delay",
        side_effect=OperationalError("Error 111 connecting to 127.0.0.1:6379"),
    ):
        response = agent.post("/reputation/doctor/", {"domain": "twospf.doctor.test"})
    assert response.status_code == 302
    assert DomainCheck.objects.get().status == "pending"
