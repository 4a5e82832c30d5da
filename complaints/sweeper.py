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


def reports_requeue_stuck(*, older_than: timedelta | None = None, limit: int = 20000) -> int:
    from complaints.tasks import reports_process_task

    now = timezone.now()
    age = (
        older_than
        if older_than is not None
        else timedelta(seconds=settings.REPORT_STUCK_AFTER_SECONDS)
    )
    running = timedelta(seconds=settings.REPORT_TASK_TIME_LIMIT + 60)
    never_started = Q(claimed_at__isnull=True, received_at__lt=now - age)
    cut_off = Q(claimed_at__lt=now - max(age, running))
    stuck = list(
        Report.objects.filter(never_started | cut_off, status=Report.Status.RECEIVED)
        .order_by("received_at")
        .values_list("pk", flat=True)[:limit]
    )
    batch = settings.INGEST_BATCH_SIZE
    for start in range(0, len(stuck), batch):
        reports_process_task.delay(stuck[start : start + batch])
    return len(stuck)
