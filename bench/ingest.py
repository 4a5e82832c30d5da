"""Benchmark: end-to-end intake throughput (issue 3, item 11).

Generates 20,000 realistic mixed messages into a Maildir (ARF 40 %, free text 30 %,
SpamCop 15 %, X-ARF 10 %, Shadowserver CSV of 200 rows 5 %) over the 100,000 allocations of
10,000 customers that bench/resolve.py loads, then ingests them through the code the
workers run — ``reports_receive`` + ``reports_process`` in batches of INGEST_BATCH_SIZE —
with one worker process per core, as ``celery worker --concurrency 2`` does. In the same
run it times the bare-parse baseline of the issue over the same files, then (after a
VACUUM of the intake's tables, which autovacuum would otherwise run during it) one
Shadowserver report of 100,000 rows to events and tickets. Queued follow-up work
(acknowledgements, notices) is not waited on. Ends with one JSON line.

Run: ``.venv/bin/python bench/ingest.py [--messages N] [--workers N]``."""

from __future__ import annotations

import argparse
import email
import email.policy
import json
import multiprocessing
import os
import random
import shutil
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _setup import REPO, bench_module, django_on_bench_database

T0 = datetime(2025, 6, 1, tzinfo=UTC)


def generate(maildir: Path, count: int, networks: list[str]) -> None:
    from complaints.demo_reports import mixed

    rng = random.Random(11)
    new = maildir / "new"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True, exist_ok=True)
    for n in range(count):
        at = T0 + timedelta(seconds=rng.randrange(90 * 86400))
        (new / f"{n:06d}.bench:2,").write_bytes(mixed(rng, networks, at, n))


def baseline(paths: list[Path]) -> float:
    """The issue's bare parse: message_from_bytes(policy.default) + get_content per leaf."""
    raws = [p.read_bytes() for p in paths]
    started = time.perf_counter()
    for raw in raws:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        for part in message.walk():
            if part.is_multipart():
                continue
            try:
                part.get_content()
            except Exception:  # noqa: BLE001 - the baseline ignores errors, as specified
                continue
    return len(raws) / (time.perf_counter() - started)


def worker(paths: list[str]) -> tuple[int, int]:
    """One worker process (forked with Django set up): receive + process its share, in the
    workers' batches."""
    from django.conf import settings
    from django.db import connection

    from complaints.intake.filing.pipeline import reports_process
    from complaints.intake.receiving import Arrival, reports_receive
    from complaints.models import Receipt

    connection.close()
    events = 0
    batch = settings.INGEST_BATCH_SIZE
    for start in range(0, len(paths), batch):
        chunk = paths[start : start + batch]
        arrivals = [
            Arrival(raw=Path(p).read_bytes(), channel=Receipt.Channel.FILE, path=p) for p in chunk
        ]
        received = reports_receive(arrivals, queue=False)
        outcomes = reports_process([r.report_id for r in received if r.outcome == "new"])
        events += sum(len(o.rows) for o in outcomes)
    return len(paths), events


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()

    os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "0")
    django_on_bench_database()
    resolve = bench_module("resolve")  # the allocations of the resolution bench

    from django.db import connection

    from complaints.models import Event, Report, Ticket

    rows = resolve.generate_rows(random.Random(2))
    resolve.load(rows)
    networks = sorted({network for network, *_ in rows})
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE complaints_event, complaints_report, complaints_ticket, complaints_tickettally, "
            "complaints_reporter CASCADE"
        )

    maildir = REPO / "var" / "bench-maildir"
    shutil.rmtree(maildir, ignore_errors=True)
    started = time.perf_counter()
    generate(maildir, args.messages, networks)
    paths = sorted(str(p) for p in (maildir / "new").iterdir())
    print(f"generated {len(paths):,} messages in {time.perf_counter() - started:.1f} s")

    parse_rate = baseline([Path(p) for p in paths])
    print(f"baseline bare parse: {parse_rate:,.0f} messages/s (one process)")

    # A Celery worker imports its tasks and broker transport when it starts, not on the
    # first report: so do the forked workers here.
    import kombu.transport.redis  # noqa: F401

    import complaints.intake.tasks
    import complaints.mediation.tasks  # noqa: F401

    connection.close()
    shares = [paths[i :: args.workers] for i in range(args.workers)]
    started = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(args.workers) as pool:
        results = pool.map(worker, shares)
    elapsed = time.perf_counter() - started
    messages = sum(r[0] for r in results)
    events = sum(r[1] for r in results)
    filed = Report.objects.filter(status="filed").count()
    quarantined = Report.objects.filter(status="quarantined").count()
    print(
        f"ingested {messages:,} messages ({filed:,} filed, {quarantined:,} quarantined) with {args.workers} "
        f"worker processes in {elapsed:.1f} s: {messages / elapsed:,.0f} messages/s, {events / elapsed:,.0f} events/s; "
        f"{Event.objects.count():,} events, {Ticket.objects.count():,} tickets"
    )

    # One Shadowserver report of 100,000 rows, to events and tickets. The database first
    # catches up on the maintenance the 20,000 messages left (what autovacuum would do in
    # the next minute), so that it does not share the two cores with this filing.
    with connection.cursor() as cursor:
        cursor.execute(
            "VACUUM (ANALYZE) complaints_event, complaints_report, complaints_reportraw, "
            "complaints_receipt, complaints_reporter, complaints_ticket, complaints_tickettally"
        )
    from complaints.demo_reports import shadowserver_csv
    from complaints.intake.filing.pipeline import reports_process
    from complaints.intake.receiving import Arrival, reports_receive
    from complaints.models import Receipt

    big = shadowserver_csv(random.Random(5), networks, T0 + timedelta(days=200), 100_000)
    started = time.perf_counter()
    [received] = reports_receive(
        [
            Arrival(
                raw=big, channel=Receipt.Channel.FILE, filename="2025-12-18-scan_ntp-bench-asn.csv"
            )
        ],
        queue=False,
    )
    [outcome] = reports_process([received.report_id])
    big_s = time.perf_counter() - started
    print(f"Shadowserver report of 100,000 rows: {outcome.status}, {len(outcome.rows):,} events, "
          f"{len(outcome.ticket_ids):,} tickets in {big_s:.2f} s")  # fmt: skip
    print(json.dumps({
        "messages": messages, "workers": args.workers, "messages_per_s": round(messages / elapsed, 1),
        "events_per_s": round(events / elapsed, 1), "parse_only_messages_per_s": round(parse_rate, 1),
        "ratio": round((messages / elapsed) / parse_rate, 2), "shadowserver_100k_s": round(big_s, 2),
    }))  # fmt: skip


if __name__ == "__main__":
    main()
