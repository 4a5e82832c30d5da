"""The demo campaign ``seed_demo`` leaves for ``lena``: a month of daily feeds filed
through the intake, a campaign launched from the feed, and later feeds showing who fixed;
once only."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.demo import seed_users
from accounts.roles import ALL_ROLES
from campaigns.demo import DEMO_NAME, seed_campaigns
from campaigns.models import Campaign, CampaignNotice, FeedDay
from campaigns.selectors import campaign_effect


@pytest.mark.django_db
def test_the_demo_campaign_shows_who_fixed(world):
    for role in ALL_ROLES:  # gone after a transactional test's flush
        Group.objects.get_or_create(name=role)
    seed_users()
    result = seed_campaigns()
    campaign = Campaign.objects.get(name=DEMO_NAME)
    assert campaign.status == "running" and campaign.launched_by.username == "lena"
    assert result["reports"] == 40 and result["notices"] > 10
    assert FeedDay.objects.filter(campaign=campaign).count() >= 30
    notices = CampaignNotice.objects.filter(campaign=campaign)
    assert notices.filter(group="notify").exists() and notices.filter(group="holdout").exists()
    assert notices.filter(state="fixed").exists()
    assert notices.filter(mails__gte=1, group="holdout").count() == 0
    figures = campaign_effect(campaign, timezone.now())
    assert figures.notified.fixed > 0
    assert figures.notified.windows[1].eligible == figures.notified.recipients
    assert figures.holdout.windows[1].eligible == figures.holdout.recipients
    assert seed_campaigns() == {"reports": 0, "notices": 0}  # once only
