"""Demo campaign for ``seed_demo``: a month of daily Shadowserver "vulnerable Exchange"
reports filed through the real intake, a campaign a lead launched from that feed ten days
in, and the later reports that show who fixed, so the campaign page has real figures.

Deterministic (a seeded generator), idempotent (the feed's receipts and the campaign's
name are looked up first) and only reserved ranges and names. Two things the demo does
that the desk does not: it plays the mail relay, marking the campaign's queued mails as
accepted (and one as bounced, as a real bounce would), since no relay runs while
seeding; and it picks the draft's hold-out seed so both groups have members
(``_seed_with_both_groups``). Everything else — attribution, recipients, hold-out,
verification, acknowledgements, escalation — runs through the campaign's own services
on a played calendar.

``feed_mail`` is also what the tests file to simulate a sequence of daily feeds.
"""

from __future__ import annotations

import io
import random
import zipfile
from base64 import encodebytes
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from campaigns.models import Campaign, CampaignNotice, NoticeMail
from campaigns.remediation import is_held_out
from campaigns.services import (
    campaign_advance,
    campaign_create,
    campaign_launch,
    notice_acknowledge,
    suppression_add,
)
from complaints.intake.filing.pipeline import reports_process
from complaints.intake.receiving import Arrival, reports_receive
from complaints.models import GuidanceArticle, Message, Receipt
from customers.models import IPAllocation
from customers.resolution import holding_at

FEED_HEADER = (
    '"timestamp","severity","ip","protocol","port","hostname","tag","asn","geo","region",'
    '"city","naics","sector","version"'
)
DEMO_NAME = "Exchange servers open to ProxyLogon (CVE-2021-26855)"
DEMO_FAMILY = "scan_exchange"
DEMO_TAG = "exchange;cve-2021-26855"


@dataclass(frozen=True)
class FeedRow:
    ip: str
    port: int = 443
    severity: str = "critical"
    tag: str = DEMO_TAG


def feed_mail(family: str, day: date, rows: Sequence[FeedRow], *, sequence: int = 0) -> bytes:
    """One day's Shadowserver report of ``family`` as a mail with a zipped CSV, the way
    Shadowserver sends them (the intake finds the report type in the file name)."""
    lines = [FEED_HEADER]
    for i, row in enumerate(rows):
        at = datetime.combine(day, time(3, 0), tzinfo=UTC) + timedelta(seconds=7 * i)
        lines.append(
            f'"{at:%Y-%m-%d %H:%M:%S}","{row.severity}","{row.ip}","tcp",{row.port},"",'
            f'"{row.tag}",64496,"NL","","","518210","Communications","15.1.2176"'
        )
    name = f"{day:%Y-%m-%d}-{family}-desk-asn.csv"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, ("\n".join(lines) + "\n").encode())
    sent = datetime.combine(day + timedelta(days=1), time(1, 30), tzinfo=UTC)
    return (
        "Return-Path: <autoreports@shadowserver.example>\n"
        "From: Shadowserver <autoreports@shadowserver.example>\nTo: abuse@desk.example\n"
        f"Subject: Shadowserver {family} report: {day:%Y-%m-%d}\n"
        f"Date: {sent:%a, %d %b %Y %H:%M:%S +0000}\n"
        f"Message-ID: <{family}-{day:%Y%m%d}-{sequence}@shadowserver.example>\n"
        'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b1"\n\n'
        "--b1\nContent-Type: text/plain\n\nReport attached.\n"
        f'--b1\nContent-Type: application/zip; name="{name}.zip"\n'
        "Content-Transfer-Encoding: base64\n"
        f'Content-Disposition: attachment; filename="{name}.zip"\n\n'
        f"{encodebytes(buffer.getvalue()).decode()}\n--b1--\n"
    ).encode()


def feed_file(raw: bytes, *, path: str) -> list[int]:
    """File one report through the intake as ``manage.py ingest`` would; the report ids."""
    received = reports_receive([Arrival(raw=raw, channel=Receipt.Channel.FILE, path=path)],
                               queue=False)  # fmt: skip
    new = [r.report_id for r in received if r.outcome == "new"]
    reports_process(new)
    return new


# --- the demo scenario ---------------------------------------------------------------------

FEED_DAYS = 40
LAUNCH_DAY = 10  # the campaign starts after ten daily reports
HOSTS_WANTED = 160


def _relay_plays(campaign: Campaign, at: datetime, rng: random.Random) -> None:
    """What a mail relay would have answered: accepted, or (one in forty) bounced."""
    queued = NoticeMail.objects.filter(
        notice__campaign=campaign, message__status=Message.Status.QUEUED
    ).values_list("message_id", flat=True)
    for message_id in list(queued):
        if rng.random() < 0.025:
            Message.objects.filter(pk=message_id).update(
                status=Message.Status.BOUNCED,
                error="bounced: 550 5.1.1 mailbox unavailable (demo relay)",
            )
        else:
            Message.objects.filter(pk=message_id).update(status=Message.Status.SENT, sent_at=at)


def _fix_day(rng: random.Random, notified: bool) -> int | None:
    """Days after launch the host is fixed (None: never in the demo's month)."""
    roll = rng.random()
    if notified:
        if roll < 0.45:
            return rng.randint(2, 8)
        if roll < 0.70:
            return rng.randint(9, 25)
        return None
    if roll < 0.12:
        return rng.randint(2, 10)
    if roll < 0.35:
        return rng.randint(11, 28)
    return None


def seed_campaigns() -> dict[str, int]:
    """The demo campaign, once: a second run finds its feed and adds nothing."""
    if Receipt.objects.filter(path__startswith="demo-campaign-feed/").exists():
        return {"reports": 0, "notices": 0}
    lead = get_user_model().objects.filter(username="lena").first()
    held = IPAllocation.objects.filter(
        valid_to__isnull=True, shared=False, network__masklen__gte=28
    ).select_related("customer")
    customers = {
        a.customer_id: a for a in held if a.network.version == 4 and not a.customer.protected
    }
    if lead is None or not customers:
        return {"reports": 0, "notices": 0}
    rng = random.Random(20260315)
    hosts: list[FeedRow] = []
    for allocation in sorted(customers.values(), key=lambda a: a.pk):
        if len(hosts) >= HOSTS_WANTED:
            break
        if rng.random() < 0.5:
            network = allocation.network
            if network.num_addresses == 1:
                hosts.append(FeedRow(ip=str(network.network_address)))
                continue
            for k in range(1 if rng.random() < 0.7 else 2):
                hosts.append(FeedRow(ip=str(network.network_address + 1 + k)))
    today = timezone.now().date()
    first_day = today - timedelta(days=FEED_DAYS)
    launch_at = datetime.combine(first_day + timedelta(days=LAUNCH_DAY), time(9), tzinfo=UTC)
    # The feed before the launch, then the campaign, then day after day.
    campaign: Campaign | None = None
    fixed_on: dict[str, date | None] = {}
    for offset in range(FEED_DAYS):
        day = first_day + timedelta(days=offset)
        now = datetime.combine(day + timedelta(days=1), time(8), tzinfo=UTC)
        if campaign is not None and not fixed_on:
            fixed_on = _fix_plan(campaign, hosts, rng)
        rows = [h for h in hosts if _still_open(h, day, fixed_on)]
        feed_file(feed_mail(DEMO_FAMILY, day, rows), path=f"demo-campaign-feed/{day}")
        if offset + 1 == LAUNCH_DAY:
            campaign = _launch(lead, launch_at, hosts)
        if campaign is not None:
            campaign_advance(campaign_id=campaign.pk, now=max(now, launch_at))
            _relay_plays(campaign, max(now, launch_at), rng)
            _customers_answer(campaign, max(now, launch_at), rng)
    assert campaign is not None
    return {
        "reports": FEED_DAYS,
        "notices": CampaignNotice.objects.filter(campaign=campaign).count(),
    }


def _launch(lead: object, at: datetime, hosts: list[FeedRow]) -> Campaign:
    guidance = GuidanceArticle.objects.filter(types__contains=["vulnerable-system"]).first()
    campaign = campaign_create(actor=lead, values={  # type: ignore[arg-type]
        "name": DEMO_NAME, "feed_family": DEMO_FAMILY, "tag_contains": "cve-2021-26855",
        "min_severity": "high", "cve": "CVE-2021-26855", "guidance": guidance,
        "fix_steps": ("1. Install the latest Exchange cumulative update and security update.\n"
                      "2. Run Microsoft's Exchange On-premises Mitigation Tool to look for "
                      "web shells.\n3. Until patched, allow HTTPS to the server only from "
                      "your own offices or VPN."),
        "holdout_percent": 20, "send_rate_per_hour": 500, "renotify_days": 7,
        "escalate_ticket_days": 14, "escalate_action_days": 0,
    })  # fmt: skip
    # One customer is looked after by its account manager: on the suppression list.
    managed = holding_at(hosts[-1].ip, at)
    if managed is not None:
        suppression_add(actor=lead, reason="handled by its account manager",  # type: ignore[arg-type]
                        customer_id=managed.customer_id, campaign=campaign)  # fmt: skip
    holders = (holding_at(row.ip, at) for row in hosts)
    audience = {holder.customer_id for holder in holders if holder is not None}
    audience.discard(managed.customer_id if managed is not None else None)
    campaign.holdout_seed = _seed_with_both_groups(sorted(audience), campaign.holdout_percent)
    campaign.save(update_fields=["holdout_seed"])
    return campaign_launch(campaign=campaign, actor=lead, now=at)  # type: ignore[arg-type]


def _seed_with_both_groups(customer_ids: list[int], percent: int) -> str:
    """The draft's hold-out seed, chosen so the demo shows a comparison: a random seed
    over the demo's few dozen customers leaves the hold-out empty now and then (0.8^n),
    and a campaign page with one group shows no effect. Deterministic for a given
    audience; a real campaign keeps its random seed."""
    for n in range(1000):
        seed = f"demo-{n}"
        held = sum(is_held_out(seed, c, percent) for c in customer_ids)
        if 0 < held < len(customer_ids):
            return seed
    raise ValueError("the demo audience is too small for two groups")


def _fix_plan(
    campaign: Campaign, hosts: list[FeedRow], rng: random.Random
) -> dict[str, date | None]:
    """When each host gets fixed, by the group its customer was drawn into; one in ten of
    the fixed comes back a week later."""
    groups = {
        ip: group
        for ip, group in CampaignNotice.objects.filter(campaign=campaign).values_list(
            "hosts__ip", "group"
        )
    }
    launch = campaign.launched_at.date() if campaign.launched_at else timezone.now().date()
    plan: dict[str, date | None] = {}
    for host in hosts:
        days = _fix_day(rng, groups.get(host.ip) == CampaignNotice.Group.NOTIFY)
        plan[host.ip] = launch + timedelta(days=days) if days is not None else None
        if days is not None and rng.random() < 0.1:
            plan[f"{host.ip}:back"] = launch + timedelta(days=days + 7)
    return plan


def _still_open(host: FeedRow, day: date, plan: dict[str, date | None]) -> bool:
    if host.ip not in plan:
        return True
    fixed = plan[host.ip]
    back = plan.get(f"{host.ip}:back")
    if back is not None and day >= back:
        return True
    return fixed is None or day < fixed


def _customers_answer(campaign: Campaign, at: datetime, rng: random.Random) -> None:
    """Some customers use their link (3 % of the mailed each day)."""
    fresh = NoticeMail.objects.filter(
        notice__campaign=campaign, number=1, notice__acknowledged_at__isnull=True,
        message__status=Message.Status.SENT,
    ).select_related("notice")  # fmt: skip
    for mail in fresh:
        if rng.random() < 0.03:
            says_fixed = rng.random() < 0.4
            notice_acknowledge(
                mail=mail, says_fixed=says_fixed, now=at,
                text="We patched the server and ran the mitigation tool." if says_fixed
                else "Thanks, we are scheduling the update this week.",
            )  # fmt: skip
