"""Benchmark: the intake's ticket statements at a million tickets (issue 3, "plans at volume").

On the queue bench's data set (1,000,000 tickets, 5,000,000 events; loaded by
``bench/queue.py`` when missing) it explains, with ANALYZE and rolled back, the statements a
filing runs on tickets — the open tickets of its aggregation keys, the lock of those found,
and the UPDATE adding its counts (``complaints.intake.filing.ticket_opening``) — for a mixed batch's 200
tickets and a large feed's 10,000. It prints each plan, flags any sequential scan of the
tickets table, and ends with one JSON line of the execution times.

Run: ``.venv/bin/python bench/ticket_statements.py``."""

from __future__ import annotations

import json
import random
import sys
from datetime import UTC, datetime
from pathlib import Path

# Run with the repository, not bench/, at the front of the path (see bench/queue.py).
_BENCH = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _BENCH]
sys.path.insert(0, str(_BENCH.parent))

from bench.queue import ASSIGNEES, django_on_queue_bench_database, load

SIZES = (200, 10_000)


def statements(ids: list[int], keys: list[str]) -> list[tuple[str, str, list]]:
    """(name, sql, params) of each statement, with the parameters the intake passes."""
    from complaints.intake.filing import ticket_opening
    from trustsafety.pg_arrays import array_literal

    now = datetime.now(UTC)
    n = len(ids)
    added = [array_literal(ids), array_literal([1] * n), array_literal([1] * n)]
    added += [array_literal([now] * n), array_literal([now] * n), array_literal(["{1}"] * n)]
    return [
        ("open tickets of keys", ticket_opening.SQL_OPEN_OF_KEYS, [array_literal(keys)]),
        ("lock", ticket_opening.SQL_LOCK, [array_literal(ids)]),
        ("add counts", ticket_opening.SQL_ADD, added),
    ]


def main() -> None:
    django_on_queue_bench_database()
    from django.db import connection, transaction

    from accounts.services import user_with_roles_ensure
    from complaints.intake.filing.ticket_opening import OPEN_STATUSES

    load(
        [
            user_with_roles_ensure(
                username=f"bench-agent-{n:02d}", password="bench-password-123", roles=["agent"]
            ).pk
            for n in range(1, ASSIGNEES + 1)
        ]
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, aggregation_key FROM complaints_ticket "
            "WHERE status = ANY(%s) AND event_count > 0 ORDER BY id",
            [list(OPEN_STATUSES)],
        )
        found = cursor.fetchall()
    rng = random.Random(3)
    times: dict[str, float] = {}
    seq_scans = []
    for size in SIZES:
        sample = sorted(rng.sample(found, size))
        for name, sql, params in statements([i for i, _ in sample], [k for _, k in sample]):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS, SUMMARY ON) " + sql, params)
                plan = "\n".join(row[0] for row in cursor.fetchall())
                transaction.set_rollback(True)
            label = f"{name}, {size:,} tickets"
            times[label] = float(plan.rsplit("Execution Time: ", 1)[1].split(" ms")[0])
            if "Seq Scan on complaints_ticket" in plan:
                seq_scans.append(label)
            print(f"=== {label}: {times[label]:.1f} ms\n{plan}\n", flush=True)
    if seq_scans:
        print(f"SEQUENTIAL SCAN of the tickets in: {', '.join(seq_scans)}")
    print(json.dumps({"ms": times, "seq_scan_cases": seq_scans}))


if __name__ == "__main__":
    main()
