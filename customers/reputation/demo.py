"""Demo reputation data: a few listings (with their history and listing tickets) and
delisting requests, on the demo registry's addresses. ``seed_demo`` calls
``seed_reputation()`` after ``seed_registry()``; the default zones come from the data
migration. Idempotent: a second run finds the listings and requests already there.

The listings are recorded through the same service a sweep uses (``listings_record``), fed
with made-up verdicts: the demo runs with no blocklist reachable, and nothing here queries
DNS. Zones stay disabled (unconfigured), as after a fresh install.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from customers.dns.dnsbl import DnsblResult, Status
from customers.reputation.delisting import delisting_request_create, delisting_request_update
from customers.reputation.listings import listings_record
from customers.reputation.models import BlocklistZone, DelistingRequest, Listing

# (resource, zone, codes, txt, days ago first seen, still listed)
DEMO_LISTINGS = [
    ("198.18.0.9", "zen.spamhaus.org", ("127.0.0.4",), "Exploited host (demo)", 2, True),
    ("198.18.0.10", "zen.spamhaus.org", ("127.0.0.3",), "CSS: snowshoe spam (demo)", 3, True),
    ("198.18.0.9", "bl.spamcop.net", ("127.0.0.2",), "Reported by SpamCop users (demo)", 2, True),
    ("100.64.0.20", "b.barracudacentral.org", ("127.0.0.2",), "", 6, True),
    ("100.64.8.7", "psbl.surriel.com", ("127.0.0.2",), "", 12, False),
    ("198.18.1.3", "dnsbl-1.uceprotect.net", ("127.0.0.2",), "", 1, True),
]


def _result(resource: str, zone: BlocklistZone, codes: tuple[str, ...], txt: str) -> DnsblResult:
    meanings = tuple((zone.codes or {}).get(code, "listed") for code in codes)
    return DnsblResult(
        resource, zone.name, Status.LISTED, codes=codes, meanings=meanings, txt=txt or None
    )


@transaction.atomic
def seed_reputation() -> dict[str, int]:
    """Create the demo listings and delisting requests (once)."""
    zones = {
        z.name: z for z in BlocklistZone.objects.filter(name__in={row[1] for row in DEMO_LISTINGS})
    }
    now = timezone.now()
    created = 0
    for resource, zone_name, codes, txt, days, still in DEMO_LISTINGS:
        zone = zones.get(zone_name)
        if zone is None or Listing.objects.filter(resource=resource, zone=zone).exists():
            continue
        first = now - timedelta(days=days)
        result = _result(resource, zone, codes, txt)
        listings_record(zones={zone.name: zone}, listed=[result], not_listed=[], at=first)
        listings_record(
            zones={zone.name: zone}, listed=[result], not_listed=[], at=first + timedelta(hours=1)
        )
        if not still:
            listings_record(
                zones={zone.name: zone},
                listed=[],
                not_listed=[(resource, zone.name)],
                at=first + timedelta(days=4),
            )
        created += 1
    requests = 0
    if not DelistingRequest.objects.exists():
        spamcop = Listing.objects.filter(resource="198.18.0.9", zone__name="bl.spamcop.net").first()
        barracuda = Listing.objects.filter(zone__name="b.barracudacentral.org").first()
        psbl = Listing.objects.filter(zone__name="psbl.surriel.com").first()
        if barracuda is not None:
            delisting_request_create(
                provider="barracuda", user_id=None, listing_id=barracuda.pk, status="submitted",
                reference="BRBL-2026-4471", note="Customer closed the open relay; removal requested.",
                requested_at=now - timedelta(days=5),
            )  # fmt: skip
            requests += 1
        if psbl is not None:
            done = delisting_request_create(
                provider="psbl", user_id=None, listing_id=psbl.pk, status="submitted",
                requested_at=now - timedelta(days=10),
            )  # fmt: skip
            delisting_request_update(
                request_id=done.pk,
                user_id=None,
                status="granted",
                outcome="Self-service removal worked.",
            )
            requests += 1
        if spamcop is not None:
            delisting_request_create(
                provider="spamcop", user_id=None, listing_id=spamcop.pk, status="open",
                note="SpamCop listings expire by themselves; wait for the reports to stop.",
            )  # fmt: skip
            requests += 1
        delisting_request_create(
            provider="outlook", user_id=None, resource="198.18.0.0/24", status="submitted",
            reference="SRX1234567890", note="JMRP complaints spiked; asked for mitigation via the sender support form.",
            requested_at=now - timedelta(days=1),
        )  # fmt: skip
        requests += 1
    return {"listings": created, "delisting_requests": requests}


# A blocklist the demo can really sweep: rbldnsd, started by ``make run`` when installed,
# serves this zone on loopback (trustsafety/devrun.py); nothing leaves the machine.
DEMO_ZONE_NAME = "Demo blocklist (local rbldnsd)"
DEMO_ZONE_SUFFIX = "bl.desk.test"
DEMO_ZONE_NAMESERVER = "127.0.0.1:5354"
DEMO_ZONE_LISTED = ["198.18.0.9", "198.18.0.130", "100.64.8.33"]


def demo_zone_data() -> str:
    """rbldnsd ip4set data: the RFC 5782 test point and a few demo customers' addresses."""
    lines = [":127.0.0.2:Listed in the desk's demo blocklist; see $", "127.0.0.2"]
    lines += DEMO_ZONE_LISTED
    return "\n".join(lines) + "\n"


def seed_demo_zone(data_dir: Path) -> BlocklistZone:
    """Write the demo zone's data for rbldnsd and enable a zone row that queries it."""
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "demo.data").write_text(demo_zone_data())
    (data_dir / "demo.data").chmod(0o644)
    zone, _ = BlocklistZone.objects.update_or_create(
        name=DEMO_ZONE_NAME,
        defaults={
            "query_suffix": DEMO_ZONE_SUFFIX,
            "lists": BlocklistZone.Lists.IP,
            "codes": {"127.0.0.2": "listed in the demo blocklist"},
            "nameserver": DEMO_ZONE_NAMESERVER,
            "enabled": True,
            "description": "A zone served by a local rbldnsd during `make run`, so the demo's "
            "beat sweep and `dnsbl_sweep` query a real DNS server. Not a real list.",
            "delisting_instructions": "Remove the address from var/dnsbl/demo.data.",
        },
    )
    return zone
