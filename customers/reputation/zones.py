"""Blocklist zones as the DNS layer sees them: ``BlocklistZone`` rows → ``ZoneSpec``.

A zone is swept only when enabled *and* configured (a query suffix); the spec's ``label``
is the zone's public name, so a DQS key inside the suffix never reaches a page, a ticket or
the ``--json`` output. Zones named ad hoc on the command line and absent from the registry
become plain IP blocklists with the RFC 5782 self-test (and 127.255.255.x as errors).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from customers.dns.dnsbl import SPAMHAUS_ERROR_CODES, ZoneSpec
from customers.reputation.models import BlocklistZone


@dataclass(frozen=True)
class SweepZone:
    """A zone to sweep: its spec, its row (None when ad hoc) and the nameserver to ask."""

    spec: ZoneSpec
    zone_id: int | None
    nameserver: str

    @property
    def name(self) -> str:
        return self.spec.name


def zone_spec(zone: BlocklistZone) -> ZoneSpec:
    self_test = None
    if zone.test_listed or zone.test_unlisted:
        default = ("127.0.0.2", "127.0.0.1") if zone.lists == "ip" else ("test", "invalid")
        self_test = (zone.test_listed or default[0], zone.test_unlisted or default[1])
    return ZoneSpec(
        zone=zone.query_suffix or zone.name,
        lists="domain" if zone.lists == BlocklistZone.Lists.DOMAIN else "ip",
        codes=dict(zone.codes or {}),
        error_codes=dict(zone.error_codes or {}),
        rate_per_s=float(zone.rate_per_second) if zone.rate_per_second else None,
        label=zone.name,
        self_test=self_test,
    )


def sweep_zone(zone: BlocklistZone, nameserver: str | None = None) -> SweepZone:
    server = nameserver or zone.nameserver or settings.DNSBL_NAMESERVER
    return SweepZone(spec=zone_spec(zone), zone_id=zone.pk, nameserver=server)


def zones_enabled() -> list[BlocklistZone]:
    return list(BlocklistZone.objects.filter(enabled=True).exclude(query_suffix=""))


def zones_for_sweep(names: Sequence[str] = (), *, nameserver: str | None = None) -> list[SweepZone]:
    """The zones a sweep asks: the enabled, configured ones, or exactly ``names``.

    A name matches a registry zone by name or query suffix (even when disabled: naming it
    is the operator's explicit ask); any other name is an ad-hoc plain IP blocklist.
    ``nameserver`` (the command's ``--nameserver``) overrides every zone's server.
    """
    if not names:
        return [sweep_zone(z, nameserver) for z in zones_enabled()]
    known = {z.name.lower(): z for z in BlocklistZone.objects.all()}
    known.update({z.query_suffix.lower(): z for z in known.values() if z.query_suffix})
    chosen: list[SweepZone] = []
    seen: set[str] = set()
    for raw in names:
        name = raw.strip().rstrip(".").lower()
        if not name or name in seen:
            continue
        seen.add(name)
        zone = known.get(name)
        if zone is not None:
            chosen.append(sweep_zone(zone, nameserver))
        else:
            # 127.255.255.x answers are refusals wherever they come from (no list uses
            # them for listings): an ad-hoc zone treats them as errors too (promise 7).
            spec = ZoneSpec(zone=name, error_codes=dict(SPAMHAUS_ERROR_CODES))
            chosen.append(SweepZone(spec, None, nameserver or settings.DNSBL_NAMESERVER))
    return chosen


def by_nameserver(zones: Iterable[SweepZone]) -> dict[str, list[SweepZone]]:
    """Zones grouped by the server they are asked through (one engine run per server)."""
    groups: dict[str, list[SweepZone]] = defaultdict(list)
    for zone in zones:
        groups[zone.nameserver].append(zone)
    return dict(groups)


ZONE_EDITABLE_FIELDS = (
    "enabled",
    "query_suffix",
    "nameserver",
    "rate_per_second",
    "test_listed",
    "test_unlisted",
    "delisting_url",
    "delisting_instructions",
    "description",
)


@transaction.atomic
def blocklist_zone_update(*, zone_id: int, changes: dict[str, object]) -> BlocklistZone:
    """Change a zone's configuration (an admin's edit). A changed suffix or server clears
    the last self-test result: it said nothing about the new configuration."""
    zone = BlocklistZone.objects.select_for_update().get(pk=zone_id)
    before = (zone.query_suffix, zone.nameserver)
    for name, value in changes.items():
        if name not in ZONE_EDITABLE_FIELDS:
            raise ValueError(f"{name} is not an editable zone field")
        setattr(zone, name, value)
    if (zone.query_suffix, zone.nameserver) != before:
        zone.self_test_healthy, zone.self_test_reason, zone.self_test_at = None, "", None
    zone.save()
    return zone
