"""Sweeps: ask the zones about resources, then record what they said.

One sweep = the DNS engine (``customers.dns.dnsbl.sweep``, self-test first, outside any
transaction) once per nameserver, then one transaction recording zone health and listing
state. Only "listed" verdicts and "not listed" verdicts about resources currently listed
reach ``listings_record``; failed checks are counted and reported, never recorded as state.

Used by the beat fan-out (one ``customers.dnsbl_sweep_batch`` task per batch of about
``DNSBL_BATCH_SIZE`` addresses) and in-process by ``manage.py dnsbl_sweep``.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from customers.dns import dnsbl
from customers.dns.dnsbl import DnsblResult, Status, ZoneHealth
from customers.reputation import targets
from customers.reputation.listings import RecordOutcome, listings_record
from customers.reputation.models import BlocklistZone, Listing
from customers.reputation.tasks import dnsbl_sweep_batch_task
from customers.reputation.zones import SweepZone, by_nameserver, sweep_zone, zones_enabled

logger = logging.getLogger(__name__)


@dataclass
class SweepReport:
    zones: dict[str, ZoneHealth] = field(default_factory=dict)
    outcome: RecordOutcome = field(default_factory=RecordOutcome)
    counts: Counter[str] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)
    queries: int = 0
    elapsed_s: float = 0.0


def sweep_resources(
    resources: Iterable[str],
    zones: Sequence[SweepZone],
    *,
    concurrency: int | None = None,
    timeout: float | None = None,
    on_listed: Callable[[DnsblResult], None] | None = None,
) -> SweepReport:
    """Sweep ``resources`` against ``zones`` and record the result. Never raises for DNS
    trouble; a zone failing its self-test is reported in ``zones`` and changes nothing."""
    report = SweepReport()
    if not zones:
        return report
    items = list(resources)
    current = _current_listings(zones)
    listed: list[DnsblResult] = []
    not_listed: list[tuple[str, str]] = []

    def collect(result: DnsblResult) -> None:
        report.counts[result.status.value] += 1
        if result.status is Status.LISTED:
            listed.append(result)
        elif result.status is Status.NOT_LISTED:
            if (result.resource, result.zone) in current:
                not_listed.append((result.resource, result.zone))
        elif result.reason is not None:
            report.failures[f"{result.zone}: {result.reason.value}"] += 1

    for nameserver, group in by_nameserver(zones).items():
        summary = dnsbl.sweep(
            items,
            [zone.spec for zone in group],
            nameserver=nameserver,
            on_result=collect,
            concurrency=concurrency or settings.DNSBL_CONCURRENCY,
            timeout=float(timeout or settings.DNSBL_TIMEOUT_SECONDS),
            retries=2,
            fetch_txt=True,
        )
        report.zones.update(summary.zones)
        report.queries += summary.queries
        report.elapsed_s += summary.elapsed_s
    for name, health in report.zones.items():
        if not health.healthy:
            logger.warning(
                "blocklist zone %s failed its self-test: %s %s", name, health.reason, health.detail
            )
    report.outcome = sweep_record(
        zones=zones, health=report.zones, listed=listed, not_listed=not_listed
    )
    if on_listed:
        for result in listed:
            on_listed(result)
    return report


@transaction.atomic
def sweep_record(
    *,
    zones: Sequence[SweepZone],
    health: dict[str, ZoneHealth],
    listed: Sequence[DnsblResult],
    not_listed: Sequence[tuple[str, str]],
) -> RecordOutcome:
    """Store the zones' self-test results and the listings, in one transaction."""
    now = timezone.now()
    rows = _zone_rows(zones, needed={r.zone for r in listed})
    for name, state in health.items():
        zone = rows.get(name)
        if zone is not None:
            BlocklistZone.objects.filter(pk=zone.pk).update(
                self_test_healthy=state.healthy,
                self_test_reason=(
                    state.reason if state.healthy else f"{state.reason}: {state.detail}"
                )[:300],
                self_test_at=now,
            )
    usable = [r for r in listed if r.zone in rows]
    cleared = [(resource, zone) for resource, zone in not_listed if zone in rows]
    return listings_record(zones=rows, listed=usable, not_listed=cleared, at=now)


def _zone_rows(zones: Sequence[SweepZone], *, needed: set[str]) -> dict[str, BlocklistZone]:
    """Rows by zone name; an ad-hoc zone that found listings gets a (disabled) row so its
    listings have a home, named as asked, with a note saying where it came from."""
    by_id = BlocklistZone.objects.in_bulk([z.zone_id for z in zones if z.zone_id])
    rows: dict[str, BlocklistZone] = {}
    for zone in zones:
        if zone.zone_id is not None:
            rows[zone.name] = by_id[zone.zone_id]
            continue
        existing = BlocklistZone.objects.filter(name=zone.name).first()
        if existing is None and zone.name in needed:
            existing = BlocklistZone.objects.create(
                name=zone.name,
                query_suffix=zone.spec.zone,
                lists=BlocklistZone.Lists.IP,
                error_codes=dict(zone.spec.error_codes),
                description="Named ad hoc on the dnsbl_sweep command line; review and configure.",
                enabled=False,
            )
        if existing is not None:
            rows[zone.name] = existing
    return rows


def _current_listings(zones: Sequence[SweepZone]) -> set[tuple[str, str]]:
    """(resource, zone name) of every listing not yet delisted on these zones: the only
    "not listed" answers worth keeping are about them."""
    names = [zone.name for zone in zones]
    rows = Listing.objects.filter(zone__name__in=names).exclude(state=Listing.State.DELISTED)
    return set(rows.values_list("resource", "zone__name"))


def sweep_batch(batch: Sequence[str], *, zone_ids: Sequence[int] | None = None) -> SweepReport:
    """One batch of the periodic sweep (CIDR blocks, addresses or names) against the enabled
    zones (or ``zone_ids``)."""
    rows = zones_enabled()
    if zone_ids is not None:
        rows = [zone for zone in rows if zone.pk in set(zone_ids)]
    return sweep_resources(targets.expand(batch), [sweep_zone(zone) for zone in rows])


def sweep_fan_out(*, size: int | None = None) -> int:
    """Queue one ``customers.dnsbl_sweep_batch`` task per batch of the allocated space;
    returns the number of tasks queued. Nothing is queued when no zone is enabled."""
    if not zones_enabled():
        return 0
    queued = 0
    for batch in targets.all_batches(size or settings.DNSBL_BATCH_SIZE):
        dnsbl_sweep_batch_task.delay(batch)
        queued += 1
    return queued
