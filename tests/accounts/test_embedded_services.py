"""The embedded PostgreSQL and Redis start from nothing, are reused, and stop cleanly."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import redis

REPO = Path(__file__).resolve().parents[2]


def launcher(var_dir: Path, command: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TSD_VAR_DIR": str(var_dir)}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "trustsafety.embedded", command],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip


def test_embedded_servers_start_are_reused_and_stop(tmp_path: Path) -> None:
    var_dir = tmp_path / "var"
    try:
        first = json.loads(launcher(var_dir, "start").stdout)
        with psycopg.connect(first["database_url"]) as conn:
            assert conn.execute("SELECT current_database()").fetchone() == ("trustsafety",)
            assert conn.execute(
                "SELECT count(*) FROM pg_available_extensions WHERE name='btree_gist'"
            ).fetchone() == (1,)
        assert redis.Redis.from_url(first["redis_url"]).ping()
        second = json.loads(launcher(var_dir, "start").stdout)
        assert second == first  # reused, not started twice
    finally:
        launcher(var_dir, "stop")
    assert not (var_dir / "services.json").exists()
    try:
        redis.Redis.from_url(first["redis_url"], socket_connect_timeout=1).ping()
        raise AssertionError("embedded Redis still answers after stop")
    except redis.ConnectionError:
        pass
