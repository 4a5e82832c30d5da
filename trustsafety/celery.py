"""The Celery application: queues ``ingest``, ``checks`` and ``default``; config from settings;
the worker records its own heartbeat (``accounts/heartbeat.py``)."""

from __future__ import annotations

import os

from celery import Celery
from kombu import Queue

from accounts.heartbeat import WorkerHeartbeat

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trustsafety.settings")

app = Celery("trustsafety")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = [Queue(name) for name in ("ingest", "checks", "default")]
app.autodiscover_tasks()
app.steps["worker"].add(WorkerHeartbeat)
