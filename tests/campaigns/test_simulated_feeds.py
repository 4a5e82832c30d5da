"""A campaign over five weeks of daily Shadowserver feeds filed through the real intake:
recipients by allocation, a reproducible hold-out, notices through the outbound queue and
a real SMTP server, verification after N absent daily reports, recurrence, escalation to a
ticket and a proposed action, and the measured effect — every expected figure worked out
by hand from the played calendar below, not read from the code.

The calendar (day k; feeds observed at 03:00, the campaign runs at 09:00):
- days -3..-1: every vulnerable host is in the feed; the campaign launches at day -1 09:00
  (look-back 3 days), so every customer becomes a recipient then;
- notified customers fix after day 2 (absent from day 3 on), except one who never does
  and one who fixes and comes back on day 10;
- hold-out customers fix after day 19 (absent from day 20 on).
With 3 absent daily reports to verify: a notified fix dates from day 3 00:00, i.e. 3.625
days after the recipient time (day -1 09:00); a hold-out fix from day 20, 20.625 days.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group

from accounts.services import user_with_roles_ensure
from campaigns.models import Campaign, CampaignNotice, NoticeMail
from campaigns.remediation import is_held_out
from campaigns.selectors import campaign_effect
from campaigns.services import campaign_advance, campaign_create, campaign_launch
from complaints.mediation.outbound import message_send
from complaints.models import Action, Message, PolicyRule, Ticket
from tests.campaigns.conftest import at, day
from tests.servers.smtp import SmtpSink

SEED = "feedsim-0001"


def _send_queued(smtp: SmtpSink) -> int:
    queued = list(
        Message.objects.filter(status=Message.Status.QUEUED, ticket__isnull=True).values_list(
            "pk", flat=True
        )
    )
    for pk in queued:
        assert message_send(message_id=pk) == "sent"
    return len(queued)


@pytest.mark.django_db(transaction=True)
def test_five_weeks_of_daily_feeds(world, file_feed, smtp_server):
    Group.objects.get_or_create(name="lead")
    lead = user_with_roles_ensure(username="lena-t", password="x" * 12, roles=["lead"])
    rule = PolicyRule.objects.create(
        name="Campaign: suspend unpatched", type="vulnerable-system", condition="event_count",
        threshold=100_000, proposes="suspend", automatic=True,
    )  # fmt: skip
    everyone = [c.pk for c in world.customers] + [world.provider.pk, world.protected.pk]
    for k in (-3, -2, -1):
        file_feed(k, world.rows(everyone))
    campaign = campaign_create(actor=lead, values={
        "name": "Exchange ProxyLogon", "feed_family": "scan_exchange",
        "tag_contains": "cve-2021-26855", "min_severity": "high", "cve": "CVE-2021-26855",
        "fix_steps": "Install the security update.", "holdout_percent": 25,
        "verify_reports": 3, "lookback_days": 3, "renotify_days": 7, "max_mails": 3,
        "escalate_ticket_days": 14, "escalate_action_days": 21, "escalation_rule": rule,
    })  # fmt: skip
    Campaign.objects.filter(pk=campaign.pk).update(holdout_seed=SEED)
    campaign = campaign_launch(campaign=campaign, actor=lead, now=at(-1))
    campaign_advance(campaign_id=campaign.pk, now=at(-1))

    # Recipients: by allocation, grouped by the seeded draw; own infrastructure and the
    # protected customer suppressed; one notice per customer, however many hosts.
    notices = {n.customer_id: n for n in CampaignNotice.objects.filter(campaign=campaign)}
    assert set(notices) == set(everyone)
    held = {c.pk for c in world.customers if is_held_out(SEED, c.pk, 25)}
    notified = [c.pk for c in world.customers if c.pk not in held]
    assert 3 <= len(held) <= 17 and len(notified) >= 20
    for customer in world.customers:
        expected = "holdout" if customer.pk in held else "notify"
        assert notices[customer.pk].group == expected
        assert notices[customer.pk].host_count == len(world.hosts[customer.pk])
    assert notices[world.provider.pk].suppressed_reason == "own infrastructure"
    assert notices[world.protected.pk].suppressed_reason == "protected customer"
    assert NoticeMail.objects.filter(notice__campaign=campaign).count() == len(notified)
    assert _send_queued(smtp_server) == len(notified)
    assert {tuple(m.rcpt_tos) for m in smtp_server.messages} == {
        (f"abuse@camp{world.customers.index(c)}.example",)
        for c in world.customers
        if c.pk in notified
    }

    never, recurs = notified[0], notified[1]
    fixers = [c for c in notified if c not in (never, recurs)]

    def open_on(k: int) -> list[int]:
        out = [never, world.provider.pk, world.protected.pk]
        out += [c for c in fixers if k < 3] + [c for c in held if k < 20]
        out += [recurs] if k < 3 or k >= 10 else []
        return out

    for k in range(0, 35):
        file_feed(k, world.rows(open_on(k)))
        campaign_advance(campaign_id=campaign.pk, now=at(k))
        _send_queued(smtp_server)
        if k == 4:  # two absent reports: not verified yet
            assert CampaignNotice.objects.get(campaign=campaign, customer_id=fixers[0]).state in (
                "delivered", "sent")  # fmt: skip
        if k == 5:
            fixed = CampaignNotice.objects.get(campaign=campaign, customer_id=fixers[0])
            assert fixed.state == "fixed" and fixed.fixed_by == "feed"
            assert fixed.fixed_at == at(3, 0) and fixed.verified_at == at(5, 0)

    notices = {n.customer_id: n for n in CampaignNotice.objects.filter(campaign=campaign)}
    for customer_id in fixers:
        assert notices[customer_id].state == "fixed"
        assert notices[customer_id].first_fixed_at == at(3, 0)
        assert notices[customer_id].mails == 1  # fixed before any re-notice was due
    for customer_id in held:
        assert notices[customer_id].state == "fixed" and notices[customer_id].mails == 0
        assert notices[customer_id].first_fixed_at == at(20, 0)
    assert notices[recurs].state == "recurred"
    assert notices[recurs].first_fixed_at == at(3, 0)
    assert notices[recurs].recurred_at.date() == day(10)
    assert notices[never].state not in ("fixed", "recurred") and notices[never].fixed_at is None
    # Re-notices while still seen since the last mail, every 7 days, 3 mails at most.
    assert notices[never].mails == 3
    mail_days = list(
        NoticeMail.objects.filter(notice=notices[never])
        .order_by("number")
        .values_list("created_at", flat=True)
    )
    assert mail_days == [at(-1), at(6), at(13)]

    # Escalation: a ticket after 14 days, on the customer's feed ticket the intake opened;
    # after 21 days the rule's action, proposed for an agent — never automatic.
    for customer_id in (never, recurs):
        notice = notices[customer_id]
        assert notice.escalated_at == at(13)
        assert notice.ticket.aggregation_key == f"abuse:{customer_id}:vulnerable-system"
        assert notice.ticket.events.exists()  # the intake's ticket, with the feed's events
        assert notice.ticket.messages.filter(kind="note", subject__contains="Exchange").exists()
        action = notice.action
        assert action is not None and notice.action_proposed_at == at(20)
        assert (action.status, action.automatic, action.rule_id, action.kind) == (
            Action.Status.REQUESTED, False, rule.pk, "suspend")  # fmt: skip
    assert not Action.objects.exclude(
        pk__in=[notices[never].action_id, notices[recurs].action_id]
    ).exists()
    assert (
        Ticket.objects.filter(pk__in=[n.ticket_id for n in notices.values() if n.ticket_id]).count()
        == 2
    )

    # The measured effect at day 34 09:00.
    figures = campaign_effect(campaign, at(34))
    n_notified, n_held = len(notified), len(held)
    assert figures.notified.recipients == n_notified and figures.holdout.recipients == n_held
    assert [(w.days, w.eligible, w.fixed) for w in figures.notified.windows] == [
        (7, n_notified, n_notified - 1), (14, n_notified, n_notified - 1),
        (30, n_notified, n_notified - 1)]  # fmt: skip
    assert [(w.days, w.eligible, w.fixed) for w in figures.holdout.windows] == [
        (7, n_held, 0), (14, n_held, 0), (30, n_held, n_held)]  # fmt: skip
    assert figures.notified.median_days_to_fix == pytest.approx(3.625)
    assert figures.holdout.median_days_to_fix == pytest.approx(20.625)
    assert (figures.notified.recurred, figures.notified.fixed) == (1, n_notified - 1)
    assert figures.holdout.recurred == 0
    share = (n_notified - 1) / n_notified
    assert figures.difference_points[7] == pytest.approx(round(share * 100, 1))
    assert figures.difference_points[30] == pytest.approx(round((share - 1) * 100, 1))
    # The suppressed are in neither group.
    assert n_notified + n_held == len(world.customers)
    assert at(34) - at(-1) == timedelta(days=35)
