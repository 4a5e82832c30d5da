"""Billing's Celery tasks: thin wrappers passing ids to the services (listed in
``CELERY_IMPORTS``; beat runs ``billing.sources_sync_due``)."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from billing import mail, sync
from billing.connector.base import TemporaryConnectorError


@shared_task(name="billing.sources_sync_due", acks_late=True)
def sources_sync_due_task() -> int:
    """Beat: one sync task per source whose interval has passed."""
    due = sync.sources_due()
    for source_id in due:
        source_sync_task.delay(source_id)
    return len(due)


@shared_task(
    name="billing.source_sync",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(TemporaryConnectorError, OperationalError),
    retry_backoff=60,
    retry_backoff_max=1800,
    max_retries=5,
    soft_time_limit=1500,
    time_limit=1600,
)
def source_sync_task(source_id: int, client_id: str | None = None) -> str:
    return sync.source_sync(source_id=source_id, client_id=client_id).status


@shared_task(name="billing.inquiry_mailboxes_poll", acks_late=True)
def inquiry_mailboxes_poll_task() -> int:
    """Beat, every minute: one poll task per enabled billing mailbox."""
    ids = mail.inquiry_mailbox_ids_enabled()
    for mailbox_id in ids:
        inquiry_mailbox_poll_task.delay(mailbox_id)
    return len(ids)


@shared_task(
    name="billing.inquiry_mailbox_poll",
    acks_late=True,
    autoretry_for=(OperationalError,),
    max_retries=3,
    soft_time_limit=600,
    time_limit=660,
)
def inquiry_mailbox_poll_task(mailbox_id: int) -> dict:
    outcome = mail.inquiry_mailbox_poll(mailbox_id=mailbox_id)
    return {"status": outcome.status, "filed": outcome.filed, "error": outcome.error}


@shared_task(
    name="billing.adjustment_execute",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(TemporaryConnectorError, OperationalError),
    retry_backoff=60,
    retry_backoff_max=1800,
    max_retries=8,
    soft_time_limit=120,
    time_limit=180,
)
def adjustment_execute_task(adjustment_id: int) -> str:
    from billing.adjustments import adjustment_execute

    return adjustment_execute(adjustment_id=adjustment_id)


@shared_task(name="billing.adjustments_requeue_stuck", acks_late=True)
def adjustments_requeue_stuck_task() -> int:
    from billing.adjustments import adjustments_requeue_stuck

    return adjustments_requeue_stuck()
