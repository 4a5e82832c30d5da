"""Workers filing into the same tickets at once file every report once, with exact counts;
a deadlock between two fillings is retried, never turned into a quarantine."""

from __future__ import annotations

import ipaddress
import os
import signal
from datetime import UTC, datetime, timedelta

import pytest

from complaints.intake.receiving import Arrival, reports_receive
from complaints.models import Event, Receipt, Report, Ticket
from tests.complaints import builders
from tests.complaints.intake.test_no_loss import start_worker, wait_for
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


def _by_another_filing(work) -> None:  # type: ignore[no-untyped-def]
    """Run ``work`` on another connection, committed before this returns."""
    import threading

    from django.db import connection

    def run() -> None:
        try:
            work()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()


def _racing_plan(customer, opened: list[Ticket]):  # type: ignore[no-untyped-def]
    """``tickets_plan``, after which another filing commits a ticket of the planned key."""
    from complaints.intake.filing import pipeline

    real_plan = pipeline.tickets_plan

    def plan_then_race(*args, **kwargs):  # type: ignore[no-untyped-def]
        plan = real_plan(*args, **kwargs)
        [key] = plan.new_ids
        _by_another_filing(lambda: opened.append(Ticket.objects.create(
            aggregation_key=key, subject="another filing's", type="spam",
            taxonomy="abusive-content", customer=customer,
        )))  # fmt: skip
        return plan

    return plan_then_race


@pytest.mark.django_db(transaction=True)
def test_a_deadlocked_filing_is_run_again_not_quarantined(one_complaint) -> None:
    from unittest import mock

    from django.db import OperationalError
    from psycopg import errors

    from complaints.intake.filing import pipeline

    _, report_id = one_complaint
    real_file = pipeline._file
    calls = []

    def deadlocking_once(parsed):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 1:
            try:
                raise errors.DeadlockDetected("deadlock detected")
            except errors.DeadlockDetected as cause:
                raise OperationalError("deadlock detected") from cause
        return real_file(parsed)

    with mock.patch.object(pipeline, "_file", deadlocking_once):
        [outcome] = pipeline.reports_process([report_id])
    assert len(calls) == 2
    assert outcome.status == "filed"
    assert Ticket.objects.get().event_count == 1


@pytest.mark.django_db(transaction=True)
def test_a_ticket_opened_by_another_filing_meanwhile_is_joined(one_complaint) -> None:
    """Between looking up the open tickets and opening the missing ones, another filing
    commits a ticket of the same key: the events join it and the trigger counts them."""
    from unittest import mock

    from complaints.intake.filing import pipeline

    customer, report_id = one_complaint
    other: list[Ticket] = []
    with mock.patch.object(pipeline, "tickets_plan", _racing_plan(customer, other)):
        [outcome] = pipeline.reports_process([report_id])
    [ticket] = Ticket.objects.all()
    assert outcome.ticket_ids == [other[0].pk] == [ticket.pk]
    assert (ticket.event_count, ticket.report_count) == (1, 1)
    assert Event.objects.get().ticket_id == ticket.pk


@pytest.mark.django_db(transaction=True)
def test_a_ticket_opened_and_closed_by_others_meanwhile_makes_a_new_one(one_complaint) -> None:
    """The other filing's ticket is closed again before this filing looks it up: this one
    opens a ticket of its own, counting its events."""
    from unittest import mock

    from complaints.intake.filing import pipeline, ticket_opening

    customer, report_id = one_complaint
    real_lookup = ticket_opening._open_tickets_of
    lookups: list[int] = []

    def lookup_after_close(keys):  # type: ignore[no-untyped-def]
        lookups.append(len(keys))
        if len(lookups) == 2:  # the plan's lookup, then the one after DO NOTHING
            _by_another_filing(
                lambda: Ticket.objects.filter(subject="another filing's").update(status="closed")
            )
        return real_lookup(keys)

    with (
        mock.patch.object(pipeline, "tickets_plan", _racing_plan(customer, [])),
        mock.patch.object(ticket_opening, "_open_tickets_of", lookup_after_close),
    ):
        [outcome] = pipeline.reports_process([report_id])
    assert lookups == [1, 1]
    closed = Ticket.objects.get(subject="another filing's")
    [mine] = Ticket.objects.exclude(pk=closed.pk)
    assert closed.status == "closed" and closed.event_count == 0
    assert outcome.ticket_ids == [mine.pk]
    assert (mine.status, mine.event_count, mine.report_count) == ("new", 1, 1)
    assert Event.objects.get().ticket_id == mine.pk
