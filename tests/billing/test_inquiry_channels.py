"""Billing questions arrive through the public form, the staff's form, the API and the
billing mailbox, and each becomes an inquiry on a billing ticket (billing/views.py,
billing/api.py, billing/mail.py)."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import pytest
from django.core.cache import cache
from django.test import Client

from billing.mail import inquiry_mailbox_poll, mailbox_password_set
from billing.models import Inquiry, InquiryMailbox
from complaints.mediation.outbound import reply_address
from complaints.models import Message, Ticket
from customers.models import Customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop() -> Customer:
    return Customer.objects.create(
        external_id="C100007", name="Shop", billing_email="pay@shop.example"
    )


FORM = {"customer_number": "C100007", "invoice_number": "", "email": "pay@shop.example",
        "name": "Pat", "reason": "duplicate_charge", "subject": "May",
        "message": "You took the May payment twice."}  # fmt: skip


def test_the_public_form_files_an_inquiry_and_says_nothing_about_the_account(shop) -> None:  # type: ignore[no-untyped-def]
    client = Client(enforce_csrf_checks=True)
    page = client.get("/billing/contact/")
    assert page.status_code == 200
    token = page.cookies["csrftoken"].value
    response = client.post("/billing/contact/", {**FORM, "csrfmiddlewaretoken": token})
    assert response.status_code == 302 and response["Location"].endswith("?sent=1")
    inquiry = Inquiry.objects.get()
    assert (
        inquiry.channel == "web"
        and inquiry.customer == shop
        and inquiry.reason == "duplicate_charge"
    )
    # an unknown number gets the same answer
    response = client.post("/billing/contact/", {**FORM, "customer_number": "C999999",
                                                 "csrfmiddlewaretoken": token})  # fmt: skip
    assert response.status_code == 302 and response["Location"].endswith("?sent=1")
    assert Inquiry.objects.filter(customer__isnull=True).count() == 1


def test_the_public_form_drops_robots_and_limits_each_address(shop, settings) -> None:  # type: ignore[no-untyped-def]
    cache.clear()
    settings.BILLING_FORM_PER_HOUR = 2
    client = Client()
    assert (
        client.post("/billing/contact/", {**FORM, "website": "http://spam.example"}).status_code
        == 302
    )
    assert Inquiry.objects.count() == 0  # the hidden field was filled in: a robot
    assert client.post("/billing/contact/", FORM).status_code == 302
    assert client.post("/billing/contact/", FORM).status_code == 429
    assert Inquiry.objects.count() == 1


def test_staff_take_down_a_question_billing_only(users, shop) -> None:  # type: ignore[no-untyped-def]
    billing = Client()
    billing.force_login(users["billing"])
    response = billing.post("/billing/inquiries/new/", {**FORM, "email": ""})
    inquiry = Inquiry.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/tickets/{inquiry.ticket_id}/"
    assert inquiry.channel == "agent" and inquiry.created_by == users["billing"]
    agent = Client()
    agent.force_login(users["agent"])
    assert agent.get("/billing/inquiries/new/").status_code == 403


def test_the_api_files_an_inquiry_for_the_billing_role(api_client_for, shop) -> None:  # type: ignore[no-untyped-def]
    body = {"sender_email": "pay@shop.example", "customer_number": "C100007",
            "body": "I was charged after I cancelled"}  # fmt: skip
    response = api_client_for("billing").post("/api/v1/billing/inquiries/", body, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["customer"] == "C100007" and data["reason"] == "charged_after_cancellation"
    assert (
        data["match"] == "external_id" and Ticket.objects.get(pk=data["ticket"]).kind == "billing"
    )
    assert (
        api_client_for("agent").post("/api/v1/billing/inquiries/", body, format="json").status_code
        == 403
    )
    assert api_client_for(None).post(
        "/api/v1/billing/inquiries/", body, format="json"
    ).status_code in (401, 403)
    bad = api_client_for("billing").post("/api/v1/billing/inquiries/", {"body": "x"}, format="json")
    assert bad.status_code == 400 and "sender_email" in bad.json()


def test_the_ledger_api_answers_ledger_readers(api_client_for, shop) -> None:  # type: ignore[no-untyped-def]
    response = api_client_for("agent").get("/api/v1/billing/customers/C100007/ledger/")
    assert response.status_code == 200 and response.json()["customer"] == "C100007"
    assert (
        api_client_for("legal").get("/api/v1/billing/customers/C100007/ledger/").status_code == 403
    )
    assert api_client_for("agent").get("/api/v1/billing/customers/NOPE/ledger/").status_code == 404


# --- the billing mailbox -----------------------------------------------------------------------


def _mail(sender: str, subject: str, body: str, **headers: str) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = headers.pop("To", "billing@desk.example")
    message["Subject"] = subject
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return bytes(message)


@pytest.fixture
def mailbox(dovecot, settings) -> InquiryMailbox:  # type: ignore[no-untyped-def]
    settings.IMAP_CA_FILE = str(dovecot.ca_file)
    folder = f"billing-{Path(str(id(settings))).name}"
    dovecot.create_folder(folder)
    box = InquiryMailbox.objects.create(name=folder, host=dovecot.host, port=dovecot.tls_port,
                                        username=dovecot.user, folder=folder)  # fmt: skip
    mailbox_password_set(mailbox=box, password=dovecot.password)
    yield box
    dovecot.delete_folder(folder)


def test_mail_to_the_billing_mailbox_becomes_inquiries_flagged_only_once_filed(
    dovecot, mailbox, shop
) -> None:  # type: ignore[no-untyped-def]
    dovecot.append(
        mailbox.folder,
        _mail("pay@shop.example", "Charged twice", "Customer number: C100007. You charged me twice.",
              Message_ID="<q1@shop.example>"),
        _mail("MAILER-DAEMON@mx.example", "Undelivered Mail Returned to Sender",
              "This is the mail system.", Auto_Submitted="auto-replied"),
    )  # fmt: skip
    outcome = inquiry_mailbox_poll(mailbox_id=mailbox.pk)
    assert outcome.status == "ok", outcome.error
    assert (outcome.filed, outcome.skipped) == (1, 1)
    inquiry = Inquiry.objects.get()
    assert (
        inquiry.channel == "mail"
        and inquiry.customer == shop
        and inquiry.message_id == "<q1@shop.example>"
    )
    flags = dovecot.flags(mailbox.folder)
    assert all("\\Seen" in f for f in flags.values())
    # the same mail delivered again (a refetch after a lost flag) files nothing new
    dovecot.append(mailbox.folder, _mail("pay@shop.example", "Charged twice", "again",
                                         Message_ID="<q1@shop.example>"))  # fmt: skip
    assert inquiry_mailbox_poll(mailbox_id=mailbox.pk).filed == 1
    assert Inquiry.objects.count() == 1


def test_an_answer_to_our_billing_mail_threads_onto_its_case(dovecot, mailbox, shop) -> None:  # type: ignore[no-untyped-def]
    ticket = Ticket.objects.create(kind="billing", aggregation_key="billing:C100007:vat",
                                   subject="VAT", customer=shop, status="awaiting_customer")  # fmt: skip
    dovecot.append(mailbox.folder, _mail("pay@shop.example", "Re: VAT", "Our VAT id is DE123",
                                         To=reply_address(ticket.pk, "customer")))  # fmt: skip
    outcome = inquiry_mailbox_poll(mailbox_id=mailbox.pk)
    assert (outcome.filed, outcome.threaded) == (0, 1)
    assert Message.objects.filter(ticket=ticket, direction="in").exists()
    assert not Inquiry.objects.exists()


def test_a_refused_login_is_recorded_on_the_mailbox(dovecot, mailbox) -> None:  # type: ignore[no-untyped-def]
    mailbox_password_set(mailbox=mailbox, password="wrong")
    outcome = inquiry_mailbox_poll(mailbox_id=mailbox.pk)
    assert outcome.status == "error"
    mailbox.refresh_from_db()
    assert mailbox.last_error and mailbox.last_error_at is not None
