"""The reply box in Chromium (issue 17 item 4): choosing a template fills the subject and
body for editing (htmx, no inline script, the CSP intact); "wait for the answer" is a choice
the agent makes, not a default; sending offers to take the ticket; the timeline then says
what happened in plain words."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from complaints.models import Message, ResponseTemplate, Ticket
from tests.browser.conftest import SCREENSHOTS, assert_nothing_ran, login
from tests.complaints.actions_support import make_ticket
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def template():  # type: ignore[no-untyped-def]
    return ResponseTemplate.objects.create(
        slug="phishing-notice", name="Phishing notice", purpose="notice", audience="customer",
        type="phishing", subject="Phishing on your service (case {{ ticket_number }})",
        body="Dear {{ customer_name }},\n\nWe received reports of a phishing page on your "
        "service. Please remove it.\n\nDetails and your answer: {{ self_service_url }}\n",
    )  # fmt: skip


def test_a_template_fills_the_box_and_sending_says_what_happens(page, users, template):
    ticket = make_ticket(subject="Phishing kit on shop", type="phishing")
    login(page, "user-agent", PASSWORD)
    page.goto(f"/tickets/{ticket.pk}/")

    page.select_option("#reply-template", str(template.pk))
    subject = f"Phishing on your service (case {ticket.pk})"
    expect(page.locator("#reply-subject")).to_have_value(subject, timeout=10000)
    body = page.locator("#reply-body")
    expect(body).to_have_value(re.compile(f"^Dear {ticket.customer.name},"))
    assert "[self-service link]" in body.input_value()
    expect(page.locator("#reply-filled-from")).to_contain_text("Phishing notice")
    body.fill(body.input_value().rstrip() + "\n\nThe page is at /login/secure/.")

    # The choice after sending is asked, never assumed; taking the ticket is offered.
    after = page.locator("#reply-after")
    expect(after).to_be_visible()
    assert not page.is_checked("#reply-await-yes") and not page.is_checked("#reply-await-no")
    assert page.is_checked("#reply-take")  # the ticket is nobody's yet
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "reply-box-from-template.png"), full_page=True)
    page.click("#reply-send")  # no choice made: the browser asks for one, nothing is sent
    assert not Message.objects.filter(ticket=ticket, direction="out").exists()

    page.check("#reply-await-yes")
    page.click("#reply-send")
    page.wait_for_url(f"**/tickets/{ticket.pk}/#timeline")
    expect(page.locator("ul.flash")).to_contain_text("Reply to the customer queued")
    expect(page.locator("ul.flash")).to_contain_text("The ticket waits for the customer's answer.")
    expect(page.locator("ul.flash")).to_contain_text("You have taken the ticket.")

    message = Message.objects.get(ticket=ticket, direction="out")
    assert message.subject.startswith(subject) and message.template == template
    assert message.body.count("Dear ") == 1  # the edited text, not the template twice
    assert "The page is at /login/secure/." in message.body
    assert "[self-service link]" not in message.body and "/self-service/" in message.body
    ticket.refresh_from_db()
    assert (ticket.status, ticket.assignee) == ("awaiting_customer", users["agent"])

    timeline = page.locator("#timeline-body")
    expect(timeline).to_contain_text("Reply to the customer")
    expect(timeline).to_contain_text("Status: Open → Awaiting customer")
    expect(timeline).to_contain_text("Assigned to user-agent")
    assert "awaiting_customer" not in timeline.inner_text()
    assert_nothing_ran(page)


def test_not_waiting_keeps_the_status_and_a_note_asks_nothing(page, users, template):
    ticket = make_ticket(subject="Spam run", assignee=users["lead"])
    login(page, "user-agent", PASSWORD)
    page.goto(f"/tickets/{ticket.pk}/")
    assert not page.is_checked("#reply-take")  # with someone else: taking it is deliberate
    expect(page.locator("#reply-take-label")).to_contain_text("it is with user-lead now")
    page.fill("#reply-body", "Please tell us what you changed.")
    page.check("#reply-await-no")
    page.click("#reply-send")
    page.wait_for_url(f"**/tickets/{ticket.pk}/#timeline")
    expect(page.locator("ul.flash")).to_contain_text("The ticket stays open.")
    ticket.refresh_from_db()
    assert (ticket.status, ticket.assignee) == (Ticket.Status.OPEN, users["lead"])

    page.select_option("#reply-audience", "internal")
    expect(page.locator("#reply-after")).to_be_hidden()
    page.fill("#reply-body", "Checked the host: the kit is gone.")
    page.click("#reply-send")
    page.wait_for_url(f"**/tickets/{ticket.pk}/#timeline")
    expect(page.locator("#timeline-body")).to_contain_text("Internal note")
    assert Message.objects.filter(ticket=ticket, direction="note").count() == 1
    assert_nothing_ran(page)
