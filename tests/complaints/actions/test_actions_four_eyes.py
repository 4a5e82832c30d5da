"""Terminate and null-route need a second person; the REST endpoints apply the same rules."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from complaints.actions import services as actions
from complaints.models import Action
from tests.complaints.actions_support import make_ticket

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("kind", ["terminate", "null_route"])
def test_four_eyes_kinds_wait_for_a_second_person(users, make_user, kind):
    ticket = make_ticket()
    action = actions.action_request(
        ticket=ticket, kind=kind, reason="Fraudulent signup", actor=users["lead"]
    )
    assert action.status == Action.Status.REQUESTED
    with pytest.raises(PermissionDenied, match="second person"):
        actions.action_approve(action=action, actor=users["lead"])  # the requester
    with pytest.raises(PermissionDenied):
        actions.action_approve(action=action, actor=users["agent"])  # not a lead or admin
    other_lead = make_user("lead-two", "lead")
    action = actions.action_approve(action=action, actor=other_lead)
    assert action.status == Action.Status.APPROVED
    assert action.approved_by == other_lead and action.requested_by == users["lead"]
    with pytest.raises(actions.ActionStateError):
        actions.action_approve(action=action, actor=users["admin"])  # approved once only


def test_single_person_kinds_are_approved_by_the_request(users):
    for kind in ("warn", "suspend", "unsuspend"):
        action = actions.action_request(
            ticket=make_ticket(), kind=kind, reason="r", actor=users["agent"]
        )
        assert action.status == Action.Status.APPROVED and action.approved_by == users["agent"]


def test_rejected_request_never_runs(users):
    action = actions.action_request(
        ticket=make_ticket(), kind="terminate", reason="r", actor=users["agent"]
    )
    actions.action_reject(action=action, actor=users["lead"], reason="not enough evidence")
    action.refresh_from_db()
    assert action.status == Action.Status.REJECTED
    with pytest.raises(actions.ActionStateError):
        actions.action_approve(action=action, actor=users["lead"])


def test_request_needs_a_reason_and_a_role(users):
    from django.core.exceptions import ValidationError

    ticket = make_ticket()
    with pytest.raises(ValidationError):
        actions.action_request(ticket=ticket, kind="suspend", reason="  ", actor=users["agent"])
    for role in ("billing", "legal", "none"):
        with pytest.raises(PermissionDenied):
            actions.action_request(ticket=ticket, kind="suspend", reason="r", actor=users[role])


def test_api_request_and_four_eyes(api_client_for, users):
    ticket = make_ticket()
    url = f"/api/v1/tickets/{ticket.pk}/actions/"
    agent = api_client_for("agent")
    response = agent.post(url, {"kind": "terminate", "reason": "Carding shop"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "requested"
    action_id = response.json()["id"]
    approve = f"{url}{action_id}/approve/"
    assert agent.post(approve).status_code == 403
    lead = api_client_for("lead")
    assert lead.post(approve).status_code == 200
    listed = lead.get(url).json()
    assert [(a["id"], a["status"], a["approved_by"]) for a in listed] == [
        (action_id, "approved", "user-lead")
    ]
    assert agent.post(url, {"kind": "explode", "reason": "x"}, format="json").status_code == 400
    assert agent.post(url, {"kind": "warn"}, format="json").status_code == 400


def test_api_hides_tickets_the_caller_may_not_see(api_client_for):
    legal = make_ticket(kind="legal")
    for role in ("agent", "lead", "admin", "billing", "investigations", "none"):
        client = api_client_for(role)
        assert client.get(f"/api/v1/tickets/{legal.pk}/actions/").status_code in (403, 404)
        assert client.post(f"/api/v1/tickets/{legal.pk}/actions/", {"kind": "warn", "reason": "x"},
                           format="json").status_code in (403, 404)  # fmt: skip
    assert api_client_for(None).get(f"/api/v1/tickets/{legal.pk}/actions/").status_code in (
        401,
        403,
    )
    assert Action.objects.count() == 0
