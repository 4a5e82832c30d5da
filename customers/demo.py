"""Deterministic demo data for the registry: networks, customers, services, domains and
allocations — some reassigned over time. Only reserved names and ranges are used
(``.example``/``.test`` domains, RFC 5737, RFC 2544 198.18.0.0/15, RFC 6598 100.64.0.0/10,
RFC 3849 2001:db8::/32), so the demo can never point at a real party.

Allocations go through ``allocations_import`` like an operator's CSV, which makes the seed
idempotent: a second run re-imports the same rows and changes nothing."""

from __future__ import annotations

import csv
import io
import ipaddress
import random
from datetime import UTC, datetime, timedelta

from django.db import transaction

from customers.models import Customer, Domain, Network, Service
from customers.services import allocations_import

NETWORKS = [
    ("198.18.0.0/15", "Hosting core (RFC 2544 range, demo)", 64496),
    ("100.64.0.0/16", "Virtual servers (RFC 6598 range, demo)", 64496),
    ("192.0.2.0/24", "Mail relays (RFC 5737, demo)", 64496),
    ("198.51.100.0/24", "Shared web hosting (RFC 5737, demo)", 64496),
    ("203.0.113.0/24", "Provider infrastructure (RFC 5737, demo)", 64496),
    ("2001:db8::/32", "IPv6 (RFC 3849, demo)", 64496),
]

_FIRST = [
    "Blue Harbor",
    "Nordlicht",
    "Copperfield",
    "Silver Birch",
    "Red Kite",
    "Oak & Ash",
    "Lumen",
    "Harbourside",
    "Kestrel",
    "Alder",
    "Granite Peak",
    "Juniper",
    "Marigold",
    "Northwind",
    "Pinecrest",
    "Quarry Lane",
    "Riverbend",
    "Saffron",
    "Tidewater",
    "Upland",
    "Vellum",
    "Willowbrook",
    "Yarrow",
    "Zephyr",
    "Amberline",
    "Bramble",
    "Cedar Hollow",
    "Driftwood",
    "Elmstead",
    "Foxglove",
    "Greyfriars",
    "Hawthorn",
    "Ironbridge",
    "Jasper",
    "Kingfisher",
    "Larkspur",
    "Moorland",
    "Nettlebed",
    "Orchard",
    "Pebble Beach",
]
_SECOND = [
    "Bakery",
    "Media",
    "Analytics",
    "Dental Clinic",
    "Cycles",
    "Architects",
    "Law Office",
    "Brewing",
    "Travel",
    "Logistics",
    "Games",
    "Print Shop",
    "Consulting",
    "Records",
    "Outdoor Gear",
    "Florists",
    "Software",
    "Guesthouse",
    "Yoga Studio",
    "Auto Repair",
]
_SUFFIX = ["", " Ltd", " GmbH", " BV", " SARL", " LLC", " AB", " Oy", " & Co"]
_COUNTRIES = ["DE", "NL", "FR", "GB", "SE", "FI", "US", "ES", "IT", "PL", "AT", "BE"]


def _slug(name: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in name.lower()).strip("-").replace("--", "-")


def demo_customers(count: int = 240) -> list[dict[str, str]]:
    rng = random.Random(20261128)
    seen: set[str] = set()
    customers: list[dict[str, str]] = []
    while len(customers) < count:
        base = f"{rng.choice(_FIRST)} {rng.choice(_SECOND)}"
        if base in seen:
            continue
        seen.add(base)
        name = base + rng.choice(_SUFFIX)
        slug = _slug(base)
        tld = rng.choice(["example", "example.com", "example.net", "example.org", "test"])
        customers.append(
            {
                "external_id": f"C{100000 + len(customers) * 7:06d}",
                "name": name,
                "domain": f"{slug}.{tld}",
                "abuse_email": f"abuse@{slug}.{tld}",
                "billing_email": f"accounts@{slug}.{tld}",
                "country": rng.choice(_COUNTRIES),
            }
        )
    return customers


def demo_allocation_rows(customers: list[dict[str, str]]) -> list[dict[str, str]]:
    """About 1,000 holdings: /29 and /28 blocks and single addresses, a reseller /22 with
    nested end customers, IPv6 /48s and /64s, and one block in three reassigned twice."""
    rng = random.Random(7)
    start = datetime(2021, 1, 1, tzinfo=UTC)
    rows: list[dict[str, str]] = []

    def row(
        net: str,
        cust: dict[str, str],
        service: str,
        frm: datetime,
        to: datetime | None,
        shared: bool = False,
    ) -> None:
        rows.append(
            {
                "network": net,
                "customer_external_id": cust["external_id"],
                "customer_name": cust["name"],
                "service": service,
                "valid_from": frm.isoformat(),
                "valid_to": to.isoformat() if to else "",
                "shared": "true" if shared else "",
            }
        )

    # Hosting core: /29 blocks, a third of them held by three customers in turn.
    core = ipaddress.ip_network("198.18.0.0/15")
    for index, block in enumerate(core.subnets(new_prefix=29)):
        if index >= 600:
            break
        holders = rng.sample(customers, 3) if index % 3 == 0 else [rng.choice(customers)]
        moments = [start + timedelta(days=rng.randint(0, 200))]
        for _ in holders[1:]:
            moments.append(moments[-1] + timedelta(days=rng.randint(120, 400)))
        for position, cust in enumerate(holders):
            to = moments[position + 1] if position + 1 < len(moments) else None
            row(str(block), cust, f"dedicated-{index:04d}.hosting.example", moments[position], to)
    # A reseller's /22 with nested end-customer /28s and single addresses.
    reseller = customers[0]
    row("100.64.0.0/22", reseller, "reseller-pool.example", start, None)
    for index, block in enumerate(ipaddress.ip_network("100.64.0.0/22").subnets(new_prefix=28)):
        if index % 2 == 0:
            cust = customers[1 + index % 40]
            row(
                str(block),
                cust,
                f"vps-{index:03d}.vps.example",
                start + timedelta(days=30 + index),
                None,
            )
    # Virtual servers: single addresses.
    for index, host in enumerate(ipaddress.ip_network("100.64.8.0/22").hosts()):
        if index >= 250:
            break
        cust = rng.choice(customers)
        row(
            f"{host}/32",
            cust,
            f"vps-{index + 1000}.vps.example",
            start + timedelta(days=rng.randint(0, 600)),
            None,
        )
    # Shared web hosting and the mail relays: attributed through hosted domains.
    row("198.51.100.0/25", customers[-1], "web-cluster-1.hosting.example", start, None, shared=True)
    row("192.0.2.0/28", customers[-2], "relay.mail.example", start, None, shared=True)
    # IPv6: /48 per colocation customer, /64 per virtual server.
    v6 = ipaddress.ip_network("2001:db8::/32")
    for index, block in enumerate(v6.subnets(new_prefix=48)):
        if index >= 60:
            break
        row(
            str(block),
            customers[index * 3 % len(customers)],
            f"colo-{index:03d}.colo.example",
            start,
            None,
        )
    for index, block in enumerate(
        ipaddress.ip_network("2001:db8:ff00::/40").subnets(new_prefix=64)
    ):
        if index >= 60:
            break
        row(
            str(block),
            rng.choice(customers),
            f"vps6-{index:03d}.vps.example",
            start + timedelta(days=index),
            None,
        )
    return rows


def _rows_to_csv(rows: list[dict[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0].keys()))
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


@transaction.atomic
def seed_registry() -> dict[str, int]:
    """Create or refresh the demo registry; safe to run any number of times."""
    for prefix, description, asn in NETWORKS:
        Network.objects.get_or_create(
            prefix=ipaddress.ip_network(prefix), defaults={"description": description, "asn": asn}
        )
    customers = demo_customers()
    Customer.objects.bulk_create(
        [Customer(external_id=c["external_id"], name=c["name"]) for c in customers],
        ignore_conflicts=True,
    )
    rows = demo_allocation_rows(customers)
    result = allocations_import(text=_rows_to_csv(rows))
    by_external = {
        c.external_id: c
        for c in Customer.objects.filter(external_id__in=[c["external_id"] for c in customers])
    }
    for index, data in enumerate(customers):
        customer = by_external[data["external_id"]]
        updates: dict[str, object] = {
            k: data[k] for k in ("name", "abuse_email", "billing_email", "country")
        }
        if index % 37 == 5:
            updates["status"] = Customer.Status.SUSPENDED
        if index in (0, len(customers) - 1, len(customers) - 2):
            updates["protected"] = True  # the reseller and the provider's own platforms
        if any(getattr(customer, k) != v for k, v in updates.items()):
            Customer.objects.filter(pk=customer.pk).update(**updates)
        service, _ = Service.objects.get_or_create(
            customer=customer,
            label=f"www.{data['domain']}",
            defaults={"kind": Service.Kind.SHARED_HOSTING},
        )
        Domain.objects.get_or_create(
            name=data["domain"],
            valid_from=datetime(2021, 1, 1, tzinfo=UTC),
            defaults={"customer": customer, "service": service},
        )
    return {
        "customers": len(customers),
        "allocations": len(rows),
        "allocations_created": result.created,
    }
