"""In the browser: a customer asks about being charged twice on the public form, and bill
resolves it from the billing panel with the verifier's finding; a customer cancels on the
self-service page with a reason, answers the exit survey, and the lead sees it in the
figures. Screenshots under test-output/screenshots/."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from billing.models import Adjustment, Inquiry
from billing.sync import source_sync
from complaints.models import Ticket
from customers.models import Customer
from retention.links import cancel_link_issue
from retention.models import Cancellation, SaveOffer, SurveyResponse
from tests.billing.ledger_support import import_source
from tests.browser.conftest import SCREENSHOTS, assert_nothing_ran, login
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shop(tmp_path: Path) -> Customer:
    customer = Customer.objects.create(
        external_id="C1", name="Shop", billing_email="pay@shop.example"
    )
    Customer.objects.create(external_id="C2", name="VPS Co")
    source_sync(source_id=import_source(tmp_path / "ledger", outbox=tmp_path / "outbox.jsonl").pk)
    # A transactional test's flush drops the offers the migration made.
    SaveOffer.objects.get_or_create(code="loyalty-discount", defaults={
        "kind": "discount", "title": "25 % off", "description": "Six months at a lower price."})  # fmt: skip
    return customer


def test_bill_resolves_a_charged_twice_inquiry_from_the_panel(page, users, shop):  # type: ignore[no-untyped-def]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    customer = shop
    page.goto("/billing/contact/")
    page.fill("#id_customer_number", "C1")
    page.fill("#id_email", "pay@shop.example")
    page.select_option("#id_reason", "duplicate_charge")
    page.fill("#id_message", "You took the June payment twice: PayPal and my bank transfer.")
    page.click("#inquiry-form button[type=submit]")
    expect(page.locator("#inquiry-sent")).to_be_visible()
    inquiry = Inquiry.objects.get()
    assert inquiry.customer == customer and inquiry.channel == "web"
    assert_nothing_ran(page)

    page.context.clear_cookies()
    login(page, "user-billing", PASSWORD)
    page.goto("/tickets/")
    page.click(f"#queue-rows tr[data-ticket-id='{inquiry.ticket_id}'] a.ticket-link")
    page.wait_for_url(f"**/tickets/{inquiry.ticket_id}/")
    finding = page.locator(".finding-duplicate_payment")
    expect(finding).to_contain_text(
        "paid 2 times (gateway subscription plus manual payment)", timeout=10000
    )
    expect(page.locator("#billing-panel .inquiries")).to_contain_text("matched by customer number")
    page.screenshot(path=str(SCREENSHOTS / "billing-panel.png"), full_page=True)
    # Refund the bank transfer, then resolve with the finding.
    finding.locator(".adjustment-form button[type=submit]").click()
    page.wait_for_url(f"**/tickets/{inquiry.ticket_id}/")
    adjustment = Adjustment.objects.get()
    assert (adjustment.kind, adjustment.transaction_remote_id, str(adjustment.amount)) == (
        "refund",
        "T2",
        "9.90",
    )
    expect(page.locator(".finding-duplicate_payment")).to_be_visible(timeout=10000)
    page.fill(".finding-duplicate_payment .resolve-form input[name=note]", "Refunded the transfer")
    page.click(".finding-duplicate_payment .resolve-form button[type=submit]")
    page.wait_for_url(f"**/tickets/{inquiry.ticket_id}/")
    assert Ticket.objects.get(pk=inquiry.ticket_id).status == "resolved"
    assert_nothing_ran(page)


def test_a_customer_cancels_and_the_lead_sees_it_in_the_figures(page, users, shop):  # type: ignore[no-untyped-def]
    customer = shop
    _, url = cancel_link_issue(customer=customer, created_by_id=None)
    page.goto("/retention/" + url.split("/retention/", 1)[1])
    expect(page.locator("#cancel-form")).to_be_visible()
    expect(page.locator("input[name=offer][value=cancel]")).to_be_checked()
    page.select_option("#id_reason", "too_expensive")
    page.fill("#id_comment", "Found a cheaper host")
    page.screenshot(path=str(SCREENSHOTS / "cancel-page.png"), full_page=True)
    page.click("#cancel-submit")
    expect(page.locator("#cancel-confirmed")).to_contain_text("is confirmed")
    cancellation = Cancellation.objects.get()
    assert (cancellation.reason, cancellation.status) == ("too_expensive", "sending")
    page.check("input[name=rating][value='2']")
    page.click("#survey-form button[type=submit]")
    expect(page.locator("#survey-thanks")).to_be_visible()
    assert SurveyResponse.objects.get().rating == 2
    assert_nothing_ran(page)

    page.context.clear_cookies()
    login(page, "user-lead", PASSWORD)
    page.goto("/retention/figures/?days=30")
    reasons = page.locator("#figures-reasons")
    expect(reasons).to_contain_text("Too expensive")
    expect(reasons.locator("tr", has_text="Too expensive")).to_contain_text("100.0%")
    voluntary = page.locator("#figures-churn tbody tr").first  # 1 of the 2 customers billed
    expect(voluntary).to_contain_text("Voluntary")
    expect(voluntary).to_contain_text("50.0%")
    page.screenshot(path=str(SCREENSHOTS / "retention-figures.png"), full_page=True)
    assert_nothing_ran(page)
