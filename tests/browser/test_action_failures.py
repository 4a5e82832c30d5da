"""Actions in Chromium (issue 17 item 3): the second person for a protected customer is
explained on the form and only a lead other than the requester may approve; a provisioning
system that refuses the connection shows a plain reason on the ticket page while a real
Celery worker retries, and a person cancels one action and retries another once the
provisioning system is back.

The worker is a real ``celery worker`` process pointed at a loopback port that nobody
listens on; the test's provisioning endpoint (tests/servers/webhook.py) is started on that
very port later, so "back" is a real change the worker sees.
"""

from __future__ import annotations

import socket

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from complaints.models import Action
from tests.browser.conftest import SCREENSHOTS, assert_nothing_ran, login
from tests.complaints.actions_support import make_ticket
from tests.conftest import PASSWORD
from tests.factories import CustomerFactory
from tests.servers.webhook import SECRET, WebhookServer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REFUSED = "The provisioning system did not answer (connection refused)"


def request_suspension(page, ticket_id: int, reason: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"/tickets/{ticket_id}/")
    page.click("#action-new-suspend")
    page.fill("#action-reason", reason)
    page.check("#action-confirm")
    page.click("#action-submit")
    page.wait_for_url(f"**/tickets/{ticket_id}/#actions")


def test_a_protected_customer_needs_a_second_person(page, users):
    ticket = make_ticket(customer=CustomerFactory(name="Stadtwerke Demo", protected=True))
    login(page, "user-agent", PASSWORD)
    page.goto(f"/tickets/{ticket.pk}/")
    expect(page.locator("#action-protected")).to_contain_text("Stadtwerke Demo is marked protected")
    page.click("#action-new-suspend")
    expect(page.locator("#action-second-person")).to_contain_text(
        "Stadtwerke Demo is marked protected: any action against them needs a second person"
    )
    page.fill("#action-reason", "Phishing page on the customer's site")
    page.check("#action-confirm")
    page.click("#action-submit")
    page.wait_for_url(f"**/tickets/{ticket.pk}/#actions")
    action = Action.objects.get(ticket=ticket)
    row = page.locator(f"#action-{action.pk}")
    expect(row.locator(".action-status")).to_have_text("Requested (awaiting approval)")
    expect(row).to_contain_text("Waiting for a second person")
    expect(row.get_by_role("button", name="Approve")).to_have_count(0)  # not the requester
    assert_nothing_ran(page)

    page.click("text=Log out")
    login(page, "user-lead", PASSWORD)
    page.goto(f"/tickets/{ticket.pk}/")
    page.locator(f"#action-{action.pk}").get_by_role("button", name="Approve").click()
    page.wait_for_load_state()
    action.refresh_from_db()
    assert (action.status, action.approved_by) == ("approved", users["lead"])
    assert_nothing_ran(page)


@pytest.fixture
def provisioning_port(monkeypatch) -> int:  # type: ignore[no-untyped-def]
    """A loopback port nobody listens on yet; the worker started after this points at it
    (its environment is copied from this process's when it starts)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("PROVISIONING_WEBHOOK_URL", f"http://127.0.0.1:{port}/provisioning/")
    monkeypatch.setenv("PROVISIONING_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("PROVISIONING_TIMEOUT_SECONDS", "2")
    # Long enough that no automatic retry comes during the test: the person's does.
    monkeypatch.setenv("PROVISIONING_RETRY_BASE_SECONDS", "600")
    cache.clear()  # tasks earlier tests left in this run's broker database
    return port


@pytest.mark.worker
def test_a_refused_call_shows_a_plain_reason_and_a_person_cancels_or_retries(
    provisioning_port, celery_worker_process, page, users
):  # type: ignore[no-untyped-def]
    first, second = make_ticket(subject="Phishing kit A"), make_ticket(subject="Phishing kit B")
    login(page, "user-agent", PASSWORD)

    request_suspension(page, second.pk, "Second phishing kit")
    cancelled = Action.objects.get(ticket=second)
    row = page.locator(f"#action-{cancelled.pk}")
    expect(row.locator(".action-status")).to_have_text(
        "Retrying (the provisioning system did not answer)", timeout=30000
    )
    row.get_by_role("button", name="Cancel").click()
    page.wait_for_url(f"**/tickets/{second.pk}/#actions")
    expect(page.locator(f"#action-{cancelled.pk} .action-status")).to_have_text("Cancelled")

    request_suspension(page, first.pk, "Phishing kit still online")
    action = Action.objects.get(ticket=first)
    row = page.locator(f"#action-{action.pk}")
    # The worker's first attempt is refused; the row (polled by htmx) says so plainly.
    expect(row.locator(".action-status")).to_have_text(
        "Retrying (the provisioning system did not answer)", timeout=30000
    )
    expect(row.locator(".action-problem")).to_contain_text(REFUSED)
    expect(row.locator(".action-problem")).to_contain_text("Next attempt at")
    assert "Errno" not in row.locator(".action-problem").inner_text()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "action-retrying.png"), full_page=True)

    server = WebhookServer(port=provisioning_port)  # the provisioning system is back
    server.start()
    try:
        row.get_by_role("button", name="Retry now").click()
        page.wait_for_url(f"**/tickets/{first.pk}/#actions")
        expect(page.locator(f"#action-{action.pk} .action-status")).to_have_text(
            "Done", timeout=30000
        )
        requests = server.wait_for(1)
    finally:
        server.stop()
    assert [r.idempotency_key for r in requests] == [str(action.idempotency_key)]
    assert all(r.json["action_id"] == action.pk for r in requests)  # never the cancelled one
    action.refresh_from_db()
    cancelled.refresh_from_db()
    assert (action.status, action.attempts) == ("done", 2)
    assert (cancelled.status, cancelled.cancelled_by) == ("cancelled", users["agent"])
    first.service.refresh_from_db()
    assert first.service.status == "suspended"
    assert_nothing_ran(page)
    cache.clear()  # the cancelled action's scheduled retry, held by the stopped worker
