"""Worker liveness: beat records a heartbeat through a real worker every minute, and the
home page shows when it last ran — a stopped beat is visible at a glance. The worker's own
heartbeat, which needs no beat, is ``accounts/heartbeat.py``."""

from __future__ import annotations

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

from accounts.heartbeat import SCHEDULED_KEY as HEARTBEAT_KEY


@shared_task(name="accounts.heartbeat_record", acks_late=True, ignore_result=False)
def heartbeat_record_task() -> str:
    stamp = timezone.now().isoformat()
    cache.set(HEARTBEAT_KEY, stamp, timeout=None)
    return stamp
