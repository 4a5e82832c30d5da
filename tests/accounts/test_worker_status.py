"""The home page's worker status is right while the worker runs (issue 17 item 5): a real
Celery worker, with no beat, checks in from the moment it is ready, so the page says
"running" at once; a worker silent too long, or stopped, is "not running", and periodic work
that stops coming in while a worker runs is called late."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from accounts import roles
from accounts.heartbeat import (
    SCHEDULED_KEY,
    STALE_AFTER,
    WORKER_KEY,
    worker_alive_record,
    worker_status,
)


def home(users) -> str:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(users[roles.AGENT])
    return client.get("/").content.decode()


@pytest.fixture
def clean_heartbeats() -> None:
    cache.delete_many([WORKER_KEY, SCHEDULED_KEY])


@pytest.mark.worker
def test_a_running_worker_is_shown_running_without_beat(
    clean_heartbeats, celery_worker_process, users
) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + 20
    while not worker_status().running and time.monotonic() < deadline:
        time.sleep(0.2)
    status = worker_status()
    assert status.running and status.host.startswith("test-")
    page = home(users)
    assert '<strong class="ok">running</strong>' in page
    assert "not running" not in page
    # No beat in the test: no periodic heartbeat yet, and a worker this young is not late.
    assert status.scheduled_at is None and not status.scheduled_late
    # The worker's main process keeps checking in on its own timer.
    first = status.seen_at
    deadline = time.monotonic() + 25
    while worker_status().seen_at == first and time.monotonic() < deadline:
        time.sleep(0.5)
    assert worker_status().seen_at > first


@pytest.mark.django_db
def test_a_silent_or_stopped_worker_is_not_running(clean_heartbeats, users) -> None:  # type: ignore[no-untyped-def]
    assert "no worker has checked in" in home(users)
    long_ago = (timezone.now() - timedelta(hours=2)).isoformat()
    worker_alive_record("desk@host", long_ago)
    assert worker_status().running
    later = timezone.now() + STALE_AFTER + timedelta(seconds=1)
    assert not worker_status(now=later).running
    worker_alive_record("desk@host", long_ago, stopped=True)
    page = home(users)
    assert "not running" in page and "last seen" in page


@pytest.mark.django_db
def test_periodic_work_is_late_when_beat_stops_while_the_worker_runs(
    clean_heartbeats, users
) -> None:  # type: ignore[no-untyped-def]
    worker_alive_record("desk@host", (timezone.now() - timedelta(hours=1)).isoformat())
    cache.set(SCHEDULED_KEY, (timezone.now() - timedelta(minutes=10)).isoformat(), timeout=None)
    status = worker_status()
    assert status.running and status.scheduled_late
    assert "is Celery beat running?" in home(users)
    cache.set(SCHEDULED_KEY, timezone.now().isoformat(), timeout=None)
    assert not worker_status().scheduled_late
