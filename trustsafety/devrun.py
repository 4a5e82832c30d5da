"""``make run``: the web server, a Celery worker, beat and a local mail sink as one
foreground process group.

Outbound mail (acknowledgements, notices, replies) goes to an aiosmtpd server on
127.0.0.1:1025 that stores every message in the Maildir ``var/outbox`` — the demo never
mails anyone. Ctrl-C (or any child exiting) stops them all. The embedded database and Redis are not
children: they belong to ``trustsafety.embedded`` and outlive this process (``make stop``)."""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", default="8000")
    args = parser.parse_args()
    python = sys.executable
    (BASE_DIR / "var").mkdir(exist_ok=True)
    commands = {
        "web": [python, "manage.py", "runserver", f"{args.host}:{args.port}", "--noreload"],
        "worker": [
            python, "-m", "celery", "-A", "trustsafety", "worker", "-Q", "ingest,checks,default",
            "--concurrency", "2", "-l", "info", "-n", "desk@%h",
        ],
        "mail-sink": [
            python, "-m", "aiosmtpd", "-n", "-l", "127.0.0.1:1025",
            "-c", "aiosmtpd.handlers.Mailbox", str(BASE_DIR / "var" / "outbox"),
        ],
        "beat": [
            python, "-m", "celery", "-A", "trustsafety", "beat", "-l", "info",
            "-s", str(BASE_DIR / "var" / "celerybeat-schedule"),
        ],
    }  # fmt: skip
    rbldnsd = shutil.which("rbldnsd") or (
        "/usr/sbin/rbldnsd" if Path("/usr/sbin/rbldnsd").exists() else None
    )
    zone_data = BASE_DIR / "var" / "dnsbl" / "demo.data"
    if rbldnsd and zone_data.exists():
        # The demo blocklist (customers.reputation_demo) on loopback, so sweeps are real.
        commands["blocklist"] = [
            rbldnsd, "-n", "-b", "127.0.0.1/5354", "-w", str(zone_data.parent),
            *(["-u", "nobody"] if os.geteuid() == 0 else []), "bl.desk.test:ip4set:demo.data",
        ]  # fmt: skip
    else:
        print("rbldnsd is not installed: the demo blocklist sweep will report its zone unreachable")
    # The demo is development: DEBUG=1 unless the caller asked otherwise (settings default
    # to DEBUG off, which would refuse the development secrets).
    env = {**os.environ, "DEBUG": os.environ.get("DEBUG", "1")}
    children = {
        name: subprocess.Popen(cmd, cwd=BASE_DIR, env=env)  # noqa: S603
        for name, cmd in commands.items()
    }

    def stop_all(*_: object) -> None:
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop_all)
    try:
        while all(child.poll() is None for child in children.values()):
            time.sleep(0.5)
        failed = [name for name, child in children.items() if child.poll() is not None]
        print(f"{', '.join(failed)} exited; stopping the others", file=sys.stderr)
    except KeyboardInterrupt:
        pass
    stop_all()
    for child in children.values():
        try:
            child.wait(timeout=15)
        except subprocess.TimeoutExpired:
            child.kill()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
