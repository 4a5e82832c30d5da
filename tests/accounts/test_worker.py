"""A Celery task runs through a real worker process and the real Redis broker."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from accounts.tasks import HEARTBEAT_KEY, heartbeat_record_task


@pytest.mark.worker
def test_heartbeat_task_runs_on_a_real_worker(celery_worker_process) -> None:  # type: ignore[no-untyped-def]
    cache.delete(HEARTBEAT_KEY)
    result = heartbeat_record_task.delay()
    stamp = result.get(timeout=30)
    assert cache.get(HEARTBEAT_KEY) == stamp
    assert result.successful()


def test_celery_is_never_eager_by_default() -> None:
    from django.conf import settings

    from trustsafety.celery import app

    assert settings.CELERY_TASK_ALWAYS_EAGER is False
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1
    assert {q.name for q in app.conf.task_queues} == {"ingest", "checks", "default"}
