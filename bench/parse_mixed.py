"""Benchmark: the parse alone, per format, over the ingest bench's message mix.

The ingest bench (``bench/ingest.py``) times receiving, parsing and filing together; this
one isolates the parsers' share, so a slower extraction or classification shows up per
format (ms per message) without the database's noise. Same generator as the ingest bench
(``complaints.demo_reports.mixed``: ARF 40 %, free text 30 %, SpamCop 15 %, X-ARF 10 %,
Shadowserver CSV of 200 rows 5 %), over reserved example networks; each message is
loaded and parsed as the intake does (``mime.load`` then ``registry.parse_document``).
Timed in CPU time (``time.process_time``), best of ``--repeat`` passes: on a shared
machine the wall clock counts the other processes' turns too. No database, no Django.

Run: ``.venv/bin/python bench/parse_mixed.py [--messages N] [--repeat N]``; ends with one
JSON line."""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

# bench/ leaves the path: bench/queue.py would shadow the standard library's queue.
_BENCH = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _BENCH]
sys.path.insert(0, str(_BENCH.parent))

from complaints.demo_reports import mixed
from complaints.parsers import registry
from complaints.parsers.mime import load

NETWORKS = ["192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"]
T0 = datetime(2025, 6, 1, tzinfo=UTC)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=4000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    rng = random.Random(11)
    raws = [
        mixed(rng, NETWORKS, T0 + timedelta(seconds=rng.randrange(90 * 86400)), n)
        for n in range(args.messages)
    ]
    registry.parsers()  # imports and compiled patterns, outside the timing
    best: dict[str, float] = {}
    counts: dict[str, int] = {}
    total_best = float("inf")
    for _ in range(args.repeat):
        spent: dict[str, float] = defaultdict(float)
        seen: dict[str, int] = defaultdict(int)
        pass_started = time.process_time()
        for raw in raws:
            started = time.process_time()
            result = registry.parse_document(load(raw))
            spent[result.format] += time.process_time() - started
            seen[result.format] += 1
        total_best = min(total_best, time.process_time() - pass_started)
        for name, seconds in spent.items():
            best[name] = min(best.get(name, float("inf")), seconds)
        counts = dict(seen)
    per_format = {name: round(1000 * best[name] / counts[name], 3) for name in sorted(counts)}
    for name, ms in per_format.items():
        print(f"{name:<14} {counts[name]:>6} messages  {ms:.3f} ms/message")
    print(
        json.dumps(
            {
                "messages": args.messages,
                "messages_per_s": round(args.messages / total_best, 1),
                "ms_per_message": per_format,
            }
        )
    )


if __name__ == "__main__":
    main()
