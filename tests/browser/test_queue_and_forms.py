"""The queue and the forms in Chromium (issue 17 item 6): a search lives in the URL (reload
it, or open it in another session, and the page comes back the same); several values of a
filter are ticked without Ctrl-click; classifications read as names; the home page shows
an agent's tickets and what is due; a complaint entered in the web form says so, keeps the
URL typed whole and links its ticket."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from complaints.intake.filing.pipeline import reports_process
from complaints.models import Report
from tests.browser.conftest import SCREENSHOTS, assert_nothing_ran, login
from tests.complaints.actions_support import make_ticket
from tests.complaints.intake_support import OUR_IP, held_ip_fixture  # noqa: F401 - fixture
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shown_ids(page) -> list[str]:  # type: ignore[no-untyped-def]
    rows = page.locator("#queue-rows tr.queue-row")
    return [rows.nth(i).get_attribute("data-ticket-id") for i in range(rows.count())]


def test_a_search_lives_in_the_url_and_filters_tick_without_ctrl(page, browser, live_server, users):  # type: ignore[no-untyped-def]
    phishing = make_ticket(subject="Phishing kit on the shop", type="phishing")
    spam = make_ticket(subject="Spam run from the shop", type="spam")
    make_ticket(subject="Scanning from the shop", type="scanner")
    make_ticket(subject="Phishing kit elsewhere", type="phishing", status="resolved")
    login(page, "user-agent", PASSWORD)
    page.goto("/tickets/")
    assert len(shown_ids(page)) == 3

    page.fill("#queue-q", "shop")
    page.click("#filter-type summary")
    page.check("#filter-type input[value=phishing]")  # a plain click each: no Ctrl needed
    page.check("#filter-type input[value=spam]")
    page.click("#queue-filters button[type=submit]")
    page.wait_for_load_state()
    query = parse_qs(urlsplit(page.url).query)
    assert query["q"] == ["shop"] and sorted(query["type"]) == ["phishing", "spam"]
    assert "customer" not in query  # the empty fields are left out: a short link to share
    expected = sorted([str(phishing.pk), str(spam.pk)])
    assert sorted(shown_ids(page)) == expected
    row = page.locator(f"#queue-rows tr[data-ticket-id='{phishing.pk}']")
    expect(row).to_contain_text("Phishing")
    expect(page.locator("#filter-type summary")).to_contain_text("Phishing, Spam")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "queue-filtered.png"), full_page=True)

    shared = page.url
    page.reload()  # the same state after a reload ...
    assert page.input_value("#queue-q") == "shop"
    assert page.is_checked("#filter-type input[value=phishing]")
    assert page.is_checked("#filter-type input[value=spam]")
    assert sorted(shown_ids(page)) == expected

    other = browser.new_context(base_url=live_server.url)  # ... and for a colleague
    try:
        colleague = other.new_page()
        login(colleague, "user-lead", PASSWORD)
        colleague.goto(shared)
        assert sorted(shown_ids(colleague)) == expected
        assert colleague.input_value("#queue-q") == "shop"
    finally:
        other.close()

    page.click("#filter-type summary")
    page.uncheck("#filter-type input[value=spam]")  # one box off again, same way
    page.click("#queue-filters button[type=submit]")
    page.wait_for_load_state()
    assert shown_ids(page) == [str(phishing.pk)]
    assert_nothing_ran(page)


def test_the_home_page_shows_my_tickets_and_what_is_due(page, users):  # type: ignore[no-untyped-def]
    now = timezone.now()
    mine = make_ticket(subject="My phishing case", type="phishing", assignee=users["agent"],
                       resolution_due_at=now + timedelta(hours=2))  # fmt: skip
    overdue = make_ticket(
        subject="Nobody's overdue case", resolution_due_at=now - timedelta(hours=1)
    )
    login(page, "user-agent", PASSWORD)
    page.goto("/")
    expect(page.locator("#my-tickets")).to_contain_text("My phishing case")
    expect(page.locator("#my-tickets")).to_contain_text("Phishing")
    expect(page.locator("#due")).to_contain_text("Nobody's overdue case")
    page.locator("#due").get_by_role("link", name=f"#{overdue.pk}").click()
    page.wait_for_url(f"**/tickets/{overdue.pk}/")
    page.goto("/")
    page.locator("#my-tickets").get_by_role("link", name="All my tickets →").click()
    page.wait_for_load_state()
    assert shown_ids(page) == [str(mine.pk)]
    assert_nothing_ran(page)


def test_a_web_form_complaint_says_so_keeps_the_url_and_links_its_ticket(page, users, held_ip):  # type: ignore[no-untyped-def]
    url = f"http://{OUR_IP}/wp-admin/phish/secure-login.php?session=abc&step=2"
    login(page, "user-agent", PASSWORD)
    page.goto("/intake/new/")
    page.fill("#id_reporter_email", "jane.doe@victim.example.org")
    page.select_option("#id_type", label="Phishing")  # the name, not the code
    page.fill("#id_resources", url)
    page.fill("#id_description", "Phoned in: a phishing page on your network.")
    page.click("form.intake-form button[type=submit]")
    page.wait_for_url("**/intake/reports/*/")
    report = Report.objects.get()
    [outcome] = reports_process([report.pk])
    page.reload()
    expect(page.locator("#report-format")).to_have_text("entered in the web form")
    expect(page.locator("#report-outcome code.url")).to_have_text(url)
    ticket_id = outcome.ticket_ids[0]
    page.locator("#report-outcome dd a.ticket-link").click()
    page.wait_for_url(f"**/tickets/{ticket_id}/")
    expect(page.locator("#evidence")).to_contain_text("entered in the web form")
    expect(page.locator("#events")).to_contain_text(url)
    assert_nothing_ran(page)
