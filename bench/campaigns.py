"""Benchmark: a campaign over a large feed (issue 15 items 2-4).

5,000 customers each holding a /29, a daily Shadowserver report of 20,000 rows (four
vulnerable hosts each) filed through the intake, then the campaign's steps timed one by
one: reading the first report (bulk attribution, 5,000 new recipients, 20,000 hosts), the
first notices (5,000 mails rendered and queued through the outbound queue), reading the
next day's report (a fifth of the hosts gone), the verdict over every notice, and the
campaign page's reads (the measured effect, the state counts, the first page of
recipients). Ends with one JSON line.

Run: ``.venv/bin/python bench/campaigns.py`` (uses DATABASE_URL or the embedded server)."""

from __future__ import annotations

import ipaddress
import json
import os
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock

from _setup import django_on_bench_database

CUSTOMERS = int(os.environ.get("BENCH_CAMPAIGN_CUSTOMERS", "5000"))
HOSTS_EACH = 4
DAY0 = date(2026, 2, 1)


def _registry() -> list[list[str]]:
    from customers.models import Customer, IPAllocation, Network

    Network.objects.get_or_create(prefix=ipaddress.ip_network("100.64.0.0/10"))
    base = ipaddress.ip_network("100.64.0.0/10")
    blocks = list(base.subnets(new_prefix=29))[:CUSTOMERS]
    if Customer.objects.filter(external_id__startswith="BENCHC").count() != CUSTOMERS:
        customers = Customer.objects.bulk_create(
            [Customer(external_id=f"BENCHC{i:05d}", name=f"Bench customer {i}",
                      abuse_email=f"abuse@c{i}.example") for i in range(CUSTOMERS)],
            ignore_conflicts=True,
        )  # fmt: skip
        customers = list(
            Customer.objects.filter(external_id__startswith="BENCHC").order_by("external_id")
        )
        IPAllocation.objects.bulk_create(
            [IPAllocation(network=block, customer=c, valid_from=datetime(2024, 1, 1, tzinfo=UTC))
             for block, c in zip(blocks, customers, strict=True)]
        )  # fmt: skip
    return [[str(b.network_address + 1 + k) for k in range(HOSTS_EACH)] for b in blocks]


def main() -> None:
    django_on_bench_database("_bench_campaigns")
    from django.contrib.auth import get_user_model

    from campaigns.demo import FeedRow, feed_file, feed_mail
    from campaigns.models import Campaign
    from campaigns.observation import campaign_observe, campaign_verify
    from campaigns.selectors import campaign_effect, campaign_notices, campaign_state_counts
    from campaigns.sending import campaign_send
    from campaigns.services import campaign_create, campaign_launch

    hosts = _registry()
    lead, _ = get_user_model().objects.get_or_create(username="bench-lead")
    figures: dict[str, float] = {}
    Campaign.objects.filter(name="bench").delete()
    rows0 = [FeedRow(ip=ip) for each in hosts for ip in each]
    rows1 = [FeedRow(ip=ip) for i, each in enumerate(hosts) for ip in each if i % 5]
    start = time.perf_counter()
    for k, rows in ((0, rows0), (1, rows1)):
        feed_file(feed_mail("scan_exchange", DAY0 + timedelta(days=k), rows),
                  path=f"bench-campaign/{k}")  # fmt: skip
    figures["intake_two_reports_s"] = time.perf_counter() - start
    print(f"intake: {figures['intake_two_reports_s']:.3f}", flush=True)
    launch_at = datetime.combine(DAY0, clock(9), tzinfo=UTC)
    campaign = campaign_create(actor=lead, values={
        "name": "bench", "feed_family": "scan_exchange", "fix_steps": "Patch.",
        "send_rate_per_hour": 100_000, "lookback_days": 1,
    })  # fmt: skip
    campaign = campaign_launch(campaign=campaign, actor=lead, now=launch_at)

    def timed(name: str, call) -> object:  # type: ignore[no-untyped-def]
        begin = time.perf_counter()
        result = call()
        figures[name] = time.perf_counter() - begin
        print(f"{name}: {figures[name]:.3f}", flush=True)
        return result

    from campaigns.feeds import feed_reports_unread

    first, second = list(feed_reports_unread(campaign).values_list("pk", flat=True))
    from campaigns.observation import campaign_report_read

    timed("read_first_report_s", lambda: campaign_report_read(
        campaign_id=campaign.pk, report_id=first, now=launch_at))  # fmt: skip
    sent = timed("first_notices_s", lambda: campaign_send(campaign_id=campaign.pk, now=launch_at))
    later = launch_at + timedelta(days=1)
    timed("read_next_report_s", lambda: campaign_report_read(
        campaign_id=campaign.pk, report_id=second, now=later))  # fmt: skip
    timed("verdict_s", lambda: campaign_verify(campaign_id=campaign.pk, now=later))
    assert campaign_observe(campaign_id=campaign.pk, now=later) == []
    timed("page_effect_ms", lambda: campaign_effect(campaign, later))
    timed("page_counts_ms", lambda: campaign_state_counts(campaign))
    timed("page_recipients_ms", lambda: list(campaign_notices(campaign)[:100]))
    for key in ("page_effect_ms", "page_counts_ms", "page_recipients_ms"):
        figures[key] *= 1000
    result = {"customers": CUSTOMERS, "rows_per_report": len(rows0),
              "notices_queued": sent.first,  # type: ignore[attr-defined]
              **{k: round(v, 3) for k, v in figures.items()}}  # fmt: skip
    for key, value in result.items():
        print(f"{key:>24}: {value}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
