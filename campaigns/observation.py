"""Reading the feed into a campaign, and the feed's verdict on each notice.

``campaign_report_read`` reads one intake report (``campaigns.feeds``) in one transaction
under the campaign's row lock, so two runs never read the same report twice
(``ConsumedReport`` is unique) nor interleave:

1. hosts inside a suppressed network are dropped;
2. each remaining host is attributed to whoever held its address *when it was observed*,
   all at once (``customers.resolution.holdings_at``, the intake's bulk resolution); an
   address nobody held, or a shared one (shared hosting and relays are the provider's own
   platforms), is no customer's;
3. customers of a restricted case are left out (``campaigns.suppression``);
4. a customer new to the campaign becomes a recipient: suppressed, held out or notified
   (``campaigns.remediation.is_held_out``);
5. the hosts, the day's sighting and the feed day are recorded.

``campaign_verify`` then walks each notice's sightings against the feed days
(``campaigns.remediation.remediation``): verified fixed, recurred.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from django.db import connection, transaction
from django.db.models import F

from campaigns.feeds import Observation, feed_reports_unread, report_feed_day, report_observations
from campaigns.history import notice_state_apply
from campaigns.models import Campaign, CampaignNotice, ConsumedReport, FeedDay, NoticeSighting
from campaigns.remediation import is_held_out, remediation
from campaigns.suppression import (
    customers_withheld,
    ip_suppressed,
    suppressed_networks,
    suppression_reasons,
)
from complaints.models import Report
from customers.resolution import holdings_at
from trustsafety.pg_arrays import array_literal

EVIDENCE_CHARS = 600


@dataclass
class ReadResult:
    report_id: int
    day: date
    events: int
    customers: int
    new_recipients: int


def campaign_observe(*, campaign_id: int, now: datetime, limit: int = 500) -> list[ReadResult]:
    """Read the campaign's unread feed reports (at most ``limit``), one transaction each."""
    campaign = Campaign.objects.get(pk=campaign_id)
    if campaign.status != Campaign.Status.RUNNING:
        return []
    ids = list(feed_reports_unread(campaign).values_list("pk", flat=True)[:limit])
    results = []
    for report_id in ids:
        result = campaign_report_read(campaign_id=campaign_id, report_id=report_id, now=now)
        if result is not None:
            results.append(result)
    return results


def _hosts_by_customer(
    observations: list[Observation],
) -> dict[int, dict[str, list[Observation]]]:
    holdings = holdings_at([(o.ip, o.observed_at) for o in observations])
    found: dict[int, dict[str, list[Observation]]] = defaultdict(lambda: defaultdict(list))
    for observation, holding in zip(observations, holdings, strict=True):
        if holding is None or holding.shared:
            continue
        found[holding.customer_id][observation.ip].append(observation)
    return found


@transaction.atomic
def campaign_report_read(*, campaign_id: int, report_id: int, now: datetime) -> ReadResult | None:
    """Read one report into the campaign; None when it was read already or the campaign
    is not running."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign_id)
    if campaign.status != Campaign.Status.RUNNING:
        return None
    if ConsumedReport.objects.filter(campaign=campaign, report_id=report_id).exists():
        return None
    received_at = Report.objects.values_list("received_at", flat=True).get(pk=report_id)
    day = report_feed_day(report_id, received_at)
    networks = suppressed_networks(campaign)
    observations = [
        o for o in report_observations(campaign, report_id) if not ip_suppressed(o.ip, networks)
    ]
    by_customer = _hosts_by_customer(observations)
    for customer_id in customers_withheld(by_customer):
        del by_customer[customer_id]
    notices, created = _recipients(campaign, set(by_customer), now)
    _hosts_record(notices, by_customer)
    _sightings_record(notices, by_customer, day)
    assert campaign.observe_from is not None
    if day >= campaign.observe_from.date():  # an older report is read, but is no feed day
        feed_day, _ = FeedDay.objects.get_or_create(campaign=campaign, day=day)
        FeedDay.objects.filter(pk=feed_day.pk).update(
            reports=F("reports") + 1, events=F("events") + len(observations)
        )
    ConsumedReport.objects.create(
        campaign=campaign, report_id=report_id, day=day, events=len(observations)
    )
    return ReadResult(
        report_id=report_id,
        day=day,
        events=len(observations),
        customers=len(by_customer),
        new_recipients=created,
    )


def _recipients(
    campaign: Campaign, customer_ids: set[int], now: datetime
) -> tuple[dict[int, CampaignNotice], int]:
    """The notices of these customers, creating those of customers new to the campaign
    (how many is the second value)."""
    notices = {
        n.customer_id: n
        for n in CampaignNotice.objects.filter(campaign=campaign, customer_id__in=customer_ids)
    }
    new_ids = sorted(customer_ids - set(notices))
    reasons = suppression_reasons(campaign, new_ids)
    created = []
    for customer_id in new_ids:
        if customer_id in reasons:
            group, state = CampaignNotice.Group.SUPPRESSED, CampaignNotice.State.SUPPRESSED
        elif is_held_out(campaign.holdout_seed, customer_id, campaign.holdout_percent):
            group, state = CampaignNotice.Group.HOLDOUT, CampaignNotice.State.HELD_OUT
        else:
            group, state = CampaignNotice.Group.NOTIFY, CampaignNotice.State.WAITING
        created.append(
            CampaignNotice(
                campaign=campaign,
                customer_id=customer_id,
                group=group,
                state=state,
                suppressed_reason=reasons.get(customer_id, ""),
                assigned_at=now,
                first_seen_at=now,
                last_seen_at=now,
            )
        )
    for notice in CampaignNotice.objects.bulk_create(created):
        notices[notice.customer_id] = notice
    return notices, len(created)


# One statement each, whatever the report's size: Django's bulk_update writes a CASE with
# a branch per row, which is quadratic (16,000 hosts took minutes: bench/campaigns.py).
_HOSTS_UPSERT = """
INSERT INTO campaigns_noticehost
       (notice_id, ip, port, first_seen_at, last_seen_at, sightings, evidence)
SELECT v.notice_id, v.ip, v.port, v.first_seen, v.last_seen, 1, v.evidence
  FROM unnest(%s::bigint[], %s::inet[], %s::integer[], %s::timestamptz[], %s::timestamptz[],
              %s::text[]) AS v(notice_id, ip, port, first_seen, last_seen, evidence)
    ON CONFLICT (notice_id, ip) DO UPDATE SET
       first_seen_at = LEAST(campaigns_noticehost.first_seen_at, EXCLUDED.first_seen_at),
       sightings = campaigns_noticehost.sightings + 1,
       last_seen_at = GREATEST(campaigns_noticehost.last_seen_at, EXCLUDED.last_seen_at),
       port = CASE WHEN EXCLUDED.last_seen_at >= campaigns_noticehost.last_seen_at
                   THEN EXCLUDED.port ELSE campaigns_noticehost.port END,
       evidence = CASE WHEN EXCLUDED.last_seen_at >= campaigns_noticehost.last_seen_at
                       THEN EXCLUDED.evidence ELSE campaigns_noticehost.evidence END
"""
# A new notice carries placeholder times (host_count 0) until its first hosts arrive.
_NOTICES_SEEN = """
UPDATE campaigns_campaignnotice n
   SET first_seen_at = CASE WHEN n.host_count = 0 THEN v.first_seen
                            ELSE LEAST(n.first_seen_at, v.first_seen) END,
       last_seen_at = CASE WHEN n.host_count = 0 THEN v.last_seen
                           ELSE GREATEST(n.last_seen_at, v.last_seen) END,
       host_count = (SELECT count(*) FROM campaigns_noticehost h WHERE h.notice_id = n.id),
       updated_at = now()
  FROM unnest(%s::bigint[], %s::timestamptz[], %s::timestamptz[]) AS v(id, first_seen, last_seen)
 WHERE n.id = v.id
"""
_SIGHTINGS_UPSERT = """
INSERT INTO campaigns_noticesighting (notice_id, day, hosts, last_observed_at)
SELECT v.notice_id, %s::date, v.hosts, v.last_seen
  FROM unnest(%s::bigint[], %s::integer[], %s::timestamptz[]) AS v(notice_id, hosts, last_seen)
    ON CONFLICT (notice_id, day) DO UPDATE SET
       hosts = GREATEST(campaigns_noticesighting.hosts, EXCLUDED.hosts),
       last_observed_at = GREATEST(campaigns_noticesighting.last_observed_at,
                                   EXCLUDED.last_observed_at)
"""


def _hosts_record(
    notices: dict[int, CampaignNotice], by_customer: dict[int, dict[str, list[Observation]]]
) -> None:
    """Upsert every host seen, then each notice's times and host count."""
    columns: tuple[list[object], ...] = ([], [], [], [], [], [])
    seen: tuple[list[object], list[object], list[object]] = ([], [], [])
    for customer_id, hosts in by_customer.items():
        notice_id = notices[customer_id].pk
        times = []
        for ip, observed in hosts.items():
            latest = max(observed, key=lambda o: o.observed_at)
            first = min(o.observed_at for o in observed)
            for column, value in zip(columns, (notice_id, ip, latest.port, first,
                                               latest.observed_at,
                                               latest.evidence[:EVIDENCE_CHARS]), strict=True):  # fmt: skip
                column.append(value)
            times += [first, latest.observed_at]
        for column, bound in zip(seen, (notice_id, min(times), max(times)), strict=True):
            column.append(bound)
    if not seen[0]:
        return
    with connection.cursor() as cursor:
        cursor.execute(_HOSTS_UPSERT, [array_literal(c) for c in columns])
        cursor.execute(_NOTICES_SEEN, [array_literal(c) for c in seen])


def _sightings_record(
    notices: dict[int, CampaignNotice],
    by_customer: dict[int, dict[str, list[Observation]]],
    day: date,
) -> None:
    ids, counts, lasts = [], [], []
    for customer_id, hosts in by_customer.items():
        ids.append(notices[customer_id].pk)
        counts.append(len(hosts))
        lasts.append(max(o.observed_at for observed in hosts.values() for o in observed))
    if ids:
        with connection.cursor() as cursor:
            cursor.execute(_SIGHTINGS_UPSERT, [day.isoformat(), array_literal(ids),
                                               array_literal(counts), array_literal(lasts)])  # fmt: skip


@transaction.atomic
def campaign_verify(*, campaign_id: int, now: datetime) -> int:
    """The feed's verdict on every notice of the campaign; returns how many changed."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign_id)
    feed_days = list(
        FeedDay.objects.filter(campaign=campaign, day__lte=now.date()).values_list("day", flat=True)
    )
    sightings: dict[int, dict[date, datetime]] = defaultdict(dict)
    rows = NoticeSighting.objects.filter(
        notice__campaign=campaign, day__lte=now.date()
    ).values_list("notice_id", "day", "last_observed_at")
    for notice_id, day, last in rows.iterator(chunk_size=10_000):
        sightings[notice_id][day] = last
    changed = 0
    notices = CampaignNotice.objects.filter(campaign=campaign).select_for_update().order_by("pk")
    for notice in notices.iterator(chunk_size=2000):
        verdict = remediation(
            sightings=sightings.get(notice.pk, {}),
            feed_days=feed_days,
            assigned_at=notice.assigned_at,
            verify_reports=campaign.verify_reports,
            recheck_fixed_at=notice.recheck_fixed_at,
        )
        current = (notice.first_fixed_at, notice.fixed_at, notice.fixed_by,
                   notice.verified_at, notice.recurred_at)  # fmt: skip
        found = (verdict.first_fixed_at, verdict.fixed_at, verdict.fixed_by,
                 verdict.verified_at, verdict.recurred_at)  # fmt: skip
        if current == found:
            continue
        (notice.first_fixed_at, notice.fixed_at, notice.fixed_by,
         notice.verified_at, notice.recurred_at) = found  # fmt: skip
        note = ""
        if verdict.fixed_at and not current[1]:
            note = (
                f"verified fixed: absent from {campaign.verify_reports} consecutive daily reports"
                if verdict.fixed_by == "feed"
                else "verified fixed by a re-check"
            )
        elif current[1] and not verdict.fixed_at:
            note = "seen in the feed again after the fix"
        notice_state_apply(
            notice, at=now, note=note,
            fields=["first_fixed_at", "fixed_at", "fixed_by", "verified_at", "recurred_at"],
        )  # fmt: skip
        changed += 1
    return changed
