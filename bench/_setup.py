"""Shared start-up for benchmarks: Django on a separate ``<name>_bench`` database.

Benchmarks load hundreds of thousands of rows; they get their own database on the same
server so the demo data and the test database are never touched. Likewise their own Redis
database (``BENCH_REDIS_DB``), emptied at start: the intake queues its follow-up work
(acknowledgements, notices) for every report it files, and on the desk's own broker a
worker would later run those tasks with the bench's report ids against the desk's
database."""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BENCH_REDIS_DB = 14  # the test suite uses 15
BENCH = Path(__file__).resolve().parent

# Scripts here are run as ``python bench/x.py``, which puts bench/ first on sys.path, where
# bench/queue.py would shadow the standard library's ``queue``. Once this module is
# imported, bench/ leaves the path; other bench modules load through ``bench_module``.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH]


def bench_module(name: str):  # type: ignore[no-untyped-def]
    """Import bench/<name>.py without bench/ on sys.path."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def django_on_bench_database(suffix: str = "_bench") -> None:
    """Django set up on the database ``<name><suffix>`` (created when missing, migrated)
    and the benches' own Redis database."""
    sys.path.insert(0, str(REPO))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trustsafety.settings")
    os.environ["REDIS_DB"] = str(BENCH_REDIS_DB)  # read when the settings load, below
    import django
    from django.conf import settings

    database = settings.DATABASES["default"]
    bench_name = f"{database['NAME']}{suffix}"
    _ensure_database(database, bench_name)
    database["NAME"] = bench_name
    django.setup()
    import redis
    from django.core.management import call_command

    redis.Redis.from_url(settings.REDIS_URL).flushdb()  # earlier runs' queued tasks
    call_command("migrate", verbosity=0)


def _ensure_database(database: dict, name: str) -> None:
    import psycopg

    params = {
        "dbname": database["NAME"],
        "user": database.get("USER") or None,
        "password": database.get("PASSWORD") or None,
        "host": database.get("HOST") or (database.get("OPTIONS") or {}).get("host") or None,
        "port": database.get("PORT") or None,
    }
    with psycopg.connect(**{k: v for k, v in params.items() if v}, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]
