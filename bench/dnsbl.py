"""Benchmark: sweep a /16 against four rbldnsd zones on loopback (issue 5, item 10).

Starts its own rbldnsd (tests/customers/dns/servers.py) serving four zones with 1% of 10.99.0.0/16
listed (the range is data only: every query goes to 127.0.0.1), then measures in one run:

* ours: customers.dns.dnsbl.sweep over 65,536 addresses x 4 zones, checked for correctness
  (the listed set found must equal the listed set served, with no failed checks);
* baseline: a plain loop over dnspython's async resolver at concurrency 50;
* pydnsbl (c-ares via aiodns < 4) at concurrency 200, its resolver pointed at the server.

The last line printed is one JSON object: queries_per_s, sweep_s, baseline_async_qps,
pydnsbl_qps, ratio (ours / pydnsbl). Run: ``.venv/bin/python bench/dnsbl.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import random
import sys
import time
from pathlib import Path

# bench/ leaves the path: bench/queue.py would shadow the standard library's queue.
_BENCH = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _BENCH]
sys.path.insert(0, str(_BENCH.parent))

import contextlib

import dns.asyncresolver
import dns.resolver

from customers.dns import dnsbl
from customers.dns.nameserver import make_async_resolver
from tests.customers.dns.servers import rbldnsd_server

NETWORK = ipaddress.ip_network("10.99.0.0/16")
ZONES = [f"z{i}.bench.test" for i in range(1, 5)]
LISTED_FRACTION = 0.01


def build_zones(seed: int) -> tuple[dict[str, tuple[str, str]], set[tuple[str, str]]]:
    rng = random.Random(seed)
    addresses = [str(ip) for ip in NETWORK]
    data: dict[str, tuple[str, str]] = {}
    expected: set[tuple[str, str]] = set()
    for zone in ZONES:
        listed = rng.sample(addresses, int(len(addresses) * LISTED_FRACTION))
        expected.update((ip, zone) for ip in listed)
        lines = [f":127.0.0.2:Listed on {zone}: $", "127.0.0.2", *listed]
        data[zone] = ("ip4set", "\n".join(lines) + "\n")
    return data, expected


def run_ours(nameserver: str, concurrency: int) -> tuple[float, float, set[tuple[str, str]]]:
    found: set[tuple[str, str]] = set()
    failed: list[dnsbl.DnsblResult] = []

    def on_result(result: dnsbl.DnsblResult) -> None:
        if result.listed:
            found.add((result.resource, result.zone))
        elif result.status is dnsbl.Status.CHECK_FAILED:
            failed.append(result)

    specs = [dnsbl.ZoneSpec(zone) for zone in ZONES]
    started = time.perf_counter()
    summary = dnsbl.sweep(
        (str(ip) for ip in NETWORK),
        specs,
        nameserver=nameserver,
        on_result=on_result,
        concurrency=concurrency,
        timeout=1.0,
        retries=2,
        loopback_only=True,
    )
    sweep_s = time.perf_counter() - started
    if failed:
        print(f"ours: {len(failed)} failed checks, first: {failed[0]}")
    unhealthy = [z for z in summary.zones.values() if not z.healthy]
    if unhealthy:
        print(f"ours: unhealthy zones: {unhealthy}")
    print(
        f"ours: {summary.queries} queries in {sweep_s:.2f} s, "
        f"retried {summary.stats.retried}, dropped {summary.stats.dropped}"
    )
    return summary.queries / sweep_s, sweep_s, found


async def run_baseline(nameserver: str, count: int, concurrency: int = 50) -> float:
    resolver = make_async_resolver(nameserver, timeout=2.0, lifetime=4.0, loopback_only=True)
    semaphore = asyncio.Semaphore(concurrency)
    names = [
        dnsbl.query_name(str(ip), dnsbl.ZoneSpec(ZONES[i % 4]))
        for i, ip in enumerate(NETWORK)
        if i < count
    ]

    async def one(name: str) -> None:
        async with semaphore:
            with contextlib.suppress(dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
                await resolver.resolve(name, "A")

    started = time.perf_counter()
    await asyncio.gather(*(one(name) for name in names))
    return len(names) / (time.perf_counter() - started)


def run_pydnsbl(port: int, count: int, concurrency: int = 200) -> float:
    import aiodns
    import pydnsbl
    from pydnsbl.providers import Provider

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        checker = pydnsbl.DNSBLIpChecker(
            providers=[Provider(zone) for zone in ZONES],
            concurrency=concurrency,
            timeout=2,
            tries=2,
            loop=loop,
        )
        # pydnsbl builds its resolver from /etc/resolv.conf; point it at the test server.
        checker._resolver = aiodns.DNSResolver(
            nameservers=["127.0.0.1"], udp_port=port, tcp_port=port, timeout=2, tries=2, loop=loop
        )
        addresses = [str(ip) for i, ip in enumerate(NETWORK) if i < count]
        started = time.perf_counter()
        results = checker.bulk_check(addresses)
        elapsed = time.perf_counter() - started
    finally:
        loop.close()
    failed = sum(len(r.failed_providers) for r in results)
    if failed:
        print(f"pydnsbl: {failed} failed lookups")
    return len(addresses) * len(ZONES) / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=128)
    parser.add_argument("--baseline-queries", type=int, default=6000)
    parser.add_argument("--pydnsbl-addresses", type=int, default=8000)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()

    data, expected = build_zones(args.seed)
    with rbldnsd_server(data) as server:
        print(f"rbldnsd on {server.nameserver}: {len(ZONES)} zones, {len(expected)} listings")
        qps, sweep_s, found = run_ours(server.nameserver, args.concurrency)
        correct = found == expected
        print(
            f"ours: {qps:,.0f} queries/s, sweep {sweep_s:.2f} s, listed found {len(found)} "
            f"of {len(expected)}: {'correct' if correct else 'WRONG'}"
        )
        baseline = asyncio.run(run_baseline(server.nameserver, args.baseline_queries))
        print(f"dnspython async resolver (concurrency 50): {baseline:,.0f} queries/s")
        pydnsbl_qps = run_pydnsbl(server.port, args.pydnsbl_addresses)
        print(f"pydnsbl (concurrency 200): {pydnsbl_qps:,.0f} queries/s")
    ratio = qps / pydnsbl_qps
    print(
        f"targets: >= 20,000 q/s {'met' if qps >= 20000 else 'MISSED'}; ratio {ratio:.2f} "
        f"{'met' if ratio >= 1.5 else 'MISSED'}; sweep <= 15 s "
        f"{'met' if sweep_s <= 15 else 'MISSED'}"
    )
    print(
        json.dumps(
            {
                "queries_per_s": round(qps),
                "sweep_s": round(sweep_s, 3),
                "baseline_async_qps": round(baseline),
                "pydnsbl_qps": round(pydnsbl_qps),
                "ratio": round(ratio, 2),
                "listed_correct": correct,
            }
        )
    )
    if not correct:
        sys.exit(1)


if __name__ == "__main__":
    main()
