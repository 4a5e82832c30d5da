"""Worker liveness, as the home page shows it: is a Celery worker running now, and does beat
get periodic work done?

Two signals, because they fail apart:
- the worker's own heartbeat: every ``WORKER_BEAT_SECONDS`` the worker's main process
  (``WorkerHeartbeat``, a bootstep added in ``trustsafety/celery.py``) records that it is
  alive, from the moment it is ready: neither beat nor a free pool process is needed, so a
  busy worker, or one started a few seconds ago, is still "running";
- the scheduled heartbeat: beat queues ``accounts.heartbeat_record`` every minute and a
  pool process runs it (``accounts/tasks.py``): "periodic work last ran N ago".

A worker silent for ``STALE_AFTER`` is shown as stopped, with when it was last seen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from celery import bootsteps
from django.core.cache import cache
from django.utils import timezone
from django.utils.dateparse import parse_datetime

WORKER_KEY = "worker-alive"  # {"host", "started", "at" (ISO times), "stopped" (bool)}
SCHEDULED_KEY = "worker-heartbeat"  # ISO time of the last scheduled heartbeat task
WORKER_BEAT_SECONDS = 15.0
STALE_AFTER = timedelta(seconds=4 * WORKER_BEAT_SECONDS)
SCHEDULE_LATE_AFTER = timedelta(minutes=3)  # beat queues it every minute


def worker_alive_record(hostname: str, started: str, *, stopped: bool = False) -> None:
    """The worker ``hostname``, started at ``started``, is alive now (or has stopped)."""
    cache.set(
        WORKER_KEY,
        {"host": hostname, "started": started, "at": timezone.now().isoformat(),
         "stopped": stopped},
        timeout=None,
    )  # fmt: skip


def _moment(value: object) -> datetime | None:
    return parse_datetime(value) if isinstance(value, str) and value else None


@dataclass(frozen=True)
class WorkerStatus:
    running: bool
    host: str
    seen_at: datetime | None  # the worker's last heartbeat
    scheduled_at: datetime | None  # the last periodic heartbeat task
    scheduled_late: bool  # a worker runs but periodic work does not (beat stopped?)


def worker_status(now: datetime | None = None) -> WorkerStatus:
    now = now or timezone.now()
    alive = cache.get(WORKER_KEY)
    alive = alive if isinstance(alive, dict) else {}
    seen, started = _moment(alive.get("at")), _moment(alive.get("started"))
    scheduled = _moment(cache.get(SCHEDULED_KEY))
    running = seen is not None and not alive.get("stopped") and now - seen <= STALE_AFTER
    # Late: a worker has run for a while and no periodic heartbeat came in that long (a
    # worker started a moment ago has had no chance to run one yet).
    late = (
        running
        and (started is None or now - started > SCHEDULE_LATE_AFTER)
        and (scheduled is None or now - scheduled > SCHEDULE_LATE_AFTER)
    )
    return WorkerStatus(running, str(alive.get("host", "")), seen, scheduled, late)


class WorkerHeartbeat(bootsteps.StartStopStep):
    """Record the worker's heartbeat from its main process: at start, then on its timer."""

    requires = {"celery.worker.components:Timer"}

    def __init__(self, worker: Any, **kwargs: Any) -> None:
        super().__init__(worker, **kwargs)
        self.tref: Any = None
        self.started = ""

    def start(self, worker: Any) -> None:
        self.started = timezone.now().isoformat()
        worker_alive_record(worker.hostname, self.started)
        self.tref = worker.timer.call_repeatedly(
            WORKER_BEAT_SECONDS, worker_alive_record, (worker.hostname, self.started), priority=10
        )

    def stop(self, worker: Any) -> None:
        if self.tref is not None:
            self.tref.cancel()
            self.tref = None
        worker_alive_record(worker.hostname, self.started, stopped=True)
