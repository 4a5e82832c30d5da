"""Actions say what they do and fail visibly (issue 17 item 3).

- Any action against a customer marked protected waits for a second person, and the form
  says so before it is sent.
- A provisioning call that is refused, times out or fails (5xx) leaves the action
  "retrying" with the reason in plain words and the time of the next attempt; the
  technical text is kept apart. Retries are bounded.
- A person cancels or retries it from the ticket page; the scheduled retry then does
  nothing.
- An action whose task was lost (a dead attempt, a lost retry) is queued again by the
  sweeper, and runs once.

Against the real provisioning endpoint of tests/servers/webhook.py and, for a refused
connection, a loopback port nobody listens on.
"""

from __future__ import annotations

import contextlib
import socket
from datetime import timedelta
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from complaints.actions import services as actions
from complaints.actions.tasks import action_execute_task
from complaints.intake.sweeper import actions_resume_stalled, sweep
from complaints.models import Action, AuditEntry
from tests.complaints.actions_support import make_ticket
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

REFUSED = "The provisioning system did not answer (connection refused)"


def closed_port() -> int:
    """A loopback port with nobody listening: connecting to it is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def refused(settings, webhook_server):  # type: ignore[no-untyped-def]
    """The desk points at a port that refuses connections (the server's secret stays)."""
    settings.PROVISIONING_WEBHOOK_URL = f"http://127.0.0.1:{closed_port()}/provisioning/"
    settings.PROVISIONING_RETRY_BASE_SECONDS = 30
    return settings


def first_attempt(action: Action, token: str = "task-1") -> Action:
    """One attempt as the task makes it; a retry is only scheduled, never run here."""
    with contextlib.suppress(actions.ActionRetryLater):
        actions.action_execute(action_id=action.pk, claim_token=token, attempt=1)
    action.refresh_from_db()
    return action


def suspend(users, ticket=None) -> Action:  # type: ignore[no-untyped-def]
    return actions.action_request(
        ticket=ticket or make_ticket(), kind="suspend", reason="Phishing kit", actor=users["agent"]
    )


# --- protected customers: four eyes, said on the form ---------------------------------------


@pytest.mark.parametrize("kind", ["warn", "suspend", "unsuspend"])
def test_any_action_on_a_protected_customer_waits_for_a_second_person(users, make_user, kind):
    ticket = make_ticket(customer=CustomerFactory(protected=True))
    action = actions.action_request(ticket=ticket, kind=kind, reason="r", actor=users["agent"])
    assert action.status == Action.Status.REQUESTED and action.approved_by is None
    with pytest.raises(PermissionDenied, match="protected"):
        actions.action_approve(action=action, actor=make_user("agent-two", "agent"))
    lead = actions.action_approve(action=action, actor=users["lead"])
    assert lead.status == Action.Status.APPROVED and lead.approved_by == users["lead"]


def test_a_lead_cannot_approve_their_own_action_on_a_protected_customer(users, make_user):
    ticket = make_ticket(customer=CustomerFactory(protected=True))
    action = actions.action_request(ticket=ticket, kind="suspend", reason="r", actor=users["lead"])
    with pytest.raises(PermissionDenied, match="second person"):
        actions.action_approve(action=action, actor=users["lead"])
    action = actions.action_approve(action=action, actor=make_user("lead-two", "lead"))
    assert action.status == Action.Status.APPROVED


def test_the_form_explains_the_second_person_before_it_is_sent(client, users):
    protected = make_ticket(customer=CustomerFactory(name="Stadtwerke Demo", protected=True))
    ordinary = make_ticket()
    client.force_login(users["agent"])
    page = client.get(f"/tickets/{protected.pk}/actions/new/?kind=suspend").content.decode()
    assert 'id="action-second-person"' in page
    assert "Stadtwerke Demo is marked protected" in page and "second person" in page
    plain = client.get(f"/tickets/{ordinary.pk}/actions/new/?kind=suspend").content.decode()
    assert 'id="action-second-person"' not in plain
    response = client.post(f"/tickets/{protected.pk}/actions/new/",
                           {"kind": "suspend", "reason": "Phishing", "confirm": "yes"})  # fmt: skip
    assert response.status_code == 302
    action = Action.objects.get(ticket=protected)
    assert action.status == Action.Status.REQUESTED
    detail = client.get(f"/tickets/{protected.pk}/").content.decode()
    assert 'id="action-protected"' in detail
    assert "Waiting for a second person" in detail
    assert f"/actions/{action.pk}/approve/" not in detail  # not for the requester


# --- a refused call: plain reason, retrying, bounded ----------------------------------------


def test_a_refused_connection_says_so_in_plain_words_and_retries_later(users, refused):
    action = suspend(users)
    before = timezone.now()
    action = first_attempt(action)
    assert action.status == Action.Status.RETRYING
    assert action.error == REFUSED
    assert "Connection refused" in action.error_detail  # the technical text, kept apart
    assert timedelta(seconds=25) < action.retry_at - before < timedelta(seconds=40)
    assert AuditEntry.objects.filter(verb="action.retrying", object_id=str(action.pk)).exists()


def test_a_server_error_and_a_timeout_are_named(users, webhook_server):
    webhook_server.behave("error500")
    failed = first_attempt(suspend(users))
    assert (failed.status, failed.error) == (
        "retrying",
        "The provisioning system failed (HTTP 500)",
    )
    assert "internal error" in failed.error_detail
    webhook_server.behave("timeout")
    slow = first_attempt(suspend(users))
    assert (slow.status, slow.error) == (
        "retrying",
        "The provisioning system did not answer within 1 s (timeout)",
    )


def test_retries_are_bounded_and_the_last_reason_stays(users, refused):
    refused.PROVISIONING_MAX_ATTEMPTS = 3
    refused.PROVISIONING_RETRY_BASE_SECONDS = 0
    action = suspend(users)
    action_execute_task.apply(args=[action.pk])  # eager: the retries run at once
    action.refresh_from_db()
    assert (action.status, action.attempts) == (Action.Status.FAILED, 3)
    assert action.error == f"{REFUSED}; the desk gave up after 3 attempts"


def test_the_ticket_page_shows_the_reason_not_the_socket_error(client, users, refused):
    action = first_attempt(suspend(users))
    client.force_login(users["agent"])
    page = client.get(f"/tickets/{action.ticket_id}/").content.decode()
    assert REFUSED in page and "Next attempt at" in page
    assert "Errno" not in page.split("technical detail")[0]
    assert f'id="action-retry-{action.pk}"' in page and f'id="action-cancel-{action.pk}"' in page


# --- a person cancels or retries -------------------------------------------------------------


def test_cancel_stops_the_scheduled_retry(client, users, refused, webhook_server):
    action = first_attempt(suspend(users))
    client.force_login(users["agent"])
    client.post(f"/tickets/{action.ticket_id}/actions/{action.pk}/cancel/")
    action.refresh_from_db()
    assert (action.status, action.cancelled_by) == (Action.Status.CANCELLED, users["agent"])
    refused.PROVISIONING_WEBHOOK_URL = webhook_server.url
    # The retry the task had scheduled comes: it finds nothing to do.
    assert actions.action_execute(action_id=action.pk, claim_token="task-1", attempt=2) == (
        "cancelled"
    )
    assert webhook_server.requests == []
    with pytest.raises(actions.ActionStateError):
        actions.action_cancel(action=action, actor=users["agent"])


def test_a_done_callback_after_a_cancel_is_recorded(users, refused):
    action = first_attempt(suspend(users))
    actions.action_cancel(action=action, actor=users["agent"])
    # The refused attempt never arrived, but had one timed out, the provider might still
    # have done it: what it reports is what happened.
    action, changed = actions.action_callback(
        idempotency_key=str(action.idempotency_key), status="done", result={"ref": "late"}
    )
    assert changed and action.status == Action.Status.DONE


def test_retry_now_runs_it_once_with_the_same_key(
    client, users, refused, webhook_server, django_capture_on_commit_callbacks
):  # type: ignore[no-untyped-def]
    action = first_attempt(suspend(users))
    refused.PROVISIONING_WEBHOOK_URL = webhook_server.url  # the provisioning system is back
    client.force_login(users["agent"])
    with (
        mock.patch("complaints.actions.tasks.action_execute_task.delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        client.post(f"/tickets/{action.ticket_id}/actions/{action.pk}/retry/")
    delay.assert_called_once_with(action.pk)
    action.refresh_from_db()
    assert action.status == Action.Status.APPROVED
    assert actions.action_execute(action_id=action.pk, claim_token="task-2") == "done"
    # The first task's scheduled retry comes too late: nothing is sent twice.
    assert actions.action_execute(action_id=action.pk, claim_token="task-1", attempt=2) == "done"
    assert [r.idempotency_key for r in webhook_server.requests] == [str(action.idempotency_key)]
    verbs = set(AuditEntry.objects.filter(object_id=str(action.pk)).values_list("verb", flat=True))
    assert {"action.retrying", "action.retried", "action.done"} <= verbs


def test_a_failed_action_can_be_retried_but_a_done_one_cannot(users, refused, webhook_server):
    refused.PROVISIONING_MAX_ATTEMPTS = 1
    action = first_attempt(suspend(users))
    assert action.status == Action.Status.FAILED
    action = actions.action_retry(action=action, actor=users["agent"])
    assert action.status == Action.Status.APPROVED and action.completed_at is None
    refused.PROVISIONING_WEBHOOK_URL = webhook_server.url
    assert actions.action_execute(action_id=action.pk, claim_token="task-9") == "done"
    with pytest.raises(actions.ActionStateError):
        actions.action_retry(action=action, actor=users["agent"])


def test_only_people_who_work_the_ticket_may_cancel_or_retry(users, refused):
    action = first_attempt(suspend(users))
    for role in ("billing", "legal", "none"):
        for step in (actions.action_cancel, actions.action_retry):
            with pytest.raises(PermissionDenied):
                step(action=action, actor=users[role])
    action.refresh_from_db()
    assert action.status == Action.Status.RETRYING


# --- the sweeper: no action stays running for ever ------------------------------------------


def test_the_sweeper_resumes_actions_whose_task_was_lost(users, refused, webhook_server):
    long_ago = timezone.now() - timedelta(hours=1)
    dead = first_attempt(suspend(users))  # its worker died mid-attempt
    Action.objects.filter(pk=dead.pk).update(status="running", attempted_at=long_ago)
    lost = first_attempt(suspend(users))  # its scheduled retry never came
    Action.objects.filter(pk=lost.pk).update(retry_at=long_ago)
    waiting = first_attempt(suspend(users))  # its retry is still ahead
    accepted = first_attempt(suspend(users))  # the provider took it; the callback is due
    Action.objects.filter(pk=accepted.pk).update(
        status="running", attempted_at=long_ago, result={"accepted": True}
    )
    with mock.patch("complaints.actions.tasks.action_execute_task.delay") as delay:
        assert sweep()["actions"] == 2
        assert actions_resume_stalled() == 0  # picked once, not every minute
    assert sorted(call.args[0] for call in delay.call_args_list) == sorted([dead.pk, lost.pk])
    statuses = dict(Action.objects.values_list("pk", "status"))
    assert statuses[dead.pk] == statuses[lost.pk] == "approved"
    assert (statuses[waiting.pk], statuses[accepted.pk]) == ("retrying", "running")
    refused.PROVISIONING_WEBHOOK_URL = webhook_server.url
    for action in (dead, lost):
        action_execute_task.apply(args=[action.pk])
    assert dict(Action.objects.filter(pk__in=[dead.pk, lost.pk]).values_list("pk", "status")) == {
        dead.pk: "done",
        lost.pk: "done",
    }
    assert len(webhook_server.requests) == 2
