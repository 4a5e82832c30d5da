"""Workers filing into the same tickets at once file every report once, with exact counts;
a deadlock between two fillings is retried, never turned into a quarantine."""

from __future__ import annotations

import ipaddress
import os
import signal
from datetime import UTC, datetime, timedelta

import pytest

from complaints.models import Event, Receipt, Report, Ticket
from complaints.receiving import Arrival, reports_receive
from tests.complaints import builders
from tests.complaints.test_no_loss import start_worker, wait_for
from tests.factories import AllocationFactory, CustomerFactory

T0 = datetime(2024, 1, 1, tzinfo=UTC)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_three_workers_filing_the_same_tickets_file_everything_once() -> None:
    from trustsafety.celery import app

    app.control.purge()
    for index in range(4):
        AllocationFactory(
            network=ipaddress.ip_network(f"203.0.113.{index * 64}/26"),
            customer=CustomerFactory(), valid_from=T0,
        )  # fmt: skip
    # 1,200 complaints about 24 addresses: every batch of 200 touches every ticket.
    raws = [
        builders.arf(f"203.0.113.{(i * 7) % 24 * 10}", when=T0 + timedelta(minutes=i), tag=f"c{i}")
        for i in range(1200)
    ]
    workers = [start_worker(f"filer{n}") for n in range(3)]
    try:
        wait_for(lambda: sum(len(r) for r in app.control.ping(timeout=0.5)) >= 3, 60, "workers")
        reports_receive([Arrival(raw=r, channel=Receipt.Channel.FILE) for r in raws])
        wait_for(lambda: not Report.objects.filter(status="received").exists(), 240, "filing")
    finally:
        for worker in workers:
            os.killpg(worker.pid, signal.SIGTERM)
        for worker in workers:
            worker.wait(timeout=60)
    assert (
        list(
            Report.objects.filter(status="quarantined").values_list("quarantine_reason", flat=True)
        )
        == []
    )
    assert Report.objects.filter(status="filed").count() == 1200
    assert Event.objects.count() == 1200
    assert Ticket.objects.count() == 24
    assert sum(Ticket.objects.values_list("event_count", flat=True)) == 1200


@pytest.mark.django_db(transaction=True)
def test_a_deadlocked_filing_is_run_again_not_quarantined() -> None:
    from unittest import mock

    from django.db import OperationalError
    from psycopg import errors

    from complaints import processing

    customer = CustomerFactory()
    AllocationFactory(
        network=ipaddress.ip_network("203.0.113.0/24"), customer=customer, valid_from=T0
    )
    [received] = reports_receive(
        [Arrival(raw=builders.arf("203.0.113.5"), channel=Receipt.Channel.FILE)], queue=False
    )
    real_file = processing._file
    calls = []

    def deadlocking_once(parsed):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 1:
            try:
                raise errors.DeadlockDetected("deadlock detected")
            except errors.DeadlockDetected as cause:
                raise OperationalError("deadlock detected") from cause
        return real_file(parsed)

    with mock.patch.object(processing, "_file", deadlocking_once):
        [outcome] = processing.reports_process([received.report_id])
    assert len(calls) == 2
    assert outcome.status == "filed"
    assert Ticket.objects.get().event_count == 1
