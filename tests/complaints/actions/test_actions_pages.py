"""The actions pages: confirmation and reason, four-eyes approval, revert, escalation,
policy rules with dry run (leads/admins), the automation switch (admins)."""

from __future__ import annotations

import pytest

from complaints.actions.services import automation_enabled
from complaints.models import Action, AuditEntry, PolicyRule
from tests.complaints.actions_support import make_ticket

pytestmark = pytest.mark.django_db


def login(client, user):  # type: ignore[no-untyped-def]
    client.force_login(user)
    return client


def test_request_needs_confirmation_and_reason(client, users):
    ticket = make_ticket()
    login(client, users["agent"])
    url = f"/tickets/{ticket.pk}/actions/new/"
    page = client.get(url + "?kind=suspend")
    assert page.status_code == 200 and b"I have checked the evidence" in page.content
    assert client.post(url, {"kind": "suspend", "reason": "Phishing"}).status_code == 400
    assert client.post(url, {"kind": "suspend", "reason": " ", "confirm": "yes"}).status_code == 400
    assert not Action.objects.exists()
    response = client.post(url, {"kind": "suspend", "reason": "Phishing", "confirm": "yes"})
    assert response.status_code == 302
    action = Action.objects.get()
    assert (action.kind, action.status, action.requested_by) == (
        "suspend",
        "approved",
        users["agent"],
    )
    detail = client.get(f"/tickets/{ticket.pk}/")
    assert detail.status_code == 200
    assert f'id="action-{action.pk}"'.encode() in detail.content


def test_terminate_is_approved_by_a_second_person_on_the_page(client, users):
    ticket = make_ticket()
    login(client, users["lead"])
    client.post(
        f"/tickets/{ticket.pk}/actions/new/",
        {"kind": "terminate", "reason": "Fraud", "confirm": "yes"},
    )
    action = Action.objects.get()
    assert action.status == "requested"
    client.post(f"/tickets/{ticket.pk}/actions/{action.pk}/approve/")
    action.refresh_from_db()
    assert action.status == "requested"  # the requester cannot approve
    login(client, users["admin"])
    client.post(f"/tickets/{ticket.pk}/actions/{action.pk}/approve/")
    action.refresh_from_db()
    assert action.status == "approved" and action.approved_by == users["admin"]


def test_roles_without_acting_rights_get_403_and_strangers_404(client, users):
    ticket = make_ticket()
    for role in ("billing", "none"):
        login(client, users[role])
        assert client.get(f"/tickets/{ticket.pk}/actions/new/?kind=warn").status_code == 404
    legal = make_ticket(kind="legal")
    login(client, users["legal"])
    assert client.get(f"/tickets/{legal.pk}/actions/new/?kind=warn").status_code == 403
    login(client, users["agent"])
    assert client.get(f"/tickets/{legal.pk}/actions/new/?kind=warn").status_code == 404


def test_policy_rules_page_and_switch(client, users):
    PolicyRule.objects.create(name="Repeat spam", type="spam", condition="repeat_count", threshold=1,
                              proposes="warn", automatic=True)  # fmt: skip
    ticket = make_ticket()
    login(client, users["agent"])
    assert client.get("/tickets/policy-rules/").status_code == 403
    login(client, users["lead"])
    page = client.get("/tickets/policy-rules/")
    assert page.status_code == 200 and f"#{ticket.pk}".encode() in page.content
    assert not Action.objects.exists()  # a dry run writes nothing
    assert client.post("/tickets/automation/", {"enabled": "1"}).status_code == 403
    login(client, users["admin"])
    assert client.post("/tickets/automation/", {"enabled": "1"}).status_code == 302
    assert automation_enabled()
    assert AuditEntry.objects.filter(verb="automation.switched", actor=users["admin"]).exists()
    assert client.get("/tickets/sla/").status_code == 200


def test_escalate_page_hands_the_ticket_over(client, users):
    ticket = make_ticket()
    login(client, users["agent"])
    assert client.post(f"/tickets/{ticket.pk}/escalate/", {"reason": ""}).status_code == 400
    response = client.post(f"/tickets/{ticket.pk}/escalate/", {"reason": "Stolen cards"})
    assert response.status_code == 302 and response["Location"] == "/tickets/"
    assert client.get(f"/tickets/{ticket.pk}/").status_code == 404
    login(client, users["investigations"])
    assert client.get(f"/tickets/{ticket.pk}/").status_code == 200
    assert AuditEntry.objects.filter(
        verb="ticket.read", ticket=ticket, actor=users["investigations"]
    ).exists()
