"""Bounded memory per batch (issue 11, item 6): a batch parses one report at a time and
keeps only the parse results, and stops at ``INGEST_BATCH_MAX_BYTES`` decoded bytes, handing
the reports it did not reach to a fresh task. A batch of gzip bombs, each within the
per-report budget (100 MiB unpacked), was all in memory at once: 200 of them are ~20 GB.

The batch runs in a child process whose peak resident memory (``ru_maxrss``) is measured;
its address space is capped at 4 GiB so that a regression fails with MemoryError instead of
exhausting the machine."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import textwrap
from email.message import EmailMessage
from typing import Any

import pytest
from django.conf import settings

from complaints.intake.filing.pipeline import reports_process
from complaints.intake.receiving import Arrival, reports_receive
from complaints.models import Receipt, Report
from complaints.parsers.mime import load
from tests.complaints import builders
from tests.conftest import REPO, database_url_for_tests

pytestmark = pytest.mark.django_db(transaction=True)

GIB = 1024**3
UNPACKED = 95 * 1024 * 1024  # under REPORT_MAX_DECOMPRESSED_BYTES (100 MiB)


@pytest.fixture(scope="module")
def bomb() -> bytes:
    """95 MiB of zeros, gzipped to about 95 KB."""
    return gzip.compress(b"\0" * UNPACKED, 6)


def bomb_mail(bomb: bytes, n: int) -> bytes:
    message = EmailMessage()
    message["From"] = "reports@bomber.example"
    message["To"] = "abuse@desk.example"
    message["Subject"] = f"Abuse report {n}"
    message["Message-ID"] = f"<bomb-{n}@bomber.example>"
    message.set_content("Spam from 203.0.113.9, the logs are attached.")
    message.add_attachment(bomb, maintype="application", subtype="gzip", filename="logs.csv.gz")
    return message.as_bytes()


def receive(raws: list[bytes]) -> list[int]:
    arrivals = [Arrival(raw=raw, channel=Receipt.Channel.FILE) for raw in raws]
    return [r.report_id for r in reports_receive(arrivals, queue=False)]


CHILD = textwrap.dedent(
    """
    import json, resource, sys
    resource.setrlimit(resource.RLIMIT_AS, (4 * 1024**3, 4 * 1024**3))
    import django
    django.setup()
    from complaints.intake.filing.pipeline import reports_process

    ids = json.loads(sys.argv[1])
    handed_off = []
    outcomes = reports_process(ids, claim_token="memory-test", hand_off=handed_off.extend)
    print(json.dumps({
        "peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "done": {o.report_id: o.status for o in outcomes},
        "handed_off": handed_off,
    }))
    """
)


def process_in_child(ids: list[int], **env: str) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(ids)],
        cwd=REPO,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "trustsafety.settings",
            "DATABASE_URL": database_url_for_tests(),
            "REDIS_URL": settings.REDIS_URL,
            "REDIS_DB": "",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_batch_of_200_gzip_bombs_stays_under_a_gibibyte(bomb: bytes) -> None:
    ids = receive([bomb_mail(bomb, n) for n in range(200)])
    answer = process_in_child(ids)
    assert answer["peak"] < GIB, f"peak {answer['peak'] / GIB:.2f} GiB"
    done = {int(rid): status for rid, status in answer["done"].items()}
    # The first bomb alone passes the batch's budget: the rest goes to a fresh task.
    assert list(done) == ids[:1] and done[ids[0]] in ("filed", "quarantined")
    assert answer["handed_off"] == ids[1:]
    waiting = Report.objects.filter(pk__in=ids[1:])
    assert set(waiting.values_list("status", "attempts", "claimed_at")) == {("received", 0, None)}


def test_one_report_at_a_time_even_without_a_batch_budget(bomb: bytes) -> None:
    ids = receive([bomb_mail(bomb, n) for n in range(24)])  # 2.2 GiB unpacked in all
    answer = process_in_child(ids, INGEST_BATCH_MAX_BYTES=str(10**12))
    assert answer["peak"] < GIB, f"peak {answer['peak'] / GIB:.2f} GiB"
    assert sorted(int(rid) for rid in answer["done"]) == ids
    assert answer["handed_off"] == []


def decoded_size(raw: bytes) -> int:
    """What a batch counts for one report: its raw bytes and every decoded part."""
    return len(raw) + sum(len(part.payload) for part in load(raw).parts)


def test_reports_past_the_budget_are_filed_by_the_next_round(settings) -> None:  # type: ignore[no-untyped-def]
    # Without a task to hand them to (``manage.py ingest``), later rounds file them.
    raws = [builders.arf(f"203.0.113.{i}", tag=f"budget-{i}") for i in range(5)]
    settings.INGEST_BATCH_MAX_BYTES = 2 * decoded_size(raws[0]) - 1  # two reports per round
    ids = receive(raws)
    outcomes = reports_process(ids)
    assert sorted(o.report_id for o in outcomes) == ids
    assert {o.status for o in outcomes} == {"filed"}
    assert set(Report.objects.values_list("attempts", flat=True)) == {1}


def test_the_task_hands_the_rest_to_a_fresh_task(settings) -> None:  # type: ignore[no-untyped-def]
    from unittest import mock

    from complaints.intake.tasks import reports_process_task

    raws = [builders.arf(f"203.0.113.{i}", tag=f"budget-{i}") for i in range(5)]
    settings.INGEST_BATCH_MAX_BYTES = 2 * decoded_size(raws[0]) - 1  # two reports per round
    ids = receive(raws)
    with mock.patch.object(reports_process_task, "delay") as delay:
        assert reports_process_task.apply(args=[ids]).get() == 2
    delay.assert_called_once_with(ids[2:])
    assert reports_process_task.apply(args=[ids[2:]]).get() == 2  # and so on
    assert Report.objects.filter(status="filed").count() == 4
