"""Blocklist zones as the DNS layer sees them: ``BlocklistZone`` rows → ``ZoneSpec``.

A zone is swept only when enabled *and* configured (a query suffix); the spec's ``label``
is the zone's public name, so a DQS key inside the suffix never reaches a page, a ticket or
the ``--json`` output. Zones named ad hoc on the command line and absent from the registry
become plain IP blocklists with the RFC 5782 self-test.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings

from customers.dns.dnsbl import ZoneSpec
from customers.reputation_models import BlocklistZone


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
            spec = ZoneSpec(zone=name)
            chosen.append(SweepZone(spec, None, nameserver or settings.DNSBL_NAMESERVER))
    return chosen


def by_nameserver(zones: Iterable[SweepZone]) -> dict[str, list[SweepZone]]:
    """Zones grouped by the server they are asked through (one engine run per server)."""
    groups: dict[str, list[SweepZone]] = defaultdict(list)
    for zone in zones:
        groups[zone.nameserver].append(zone)
    return dict(groups)
