"""docs/architecture.md promises 1-3 under failure: nothing lost, nothing doubled, every report final."""

from __future__ import annotations

import ipaddress
import os
import random
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings

from complaints.intake.filing.pipeline import reports_process
from complaints.intake.receiving import Arrival, reports_receive
from complaints.intake.sweeper import reports_requeue_stuck
from complaints.models import Event, Receipt, Report, Ticket
from tests.complaints import builders
from tests.conftest import REPO, TEST_OUTPUT, database_url_for_tests
from tests.factories import AllocationFactory, CustomerFactory

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def start_worker(name: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url_for_tests(),
        "REDIS_URL": settings.REDIS_URL,
        "REDIS_DB": "",
        "CACHE_KEY_PREFIX": settings.CACHES["default"]["KEY_PREFIX"],
    }
    TEST_OUTPUT.mkdir(exist_ok=True)
    log = open(TEST_OUTPUT / f"worker-{name}.log", "ab")  # noqa: SIM115 - lives with the process
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "trustsafety", "worker", "-Q", "ingest",
         "--concurrency", "1", "-l", "info", "-n", f"{name}-{os.getpid()}@%h"],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip


def wait_for(predicate, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_sigkill_during_processing_loses_and_doubles_nothing() -> None:
    from trustsafety.celery import app

    app.control.purge()
    customer = CustomerFactory(external_id="KILL")
    AllocationFactory(
        network=ipaddress.ip_network("203.0.113.0/24"), customer=customer, valid_from=T0
    )
    count = 1000
    raws = [
        builders.arf(f"203.0.113.{i % 250}", when=T0 + timedelta(minutes=i), tag=f"kill-{i}")
        for i in range(count)
    ]

    first = start_worker("victim")
    try:
        # Queue everything (batches of INGEST_BATCH_SIZE) only once the worker is up.
        wait_for(
            lambda: any("victim" in n for r in app.control.ping(timeout=0.5) for n in r),
            60,
            "worker",
        )
        reports_receive([Arrival(raw=raw, channel=Receipt.Channel.FILE) for raw in raws])
        wait_for(
            lambda: Report.objects.filter(status="filed").count() >= 50, 120, "processing to start"
        )
    finally:
        os.killpg(first.pid, signal.SIGKILL)  # the worker and its pool child, mid-batch
        first.wait(timeout=30)
    filed_at_kill = Report.objects.filter(status="filed").count()
    assert filed_at_kill < count, "the worker finished before it could be killed; raise the count"

    second = start_worker("survivor")
    try:
        # The killed batch's message stays unacknowledged in Redis until its visibility
        # timeout; the sweeper does not wait for that.
        time.sleep(1)
        reports_requeue_stuck(older_than=timedelta(0), running_for=timedelta(0))
        wait_for(
            lambda: not Report.objects.filter(status="received").exists(),
            300,
            "every report to be final",
        )
    finally:
        os.killpg(second.pid, signal.SIGTERM)
        second.wait(timeout=60)

    assert Report.objects.count() == count
    assert Report.objects.filter(status="filed").count() == count
    assert Event.objects.count() == count  # one event per report, none doubled
    assert sum(Ticket.objects.values_list("event_count", flat=True)) == count
    assert Ticket.objects.count() == 250  # one open ticket per address (aggregation key)
    assert not Report.objects.filter(attempts__gt=2).exists()


@pytest.mark.django_db(transaction=True)
def test_a_redelivered_batch_changes_nothing() -> None:
    customer = CustomerFactory()
    AllocationFactory(
        network=ipaddress.ip_network("203.0.113.0/24"), customer=customer, valid_from=T0
    )
    received = reports_receive(
        [
            Arrival(raw=builders.arf(f"203.0.113.{i}"), channel=Receipt.Channel.FILE)
            for i in range(5)
        ],
        queue=False,
    )
    ids = [r.report_id for r in received]
    reports_process(ids)
    before = (
        Event.objects.count(),
        list(Ticket.objects.values_list("pk", "event_count").order_by("pk")),
    )
    assert reports_process(ids) == []  # already final: nothing claimed, nothing filed
    assert (
        Event.objects.count(),
        list(Ticket.objects.values_list("pk", "event_count").order_by("pk")),
    ) == before


@pytest.mark.django_db(transaction=True)
def test_a_report_that_keeps_killing_its_worker_is_quarantined() -> None:
    [received] = reports_receive(
        [Arrival(raw=builders.arf("203.0.113.5"), channel=Receipt.Channel.FILE)], queue=False
    )
    # Three attempts were started and none finished (the worker died each time).
    Report.objects.filter(pk=received.report_id).update(attempts=settings.REPORT_MAX_ATTEMPTS)
    [outcome] = reports_process([received.report_id])
    report = Report.objects.get(pk=received.report_id)
    assert outcome.status == "quarantined"
    assert (report.status, report.quarantine_reason) == ("quarantined", "worker-lost")
    assert report.attempts == settings.REPORT_MAX_ATTEMPTS + 1


@pytest.mark.django_db(transaction=True)
def test_a_retried_report_is_processed_alone_and_filed(one_complaint) -> None:
    _, report_id = one_complaint
    Report.objects.filter(pk=report_id).update(attempts=1)  # a killed first attempt
    [outcome] = reports_process([report_id])
    assert outcome.status == "filed"
    assert Report.objects.get(pk=report_id).attempts == 2


@pytest.mark.django_db(transaction=True)
def test_a_poison_message_is_quarantined_while_the_batch_proceeds() -> None:
    customer = CustomerFactory()
    AllocationFactory(
        network=ipaddress.ip_network("203.0.113.0/24"), customer=customer, valid_from=T0
    )
    good = [builders.arf(f"203.0.113.{i}") for i in range(3)]
    # Seeded: some random bytes happen to spell an address ("e::", "a.cl") and would be filed.
    poison = b"\x00\xff" * 50 + b"\r\n\r\n" + random.Random(0).randbytes(2000)
    received = reports_receive(
        [Arrival(raw=raw, channel=Receipt.Channel.FILE) for raw in [*good, poison]], queue=False
    )
    outcomes = {o.report_id: o for o in reports_process([r.report_id for r in received])}
    statuses = [outcomes[r.report_id].status for r in received]
    assert statuses == ["filed", "filed", "filed", "quarantined"]
    assert Report.objects.get(pk=received[-1].report_id).quarantine_reason


@pytest.mark.django_db(transaction=True)
def test_the_sweeper_requeues_only_reports_that_stalled() -> None:
    from unittest import mock

    received = reports_receive(
        [
            Arrival(raw=builders.arf(f"203.0.113.{i}"), channel=Receipt.Channel.FILE)
            for i in range(3)
        ],
        queue=False,
    )
    fresh, stalled, running = (r.report_id for r in received)
    long_ago = datetime.now(UTC) - timedelta(hours=2)
    Report.objects.filter(pk__in=[fresh, stalled, running]).update(received_at=long_ago)
    Report.objects.filter(pk=stalled).update(attempts=1, claimed_at=long_ago)
    Report.objects.filter(pk=running).update(attempts=1, claimed_at=datetime.now(UTC))
    with mock.patch("complaints.intake.tasks.reports_process_task.delay") as delay:
        assert reports_requeue_stuck() == 2
    queued = [rid for call in delay.call_args_list for rid in call.args[0]]
    assert sorted(queued) == sorted([fresh, stalled])
