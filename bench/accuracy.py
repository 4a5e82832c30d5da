"""Benchmark: how well the intake reads real complaints (issue 13's evaluation).

Run: ``.venv/bin/python bench/accuracy.py [--source fixtures|corpus|heldout] [--failures]``.
Runs every message of the evaluation set (``tests/fixtures/evaluation/``, the shared
corpus's mail samples, read in place, and the held-out set written blind to the parsers,
``tests/fixtures/evaluation_heldout/``) through the intake's parsing path, scores it against the
hand-written expectations of ``tests/evaluation/`` and prints the figures per source and
per failure class; ``--failures`` lists every message the intake gets wrong, and why. Ends
with one JSON line of the figures. No database, no network: the evaluation is pure.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

# bench/ leaves the path: bench/queue.py would shadow the standard library's queue.
_BENCH = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _BENCH]
sys.path.insert(0, str(_BENCH.parent))

from tests.evaluation import scoring


def _commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=_BENCH.parent,
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:
        return ""
    return out.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", choices=scoring.SOURCES, action="append")
    parser.add_argument("--failures", action="store_true", help="list every wrong message")
    args = parser.parse_args()
    sources = args.source or list(scoring.SOURCES)
    if "corpus" in sources and not scoring.corpus_available():
        print(f"shared corpus not found at {scoring.CORPUS}: fixtures only", file=sys.stderr)
    started = time.monotonic()
    judged = scoring.evaluate(scoring.cases(sources))
    elapsed = time.monotonic() - started
    result = scoring.summary(judged)
    print(scoring.table(result))
    if args.failures:
        print()
        print("\n".join(scoring.failures(judged)))
    print(f"\n{len(judged)} messages in {elapsed:.2f} s")
    print(scoring.json_line(result, {"commit": _commit(), "seconds": round(elapsed, 2)}))


if __name__ == "__main__":
    main()
