"""The sweeper: reports left in "received" (a lost task, a killed worker) are queued again.

Recovery then takes ``REPORT_STUCK_AFTER_SECONDS``, not the broker's visibility timeout.
A report whose attempt started recently is left alone (it may still be running: the task's
hard time limit bounds that); re-queuing is otherwise harmless, because processing claims
rows and files idempotently."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from complaints.models import Report


def reports_requeue_stuck(
    *,
    older_than: timedelta | None = None,
    running_for: timedelta | None = None,
    limit: int = 20000,
) -> int:
    """Queue again the reports never started for ``older_than`` and those whose last
    attempt started ``running_for`` ago (longer than a task may run: it died)."""
    from complaints.tasks import reports_process_task

    now = timezone.now()
    default_age = timedelta(seconds=settings.REPORT_STUCK_AFTER_SECONDS)
    default_running = timedelta(seconds=settings.REPORT_TASK_TIME_LIMIT + 60)
    age = older_than if older_than is not None else default_age
    running = running_for if running_for is not None else default_running
    never_started = Q(claimed_at__isnull=True, received_at__lt=now - age)
    cut_off = Q(claimed_at__lt=now - running)
    stuck = list(
        Report.objects.filter(never_started | cut_off, status=Report.Status.RECEIVED)
        .order_by("received_at")
        .values_list("pk", flat=True)[:limit]
    )
    batch = settings.INGEST_BATCH_SIZE
    for start in range(0, len(stuck), batch):
        reports_process_task.delay(stuck[start : start + batch])
    return len(stuck)
