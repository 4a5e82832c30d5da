"""Actions against a real provisioning endpoint on loopback: requested -> done/failed ->
reverted, signed requests, idempotency key reuse on retries, timeouts, refusals."""

from __future__ import annotations

import pytest

from complaints.actions import services as actions
from complaints.actions.provisioning import ProvisioningPermanentError
from complaints.actions.tasks import action_execute_task
from complaints.models import Action, AuditEntry
from tests.complaints.actions_support import make_ticket
from tests.servers.webhook import webhook_server  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


def run(action: Action) -> Action:
    """Run the real task body in-process (eager apply: retries run synchronously)."""
    action_execute_task.apply(args=[action.pk])
    action.refresh_from_db()
    return action


def test_suspend_runs_through_signed_webhook_and_reverts(users, webhook_server):  # noqa: F811
    ticket = make_ticket()
    action = actions.action_request(
        ticket=ticket, kind="suspend", reason="Phishing kit still online", actor=users["agent"]
    )
    assert action.status == Action.Status.APPROVED  # one person suffices for a suspension
    action = run(action)
    assert action.status == Action.Status.DONE
    assert action.result["reference"] == f"PRV-{action.pk}"
    (request,) = webhook_server.requests
    assert request.signature_ok
    assert request.idempotency_key == str(action.idempotency_key)
    body = request.json
    assert body["operation"] == "apply" and body["action"] == "suspend"
    assert body["customer"] == ticket.customer.external_id
    assert body["service"] == ticket.service.label
    ticket.service.refresh_from_db()
    assert ticket.service.status == "suspended"

    webhook_server.behave("done")
    action = actions.action_revert(
        action=action, actor=users["agent"], reason="Customer cleaned up"
    )
    assert action.status == Action.Status.REVERTED
    assert action.reverted_by == users["agent"]
    (revert,) = webhook_server.requests
    assert revert.signature_ok and revert.json["operation"] == "revert"
    assert revert.idempotency_key != str(action.idempotency_key)
    ticket.service.refresh_from_db()
    assert ticket.service.status == "active"
    verbs = list(AuditEntry.objects.filter(object_type="action", object_id=str(action.pk))
                 .order_by("created_at").values_list("verb", flat=True))  # fmt: skip
    assert verbs == ["action.requested", "action.approved", "action.done", "action.reverted"]


def test_server_error_then_success_retries_with_the_same_idempotency_key(users, webhook_server):  # noqa: F811
    webhook_server.behave("error500", "error500", "done")
    action = actions.action_request(
        ticket=make_ticket(), kind="null_route", reason="DDoS source", actor=users["lead"]
    )
    actions.action_approve(action=action, actor=users["admin"])
    action = run(action)
    assert action.status == Action.Status.DONE
    assert action.attempts == 3
    keys = {r.idempotency_key for r in webhook_server.requests}
    assert keys == {str(action.idempotency_key)}
    assert len(webhook_server.requests) == 3
    # Every attempt is signed afresh: a new nonce each time, never a replayed request.
    assert len({r.headers["X-TSD-Nonce"] for r in webhook_server.requests}) == 3


def test_timeout_is_retried_and_recorded(users, webhook_server):  # noqa: F811
    webhook_server.behave("timeout", "done")
    action = actions.action_request(
        ticket=make_ticket(), kind="suspend", reason="Open resolver abused", actor=users["agent"]
    )
    action = run(action)
    assert action.status == Action.Status.DONE
    assert action.attempts == 2
    assert [r.idempotency_key for r in webhook_server.requests] == [str(action.idempotency_key)] * 2


def test_retries_exhausted_fail_the_action_with_the_reason(users, webhook_server, settings):  # noqa: F811
    settings.PROVISIONING_MAX_ATTEMPTS = 3
    webhook_server.behave("error500")
    action = actions.action_request(
        ticket=make_ticket(), kind="suspend", reason="Botnet C2", actor=users["agent"]
    )
    action = run(action)
    assert action.status == Action.Status.FAILED
    assert "gave up after 3 attempts" in action.error and "HTTP 500" in action.error
    assert len(webhook_server.requests) == 3
    ticket = action.ticket
    ticket.service.refresh_from_db()
    assert ticket.service.status == "active"


def test_client_error_is_permanent_and_not_retried(users, webhook_server):  # noqa: F811
    webhook_server.behave("error400")
    action = run(actions.action_request(
        ticket=make_ticket(), kind="suspend", reason="Spam run", actor=users["agent"]))  # fmt: skip
    assert action.status == Action.Status.FAILED
    assert "HTTP 400" in action.error
    assert len(webhook_server.requests) == 1


def test_receiver_refusal_fails_the_action(users, webhook_server):  # noqa: F811
    webhook_server.behave("failed")
    action = run(actions.action_request(
        ticket=make_ticket(), kind="suspend", reason="Spam run", actor=users["agent"]))  # fmt: skip
    assert action.status == Action.Status.FAILED
    assert action.error == "service is locked"


def test_a_done_action_is_not_sent_again(users, webhook_server):  # noqa: F811
    action = run(actions.action_request(
        ticket=make_ticket(), kind="suspend", reason="Spam run", actor=users["agent"]))  # fmt: skip
    assert action.status == Action.Status.DONE
    run(action)  # a redelivered task
    assert len(webhook_server.requests) == 1


def test_revert_needs_a_done_revertible_action(users, webhook_server):  # noqa: F811
    webhook_server.behave("error400")
    failed = run(actions.action_request(
        ticket=make_ticket(), kind="suspend", reason="x", actor=users["agent"]))  # fmt: skip
    with pytest.raises(actions.ActionStateError):
        actions.action_revert(action=failed, actor=users["agent"], reason="undo")
    webhook_server.behave("done")
    terminate = actions.action_request(
        ticket=make_ticket(), kind="terminate", reason="Fraud", actor=users["agent"]
    )
    actions.action_approve(action=terminate, actor=users["lead"])
    terminate = run(terminate)
    assert terminate.status == Action.Status.DONE
    with pytest.raises(actions.ActionStateError):
        actions.action_revert(action=terminate, actor=users["lead"], reason="undo")


def test_failed_revert_leaves_the_action_done(users, webhook_server):  # noqa: F811
    action = run(actions.action_request(
        ticket=make_ticket(), kind="suspend", reason="x", actor=users["agent"]))  # fmt: skip
    webhook_server.behave("error400")
    with pytest.raises(ProvisioningPermanentError):
        actions.action_revert(action=action, actor=users["agent"], reason="undo")
    action.refresh_from_db()
    assert action.status == Action.Status.DONE
    assert AuditEntry.objects.filter(verb="action.revert_failed", object_id=str(action.pk)).exists()


def test_warning_is_queued_to_the_customer_without_the_webhook(users, webhook_server):  # noqa: F811
    ticket = make_ticket()
    action = run(actions.action_request(
        ticket=ticket, kind="warn", reason="Please remove the phishing page", actor=users["agent"]))  # fmt: skip
    assert action.status == Action.Status.DONE
    assert webhook_server.requests == []
    message = ticket.messages.get(pk=action.result["message_id"])
    assert message.to_address == ticket.customer.abuse_email
    assert "Please remove the phishing page" in message.body
