"""Celery tasks of the dashboards: thin wrappers that pass names and ids to the services
(docs/architecture.md, "leads/"). Beat runs ``leads.rollups_refresh_all``, which fans out
one task per rollup, and ``leads.lead_digests_queue`` weekly."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError


@shared_task(name="leads.rollups_refresh_all", acks_late=True)
def rollups_refresh_all_task() -> int:
    """Beat: one refresh task per rollup."""
    from leads.rollups import ROLLUPS

    for name in ROLLUPS:
        rollup_refresh_task.delay(name)
    return len(ROLLUPS)


@shared_task(
    name="leads.rollup_refresh",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
    soft_time_limit=300,
    time_limit=360,
)
def rollup_refresh_task(name: str) -> int | None:
    from leads.rollups import rollup_refresh

    return rollup_refresh(name=name)


@shared_task(name="leads.lead_digests_queue", acks_late=True)
def lead_digests_queue_task() -> int:
    """Beat, weekly: write each lead's digest (once per week) and queue its sending."""
    from leads.digest import lead_digests_queue

    return len(lead_digests_queue())


@shared_task(
    name="leads.lead_digest_send",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError,),
    max_retries=None,  # bounded by MAIL_SEND_MAX_ATTEMPTS, counted on the row
    soft_time_limit=120,
    time_limit=150,
)
def lead_digest_send_task(self, digest_id: int) -> str:  # type: ignore[no-untyped-def]
    from leads import digest

    try:
        return digest.lead_digest_send(digest_id=digest_id)
    except digest.DigestDeferred as exc:
        raise self.retry(exc=exc, countdown=digest.retry_delay(self.request.retries)) from exc
