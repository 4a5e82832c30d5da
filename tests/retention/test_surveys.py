"""Satisfaction: one question 24 hours after a ticket is solved, to the customer's registered
contact only — never on a legal or investigation case, to a reporter, to an unverified
sender or to a customer under a legal hold or investigation; answered once through a signed
link for 28 days; a bad rating opens a follow-up for a lead (retention/surveys.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from complaints.models import Message, Notification, Party, Ticket
from customers.models import Customer, CustomerLegalHold
from retention.models import SurveyInvitation, SurveyResponse
from retention.surveys import csat_due, csat_invite, survey_answer
from tests.complaints.actions_support import make_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer() -> Customer:
    return Customer.objects.create(external_id="C7", name="Bakery", abuse_email="abuse@bakery.example",
                                   billing_email="pay@bakery.example")  # fmt: skip


def solved(customer: Customer | None, *, hours: float = 25, **fields: object) -> Ticket:
    if customer is not None:
        fields["with_service"] = False
    ticket = make_ticket(customer=customer, with_customer=customer is not None,
                         status=Ticket.Status.RESOLVED, **fields)  # fmt: skip
    Ticket.objects.filter(pk=ticket.pk).update(resolved_at=timezone.now() - timedelta(hours=hours))
    return Ticket.objects.get(pk=ticket.pk)


def path_of(message: Message) -> str:
    return "/retention/" + message.body.split("/retention/", 1)[1].split()[0]


def test_a_solved_ticket_is_surveyed_a_day_later_at_the_registered_contact(customer, users) -> None:  # type: ignore[no-untyped-def]
    ticket = solved(customer, assignee=users["agent"])
    too_soon = solved(customer, hours=2)
    too_old = solved(customer, hours=24 * 10)
    assert csat_due() == [ticket.pk]
    invitation = csat_invite(ticket_id=ticket.pk)
    assert invitation is not None and invitation.status == "sent"
    assert invitation.agent == users["agent"] and invitation.ticket_kind == "abuse"
    mail = Message.objects.get(ticket=ticket, direction="out")
    assert mail.to_address == "abuse@bakery.example" and "/retention/survey/" in mail.body
    assert invitation.expires_at - timezone.now() > timedelta(days=27)
    assert csat_due() == [] and csat_invite(ticket_id=ticket.pk) is None  # once
    assert too_soon.pk not in csat_due() and too_old.pk not in csat_due()


@pytest.mark.parametrize(
    "case",
    ["legal", "investigation", "escalated", "cancellation", "no_customer", "held",
     "under_investigation", "contact_is_reporter", "unverified_party", "reopened"],
)  # fmt: skip
def test_no_survey_goes_where_it_must_not(case: str, customer) -> None:  # type: ignore[no-untyped-def]
    fields: dict[str, object] = {}
    if case in ("legal", "investigation", "cancellation"):
        fields["kind"] = case
    if case == "escalated":
        fields["restricted_group"] = "investigations"
    ticket = solved(None if case in ("no_customer", "unverified_party") else customer, **fields)
    if case == "held":
        CustomerLegalHold.objects.create(customer=customer, kind="preservation", reference="r:1",
                                         starts_at=timezone.now() - timedelta(days=1))  # fmt: skip
    if case == "under_investigation":
        make_ticket(kind="investigation", customer=customer, with_service=False)
    if case == "contact_is_reporter":
        Party.objects.create(ticket=ticket, role="reporter", email="abuse@bakery.example")
    if case == "unverified_party":
        Party.objects.create(ticket=ticket, role="customer", email="someone@elsewhere.example")
    if case == "reopened":
        Ticket.objects.filter(pk=ticket.pk).update(status=Ticket.Status.OPEN)
    due = csat_due()
    invitation = csat_invite(ticket_id=ticket.pk)
    if case in (
        "legal",
        "investigation",
        "escalated",
        "cancellation",
        "no_customer",
        "unverified_party",
        "reopened",
    ):
        assert ticket.pk not in due
    if invitation is not None:
        assert invitation.status == "withheld" and invitation.token_hash is None
        assert invitation.withheld_reason
    assert not Message.objects.filter(direction="out").exists()


def _invited(customer: Customer) -> tuple[SurveyInvitation, str]:
    ticket = solved(customer)
    invitation = csat_invite(ticket_id=ticket.pk)
    assert invitation is not None
    return invitation, path_of(Message.objects.get(ticket=ticket, direction="out"))


def test_the_survey_is_answered_once_through_its_link(customer) -> None:  # type: ignore[no-untyped-def]
    invitation, path = _invited(customer)
    client = Client()
    assert "How did we do?" in client.get(path).content.decode()
    assert not SurveyResponse.objects.exists()  # a GET records nothing
    assert "recorded" in client.post(path, {"rating": "5", "comment": "quick"}).content.decode()
    assert SurveyResponse.objects.get().rating == 5
    assert "answered already" in client.get(path).content.decode()
    client.post(path, {"rating": "1"})
    assert SurveyResponse.objects.count() == 1
    SurveyInvitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
    assert client.get(path).status_code == 404


def test_a_bad_rating_opens_a_follow_up_for_a_lead(customer, users) -> None:  # type: ignore[no-untyped-def]
    invitation, _ = _invited(customer)
    response = survey_answer(invitation=invitation, rating=1, comment="nobody called back")
    followup = Ticket.objects.get(pk=response.followup_ticket.pk)
    assert followup is not None and followup.kind == "abuse" and followup.customer == customer
    assert followup.assignee == users["lead"]
    assert Notification.objects.filter(recipient=users["lead"], ticket=followup).exists()
    assert Message.objects.filter(ticket=followup, body__contains="nobody called back").exists()
    good, _ = _invited(customer)
    assert survey_answer(invitation=good, rating=4, comment="").followup_ticket is None


def test_leads_read_the_figures_and_their_csv(customer, users) -> None:  # type: ignore[no-untyped-def]
    invitation, _ = _invited(customer)
    survey_answer(invitation=invitation, rating=4, comment="")
    lead = Client()
    lead.force_login(users["lead"])
    page = lead.get("/retention/figures/?days=30")
    assert page.status_code == 200
    assert "CSAT per kind of case" in page.content.decode()
    csv = lead.get("/retention/figures/?days=30&csv=csat-kinds")
    assert csv["Content-Type"].startswith("text/csv")
    lines = csv.content.decode().splitlines()
    assert lines[0] == "Kind,Answers,Mean (1-5),Satisfied (4-5) (%),Sent,Withheld"
    assert lines[1] == "abuse,1,4.00,100.0,1,0"
    agent = Client()
    agent.force_login(users["agent"])
    assert agent.get("/retention/figures/").status_code == 403


def test_the_figures_are_a_panel_on_the_leads_dashboards(customer, users) -> None:  # type: ignore[no-untyped-def]
    invitation, _ = _invited(customer)
    survey_answer(invitation=invitation, rating=2, comment="")
    lead = Client()
    lead.force_login(users["lead"])
    page = lead.get("/leads/?window=30").content.decode()
    assert "Retention and satisfaction" in page and "Satisfaction per kind of case" in page
    csv = lead.get("/leads/retention/csat-kinds.csv?window=30")
    assert csv.status_code == 200
    assert "abuse,1,2.00" in csv.content.decode()
    agent = Client()
    agent.force_login(users["agent"])
    assert "Retention and satisfaction" not in agent.get("/leads/").content.decode()
    assert agent.get("/leads/retention/csat-kinds.csv").status_code == 404
