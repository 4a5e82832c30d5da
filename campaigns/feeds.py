"""What a campaign observes: the Shadowserver events the intake already filed.

Nothing here parses mail. The intake (``complaints.intake``) parsed each feed report once,
recorded the report types of its CSV files on the report (``Report.data["files"]``) and
filed one event per row; a campaign reads those events back:

- the reports of its report type (``feed_family``), filed, not yet read by the campaign;
- of each, the events of the campaign's classification type with an address, observed
  since the campaign's start of observation, whose tag contains ``tag_contains`` and whose
  severity reaches ``min_severity``.

Severity is not a column of events: the parser keeps each row as ``name=value`` pairs in
the event's evidence, and Shadowserver's current schema puts ``severity`` second, so it is
read from there. A row without a severity (older schemas) counts as unknown and is kept
only when the campaign asks for no minimum.

A report's *feed day* is the day (UTC) of its earliest observation: Shadowserver sends one
report per type and day, which is what "absent for N consecutive daily reports" counts.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import connection
from django.db.models import Exists, Min, OuterRef, QuerySet

from campaigns.models import Campaign, ConsumedReport
from complaints.models import Event, Report
from complaints.parsers.shadowserver_map import FAMILIES

SEVERITY_ORDER = {"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}
# Over the parser's own "name=value name=value" excerpt: one fixed prefix, one class run.
_SEVERITY = re.compile(r"(?:^| )severity=([a-z]{1,10})")
# Reports received this long before the start of observation may still hold later rows
# (a report of the evening before, filed in the morning).
RECEIVED_MARGIN = timedelta(days=2)


def family_names() -> list[str]:
    """The Shadowserver report types the intake knows, for the campaign form."""
    return sorted(FAMILIES)


def family_type(family: str) -> str | None:
    """The classification type of a report type, or None for an unknown one."""
    known = FAMILIES.get(family)
    return known.type if known else None


def severity_of(evidence: str) -> str:
    """The row's severity as the parser kept it ("" when the row has none)."""
    match = _SEVERITY.search(evidence[:400].lower())
    return match.group(1) if match else ""


def severity_passes(evidence: str, minimum: str) -> bool:
    if not minimum:
        return True
    found = severity_of(evidence)
    return found in SEVERITY_ORDER and SEVERITY_ORDER[found] >= SEVERITY_ORDER[minimum]


def feed_reports_unread(campaign: Campaign) -> QuerySet[Report]:
    """The filed reports of the campaign's report type it has not read, oldest first."""
    assert campaign.observe_from is not None
    consumed = ConsumedReport.objects.filter(campaign=campaign, report=OuterRef("pk"))
    return (
        Report.objects.filter(
            format="shadowserver",
            status=Report.Status.FILED,
            received_at__gte=campaign.observe_from - RECEIVED_MARGIN,
            data__files__contains=[{"family": campaign.feed_family}],
        )
        .exclude(Exists(consumed))
        .order_by("pk")
    )


def report_feed_day(report_id: int, fallback: datetime) -> date:
    """The day of the report's earliest observation (its receipt, for an empty one)."""
    earliest = Event.objects.filter(report_id=report_id).aggregate(at=Min("observed_at"))["at"]
    return (earliest or fallback).date()


@dataclass(frozen=True, slots=True)
class Observation:
    ip: str
    port: int | None
    observed_at: datetime
    evidence: str


def report_observations(campaign: Campaign, report_id: int) -> Iterator[Observation]:
    """The report's events that the campaign is about."""
    assert campaign.observe_from is not None
    events = Event.objects.filter(
        report_id=report_id,
        type=campaign.type,
        ip__isnull=False,
        observed_at__gte=campaign.observe_from,
    )
    if campaign.tag_contains:
        events = events.filter(identifier__icontains=campaign.tag_contains)
    rows = events.values_list("ip", "port", "observed_at", "evidence").order_by("pk")
    for ip, port, observed_at, evidence in rows.iterator(chunk_size=5000):
        if ip is not None and severity_passes(evidence, campaign.min_severity):
            yield Observation(ip, port, observed_at, evidence)


@dataclass(frozen=True)
class FeedSeen:
    family: str
    type: str
    reports: int
    rows: int
    last_received_at: datetime


_FAMILIES_SEEN = """
SELECT f.value->>'family', count(DISTINCT r.id), sum((f.value->>'rows')::bigint),
       max(r.received_at)
  FROM complaints_report r
 CROSS JOIN LATERAL jsonb_array_elements(
       CASE WHEN jsonb_typeof(r.data->'files') = 'array' THEN r.data->'files'
            ELSE '[]'::jsonb END) f
 WHERE r.format = 'shadowserver' AND r.status = 'filed' AND r.received_at >= %s
   AND f.value->>'family' IS NOT NULL
 GROUP BY 1 ORDER BY 4 DESC
"""


def feed_families_seen(since: datetime) -> list[FeedSeen]:
    """The report types the intake filed since ``since``: what a campaign can start from."""
    with connection.cursor() as cursor:
        cursor.execute(_FAMILIES_SEEN, [since])
        rows = cursor.fetchall()
    return [
        FeedSeen(family, family_type(family) or "", reports, rows_ or 0, last)
        for family, reports, rows_, last in rows
        if family_type(family)
    ]
