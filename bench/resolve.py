"""Benchmark: resolution of (IP, time) to the holding allocation (issue 2, item 10).

Loads 100,000 allocations (a third of the networks held by three customers in turn, /29s
and single hosts nested inside reseller /22s, IPv6 /64s inside /48s) into the bench
database, then measures 10,000 single lookups (p50, p99) and one bulk resolution of
100,000 pairs, prints the plans to show index use, and ends with one JSON line.

Run: ``.venv/bin/python bench/resolve.py`` (uses DATABASE_URL or the embedded server)."""

from __future__ import annotations

import io
import ipaddress
import json
import random
import time
from datetime import UTC, datetime, timedelta

from _setup import django_on_bench_database, percentile

TARGET_ROWS = 100_000
T0 = datetime(2021, 1, 1, tzinfo=UTC)
SPAN_DAYS = 5 * 365


def generate_rows(rng: random.Random) -> list[tuple[str, int, datetime, datetime | None]]:
    """(network, customer index, valid_from, valid_to) rows, deterministic."""
    rows: list[tuple[str, int, datetime, datetime | None]] = []

    def holders(network: str, reassigned: bool) -> None:
        if not reassigned:
            rows.append(
                (network, rng.randrange(10_000), T0 + timedelta(days=rng.randrange(60)), None)
            )
            return
        cut1 = T0 + timedelta(days=rng.randrange(200, 700))
        cut2 = cut1 + timedelta(days=rng.randrange(200, 700))
        rows.append((network, rng.randrange(10_000), T0, cut1))
        rows.append((network, rng.randrange(10_000), cut1, cut2))
        rows.append((network, rng.randrange(10_000), cut2, None))

    counter = 0
    v4 = ipaddress.ip_network("100.64.0.0/10")  # RFC 6598: reserved, never routed
    for reseller in v4.subnets(new_prefix=22):
        holders(str(reseller), reassigned=False)
        for index, inner in enumerate(reseller.subnets(new_prefix=29)):
            if index >= 12:
                break
            network = str(inner) if index % 4 else f"{inner.network_address + 1}/32"
            holders(network, reassigned=counter % 3 == 0)
            counter += 1
        if len(rows) >= TARGET_ROWS * 0.85:
            break
    v6 = ipaddress.ip_network("2001:db8::/32")
    for block in v6.subnets(new_prefix=48):
        holders(str(block), reassigned=False)
        for index, inner in enumerate(block.subnets(new_prefix=64)):
            if index >= 8:
                break
            holders(str(inner), reassigned=counter % 3 == 0)
            counter += 1
        if len(rows) >= TARGET_ROWS:
            break
    return rows[:TARGET_ROWS]


def load(rows: list[tuple[str, int, datetime, datetime | None]]) -> None:
    from django.db import connection

    from customers.models import Customer, IPAllocation

    first, last = rows[0][0], rows[-1][0]
    same = (
        IPAllocation.objects.count() == len(rows)
        and IPAllocation.objects.filter(network=first).exists()
        and IPAllocation.objects.filter(network=last).exists()
    )
    if same:
        print(f"reusing {len(rows):,} allocations already in the bench database")
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE customers_ipallocation, customers_service, customers_domain, customers_customer CASCADE"
        )
    Customer.objects.bulk_create(
        [Customer(external_id=f"B{i:06d}", name=f"Bench customer {i}") for i in range(10_000)],
        batch_size=5000,
    )
    ids = dict(Customer.objects.values_list("external_id", "id"))
    buffer = io.StringIO()
    null = r"\N"
    for network, customer, frm, to in rows:
        end = to.isoformat() if to else null
        buffer.write(
            f"{network}\t{ids[f'B{customer:06d}']}\t{frm.isoformat()}\t{end}\tf\t\t{frm.isoformat()}\n"
        )
    started = time.perf_counter()
    raw = connection.connection  # psycopg 3
    columns = "network, customer_id, valid_from, valid_to, shared, note, created_at"
    with (
        raw.cursor() as cursor,
        cursor.copy(f"COPY customers_ipallocation ({columns}) FROM STDIN") as copy,
    ):
        copy.write(buffer.getvalue())
    raw.commit()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE customers_ipallocation")
    print(f"loaded {len(rows):,} allocations in {time.perf_counter() - started:.1f} s")


def sample_pairs(rows, rng: random.Random, count: int) -> list[tuple[str, datetime]]:  # type: ignore[no-untyped-def]
    pairs = []
    for _ in range(count):
        network = ipaddress.ip_network(rng.choice(rows)[0])
        offset = rng.randrange(network.num_addresses) if network.num_addresses > 1 else 0
        if rng.random() < 0.1:  # some misses: outside every allocation
            address = ipaddress.ip_address("172.16.0.1") + rng.randrange(65536)
        else:
            address = network.network_address + offset
        at = T0 + timedelta(seconds=rng.randrange(SPAN_DAYS * 86400))
        pairs.append((str(address), at))
    return pairs


def main() -> None:
    django_on_bench_database()
    from django.db import connection

    from customers import resolution

    rng = random.Random(2)
    rows = generate_rows(rng)
    load(rows)
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg_version = cursor.fetchone()[0]

    singles = sample_pairs(rows, rng, 10_000)
    for ip, at in singles[:200]:  # warm caches and the connection
        resolution.holding_at(ip, at)
    timings = []
    hits = 0
    for ip, at in singles:
        started = time.perf_counter()
        hits += resolution.holding_at(ip, at) is not None
        timings.append((time.perf_counter() - started) * 1000)
    p50, p99 = percentile(timings, 0.50), percentile(timings, 0.99)

    bulk = sample_pairs(rows, rng, 100_000)
    started = time.perf_counter()
    answers = resolution.holdings_at(bulk)
    bulk_s = time.perf_counter() - started
    bulk_hits = sum(answer is not None for answer in answers)

    # Cross-check a sample of bulk answers against the plain containment definition.
    with connection.cursor() as cursor:
        for (ip, at), answer in list(zip(bulk, answers, strict=True))[:300]:
            cursor.execute(
                "SELECT id FROM customers_ipallocation WHERE network >>= %s::inet AND validity @> %s "
                "ORDER BY masklen(network) DESC LIMIT 1",
                [ip, at],
            )
            row = cursor.fetchone()
            assert (row[0] if row else None) == (answer.allocation_id if answer else None), (ip, at)

        ip, at = singles[0]
        cursor.execute(
            "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + resolution._RESOLVE_PROBING, [[ip], [at]]
        )
        plan = "\n".join(line for (line,) in cursor.fetchall())
    print(f"PostgreSQL {pg_version}")
    print(f"single lookups: 10,000 (hits {hits:,}); p50 {p50:.3f} ms, p99 {p99:.3f} ms")
    print(f"bulk: 100,000 pairs in {bulk_s:.2f} s (hits {bulk_hits:,})")
    print("plan of one lookup (no sequential scan of the allocations):")
    print(plan)
    assert "Seq Scan on customers_ipallocation" not in plan
    print(json.dumps({
        "postgres": pg_version, "allocations": len(rows), "single_p50_ms": round(p50, 3),
        "single_p99_ms": round(p99, 3), "bulk_100k_s": round(bulk_s, 3),
    }))  # fmt: skip


if __name__ == "__main__":
    main()
