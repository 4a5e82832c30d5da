"""Completion by the signed callback: signature, timestamp window, nonce replay, and a
second answer for the same action changing nothing."""

from __future__ import annotations

import time

import pytest

from complaints.actions import services as actions
from complaints.actions.tasks import action_execute_task
from complaints.models import Action
from tests.complaints.actions_support import make_ticket


def _accepted_action(users, webhook_server):
    webhook_server.behave("accept")
    action = actions.action_request(
        ticket=make_ticket(), kind="suspend", reason="Phishing", actor=users["agent"]
    )
    action_execute_task.apply(args=[action.pk])
    action.refresh_from_db()
    assert action.status == Action.Status.RUNNING  # waiting for the callback
    return action


@pytest.mark.django_db(transaction=True)
def test_callback_completes_once_and_replays_are_refused(
    users,
    webhook_server,
    live_server,
    settings,
):
    settings.SITE_URL = live_server.url
    action = _accepted_action(users, webhook_server)
    url = live_server.url + "/api/v1/provisioning/callback/"
    done = {
        "idempotency_key": str(action.idempotency_key),
        "status": "done",
        "result": {"ref": "X1"},
    }
    status, answer, nonce = webhook_server.callback(url, done)
    assert (status, answer["status"], answer["changed"]) == (200, "done", True)
    action.refresh_from_db()
    assert action.status == Action.Status.DONE and action.result == {"ref": "X1"}
    action.ticket.service.refresh_from_db()
    assert action.ticket.service.status == "suspended"

    # The same signed request again (same nonce): a replay, refused.
    status, answer, _ = webhook_server.callback(url, done, nonce=nonce)
    assert status == 401 and "replay" in answer["error"]
    # A fresh second callback contradicting the first: accepted, changes nothing.
    failed = {"idempotency_key": str(action.idempotency_key), "status": "failed", "error": "late"}
    status, answer, _ = webhook_server.callback(url, failed)
    assert (status, answer["status"], answer["changed"]) == (200, "done", False)
    # Bad signature and stale timestamp.
    status, answer, _ = webhook_server.callback(url, failed, secret="wrong-secret")
    assert status == 401 and answer["error"] == "bad signature"
    status, answer, _ = webhook_server.callback(url, failed, timestamp=int(time.time()) - 3600)
    assert status == 401 and "window" in answer["error"]
    action.refresh_from_db()
    assert action.status == Action.Status.DONE and action.error == ""


@pytest.mark.django_db(transaction=True)
def test_server_answering_twice_changes_nothing(users, webhook_server, live_server, settings):
    """The provider answers 'done' and then also calls back 'failed' for the same action."""
    settings.SITE_URL = live_server.url
    webhook_server.behave("done+callback")
    action = actions.action_request(
        ticket=make_ticket(), kind="suspend", reason="Spam", actor=users["agent"]
    )
    action_execute_task.apply(args=[action.pk])
    deadline = time.monotonic() + 10
    while not webhook_server.callbacks_sent and time.monotonic() < deadline:
        time.sleep(0.05)
    assert webhook_server.callbacks_sent == [
        (200, {"action": action.pk, "status": "done", "changed": False})
    ]
    action.refresh_from_db()
    assert action.status == Action.Status.DONE


@pytest.mark.django_db
def test_callback_for_unknown_action_or_garbage(client, webhook_server):
    from complaints.actions import provisioning

    body = b'{"idempotency_key": "00000000-0000-0000-0000-000000000000", "status": "done"}'
    headers = provisioning.signed_headers(body)
    response = client.post("/api/v1/provisioning/callback/", body, content_type="application/json",
                           headers=headers)  # fmt: skip
    assert response.status_code == 404
    body = b"not json"
    response = client.post("/api/v1/provisioning/callback/", body, content_type="application/json",
                           headers=provisioning.signed_headers(body))  # fmt: skip
    assert response.status_code == 400
    assert client.get("/api/v1/provisioning/callback/").status_code == 405
    assert (
        client.post(
            "/api/v1/provisioning/callback/", b"{}", content_type="application/json"
        ).status_code
        == 401
    )
