"""Work queued after a commit is recorded, not only sent to the broker (issue 11, item 5):
a filed report's reactions and an approved action's execution survive a broker error at
the commit, are queued again by the sweeper, and run exactly once."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from unittest import mock

import pytest
from django.core.cache import cache
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from complaints.actions import services as actions
from complaints.actions.tasks import action_execute_task
from complaints.intake import reactions
from complaints.intake.reactions import reports_react
from complaints.intake.sweeper import actions_requeue_stuck, reactions_requeue_stuck, sweep
from complaints.intake.tasks import reports_react_task
from complaints.models import Action, Message, Report
from tests.complaints.ack_support import World, file_report, load, retagged, world_fixture  # noqa: F401
from tests.complaints.actions_support import make_ticket

pytestmark = pytest.mark.django_db(transaction=True)


def broker_down() -> mock._patch:
    """Publishing fails as kombu fails when Redis refuses the connection."""
    return mock.patch(
        "celery.app.task.Task.apply_async", side_effect=BrokerError("Error 111 connecting")
    )


def wait_until(predicate: Callable[[], bool], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def acks() -> list[Message]:
    return list(Message.objects.filter(kind=Message.Kind.ACKNOWLEDGEMENT))


def notices() -> list[Message]:
    return list(Message.objects.filter(kind=Message.Kind.NOTICE))


@pytest.fixture
def empty_queues() -> None:
    """Tasks left in this run's broker database by earlier tests are dropped before a
    worker starts (the cache and the broker share this run's Redis database)."""
    cache.clear()


@pytest.mark.worker
def test_reactions_lost_to_a_broker_error_run_once_when_it_is_back(
    empty_queues: None, world: World, celery_worker_process: object
) -> None:
    with broker_down():
        first = file_report(load("known_phish.eml"))
        second = file_report(retagged(load("known_phish.eml"), "second"))
    # The filing committed; its reactions are recorded as pending, nothing was sent.
    for report in (first, second):
        report.refresh_from_db()
        assert (report.status, report.reacted_at) == ("filed", None)
    time.sleep(1)
    assert acks() == [] and notices() == []

    # The broker is back; the sweeper finds the pending reactions and a real worker runs them.
    assert reactions_requeue_stuck(older_than=timedelta(0)) == 2
    wait_until(lambda: not Report.objects.filter(reacted_at__isnull=True).exists(), "the reactions")
    assert sorted(a.report_id for a in acks()) == sorted([first.pk, second.pk])
    assert len(notices()) == 1  # one first notice for the ticket both reports joined

    # Nothing runs twice: the sweeper finds nothing more, a redelivered task claims nothing.
    assert reactions_requeue_stuck(older_than=timedelta(0)) == 0
    reports_react_task.delay([first.pk, second.pk])
    time.sleep(2)
    assert reports_react([first.pk, second.pk]) == []
    assert len(acks()) == 2 and len(notices()) == 1


def test_a_report_whose_reactions_fail_does_not_stop_the_others(world: World) -> None:
    reports = [
        file_report(retagged(load("known_phish.eml"), f"batch-{n}"))
        for n in range(3)  # the same customer's ticket: one notice
    ]
    bad = reports[1].pk
    from complaints.mediation import acknowledgements

    real = acknowledgements._acknowledge_one

    def broken_for_one(report, *args, **kwargs):  # type: ignore[no-untyped-def]
        if report.pk == bad:
            raise ValueError("a template fails on this report")
        return real(report, *args, **kwargs)

    with mock.patch.object(acknowledgements, "_acknowledge_one", broken_for_one):
        done = reports_react([r.pk for r in reports])
    assert sorted(done) == sorted(r.pk for r in reports if r.pk != bad)
    assert sorted(a.report_id for a in acks()) == sorted(done)
    assert len(notices()) == 1
    failed = Report.objects.get(pk=bad)
    assert failed.reacted_at is None and failed.react_claimed_at is not None

    # It keeps its claim while a reaction task could still be running, then is retried.
    assert reactions_requeue_stuck(older_than=timedelta(0)) == 0
    Report.objects.filter(pk=bad).update(
        react_claimed_at=timezone.now() - timedelta(seconds=reactions.REACT_TIME_LIMIT + 1)
    )
    with mock.patch("complaints.intake.tasks.reports_react_task.delay") as delay:
        assert reactions_requeue_stuck(older_than=timedelta(0)) == 1
    delay.assert_called_once_with([bad])
    assert reports_react([bad]) == [bad]
    assert len(acks()) == 3 and len(notices()) == 1


def test_a_second_reaction_task_finds_the_reports_taken(world: World) -> None:
    report = file_report(load("known_phish.eml"))
    assert reactions._claim([report.pk]) == [report.pk]  # a first task is running them
    assert reports_react([report.pk]) == []
    assert acks() == []


def test_reactions_are_requeued_once_per_stall(world: World) -> None:
    with broker_down():
        report = file_report(load("known_phish.eml"))
    with mock.patch("complaints.intake.tasks.reports_react_task.delay") as delay:
        assert reactions_requeue_stuck() == 0  # within the grace period: its task may come
        assert reactions_requeue_stuck(older_than=timedelta(0)) == 1
        assert reactions_requeue_stuck(older_than=timedelta(0)) == 0  # queued just now
        assert sweep()["reactions"] == 0
    assert delay.call_count == 1
    Report.objects.filter(pk=report.pk).update(requeued_at=timezone.now() - timedelta(hours=1))
    with mock.patch("complaints.intake.tasks.reports_react_task.delay") as delay:
        assert reactions_requeue_stuck(older_than=timedelta(minutes=5)) == 0  # filed just now
        Report.objects.filter(pk=report.pk).update(processed_at=timezone.now() - timedelta(hours=1))
        assert sweep()["reactions"] == 1  # its new task was lost too: once more


@pytest.mark.worker
def test_an_action_lost_to_a_broker_error_is_done_once_when_it_is_back(
    empty_queues: None, users: dict, celery_worker_process: object
) -> None:
    ticket = make_ticket()
    with broker_down():
        action = actions.action_request(
            ticket=ticket, kind="warn", reason="Spam from your server", actor=users["agent"]
        )
    action.refresh_from_db()
    assert action.status == Action.Status.APPROVED  # the request committed
    assert action.queued_at is not None
    time.sleep(1)
    assert Action.objects.get(pk=action.pk).status == Action.Status.APPROVED

    Action.objects.filter(pk=action.pk).update(queued_at=timezone.now() - timedelta(hours=1))
    assert actions_requeue_stuck() == 1
    assert actions_requeue_stuck() == 0  # just queued again
    wait_until(lambda: Action.objects.get(pk=action.pk).status == Action.Status.DONE, "the action")
    # A late duplicate of the task does nothing.
    action_execute_task.apply(args=[action.pk])
    warnings = Message.objects.filter(ticket=ticket, kind=Message.Kind.NOTICE)
    assert warnings.count() == 1
    action.refresh_from_db()
    assert action.attempts == 1


def test_a_running_action_is_taken_up_again_only_by_its_own_task(users: dict) -> None:
    ticket = make_ticket()
    with mock.patch("complaints.actions.tasks.action_execute_task.delay"):
        action = actions.action_request(
            ticket=ticket, kind="warn", reason="Spam from your server", actor=users["agent"]
        )
    # Task A took it and died before finishing (a killed worker).
    Action.objects.filter(pk=action.pk).update(
        status=Action.Status.RUNNING, claimed_by="task-a", attempts=1
    )
    assert actions.action_execute(action_id=action.pk, claim_token="task-b") == "running"
    assert Message.objects.filter(ticket=ticket).count() == 0
    # A's redelivery (the same task id) carries it out.
    assert actions.action_execute(action_id=action.pk, claim_token="task-a") == "done"
    assert Message.objects.filter(ticket=ticket, kind=Message.Kind.NOTICE).count() == 1


def test_an_approved_action_is_not_queued_before_its_grace_period(users: dict) -> None:
    ticket = make_ticket()
    with broker_down():
        action = actions.action_request(
            ticket=ticket, kind="warn", reason="Spam from your server", actor=users["agent"]
        )
    with mock.patch("complaints.actions.tasks.action_execute_task.delay") as delay:
        assert actions_requeue_stuck() == 0
        Action.objects.filter(pk=action.pk).update(queued_at=timezone.now() - timedelta(hours=1))
        assert actions_requeue_stuck() == 1
        assert actions_requeue_stuck() == 0
    delay.assert_called_once_with(action.pk)


def test_reports_received_while_the_broker_is_down_are_queued_by_the_sweeper() -> None:
    from complaints.intake.receiving import Arrival, reports_receive
    from complaints.intake.sweeper import reports_requeue_stuck
    from complaints.models import Receipt
    from tests.complaints import builders

    with broker_down():  # the answer (202, the IMAP flag) does not fail after the commit
        [received] = reports_receive(
            [Arrival(raw=builders.arf("203.0.113.5"), channel=Receipt.Channel.FILE)]
        )
    assert Report.objects.get(pk=received.report_id).status == "received"
    with mock.patch("complaints.intake.tasks.reports_process_task.delay") as delay:
        assert reports_requeue_stuck(older_than=timedelta(0)) == 1
    delay.assert_called_once_with([received.report_id])
