"""Benchmark: the leads' dashboards over the queue bench's 1,000,000 tickets and 5,000,000
events (issue 15 item 1).

Builds the data with the queue bench's loader (``bench/queue.py``), then adds what the
dashboards read besides tickets and events: two services per customer, the customers'
allocations (65,536 IPv4 /24s, nested /28s, IPv6 /48s), some IPv6 events, notices and
agents' replies, status and assignment changes (with reopenings), suspensions and current
blocklistings. Then it runs every rollup once (timed: what beat does every
``LEADS_ROLLUP_INTERVAL_SECONDS``), builds each panel ~30 times the way the page does, for a
lead (the team's figures) and an agent (their own), in every window the panel offers, and
prints p50/p95 per panel, the page rendered whole, the plan of every query a panel runs (no
sequential scan of a big table), and a final JSON line with ``p95_ms_worst`` and each panel's
p95.

The data lives in its own database: ``DASHBOARD_BENCH_DATABASE`` (default
``<name>_bench_dashboards``); it is reused when already loaded (``--reload`` forces a new
load). The benches' Redis database is ``BENCH_REDIS_DB`` (default 14); nothing is queued.

Run: ``.venv/bin/python bench/dashboards.py [--runs N] [--reload]``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

_BENCH = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _BENCH]
sys.path.insert(0, str(_BENCH.parent))

from bench._setup import bench_module, percentile

queue = bench_module("queue")
BIG_TABLES = (
    "complaints_ticket",
    "complaints_event",
    "complaints_message",
    "complaints_ticketchange",
)


def django_on_dashboard_bench_database() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trustsafety.settings")
    os.environ["REDIS_DB"] = os.environ.get("BENCH_REDIS_DB", "14")
    import django
    import psycopg
    from django.conf import settings

    database = settings.DATABASES["default"]
    name = os.environ.get("DASHBOARD_BENCH_DATABASE") or f"{database['NAME']}_bench_dashboards"
    params = {
        "dbname": database["NAME"],
        "user": database.get("USER") or None,
        "password": database.get("PASSWORD") or None,
        "host": database.get("HOST") or (database.get("OPTIONS") or {}).get("host") or None,
        "port": database.get("PORT") or None,
    }
    with psycopg.connect(**{k: v for k, v in params.items() if v}, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    database["NAME"] = name
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


# --- the dashboards' extra data -----------------------------------------------------------


def extras_loaded(cursor) -> bool:  # type: ignore[no-untyped-def]
    cursor.execute("SELECT count(*) FROM customers_service")
    services = cursor.fetchone()[0]
    cursor.execute("SELECT EXISTS (SELECT 1 FROM complaints_ticketchange)")
    return services == 2 * queue.CUSTOMERS and cursor.fetchone()[0]


def load_extras(assignee_ids: list[int]) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        if extras_loaded(cursor):
            print("reusing the dashboards' extra data")
            return
        started = time.perf_counter()
        cursor.execute("SET session_replication_role = replica")  # no triggers, no FK checks
        cursor.execute("SET maintenance_work_mem = '1GB'")
        cursor.execute("SET synchronous_commit = off")
        # What an interrupted earlier run left (DELETE: tickets refer to the services, and a
        # TRUNCATE ... CASCADE would take them along).
        for table in ("complaints_message", "complaints_ticketchange", "complaints_action",
                      "customers_listing", "customers_ipallocation", "customers_service"):  # fmt: skip
            cursor.execute(f"DELETE FROM {table}")
        customers = queue.CUSTOMERS
        queue.insert_select(cursor, "customers_service", {
            "id": "g", "customer_id": "1 + (g - 1) / 2", "kind": "'vps'",
            "label": "'host' || g || '.bench.example'", "status": "'active'", "created_at": "now()",
        }, f"generate_series(1, {2 * customers}) g")  # fmt: skip
        # A /24 of 10/8 each, round robin over the customers; a /28 inside some of them held
        # by another customer (a reseller's end customer); an IPv6 /48 for one in twenty.
        allocation = {
            "customer_id": "c", "service_id": "2 * c - 1", "valid_from": "now() - interval '800 days'",
            "shared": "false", "note": "''", "created_at": "now()",
        }  # fmt: skip
        queue.insert_select(cursor, "customers_ipallocation", {
            **allocation, "network": "set_masklen('10.0.0.0'::inet + g * 256, 24)::cidr",
        }, f"(SELECT g, 1 + g % {customers} AS c FROM generate_series(0, 65535) g) s")  # fmt: skip
        queue.insert_select(cursor, "customers_ipallocation", {
            **allocation, "network": "set_masklen('10.0.0.0'::inet + g * 256 * 13 + 64, 28)::cidr",
        }, f"(SELECT g, 1 + (g * 7) % {customers} AS c FROM generate_series(0, 5000) g) s")  # fmt: skip
        queue.insert_select(cursor, "customers_ipallocation", {
            **allocation,
            "network": "('2001:db8:' || to_hex(g) || '::/48')::cidr",
        }, f"(SELECT g, 1 + g * 20 % {customers} AS c FROM generate_series(1, {customers // 20}) g) s")  # fmt: skip
        print(f"  services, allocations: {time.perf_counter() - started:.0f} s", flush=True)
        cursor.execute("UPDATE complaints_ticket SET service_id = 2 * customer_id - 1 + id % 2")
        # One event in a hundred seen on an IPv6 address of one of 500 /48s.
        cursor.execute(
            "UPDATE complaints_event SET ip = ('2001:db8:' || to_hex(1 + id % 500) || '::' "
            "|| to_hex(id % 65536))::inet WHERE id % 100 = 0"
        )
        print(
            f"  tickets' services, IPv6 events: {time.perf_counter() - started:.0f} s", flush=True
        )
        agents = "ARRAY[" + ", ".join(str(i) for i in assignee_ids) + "]::bigint[]"
        message = {
            "visibility": "'customer'", "status": "'sent'", "attempts": "1",
            "to_address": "'abuse@customer.example'", "subject": "'Notice'", "body": "''",
        }  # fmt: skip
        # The automatic first notice of seven tickets in ten, and an agent's reply on half of
        # the assigned tickets.
        queue.insert_select(cursor, "complaints_message", {
            **message, "ticket_id": "t.id", "direction": "'out'", "kind": "'notice'",
            "created_at": "t.created_at + interval '10 minutes'",
            "sent_at": "t.created_at + interval '10 minutes' + random() * interval '2 hours'",
        }, "complaints_ticket t WHERE random() < 0.7")  # fmt: skip
        queue.insert_select(cursor, "complaints_message", {
            **message, "ticket_id": "t.id", "direction": "'out'", "kind": "'reply'",
            "author_id": "t.assignee_id",
            "created_at": "t.created_at + random() * interval '30 hours'",
            "sent_at": "t.created_at + random() * interval '30 hours'",
        }, "complaints_ticket t WHERE t.assignee_id IS NOT NULL AND random() < 0.5")  # fmt: skip
        print(f"  messages: {time.perf_counter() - started:.0f} s", flush=True)
        change = {"old_value": "''", "note": "''"}
        queue.insert_select(cursor, "complaints_ticketchange", {
            **change, "ticket_id": "t.id", "actor_id": "t.assignee_id", "field": "'assignee'",
            "new_value": "'bench-agent'", "created_at": "t.created_at + interval '20 minutes'",
        }, "complaints_ticket t WHERE t.assignee_id IS NOT NULL")  # fmt: skip
        queue.insert_select(cursor, "complaints_ticketchange", {
            **change, "ticket_id": "t.id", "old_value": "'open'", "new_value": "t.status",
            "actor_id": f"COALESCE(t.assignee_id, ({agents})[1 + t.id % {len(assignee_ids)}])",
            "field": "'status'", "created_at": "t.resolved_at",
        }, "complaints_ticket t WHERE t.status IN ('resolved', 'closed')")  # fmt: skip
        # One open ticket in ten was solved a day after it opened and reopened two days later.
        queue.insert_select(cursor, "complaints_ticketchange", {
            **change, "ticket_id": "s.id", "old_value": "s.old", "new_value": "s.new",
            "actor_id": f"({agents})[1 + (s.id / 7 + s.d) % {len(assignee_ids)}]", "field": "'status'",
            "created_at": "s.created_at + s.d * interval '1 day'",
        }, "(SELECT t.id, t.created_at, x.d, x.old, x.new FROM complaints_ticket t "
           "CROSS JOIN (VALUES (1, 'open', 'resolved'), (3, 'resolved', 'open')) x(d, old, new) "
           "WHERE t.status = 'open' AND t.id % 10 = 0) s")  # fmt: skip
        print(f"  ticket changes: {time.perf_counter() - started:.0f} s", flush=True)
        queue.insert_select(cursor, "complaints_action", {
            "ticket_id": "t.id", "customer_id": "t.customer_id", "service_id": "t.service_id",
            "kind": "'suspend'", "status": "'done'", "reason": "'bench'", "automatic": "false",
            "requested_by_id": "t.assignee_id", "idempotency_key": "md5('a' || t.id)::uuid",
            "result": "'{}'::jsonb", "requested_at": "t.created_at + interval '3 hours'",
            "completed_at": "t.created_at + interval '4 hours'", "updated_at": "now()",
            "claimed_by": "''",
        }, "complaints_ticket t WHERE t.assignee_id IS NOT NULL AND random() < 0.05")  # fmt: skip
        cursor.execute("SELECT id FROM customers_blocklistzone WHERE name = 'bench.bl.test'")
        if cursor.fetchone() is None:
            queue.insert_select(cursor, "customers_blocklistzone", {
                "name": "'bench.bl.test'", "lists": "'ip'", "codes": "'{}'::jsonb",
                "error_codes": "'{}'::jsonb", "attack_codes": "'[]'::jsonb", "enabled": "false",
                "created_at": "now()", "updated_at": "now()",
            }, "(SELECT 1) s")  # fmt: skip
        queue.insert_select(cursor, "customers_listing", {
            "resource": "host(ip)", "ip": "ip", "state": "'active'", "codes": "'[]'::jsonb",
            "meanings": "'[]'::jsonb", "txt": "''", "first_seen": "now() - interval '3 days'",
            "last_seen": "now()", "listed_since": "now() - interval '3 days'",
            "customer_id": "1 + (g * 13) % " + str(customers),
            "zone_id": "(SELECT id FROM customers_blocklistzone WHERE name = 'bench.bl.test')",
        }, "(SELECT g, '10.0.0.0'::inet + g * 3331 AS ip FROM generate_series(1, 5000) g) s")  # fmt: skip
        for table in ("customers_service", "customers_ipallocation", "complaints_message",
                      "complaints_ticketchange", "complaints_action", "customers_listing"):  # fmt: skip
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            )
        cursor.execute("SET session_replication_role = DEFAULT")
        for table in ("complaints_ticket", "complaints_event", "complaints_message",
                      "complaints_ticketchange", "complaints_action", "customers_ipallocation",
                      "customers_service", "customers_listing"):  # fmt: skip
            cursor.execute(f"VACUUM ANALYZE {table}")
        print(f"loaded the dashboards' extra data in {time.perf_counter() - started:.0f} s")


# --- measuring ------------------------------------------------------------------------------


def captured_queries(build) -> list[tuple[str, object]]:  # type: ignore[no-untyped-def]
    from django.db import connection

    seen: list[tuple[str, object]] = []

    def wrapper(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        seen.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        build()
    return seen


def explain(sql: str, params: object) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--reload", action="store_true")
    args = parser.parse_args()
    django_on_dashboard_bench_database()
    from django.db import connection
    from django.test import Client

    from accounts.services import user_with_roles_ensure
    from leads.models import RollupState
    from leads.panels import panels_for
    from leads.permissions import viewer_for
    from leads.rollups import ROLLUPS, rollup_refresh

    assignees = [
        user_with_roles_ensure(
            username=f"bench-agent-{n:02d}", password="bench-password-123", roles=["agent"]
        )
        for n in range(1, queue.ASSIGNEES + 1)
    ]
    lead = user_with_roles_ensure(
        username="bench-lead", password="bench-password-123", roles=["lead"]
    )
    if args.reload:
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE complaints_ticket CASCADE")
    queue.load([u.pk for u in assignees])
    load_extras([u.pk for u in assignees])
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg_version = cursor.fetchone()[0]

    refresh_ms: dict[str, int] = {}
    for name in ROLLUPS:
        started = time.perf_counter()
        rows = rollup_refresh(name=name)
        refresh_ms[name] = round((time.perf_counter() - started) * 1000)
        print(f"rollup {name:10s} {refresh_ms[name]:7,d} ms  {rows:7,} rows", flush=True)
    for state in RollupState.objects.order_by("name"):
        assert state.rows is not None

    viewers = {"lead": viewer_for(lead), "agent": viewer_for(assignees[0])}
    results: dict[str, dict[str, float]] = {}
    plans: dict[str, list[str]] = {}
    for who, viewer in viewers.items():
        for panel in panels_for(viewer):
            for window in panel.windows or (panel.default_window,):
                name = f"{who}:{panel.slug}:{window}d"
                for _ in range(3):  # warm the cache and the plans
                    tables = panel.build(viewer, window)
                samples = []
                for _ in range(args.runs):
                    started = time.perf_counter()
                    tables = panel.build(viewer, window)
                    for table in tables:  # formatted as the page and the CSV do
                        table.cells()
                    samples.append((time.perf_counter() - started) * 1000)
                results[name] = {"p50": percentile(samples, 0.5), "p95": percentile(samples, 0.95),
                                 "rows": sum(len(t.rows) for t in tables)}  # fmt: skip
                if window == panel.window_for(None):
                    queries = captured_queries(lambda p=panel, v=viewer, w=window: p.build(v, w))
                    plans[name] = [f"-- {sql}\n{explain(sql, params)}" for sql, params in queries]
                r = results[name]
                print(
                    f"{name:28s} p50 {r['p50']:7.1f} ms  p95 {r['p95']:7.1f} ms  rows {r['rows']:5.0f}",
                    flush=True,
                )

    pages: dict[str, float] = {}
    for who, user in (("lead", lead), ("agent", assignees[0])):
        client = Client()
        client.force_login(user)
        samples = []
        for n in range(max(10, args.runs // 3) + 2):
            started = time.perf_counter()
            response = client.get("/leads/")
            if n >= 2:
                samples.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.status_code
        pages[who] = percentile(samples, 0.95)
        print(f"page /leads/ as {who:6s} p95 {pages[who]:7.1f} ms", flush=True)

    print()
    seq_scans = []
    for name, explained in plans.items():
        print(f"=== {name}")
        for plan in explained:
            print(plan + "\n")
            if any(f"Seq Scan on {table} " in plan for table in BIG_TABLES):
                seq_scans.append(name)
    if seq_scans:
        print(f"SEQUENTIAL SCAN of a big table in: {', '.join(sorted(set(seq_scans)))}")
    panels: dict[str, float] = {}
    for name, r in results.items():
        slug = name.split(":")[1]
        panels[slug] = max(panels.get(slug, 0.0), r["p95"])
    print(json.dumps({
        "postgres": pg_version, "tickets": queue.TICKETS, "events": queue.EVENTS, "runs": args.runs,
        "p95_ms_worst": round(max(panels.values()), 1),
        "panels": {slug: round(p95, 1) for slug, p95 in panels.items()},
        "page_p95_ms": {who: round(ms, 1) for who, ms in pages.items()},
        "refresh_ms": refresh_ms, "seq_scan_panels": sorted(set(seq_scans)),
    }))  # fmt: skip


if __name__ == "__main__":
    main()
