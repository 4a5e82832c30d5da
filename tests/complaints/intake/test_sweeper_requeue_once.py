"""The sweeper does not multiply work (issue 11, item 7): a stalled report is queued again
once per stall, and a duplicate task leaves a report another task is working on alone (it
neither files it a second time nor counts attempts until it is quarantined "worker-lost")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.conf import settings
from django.utils import timezone

from complaints.intake.filing.pipeline import reports_process
from complaints.intake.receiving import Arrival, reports_receive
from complaints.intake.sweeper import reports_requeue_stuck
from complaints.models import Event, Receipt, Report
from tests.complaints import builders

pytestmark = pytest.mark.django_db(transaction=True)


def received(count: int) -> list[int]:
    arrivals = [
        Arrival(raw=builders.arf(f"203.0.113.{i}"), channel=Receipt.Channel.FILE)
        for i in range(count)
    ]
    return [r.report_id for r in reports_receive(arrivals, queue=False)]


def queued_by_sweep(**kwargs: timedelta) -> list[int]:
    with mock.patch("complaints.intake.tasks.reports_process_task.delay") as delay:
        reports_requeue_stuck(**kwargs)
    return sorted(rid for call in delay.call_args_list for rid in call.args[0])


def test_a_backlog_is_queued_again_once_per_stall() -> None:
    ids = received(3)
    # Their tasks wait behind a backlog in the broker: nobody has claimed them yet.
    Report.objects.filter(pk__in=ids).update(received_at=timezone.now() - timedelta(hours=1))
    assert queued_by_sweep() == sorted(ids)
    for _ in range(5):  # the next minutes' sweeps
        assert queued_by_sweep() == []
    # Still not started a task's time limit later: its task was lost as well; once more.
    stall = timedelta(seconds=settings.REPORT_TASK_TIME_LIMIT + 61)
    Report.objects.filter(pk__in=ids).update(requeued_at=timezone.now() - stall)
    assert queued_by_sweep() == sorted(ids)
    assert queued_by_sweep() == []


def test_a_dead_attempt_is_queued_again_once() -> None:
    [report_id] = received(1)
    long_ago = timezone.now() - timedelta(hours=2)
    Report.objects.filter(pk=report_id).update(
        received_at=long_ago, attempts=1, claimed_at=long_ago, claimed_by="dead-task"
    )
    assert queued_by_sweep() == [report_id]
    assert queued_by_sweep() == []


def test_a_duplicate_task_leaves_a_report_in_flight_alone() -> None:
    [report_id] = received(1)
    # Task A claimed it a moment ago and is parsing it; the sweeper's duplicates arrive.
    Report.objects.filter(pk=report_id).update(
        attempts=1, claimed_at=timezone.now(), claimed_by="task-a"
    )
    for n in range(settings.REPORT_MAX_ATTEMPTS + 2):
        assert reports_process([report_id], claim_token=f"duplicate-{n}") == []
    report = Report.objects.get(pk=report_id)
    assert (report.status, report.attempts) == ("received", 1)
    assert not Event.objects.exists()
    # Task A, redelivered after its worker died, takes it up again and files it.
    [outcome] = reports_process([report_id], claim_token="task-a")
    assert outcome.status == "filed"
    assert Report.objects.get(pk=report_id).attempts == 2


def test_an_attempt_past_the_task_time_limit_is_claimed_by_another_task() -> None:
    [report_id] = received(1)
    started = timezone.now() - timedelta(seconds=settings.REPORT_TASK_TIME_LIMIT + 5)
    Report.objects.filter(pk=report_id).update(attempts=1, claimed_at=started, claimed_by="task-a")
    [outcome] = reports_process([report_id], claim_token="task-b")
    assert outcome.status == "filed"


def test_a_report_the_sweeper_queued_again_is_claimed_by_the_new_task() -> None:
    [report_id] = received(1)
    Report.objects.filter(pk=report_id).update(
        attempts=1, claimed_at=datetime.now(UTC), claimed_by="task-a"
    )
    # An operator (or a test) declares every attempt dead at once.
    assert queued_by_sweep(older_than=timedelta(0), running_for=timedelta(0)) == [report_id]
    [outcome] = reports_process([report_id], claim_token="task-b")
    assert outcome.status == "filed"


def test_a_fresh_claim_names_its_task() -> None:
    ids = received(2)
    reports_process(ids, claim_token="task-a")
    assert set(Report.objects.values_list("claimed_by", "status")) == {("task-a", "filed")}
