"""Benchmark: the agents' queue over 1,000,000 tickets and 5,000,000 events (issue 4, item 11).

Generates the data set with INSERT ... SELECT generate_series (triggers and foreign-key
checks off for the load, derived columns computed in the same statements), ANALYZEs, then
runs each case ~30 times the way the queue view does — ``ticket_queue_page`` (one keyset
page of 50) plus the capped count — and prints p50/p95 per case, the plan of each page query
(no sequential scan of the big tables), and a final JSON line with ``p95_ms_worst`` and each
case's p95.

The data lives in its own database (``<name>_bench_queue``): the resolve bench truncates the
customers of ``<name>_bench`` with CASCADE, which would take the tickets along.
Data is reused when it is already loaded; ``--reload`` forces a new load.

Run: ``.venv/bin/python bench/queue.py [--runs N] [--reload]``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

# This file's name shadows the standard library's ``queue`` (which Django, psycopg and
# friends import): run it with the repository, not bench/, at the front of the path.
_BENCH = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _BENCH]
sys.path.insert(0, str(_BENCH.parent))

from bench._setup import django_on_bench_database, percentile

# QUEUE_BENCH_SCALE=0.02 makes a small data set to try the script quickly.
SCALE = float(os.environ.get("QUEUE_BENCH_SCALE", "1"))
TICKETS = int(1_000_000 * SCALE)
EVENTS = int(5_000_000 * SCALE)
CUSTOMERS = 10_000
REPORTERS = 200
REPORTS = max(1000, int(500_000 * SCALE))
ASSIGNEES = 20
VOCABULARY = 20_000  # evidence words w0..w19999, Zipf-like: w0 is in ~1 ticket of 4
COMMON_WORD = "w0"
RARE_WORD = "w19990"
TYPES = [
    "spam", "phishing", "brute-force", "scanner", "vulnerable-system", "malware-distribution",
    "infected-system", "ddos-amplifier", "copyright", "c2-server", "blacklist",
    "system-compromise", "potentially-unwanted-accessible", "ddos", "exploit",
]  # fmt: skip
BIG_TABLES = ("complaints_ticket", "complaints_event")


def django_on_queue_bench_database() -> None:
    django_on_bench_database("_bench_queue")


# --- data -----------------------------------------------------------------------------------

_FILLERS = {
    "character varying": "''", "text": "''", "integer": "0", "bigint": "0", "smallint": "0",
    "boolean": "false", "jsonb": "'{}'::jsonb", "timestamp with time zone": "now()",
    "ARRAY": "'{}'", "tsvector": "''::tsvector", "double precision": "0", "numeric": "0",
}  # fmt: skip


def insert_select(cursor, table: str, values: dict[str, str], source: str) -> None:  # type: ignore[no-untyped-def]
    """INSERT ... SELECT with ``values`` and a neutral value for every other NOT NULL column
    (other engineers add columns; the bench should not break when they do)."""
    cursor.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = %s "
        "AND is_nullable = 'NO' AND column_default IS NULL AND is_generated = 'NEVER' "
        "AND is_identity = 'NO'",
        [table],
    )
    columns = dict(values)
    for name, data_type in cursor.fetchall():
        if name not in columns:
            columns[name] = _FILLERS[data_type]
    names = ", ".join(columns)
    cursor.execute(
        f"INSERT INTO {table} ({names}) SELECT {', '.join(columns.values())} FROM {source}"
    )


def loaded(cursor) -> bool:  # type: ignore[no-untyped-def]
    cursor.execute("SELECT count(*) FROM complaints_ticket")
    tickets = cursor.fetchone()[0]
    cursor.execute("SELECT count(*) FROM complaints_event")
    return tickets == TICKETS and cursor.fetchone()[0] == EVENTS


def load(assignee_ids: list[int]) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        if loaded(cursor):
            print(f"reusing {TICKETS:,} tickets and {EVENTS:,} events in the bench database")
            return
        started = time.perf_counter()
        cursor.execute("SET session_replication_role = replica")  # no triggers, no FK checks
        cursor.execute("SET maintenance_work_mem = '1GB'")
        cursor.execute("SET synchronous_commit = off")
        cursor.execute(
            "TRUNCATE complaints_event, complaints_message, complaints_party, complaints_ticketchange, "
            "complaints_ticket, complaints_tickettally, complaints_report, complaints_reporter, "
            "customers_customer CASCADE"
        )
        insert_select(cursor, "customers_customer", {
            "id": "g", "external_id": "'QB' || lpad(g::text, 6, '0')", "name": "'Bench customer ' || g",
            "status": "CASE WHEN g % 50 = 0 THEN 'suspended' WHEN g % 97 = 0 THEN 'terminated' ELSE 'active' END",
            "created_at": "now()", "updated_at": "now()",
        }, f"generate_series(1, {CUSTOMERS}) g")  # fmt: skip
        insert_select(cursor, "complaints_reporter", {
            "id": "g", "address": "'feed' || g || '@reporters.example'", "name": "'Reporter ' || g",
            "organisation": "'Org ' || g", "kind": "'feed'", "trust": "2", "acknowledge": "true",
            "created_at": "now()",
        }, f"generate_series(1, {REPORTERS}) g")  # fmt: skip
        insert_select(cursor, "complaints_report", {
            "id": "g", "sha256": "md5('r' || g) || md5('s' || g)", "size": "1000", "status": "'filed'",
            "format": "'arf'", "kind": "'complaint'",
            "reporter_id": f"1 + floor({REPORTERS} * power(random(), 2))::int",
            "evidence_status": "'complete'", "evidence_reasons": "'[]'::jsonb", "received_at": "now()",
        }, f"generate_series(1, {REPORTS}) g")  # fmt: skip
        print(f"  customers, reporters, reports: {time.perf_counter() - started:.0f} s", flush=True)
        # Building the secondary indexes once after the load is several times faster than
        # maintaining them row by row.
        cursor.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = ANY(%s) "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
            [list(BIG_TABLES)],
        )
        secondary = cursor.fetchall()
        for name, _ in secondary:
            cursor.execute(f'DROP INDEX "{name}"')

        # Tickets are created in id order over two years; events fall within 3 days of it.
        created = f"(now() - interval '730 days' * (1 - t::float8 / {TICKETS}))"
        ip_of = "('10.0.0.0'::inet + ((t::bigint * 2654435761) % 16777216))"
        event_ticket = f"CASE WHEN g <= {TICKETS} THEN g ELSE 1 + floor({TICKETS} * power(random(), 1.3))::int END"
        insert_select(cursor, "complaints_event", {
            "id": "g", "report_id": f"1 + floor(random() * {REPORTS})::int", "ticket_id": "t",
            "fingerprint": "md5('e' || g)::uuid",
            "ip": f"{ip_of} + CASE WHEN random() < 0.2 THEN floor(random() * 4)::int ELSE 0 END",
            "taxonomy": "'abusive-content'", "type": "'spam'",
            "observed_at": f"{created} + random() * interval '3 days'",
            "observed_time_known": "true", "attribution": "'customer'", "created_at": "now()",
        }, f"(SELECT g, {event_ticket} AS t FROM generate_series(1, {EVENTS}) g) e")  # fmt: skip
        print(f"  events: {time.perf_counter() - started:.0f} s", flush=True)

        types = "ARRAY[" + ", ".join(f"'{t}'" for t in TYPES) + "]"
        words = (
            f"(SELECT string_agg('w' || floor({VOCABULARY} * power(random(), 3))::int, ' ') "
            "FROM generate_series(1, 8 + (s.t % 1)))"
        )
        status = (
            "CASE WHEN rs < 0.08 THEN 'new' WHEN rs < 0.18 THEN 'open' "
            "WHEN rs < 0.25 THEN 'awaiting_customer' WHEN rs < 0.28 THEN 'awaiting_reporter' "
            "WHEN rs < 0.68 THEN 'resolved' ELSE 'closed' END"
        )
        kind = (
            "CASE WHEN rk < 0.80 THEN 'abuse' WHEN rk < 0.90 THEN 'listing' "
            "WHEN rk < 0.94 THEN 'deliverability' WHEN rk < 0.96 THEN 'legal' "
            "WHEN rk < 0.97 THEN 'investigation' ELSE 'billing' END"
        )
        assignees = "ARRAY[" + ", ".join(str(i) for i in assignee_ids) + "]::bigint[]"
        insert_select(cursor, "complaints_ticket", {
            "id": "s.t", "kind": "s.kind", "status": "s.status", "aggregation_key": "'bench:' || s.t",
            "subject": "s.subject", "type": f"({types})[s.ty]", "taxonomy": "'abusive-content'",
            "resource": f"host({ip_of.replace('t::', 's.t::')})",
            "customer_id": f"1 + floor({CUSTOMERS} * power(random(), 2))::int",
            "assignee_id": f"CASE WHEN s.ra < 0.6 THEN ({assignees})[1 + floor(s.ra / 0.6 * {ASSIGNEES})::int] END",
            "restricted_group": "CASE WHEN s.kind = 'investigation' THEN 'investigations' ELSE '' END",
            "evidence_status": "'complete'",
            "event_count": "e.n", "report_count": "e.n", "first_event_at": "e.first_at",
            "last_event_at": "e.last_at", "created_at": created.replace("t::", "s.t::"),
            "updated_at": "e.last_at",
            "resolved_at": "CASE WHEN s.status IN ('resolved', 'closed') THEN e.last_at + interval '2 days' END",
            "first_response_due_at": created.replace("t::", "s.t::") + " + interval '4 hours'",
            "resolution_due_at": created.replace("t::", "s.t::") + " + interval '5 days'",
            "first_responded_at": f"CASE WHEN s.rm < 0.8 THEN {created.replace('t::', 's.t::')} + interval '2 hours' END",
            "sla_breached": "s.rb < 0.05",
            "last_agent_reply_at": f"CASE WHEN s.rm < 0.35 THEN {created.replace('t::', 's.t::')} + interval '2 hours' END",
            "last_customer_reply_at": (
                f"CASE WHEN s.rm < 0.10 THEN {created.replace('t::', 's.t::')} + interval '5 hours' "
                f"WHEN s.rm < 0.20 THEN {created.replace('t::', 's.t::')} + interval '1 hour' END"
            ),
            "reporter_ids": f"ARRAY[1 + floor({REPORTERS} * power(random(), 2))::bigint]",
            "search_vector": (
                "setweight(to_tsvector('simple', s.subject), 'A') || "
                f"setweight(to_tsvector('simple', {words}), 'C')"
            ),
        }, (
            f"(SELECT t, {status} AS status, {kind} AS kind, ty, ra, rm, rb, "
            f"  initcap(replace(({types})[ty], '-', ' ')) || ' from ' || host({ip_of}) AS subject "
            f"   FROM (SELECT t, random() AS rs, random() AS rk, 1 + floor(15 * power(random(), 2))::int AS ty,"
            f"                random() AS ra, random() AS rm, random() AS rb"
            f"           FROM generate_series(1, {TICKETS}) t) r) s "
            "JOIN (SELECT ticket_id, count(*) AS n, min(observed_at) AS first_at, max(observed_at) AS last_at "
            "        FROM complaints_event GROUP BY ticket_id) e ON e.ticket_id = s.t"
        ))  # fmt: skip
        from complaints.search_sql import TALLY_BACKFILL

        cursor.execute(TALLY_BACKFILL)  # the tally triggers are off during the load
        print(f"  tickets: {time.perf_counter() - started:.0f} s", flush=True)
        for table in (
            "customers_customer",
            "complaints_reporter",
            "complaints_report",
            "complaints_event",
            "complaints_ticket",
        ):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            )
        cursor.execute("SET max_parallel_maintenance_workers = 2")
        for _, definition in secondary:
            cursor.execute(definition)
        print(f"  indexes: {time.perf_counter() - started:.0f} s", flush=True)
        cursor.execute("SET session_replication_role = DEFAULT")
        cursor.execute("VACUUM ANALYZE complaints_ticket")
        cursor.execute("VACUUM ANALYZE complaints_event")
        cursor.execute("VACUUM ANALYZE complaints_tickettally")
        cursor.execute("ANALYZE customers_customer")
        cursor.execute("ANALYZE complaints_reporter")
        cursor.execute("ANALYZE complaints_report")
        print(
            f"loaded {TICKETS:,} tickets and {EVENTS:,} events in {time.perf_counter() - started:.0f} s"
        )


# --- cases ----------------------------------------------------------------------------------


def cases(cursor) -> list[tuple[str, str, int]]:  # type: ignore[no-untyped-def]
    """(name, query string, page number) — addresses taken from the data."""
    cursor.execute(
        "SELECT host(ip) FROM complaints_event WHERE ticket_id = %s LIMIT 1", [TICKETS // 8 + 7]
    )
    one_ip = cursor.fetchone()[0]
    cidr = one_ip.rsplit(".", 1)[0] + ".0/24"
    return [
        ("status", "status=open", 1),
        ("kind", "kind=listing", 1),
        ("classification", "type=phishing", 1),
        ("customer", "customer=QB005000", 1),
        ("assignee_me", "assignee=me", 1),
        ("sla_breached", "sla=breached", 1),
        ("customer_replied", "replied=1", 1),
        ("reporter", "reporter=feed50@reporters.example", 1),
        ("ip_32", f"ip={one_ip}/32&status=any", 1),
        ("cidr_24", f"ip={cidr}&status=any", 1),
        ("fulltext_rare", f"q={RARE_WORD}&status=any", 1),
        ("fulltext_common", f"q={COMMON_WORD}&status=any", 1),
        ("status_type_assignee", "status=open&type=spam&assignee=me", 1),
        ("customer_status", "customer=QB005000&status=resolved", 1),
        ("cidr_status", f"ip={cidr}&status=resolved", 1),
        ("sorted_last_event", "sort=last_event", 1),
        ("sorted_sla_due", "sort=sla_due", 1),
        ("sorted_events", "sort=events", 1),
        ("page_200", "", 200),
        ("page_200_any_status", "status=any", 200),
        ("page_200_sla_due", "sort=sla_due", 200),
    ]


def cursor_for_page(user, filters, page: int) -> str:  # type: ignore[no-untyped-def]
    from complaints.tickets.selectors import ticket_queue_page

    cursor = ""
    for _ in range(page - 1):
        cursor = ticket_queue_page(user, filters, after=cursor).next_cursor
        if not cursor:
            raise SystemExit(f"fewer than {page} pages")
    return cursor


def plan_of(qs) -> str:  # type: ignore[no-untyped-def]
    return qs.explain(analyze=True, buffers=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--reload", action="store_true")
    args = parser.parse_args()
    django_on_queue_bench_database()
    from django.db import connection
    from django.http import QueryDict

    from accounts.services import user_with_roles_ensure
    from complaints.models import Ticket
    from complaints.permissions import tickets_visible_to
    from complaints.tickets.selectors import (
        QueueFilters,
        _apply_filters,
        ticket_queue_after,
        ticket_queue_count,
        ticket_queue_for,
        ticket_queue_page,
    )

    assignees = [
        user_with_roles_ensure(
            username=f"bench-agent-{n:02d}", password="bench-password-123", roles=["agent"]
        )
        for n in range(1, ASSIGNEES + 1)
    ]
    if args.reload:
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE complaints_ticket CASCADE")
    load([u.pk for u in assignees])
    me = assignees[0]
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg_version = cursor.fetchone()[0]
        case_list = cases(cursor)

    results: dict[str, dict[str, float]] = {}
    plans: dict[str, str] = {}
    for name, query, page in case_list:
        filters = QueueFilters.from_query(QueryDict(query))
        assert not filters.errors, (name, filters.errors)
        after = cursor_for_page(me, filters, page) if page > 1 else ""
        for _ in range(3):  # warm the cache and the plan
            ticket_queue_page(me, filters, after=after)
        totals, pages, counts = [], [], []
        rows = 0
        for _ in range(args.runs):
            started = time.perf_counter()
            result = ticket_queue_page(me, filters, after=after)
            middle = time.perf_counter()
            count = ticket_queue_count(me, filters)
            ended = time.perf_counter()
            rows = len(result.rows)
            pages.append((middle - started) * 1000)
            counts.append((ended - middle) * 1000)
            totals.append((ended - started) * 1000)
        results[name] = {
            "p50": percentile(totals, 0.5), "p95": percentile(totals, 0.95),
            "page_p95": percentile(pages, 0.95), "count_p95": percentile(counts, 0.95),
            "rows": rows, "count": str(count),
        }  # fmt: skip
        page_qs = ticket_queue_after(ticket_queue_for(me, filters), filters, after)[:51]
        count_qs = (
            _apply_filters(tickets_visible_to(me, Ticket.objects.all()), me, filters)
            .order_by()
            .values("pk")[:1001]
        )
        plans[name] = "page:\n" + plan_of(page_qs) + "\ncount (inner query):\n" + plan_of(count_qs)
        r = results[name]
        print(
            f"{name:24s} p50 {r['p50']:7.1f} ms  p95 {r['p95']:7.1f} ms  "
            f"(page p95 {r['page_p95']:6.1f}, count p95 {r['count_p95']:6.1f})  rows {rows:2d}  count {count}",
            flush=True,
        )

    print()
    seq_scans = []
    for name, plan in plans.items():
        print(f"=== {name}\n{plan}\n")
        page_plan = plan.split("\ncount (inner query):")[0]
        if any(f"Seq Scan on {table}" in page_plan for table in BIG_TABLES):
            seq_scans.append(name)
    if seq_scans:
        print(f"SEQUENTIAL SCAN of a big table in the page plan of: {', '.join(seq_scans)}")
    worst = max(r["p95"] for r in results.values())
    print(json.dumps({
        "postgres": pg_version, "tickets": TICKETS, "events": EVENTS, "runs": args.runs,
        "p95_ms_worst": round(worst, 1), "seq_scan_cases": seq_scans,
        "cases": {name: round(r["p95"], 1) for name, r in results.items()},
    }))  # fmt: skip


if __name__ == "__main__":
    main()
