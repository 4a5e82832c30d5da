"""Celery tasks of the campaigns: thin wrappers over ``campaigns.services``, loaded by the
worker through ``CELERY_IMPORTS``. Beat runs ``campaigns.campaigns_advance_running``,
which fans out one ``campaigns.campaign_advance`` per running campaign; each step of a
round is idempotent (reports are read once, mails counted under the campaign's lock), so
a redelivered task repeats nothing."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError


@shared_task(name="campaigns.campaigns_advance_running", acks_late=True)
def campaigns_advance_running_task() -> int:
    from campaigns.services import campaigns_advance_running

    return campaigns_advance_running()


@shared_task(
    name="campaigns.campaign_advance",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
    soft_time_limit=900,
    time_limit=960,
)
def campaign_advance_task(campaign_id: int) -> dict[str, int] | None:
    from campaigns.services import campaign_advance

    result = campaign_advance(campaign_id=campaign_id)
    return result.as_dict() if result else None
