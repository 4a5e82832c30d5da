"""Celery tasks of the reputation watch: thin wrappers that pass ids or small text to the
services. Loaded by the worker through ``CELERY_IMPORTS`` (settings).

Sweep and doctor tasks run on the ``checks`` queue (``CELERY_TASK_ROUTES``: names starting
``customers.dnsbl_`` and ``customers.domain_check``); the rest on ``default``.
"""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError


@shared_task(name="customers.dnsbl_sweep_all", acks_late=True)
def dnsbl_sweep_all_task() -> int:
    """Beat: fan the allocated space out into batch tasks."""
    from customers.reputation.sweep import sweep_fan_out

    return sweep_fan_out()


@shared_task(
    name="customers.dnsbl_sweep_batch",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
    soft_time_limit=600,
    time_limit=660,
)
def dnsbl_sweep_batch_task(batch: list[str], zone_ids: list[int] | None = None) -> dict[str, int]:
    """Sweep one batch (CIDR blocks, addresses or domain names); re-running it is harmless
    (the same verdicts only move ``last_seen``)."""
    from customers.reputation.sweep import sweep_batch

    report = sweep_batch(batch, zone_ids=zone_ids)
    return {
        "queries": report.queries,
        "listed": report.counts.get("listed", 0),
        "new": report.outcome.count("new"),
        "delisted": report.outcome.count("delisted"),
        "failed": report.counts.get("check-failed", 0),
    }


@shared_task(
    name="customers.domain_check_run",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError,),
    max_retries=3,
    soft_time_limit=90,
    time_limit=120,
)
def domain_check_run_task(check_id: int) -> str:
    from customers.reputation.doctor import domain_check_run

    return domain_check_run(check_id=check_id).status


@shared_task(name="customers.delisting_remind", acks_late=True)
def delisting_remind_task() -> int:
    from customers.reputation.delisting import delisting_requests_remind

    return delisting_requests_remind()


@shared_task(name="customers.compromise_rules_apply", acks_late=True)
def compromise_rules_apply_task() -> int:
    from customers.reputation.compromise import compromise_rules_apply

    return len(compromise_rules_apply())
