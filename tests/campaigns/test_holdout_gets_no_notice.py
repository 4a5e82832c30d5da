"""The hold-out gets no notice at all: while a campaign runs, the desk's own automatic
first notices for its classification type are held (the intake would otherwise notice
every customer on their feed ticket, hold-out included), and restored when it stops —
unless another campaign of the type still runs. A campaign told not to hold them leaves the
policy alone, and its page counts the hold-out customers the intake noticed anyway."""

from __future__ import annotations

import pytest

from campaigns.models import Campaign, CampaignNotice
from campaigns.selectors import holdout_contacted
from campaigns.services import campaign_advance, campaign_create, campaign_launch, campaign_stop
from complaints.mediation.notices import reports_notify_customers
from complaints.models import AuditEntry, Message, NoticePolicy
from tests.campaigns.conftest import at, campaign_values


def _policy() -> bool:
    return NoticePolicy.objects.get(type="vulnerable-system").notify


@pytest.mark.django_db
def test_the_type_notices_are_held_while_a_campaign_runs(world, file_feed, lead):
    NoticePolicy.objects.update_or_create(type="vulnerable-system", defaults={"notify": True})
    first = campaign_launch(campaign=campaign_create(actor=lead, values=campaign_values()),
                            actor=lead, now=at(0))  # fmt: skip
    assert _policy() is False and first.notice_policy_was is True
    second = campaign_launch(campaign=campaign_create(actor=lead, values=campaign_values(name="b")),
                             actor=lead, now=at(0))  # fmt: skip
    assert second.notice_policy_was is True  # what the first one found, not "held"
    report_ids = file_feed(1, world.rows([c.pk for c in world.customers]))
    assert reports_notify_customers(report_ids) == []  # the intake's reaction sends nothing
    assert not Message.objects.filter(kind="notice", ticket__isnull=False).exists()
    campaign_stop(campaign=first, actor=lead)
    assert _policy() is False  # the second still runs
    campaign_stop(campaign=second, actor=lead)
    assert _policy() is True
    assert AuditEntry.objects.filter(verb="notice_policy.changed").count() == 2


@pytest.mark.django_db
def test_without_the_hold_the_intake_notices_hold_out_customers_and_the_page_counts_them(
    world, file_feed, lead
):
    NoticePolicy.objects.update_or_create(type="vulnerable-system", defaults={"notify": True})
    file_feed(-1, world.rows([c.pk for c in world.customers]))
    campaign = campaign_create(
        actor=lead, values=campaign_values(holdout_percent=50, hold_type_notices=False)
    )
    Campaign.objects.filter(pk=campaign.pk).update(holdout_seed="leaky")
    campaign = campaign_launch(campaign=campaign, actor=lead, now=at(0))
    assert _policy() is True and campaign.notice_policy_was is None
    campaign_advance(campaign_id=campaign.pk, now=at(0))
    held = CampaignNotice.objects.filter(campaign=campaign, group="holdout")
    assert held.count() >= 5
    report_ids = file_feed(0, world.rows([c.pk for c in world.customers]))
    noticed = reports_notify_customers(report_ids)
    assert noticed  # the intake's first notices go out on the feed tickets
    assert holdout_contacted(campaign) == held.count()
