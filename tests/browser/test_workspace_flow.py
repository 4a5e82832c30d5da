"""An agent's day in the browser: login -> queue -> open -> reply with a template -> suspend
-> resolve; keyboard navigation; a bulk action. Screenshots under test-output/screenshots/."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from complaints.models import Action, Message, ResponseTemplate, Ticket
from tests.browser.conftest import SCREENSHOTS, assert_nothing_ran, login
from tests.complaints.actions_support import make_ticket
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def cases(users):  # type: ignore[no-untyped-def]
    ResponseTemplate.objects.create(
        slug="phishing-notice", name="Phishing notice", purpose="notice", audience="customer",
        type="", subject="Phishing on {{ resource }}",
        body="We received reports of a phishing page hosted on your service. Please remove it.",
    )  # fmt: skip
    return [make_ticket(subject=f"Phishing kit case {n}", type="phishing") for n in range(3)]


def test_agent_works_a_case_end_to_end(page, users, cases):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    login(page, "user-agent", PASSWORD)
    page.goto("/tickets/")
    assert page.locator("#queue-rows tr.queue-row").count() == 3
    page.screenshot(path=str(SCREENSHOTS / "queue.png"), full_page=True)
    target = cases[0]
    page.click(f"#queue-rows tr[data-ticket-id='{target.pk}'] a.ticket-link")
    page.wait_for_url(f"**/tickets/{target.pk}/")
    page.screenshot(path=str(SCREENSHOTS / "ticket.png"), full_page=True)

    # Reply with a template: htmx fills the box with its text, the agent says whether to
    # wait for the answer, then sends.
    template = ResponseTemplate.objects.get(slug="phishing-notice")
    page.select_option("#reply-template", str(template.pk))
    expect(page.locator("#reply-body")).to_have_value(
        re.compile("^We received reports of a phishing page hosted on your service"),
        timeout=10000,
    )
    page.check("#reply-await-yes")
    page.click("#reply-form button[type=submit]")
    page.wait_for_load_state()
    assert Message.objects.filter(ticket=target, direction="out", author=users["agent"]).exists()

    # Suspend, with confirmation and reason.
    page.goto(f"/tickets/{target.pk}/")
    page.click("#action-new-suspend")
    page.fill("#action-reason", "Phishing page still online after the notice")
    page.click("#action-submit")  # without the confirmation tick: the browser refuses (required)
    assert not Action.objects.filter(ticket=target).exists()
    page.check("#action-confirm")
    page.click("#action-submit")
    page.wait_for_url(f"**/tickets/{target.pk}/#actions")
    action = Action.objects.get(ticket=target)
    assert (action.kind, action.status) == ("suspend", "approved")
    assert page.locator(f"#action-{action.pk} .action-status").inner_text() == "Approved (queued)"

    # Resolve.
    page.select_option("#status-select", "resolved")
    page.click("#controls form:first-of-type button[type=submit]")
    page.wait_for_load_state()
    target.refresh_from_db()
    assert target.status == "resolved"
    assert_nothing_ran(page)


def test_keyboard_navigation_opens_the_selected_ticket(page, users, cases):
    login(page, "user-agent", PASSWORD)
    page.goto("/tickets/")
    rows = page.locator("#queue-rows tr.queue-row")
    page.keyboard.press("j")
    assert rows.nth(0).get_attribute("class").split().count("current") == 1
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    expected = rows.nth(1).get_attribute("data-ticket-id")
    assert "current" in rows.nth(1).get_attribute("class")
    page.keyboard.press("o")
    page.wait_for_url(f"**/tickets/{expected}/")
    assert_nothing_ran(page)


def test_bulk_status_change(page, users, cases):
    login(page, "user-agent", PASSWORD)
    page.goto("/tickets/")
    for ticket in cases[:2]:
        page.check(f"#queue-rows tr[data-ticket-id='{ticket.pk}'] input[name=ticket]")
    page.select_option("#bulk-action", "status")
    page.select_option("#queue-bulk select[name=status]", "awaiting_customer")
    page.click("#queue-bulk button[type=submit]")
    page.wait_for_load_state()
    statuses = dict(Ticket.objects.values_list("pk", "status"))
    assert statuses[cases[0].pk] == statuses[cases[1].pk] == "awaiting_customer"
    assert statuses[cases[2].pk] == "open"
    assert_nothing_ran(page)
