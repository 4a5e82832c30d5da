"""The sweeper: work whose task was lost is queued again (beat runs ``sweep`` every minute).

- Reports left in "received" (a lost task, a killed worker): those never started
  ``REPORT_STUCK_AFTER_SECONDS`` after they arrived, and those whose last attempt started
  longer ago than a task may run (``REPORT_TASK_TIME_LIMIT`` + 60 s: it died). Recovery then
  takes minutes, not the broker's visibility timeout.
- Filed reports whose reactions have not run (``reacted_at``) ``FOLLOW_UP_STUCK_AFTER_SECONDS``
  after filing, unless a reaction task that may still be alive holds them.
- Approved actions no task has taken ``FOLLOW_UP_STUCK_AFTER_SECONDS`` after they were
  queued (``queued_at``); and actions in flight whose task is gone: a running one whose
  attempt started longer ago than the task may run (its worker died), a retrying one whose
  next attempt is ``FOLLOW_UP_STUCK_AFTER_SECONDS`` overdue (the retry was lost). These go
  back to approved and are queued afresh, so none stays "running" for ever. A running
  action the provisioning system accepted waits for its callback and is left alone.

Each stall is queued again once: the row records when (a report's ``requeued_at``, an
action's ``queued_at``, set in the statement that picks it), and the next time waits as long
again. So a backlog in the broker (tasks queued but not run yet) is not multiplied every
minute, and a task queued twice all the same does nothing the second time: processing,
reactions and actions each claim their rows with a conditional UPDATE, and a report being
processed is claimed again only once its attempt is over (``complaints.intake.filing.pipeline``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.db.models.functions import Now
from django.utils import timezone

from complaints.actions.services import actions_queue
from complaints.actions.tasks import ACTION_TIME_LIMIT
from complaints.intake.tasks import REACT_TIME_LIMIT, reports_process_task, reports_react_task
from complaints.models import Action, Report

logger = logging.getLogger(__name__)


def sweep() -> dict[str, int]:
    """Queue again whatever stalled; how many of each."""
    return {
        "reports": reports_requeue_stuck(),
        "reactions": reactions_requeue_stuck(),
        "actions": actions_requeue_stuck() + actions_resume_stalled(),
    }


def reports_requeue_stuck(
    *,
    older_than: timedelta | None = None,
    running_for: timedelta | None = None,
    limit: int = 20000,
) -> int:
    """Queue again the reports never started for ``older_than`` and those whose last
    attempt started ``running_for`` ago (longer than a task may run: it died), unless they
    were queued again within ``running_for`` already."""
    now = timezone.now()
    default_age = timedelta(seconds=settings.REPORT_STUCK_AFTER_SECONDS)
    default_running = timedelta(seconds=settings.REPORT_TASK_TIME_LIMIT + 60)
    age = older_than if older_than is not None else default_age
    running = running_for if running_for is not None else default_running
    never_started = Q(claimed_at__isnull=True, received_at__lt=now - age)
    cut_off = Q(claimed_at__lt=now - running)
    not_just_queued = Q(requeued_at__isnull=True) | Q(requeued_at__lt=now - running)
    stuck = _pick(
        Report.objects.filter(never_started | cut_off, not_just_queued, status="received"),
        "received_at",
        "requeued_at",
        limit,
    )
    return _queue(
        stuck,
        lambda chunk: reports_process_task.delay(chunk),
        Report.objects.filter(requeued_at__isnull=False),
        "requeued_at",
    )


def reactions_requeue_stuck(*, older_than: timedelta | None = None, limit: int = 20000) -> int:
    """Queue again the reactions of reports filed ``older_than`` ago that have not run,
    that no live reaction task holds and that were not queued again within
    ``FOLLOW_UP_STUCK_AFTER_SECONDS``."""
    now = timezone.now()
    grace = older_than if older_than is not None else _follow_up_grace()
    claim_void = Q(react_claimed_at__isnull=True) | Q(
        react_claimed_at__lt=now - timedelta(seconds=REACT_TIME_LIMIT)
    )
    not_just_queued = Q(requeued_at__isnull=True) | Q(requeued_at__lt=now - _follow_up_grace())
    pending = _pick(
        Report.objects.filter(
            claim_void,
            not_just_queued,
            status="filed",
            reacted_at__isnull=True,
            processed_at__lt=now - grace,
        ),
        "processed_at",
        "requeued_at",
        limit,
    )
    return _queue(
        pending,
        lambda chunk: reports_react_task.delay(chunk),
        Report.objects.filter(requeued_at__isnull=False),
        "requeued_at",
    )


def actions_requeue_stuck(*, older_than: timedelta | None = None, limit: int = 5000) -> int:
    """Queue again the approved actions whose execution was queued ``older_than`` ago and
    that no task has taken."""
    grace = older_than if older_than is not None else _follow_up_grace()
    stale = Q(queued_at__isnull=True) | Q(queued_at__lt=timezone.now() - grace)
    pending = _pick(
        Action.objects.filter(stale, status=Action.Status.APPROVED), "queued_at", "queued_at", limit
    )
    return _queue(pending, actions_queue, Action.objects.all(), "queued_at", chunk_size=1)


def actions_resume_stalled(*, limit: int = 5000) -> int:
    """Queue again the actions whose task is gone: running ones whose attempt started longer
    ago than the task may run, retrying ones whose retry is ``FOLLOW_UP_STUCK_AFTER_SECONDS``
    overdue. They go back to approved with no owner in the statement that picks them, so
    the new task (or the old one, if it was only late) claims them once."""
    now = timezone.now()
    died = Q(status=Action.Status.RUNNING, attempted_at__lt=now - timedelta(
        seconds=ACTION_TIME_LIMIT + 60)) & ~Q(result__has_key="accepted")  # fmt: skip
    lost = Q(status=Action.Status.RETRYING, retry_at__lt=now - _follow_up_grace())
    with transaction.atomic():
        ids = list(
            Action.objects.filter(died | lost)
            .select_for_update(skip_locked=True)
            .order_by("attempted_at")
            .values_list("pk", flat=True)[:limit]
        )
        if ids:
            Action.objects.filter(pk__in=ids).update(
                status=Action.Status.APPROVED, claimed_by="", retry_at=None, queued_at=Now()
            )
            logger.warning("re-queuing %d action(s) whose task was lost", len(ids))
    return _queue(ids, actions_queue, Action.objects.all(), "queued_at", chunk_size=1)


def _follow_up_grace() -> timedelta:
    return timedelta(seconds=settings.FOLLOW_UP_STUCK_AFTER_SECONDS)


def _pick(rows: QuerySet, order: str, stamp: str, limit: int) -> list[int]:
    """The ids of up to ``limit`` stalled rows, oldest first, stamped as queued again in the
    same transaction: a concurrent sweep skips them (SKIP LOCKED) and the next one finds
    them just queued."""
    with transaction.atomic():
        ids = list(
            rows.select_for_update(skip_locked=True)
            .order_by(order)
            .values_list("pk", flat=True)[:limit]
        )
        if ids:
            rows.model.objects.filter(pk__in=ids).update(**{stamp: Now()})
    return ids


def _queue(
    ids: list[int],
    send: Callable[[list[int]], object],
    stamped: QuerySet,
    stamp: str,
    *,
    chunk_size: int | None = None,
) -> int:
    """Send ``ids`` in chunks; if the broker fails, the unsent rows lose their stamp so
    the next sweep takes them at once."""
    size = chunk_size or settings.INGEST_BATCH_SIZE
    for start in range(0, len(ids), size):
        try:
            send(ids[start : start + size])
        except Exception:  # any failure to publish: the rows say what is still to do
            logger.exception(
                "queuing %d stalled %s failed", len(ids) - start, stamped.model.__name__
            )
            stamped.filter(pk__in=ids[start:]).update(**{stamp: None})
            return start
    return len(ids)
