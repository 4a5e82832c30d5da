"""Benchmark: end-to-end intake throughput (issue 3, item 11).

Generates 20,000 realistic mixed messages into a Maildir (ARF 40 %, free text 30 %,
SpamCop 15 %, X-ARF 10 %, Shadowserver CSV of 200 rows 5 %) over the 100,000 allocations of
10,000 customers that bench/resolve.py loads, then ingests them through the code the
workers run — ``reports_receive`` + ``reports_process`` in batches of INGEST_BATCH_SIZE —
with one worker process per core, as ``celery worker --concurrency 2`` does. In the same
run it times the bare-parse baseline of the issue over the same files, then one
Shadowserver report of 100,000 rows to events and tickets. Queued follow-up work
(acknowledgements, notices) is not waited on. Ends with one JSON line.

Run: ``.venv/bin/python bench/ingest.py [--messages N] [--workers N]``."""

from __future__ import annotations

import argparse
import email
import email.policy
import io
import json
import multiprocessing
import os
import random
import shutil
import time
import zipfile
from base64 import encodebytes
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _setup import REPO, bench_module, django_on_bench_database

T0 = datetime(2025, 6, 1, tzinfo=UTC)
WORDS = [
    "server",
    "hosting",
    "customer",
    "attack",
    "traffic",
    "login",
    "password",
    "blocked",
    "firewall",
    "report",
    "abuse",
    "please",
    "stop",
    "immediately",
    "urgent",
    "network",
    "logs",
    "attached",
    "evidence",
    "website",
    "compromised",
]


def ip_from(rng: random.Random, networks: list[str]) -> str:
    import ipaddress

    network = ipaddress.ip_network(rng.choice(networks))
    if network.version == 6:
        return str(network.network_address + rng.randrange(1, 2**16))
    return str(network.network_address + rng.randrange(network.num_addresses))


def stamp(at: datetime) -> str:
    return at.strftime("%a, %d %b %Y %H:%M:%S +0000")


def arf(rng: random.Random, ip: str, at: datetime, n: int) -> bytes:
    isp = rng.choice(
        ["fbl.mailprovider.example", "feedback.bigmail.example", "arf.webmail.example"]
    )
    return (
        f"From: Feedback Loop <fbl@{isp}>\nTo: abuse@desk.example\nSubject: Abuse report {n}\n"
        f"Date: {stamp(at)}\nMessage-ID: <fbl-{n}@{isp}>\nMIME-Version: 1.0\n"
        'Content-Type: multipart/report; report-type=feedback-report; boundary="arf"\n\n'
        f"--arf\nContent-Type: text/plain\n\nThis is an email abuse report for a message from {ip}.\n\n"
        f"--arf\nContent-Type: message/feedback-report\n\nFeedback-Type: abuse\nUser-Agent: FBL/2.1\n"
        f"Version: 1\nSource-IP: {ip}\nArrival-Date: {stamp(at)}\n\n"
        f"--arf\nContent-Type: message/rfc822\n\nReceived: from shop{n}.example.net ([{ip}]) by mx.{isp}; {stamp(at)}\n"
        f"From: offers@shop{n}.example.net\nTo: user{n}@{isp}\nSubject: Limited offer {n}\n"
        f"Date: {stamp(at)}\nMessage-ID: <m{n}@shop{n}.example.net>\n\n"
        + " ".join(rng.choices(WORDS, k=60))
        + "\n--arf--\n"
    ).encode()


def freetext(rng: random.Random, ip: str, at: datetime, n: int) -> bytes:
    kind = rng.choice(
        [
            (
                "SSH brute force from your network",
                f"{at:%b %d %H:%M:%S} web1 sshd[{n}]: Failed password for root from {ip} port 4{n % 1000:03d} ssh2",
            ),
            (
                "Phishing site hosted by you",
                f"The phishing page hxxp://{ip}/login/verify.php was live at {at:%Y-%m-%d %H:%M} UTC.",
            ),
            (
                "Port scan",
                f"{at.isoformat()} DROP IN=eth0 SRC={ip} DST=192.0.2.10 PROTO=TCP DPT=23",
            ),
        ]
    )
    body = f"Hello abuse team,\n\n{' '.join(rng.choices(WORDS, k=40))}\n\n{kind[1]}\n{kind[1]}\n\nRegards,\nJane Admin\nvictim.example.org\n"
    return (
        f"From: Jane Admin <admin{n % 500}@victim{n % 97}.example.org>\nTo: abuse@desk.example\n"
        f"Subject: {kind[0]}\nDate: {stamp(at)}\nMessage-ID: <ft-{n}@victim.example.org>\n"
        f"Content-Type: text/plain; charset=utf-8\n\n{body}"
    ).encode()


def spamcop(rng: random.Random, ip: str, at: datetime, n: int) -> bytes:
    return (
        f"From: {7000000000 + n}@reports.spamcop.net\nTo: abuse@desk.example\n"
        f"Subject: [SpamCop ({ip}) id:{7000000000 + n}]Win a prize\nDate: {stamp(at)}\n"
        f"Content-Type: text/plain; charset=us-ascii\n\n[ SpamCop V5.4.0 ]\n"
        f"This message is brief for your comfort.  Please use links below for details.\n\n"
        f"Email from {ip} / {stamp(at)}\nhttp://www.spamcop.net/w3m?i=z{7000000000 + n}\n\n"
        f"[ Offending message ]\nReceived: from mx.recipient.example ([198.51.100.9]) by store.recipient.example; {stamp(at)}\n"
        f"Received: from sender{n}.example.net ([{ip}]) by mx.recipient.example; {stamp(at)}\n"
        f"Subject: Win a prize\n\n{' '.join(rng.choices(WORDS, k=50))}\n"
    ).encode()


def xarf(rng: random.Random, ip: str, at: datetime, n: int) -> bytes:
    return (
        f'From: "Abuse-Team (auto-generated)" <autogenerated@blocklist.example>\nTo: abuse@desk.example\n'
        f"Subject: [noreply] abuse report about {ip} - {stamp(at)} -- service: ssh\nDate: {stamp(at)}\n"
        f"Message-Id: <x{n}@reporting.blocklist.example>\nMIME-Version: 1.0\nX-XARF: PLAIN\n"
        'Content-Type: multipart/mixed; boundary="Abuse-1"\n\n--Abuse-1\nContent-Type: text/plain; charset=utf-8\n\n'
        f"Your server {ip} attacked our servers via ssh on {stamp(at)}.\n\n"
        '--Abuse-1\nContent-Type: text/plain; charset=utf-8; name="report.txt"\n\n---\n'
        "Reported-From: abuse-team@blocklist.example\nCategory: abuse\nReport-Type: login-attack\nService: ssh\n"
        f"Version: 0.2\nUser-Agent: Fail2BanFeedBackScript V0.2\nDate: {stamp(at)}\nSource-Type: ip-address\n"
        f"Source: {ip}\nPort: 22\nReport-ID: {n}@blocklist.example\nAttachment: text/plain\n\n"
        '--Abuse-1\nContent-Type: text/plain; charset=utf-8; name="logfile.log"\n\n'
        f"{at:%b %d %H:%M:%S} mx1 sshd[3112]: Failed password for root from {ip} port 51522 ssh2\n\n--Abuse-1--\n"
    ).encode()


SHADOW_HEADER = (
    '"timestamp","ip","port","hostname","tag","asn","geo","region","city","naics","sic","protocol"'
)


def shadowserver_csv(rng: random.Random, networks: list[str], at: datetime, rows: int) -> bytes:
    lines = [SHADOW_HEADER]
    for i in range(rows):
        when = (at + timedelta(seconds=i)).strftime("%Y-%m-%d %H:%M:%S")
        lines.append(
            f'"{when}","{ip_from(rng, networks)}",123,"","ntp",64496,"NL","","","0","0","udp"'
        )
    return ("\n".join(lines) + "\n").encode()


def shadowserver(
    rng: random.Random, networks: list[str], at: datetime, n: int, rows: int = 200
) -> bytes:
    buffer = io.BytesIO()
    name = f"{at:%Y-%m-%d}-scan_ntp-bench{n}-asn.csv"
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, shadowserver_csv(rng, networks, at, rows))
    return (
        f"From: Shadowserver <autoreports@shadowserver.example>\nTo: abuse@desk.example\n"
        f"Subject: [Bench] Shadowserver Open NTP Report: {at:%Y-%m-%d} #{n}\nDate: {stamp(at)}\nMIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="b1"\n\n--b1\nContent-Type: text/plain\n\nReport attached.\n'
        f'--b1\nContent-Type: application/zip; name="{name}.zip"\nContent-Transfer-Encoding: base64\n'
        f'Content-Disposition: attachment; filename="{name}.zip"\n\n{encodebytes(buffer.getvalue()).decode()}\n--b1--\n'
    ).encode()


def generate(maildir: Path, count: int, networks: list[str]) -> None:
    rng = random.Random(11)
    new = maildir / "new"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True, exist_ok=True)
    for n in range(count):
        at = T0 + timedelta(seconds=rng.randrange(90 * 86400))
        roll = rng.random()
        ip = ip_from(rng, networks)
        if roll < 0.40:
            raw = arf(rng, ip, at, n)
        elif roll < 0.70:
            raw = freetext(rng, ip, at, n)
        elif roll < 0.85:
            raw = spamcop(rng, ip, at, n)
        elif roll < 0.95:
            raw = xarf(rng, ip, at, n)
        else:
            raw = shadowserver(rng, networks, at, n)
        (new / f"{n:06d}.bench:2,").write_bytes(raw)


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

    from complaints.models import Receipt
    from complaints.processing import reports_process
    from complaints.receiving import Arrival, reports_receive

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
        cursor.execute("TRUNCATE complaints_report, complaints_ticket, complaints_reporter CASCADE")

    maildir = REPO / "var" / "bench-maildir"
    shutil.rmtree(maildir, ignore_errors=True)
    started = time.perf_counter()
    generate(maildir, args.messages, networks)
    paths = sorted(str(p) for p in (maildir / "new").iterdir())
    print(f"generated {len(paths):,} messages in {time.perf_counter() - started:.1f} s")

    parse_rate = baseline([Path(p) for p in paths])
    print(f"baseline bare parse: {parse_rate:,.0f} messages/s (one process)")

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

    # One Shadowserver report of 100,000 rows, to events and tickets.
    from complaints.models import Receipt
    from complaints.processing import reports_process
    from complaints.receiving import Arrival, reports_receive

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
