"""Retention's Celery tasks: thin wrappers passing ids to the services (listed in
``CELERY_IMPORTS``; beat runs ``retention.surveys_send_due`` and
``retention.terminations_record``)."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from billing.connector.base import TemporaryConnectorError


@shared_task(
    name="retention.cancellation_send",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(TemporaryConnectorError, OperationalError),
    retry_backoff=60,
    retry_backoff_max=1800,
    max_retries=8,
    soft_time_limit=120,
    time_limit=180,
)
def cancellation_send_task(cancellation_id: int) -> str:
    from retention.cancellations import cancellation_send

    return cancellation_send(cancellation_id=cancellation_id)


@shared_task(name="retention.terminations_record", acks_late=True)
def terminations_record_task() -> int:
    """Beat: one task per termination for abuse not yet recorded as a cancellation."""
    from retention.cancellations import terminations_unrecorded

    ids = terminations_unrecorded()
    for action_id in ids:
        involuntary_record_task.delay(action_id)
    return len(ids)


@shared_task(name="retention.involuntary_record", acks_late=True, autoretry_for=(OperationalError,))
def involuntary_record_task(action_id: int) -> int:
    from retention.cancellations import involuntary_record

    return len(involuntary_record(action_id=action_id))


@shared_task(name="retention.surveys_send_due", acks_late=True)
def surveys_send_due_task() -> int:
    """Beat: one task per ticket solved long enough ago to be asked how it went."""
    from retention.surveys import csat_due

    ids = csat_due()
    for ticket_id in ids:
        csat_invite_task.delay(ticket_id)
    return len(ids)


@shared_task(name="retention.csat_invite", acks_late=True, autoretry_for=(OperationalError,))
def csat_invite_task(ticket_id: int) -> str:
    from retention.surveys import csat_invite

    invitation = csat_invite(ticket_id=ticket_id)
    return invitation.status if invitation is not None else "none"
