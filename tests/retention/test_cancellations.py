"""Cancellations: the customer's one page from the signed link to the confirmation, the
save offer that never blocks, the confirmation mail through the outbound queue,
AddCancelRequest through the connector, requests by mail, API and staff, and the desk's own
terminations kept apart as involuntary (retention/cancellations.py, retention/views.py)."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from email.message import EmailMessage

import pytest
from django.test import Client
from django.utils import timezone

from billing.connectors import source_create
from billing.mail import mail_file
from billing.models import BillingSource, Inquiry, LedgerCancellation, LedgerService
from billing.sync import source_sync
from complaints.models import Action, Message, Ticket
from customers.models import Customer, CustomerLegalHold
from retention.cancellations import (
    cancellation_request,
    cancellation_send,
    involuntary_record,
    terminations_unrecorded,
)
from retention.links import cancel_link_issue
from retention.models import Cancellation, CancelLink, SaveOffer, SurveyInvitation
from tests.complaints.actions_support import make_ticket
from tests.retention.support import billed_customer
from tests.servers.whmcs import IDENTIFIER, SECRET

pytestmark = pytest.mark.django_db


@pytest.fixture
def billed(tmp_path):  # type: ignore[no-untyped-def]
    return billed_customer(tmp_path)


def link_for(billed) -> str:  # type: ignore[no-untyped-def]
    _, url = cancel_link_issue(customer=billed.customer, created_by_id=None)
    return url.split("/retention/", 1)[1].join(["/retention/", ""])


def test_a_customer_cancels_on_one_page_and_gets_a_confirmation(billed) -> None:  # type: ignore[no-untyped-def]
    path = link_for(billed)
    client = Client(enforce_csrf_checks=True)
    page = client.get(path)
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    text = page.content.decode()
    assert "Web Hosting shop.example" in text and "No thanks: cancel" in text
    assert re.search(r'<input[^>]*value="cancel"[^>]*checked', text)  # cancelling is the default
    assert not Cancellation.objects.exists()  # a GET changes nothing
    response = client.post(path, {
        "csrfmiddlewaretoken": page.cookies["csrftoken"].value,
        "service": str(billed.service.pk), "type": "end_of_period", "reason": "too_expensive",
        "comment": "Found a cheaper host", "offer": "cancel",
    })  # fmt: skip
    assert response.status_code == 302 and "/retention/survey/" in response["Location"]
    cancellation = Cancellation.objects.get()
    assert (cancellation.kind, cancellation.channel, cancellation.status) == (
        "voluntary",
        "selfservice",
        "sending",
    )
    assert cancellation.reason == "too_expensive" and cancellation.comment == "Found a cheaper host"
    assert set(cancellation.offers_shown) == set(SaveOffer.objects.values_list("code", flat=True))
    ticket = cancellation.ticket
    assert ticket.kind == Ticket.Kind.CANCELLATION and ticket.customer == billed.customer
    mail = cancellation.confirmation
    assert mail is not None and mail.status == Message.Status.QUEUED
    assert mail.to_address == "pay@shop.example" and "Too expensive" in mail.body
    assert "/retention/survey/" in mail.body
    # the confirmation page is the exit survey, with the confirmation on top
    survey = client.get(response["Location"])
    assert "is confirmed" in survey.content.decode()
    assert SurveyInvitation.objects.get(kind="exit").cancellation == cancellation
    # the billing system is asked after the commit, through the connector
    assert cancellation_send(cancellation_id=cancellation.pk) == Cancellation.Status.SENT
    line = json.loads(billed.outbox.read_text().splitlines()[0])
    assert line == {"action": "cancel", "service_id": "S1", "type": "end_of_period",
                    "reason": "Too expensive: Found a cheaper host", "reference": "cancel-S1"}  # fmt: skip
    assert LedgerCancellation.objects.get(service_remote_id="S1").origin == "desk"
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.RESOLVED


def test_an_offer_may_be_taken_instead_and_nothing_is_cancelled(billed) -> None:  # type: ignore[no-untyped-def]
    path = link_for(billed)
    client = Client()
    response = client.post(path, {"service": str(billed.service.pk), "type": "immediate",
                                  "reason": "unused", "offer": "pause-3-months"})  # fmt: skip
    assert response.status_code == 200 and "Thank you for staying" in response.content.decode()
    saved = Cancellation.objects.get()
    assert saved.status == Cancellation.Status.SAVED and saved.offer_taken.code == "pause-3-months"
    assert cancellation_send(cancellation_id=saved.pk) == Cancellation.Status.SAVED
    assert not billed.outbox.exists()
    # the service can still be cancelled afterwards, on the same page
    again = client.post(path, {"service": str(billed.service.pk), "type": "immediate",
                               "reason": "unused", "offer": "cancel"})  # fmt: skip
    assert again.status_code == 302
    assert Cancellation.objects.filter(status="sending").count() == 1


def test_bad_links_are_refused_alike(billed) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    unknown = client.get("/retention/cancel/not-a-token/")
    link, url = cancel_link_issue(customer=billed.customer, created_by_id=None)
    path = "/retention/" + url.split("/retention/", 1)[1]
    CancelLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    expired = client.get(path)
    assert unknown.status_code == expired.status_code == 404
    assert unknown.content == expired.content


def test_a_second_request_for_the_same_service_is_the_first(billed) -> None:  # type: ignore[no-untyped-def]
    first = cancellation_request(customer=billed.customer, service=billed.service, type="immediate",
                                 reason="other", comment="", channel="agent")  # fmt: skip
    second = cancellation_request(customer=billed.customer, service=billed.service, type="immediate",
                                  reason="other", comment="", channel="api")  # fmt: skip
    assert first.cancellation.pk == second.cancellation.pk and second.survey_token == ""


def test_a_held_customer_gets_no_confirmation_mail(billed) -> None:  # type: ignore[no-untyped-def]
    CustomerLegalHold.objects.create(customer=billed.customer, kind="gag", reference="legal-request:1",
                                     starts_at=timezone.now() - timedelta(days=1))  # fmt: skip
    requested = cancellation_request(customer=billed.customer, service=billed.service,
                                     type="immediate", reason="other", comment="", channel="agent")  # fmt: skip
    assert requested.cancellation.confirmation is None
    assert not Message.objects.filter(direction="out").exists()
    assert Message.objects.filter(
        ticket=requested.cancellation.ticket, subject="Mail withheld"
    ).exists()


def _mail(body: str, sender: str = "someone@elsewhere.example") -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "billing@desk.example"
    message["Subject"] = "Cancellation"
    message["Message-ID"] = "<cancel-1@elsewhere.example>"
    message.set_content(body)
    return bytes(message)


def test_a_mail_asking_to_cancel_gets_a_link_sent_to_the_registered_contact(billed) -> None:  # type: ignore[no-untyped-def]
    what, link = mail_file(_mail("Please cancel my hosting. Customer number: C1"))
    assert what == "routed" and isinstance(link, CancelLink)
    assert link.channel == "mail" and link.customer == billed.customer
    sent = Message.objects.get(direction="out")
    assert sent.to_address == "pay@shop.example"  # never the sender
    assert "/retention/cancel/" in sent.body
    ticket = Ticket.objects.get(pk=link.ticket_id)
    assert (
        ticket.kind == Ticket.Kind.CANCELLATION and ticket.status == Ticket.Status.AWAITING_CUSTOMER
    )
    assert mail_file(_mail("Please cancel my hosting. Customer number: C1"))[0] == "routed"
    assert CancelLink.objects.count() == 1  # the same mail again
    assert not Cancellation.objects.exists()  # nothing is cancelled by a mail alone


def test_a_mail_asking_to_cancel_without_a_number_is_a_billing_inquiry(billed) -> None:  # type: ignore[no-untyped-def]
    what, inquiry = mail_file(_mail("Please cancel my hosting.", sender="pay@shop.example"))
    assert what == "filed" and isinstance(inquiry, Inquiry) and inquiry.customer is None


def test_the_api_and_staff_record_cancellations_for_the_billing_role(
    billed, api_client_for, users
) -> None:  # type: ignore[no-untyped-def]
    body = {"customer_number": "C1", "service_id": "S1", "type": "immediate", "reason": "migration"}
    assert (
        api_client_for("agent")
        .post("/api/v1/retention/cancellations/", body, format="json")
        .status_code
        == 403
    )
    missing = api_client_for("billing").post("/api/v1/retention/cancellations/",
                                             {**body, "service_id": "S2"}, format="json")  # fmt: skip
    assert missing.status_code == 400 and "service_id" in missing.json()  # C2's, not C1's
    created = api_client_for("billing").post(
        "/api/v1/retention/cancellations/", body, format="json"
    )
    assert created.status_code == 201 and created.json()["channel"] == "api"
    Cancellation.objects.all().delete()
    staff = Client()
    staff.force_login(users["billing"])
    response = staff.post("/retention/customers/C1/cancel/", {
        "service": str(billed.service.pk), "type": "end_of_period", "reason": "support"})  # fmt: skip
    assert response.status_code == 302
    assert Cancellation.objects.get().channel == "agent"
    agent = Client()
    agent.force_login(users["agent"])
    assert agent.get("/retention/customers/C1/cancel/").status_code == 403


def test_our_terminations_are_involuntary_and_kept_apart(billed) -> None:  # type: ignore[no-untyped-def]
    ticket = make_ticket(customer=billed.customer, with_service=False)
    action = Action.objects.create(ticket=ticket, customer=billed.customer, kind="terminate",
                                   status="done", reason="phishing", completed_at=timezone.now())  # fmt: skip
    assert terminations_unrecorded() == [action.pk]
    made = involuntary_record(action_id=action.pk)
    assert [(c.kind, c.reason, c.channel, c.service_remote_id) for c in made] == [
        ("involuntary", "suspended_for_abuse", "desk", "S1")
    ]
    assert terminations_unrecorded() == []
    assert involuntary_record(action_id=action.pk) == []  # once per termination
    assert not Message.objects.filter(direction="out").exists()  # no mail
    assert not SurveyInvitation.objects.exists()  # no survey
    assert cancellation_send(cancellation_id=made[0].pk) == Cancellation.Status.SENT
    assert json.loads(billed.outbox.read_text())["type"] == "immediate"


def test_a_cancellation_reaches_whmcs_as_add_cancel_request(whmcs_server) -> None:  # type: ignore[no-untyped-def]
    shop = Customer.objects.create(external_id="1", name="Shop", billing_email="pay@shop.example")
    source = source_create(name="whmcs", kind=BillingSource.Kind.WHMCS, api_url=whmcs_server.url,
                           identifier=IDENTIFIER, secret=SECRET)  # fmt: skip
    source_sync(source_id=source.pk)
    starter, vps = (
        LedgerService.objects.get(remote_id="11"),
        LedgerService.objects.get(remote_id="12"),
    )
    first = cancellation_request(customer=shop, service=starter, type="end_of_period",
                                 reason="switched_provider", comment="", channel="agent")  # fmt: skip
    assert cancellation_send(cancellation_id=first.cancellation.pk) == Cancellation.Status.SENT
    assert whmcs_server.ledger.cancel_requests == [
        {"serviceid": "11", "type": "End of Billing Period", "reason": "Switched provider"}
    ]
    # the customer had asked in WHMCS's client area already: the request stands, no error
    whmcs_server.ledger.cancel_requests.append(
        {"serviceid": "12", "type": "Immediate", "reason": ""}
    )
    second = cancellation_request(customer=shop, service=vps, type="immediate", reason="unused",
                                  comment="", channel="agent")  # fmt: skip
    assert cancellation_send(cancellation_id=second.cancellation.pk) == Cancellation.Status.SENT
    second.cancellation.refresh_from_db()
    assert second.cancellation.remote_reference == "already requested"
