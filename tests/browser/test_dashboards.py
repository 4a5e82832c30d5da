"""A lead's dashboards in the browser: every chart drawn by Chart.js from its table with no
CSP violation, a CSV downloaded from the page, the window switched; an agent sees their own
panels only. Screenshots under test-output/screenshots/."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from leads.rollups import rollups_refresh_every
from tests.browser.conftest import SCREENSHOTS, assert_nothing_ran, login
from tests.conftest import PASSWORD
from tests.leads.support import change, days, holder, hours, notice, reporter, ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def figures(users):  # type: ignore[no-untyped-def]
    agent = users["agent"]
    shop = holder("192.0.2.8/30", name="Small Shop")
    feed = reporter("Scan Feed")
    now = timezone.now()  # the live server's pages read the clock
    for n in range(15):
        t = ticket(age=days(n % 9) + hours(2), type=("phishing", "scanner", "copyright")[n % 3],
                   customer=shop, service=shop.services.first(), ip="192.0.2.9",
                   assignee=agent if n % 2 else None, reported_by=feed,
                   responded_after=hours(1 + n % 4), now=now)  # fmt: skip
        if n % 3 == 0:
            notice(t, after=hours(1), author=agent)
            change(t, actor=agent, field="status", old="open", new="resolved", at=now - hours(1))
    ticket(age=days(2), kind="legal", now=now)
    ticket(age=hours(1), due_in=hours(3), now=now)  # due within 4 hours
    rollups_refresh_every(now=now)


def test_a_lead_reads_the_dashboards(page, users, figures):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    login(page, "user-lead", PASSWORD)
    page.goto("/leads/")
    figures_on_page = page.locator("figure.chart")
    count = figures_on_page.count()
    assert count >= 6
    for n in range(count):
        figure = figures_on_page.nth(n)
        expect(figure.locator("canvas")).to_have_count(1, timeout=10000)
        assert int(figure.get_attribute("data-drawn") or 0) >= 1
    assert page.locator("#panel-worst").count() == 1
    assert "Legal request" not in page.content()
    expect(page.locator("#t-trends-by-classification tr.flagged")).to_have_count(
        2
    )  # scans, copyright
    page.screenshot(path=str(SCREENSHOTS / "dashboards-lead.png"), full_page=True)
    with page.expect_download() as download_info:
        page.click("#panel-worst a.csv >> nth=0")
    text = Path(download_info.value.path()).read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "Customer" and rows[1][0].startswith("Small Shop")
    page.click(".dash-windows a:has-text('7 days')")
    page.wait_for_url("**/leads/?window=7")
    expect(page.locator("#h-sla-by-kind")).to_contain_text("last 7 days")
    assert_nothing_ran(page)


def test_an_agent_sees_their_own_panels(page, users, figures):
    login(page, "user-agent", PASSWORD)
    page.click("nav >> text=Dashboards")
    page.wait_for_url("**/leads/")
    expect(page.locator("h1")).to_contain_text("your own tickets")
    assert page.locator("#panel-worst").count() == 0
    expect(page.locator("#t-workload-agents tbody tr")).to_have_count(1)
    expect(page.locator("#t-workload-agents tbody tr td").first).to_have_text("user-agent")
    expect(page.locator("figure.chart canvas").first).to_be_visible(timeout=10000)
    page.screenshot(path=str(SCREENSHOTS / "dashboards-agent.png"), full_page=True)
    assert_nothing_ran(page)
