"""A lead's campaign in the browser: lena opens the demo campaign and sees who fixed
(notified against hold-out), starts a new campaign from a feed the intake filed, launches
it and sees its recipients; the customer opens the link in the mail and acknowledges. No
script runs that the CSP forbids. Screenshots under test-output/screenshots/."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.demo import DEMO_PASSWORD, seed_users
from campaigns.demo import DEMO_NAME, FeedRow, feed_file, feed_mail, seed_campaigns
from campaigns.models import Campaign, CampaignNotice, NoticeMail
from campaigns.services import campaign_advance
from tests.browser.conftest import (
    SCREENSHOTS,
    assert_nothing_ran,
    login,
    migration_rows_restore,
)
from tests.campaigns.conftest import make_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_lena_sees_who_fixed_and_launches_a_campaign_from_a_feed(page):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    world = make_world(30)
    migration_rows_restore()  # a transactional test before this one flushed them
    seed_users()
    seed_campaigns()
    yesterday = timezone.now().date() - timedelta(days=1)
    rdp = [
        FeedRow(ip=world.hosts[c.pk][0], tag="rdp", severity="medium") for c in world.customers[:8]
    ]
    feed_file(feed_mail("scan_rdp", yesterday, rdp), path="browser-feed/rdp")

    login(page, "lena", DEMO_PASSWORD)
    page.click("nav[aria-label=Main] >> text=Campaigns")
    page.wait_for_url("**/campaigns/")
    page.click(f"#campaigns >> text={DEMO_NAME}")
    demo = Campaign.objects.get(name=DEMO_NAME)
    page.wait_for_url(f"**/campaigns/{demo.pk}/")
    expect(page.locator("#effect-notified")).to_contain_text("%")
    expect(page.locator("#effect-holdout")).to_be_visible()
    fixed = CampaignNotice.objects.filter(campaign=demo, state="fixed").count()
    assert fixed > 0
    expect(page.locator("#states")).to_contain_text("fixed")
    page.screenshot(path=str(SCREENSHOTS / "campaign-demo.png"), full_page=True)
    page.select_option("select[name=state]", "fixed")
    page.click("text=Filter")
    expect(page.locator("#notices tbody tr")).to_have_count(min(fixed, 100))

    # A new campaign from yesterday's RDP feed.
    page.goto("/campaigns/")
    page.click("#feeds tr:has-text('scan_rdp') >> text=Start a campaign")
    expect(page.locator("#id_feed_family")).to_have_value("scan_rdp")
    page.fill("#id_name", "RDP open to the Internet")
    page.fill("#id_tag_contains", "rdp")
    page.select_option("#id_min_severity", "")
    page.fill("#id_cve", "")
    page.click("#campaign-save")
    created = Campaign.objects.get(name="RDP open to the Internet")
    page.wait_for_url(f"**/campaigns/{created.pk}/")
    page.click("#campaign-launch")
    expect(page.locator("#campaign-status")).to_have_text("Running")
    campaign_advance(campaign_id=created.pk)  # the round the launch queued for the worker
    page.reload()
    expect(page.locator("#notices tbody tr")).to_have_count(8)
    page.screenshot(path=str(SCREENSHOTS / "campaign-launched.png"), full_page=True)
    assert_nothing_ran(page)

    # The customer follows the link in the mail and says they have seen it.
    mail = NoticeMail.objects.filter(notice__campaign=created).select_related("message").first()
    assert mail is not None
    body = mail.message.body
    start = body.index("/campaigns/n/")
    path = body[start : body.index("\n", start)]
    page.goto(path)
    expect(page.locator("#public-hosts")).to_contain_text(
        CampaignNotice.objects.get(pk=mail.notice_id).hosts.first().ip
    )
    page.click("#public-ack")
    expect(page.locator("#public-done")).to_be_visible()
    assert CampaignNotice.objects.get(pk=mail.notice_id).state == "acknowledged"
    assert_nothing_ran(page)
