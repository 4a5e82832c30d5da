"""Celery tasks of mediation: sending outbound mail, and the beat's reminders, digests and
closing notices (one task per ticket or customer). Thin wrappers that pass ids to the
services; listed in ``CELERY_IMPORTS``."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError


@shared_task(
    name="complaints.message_send",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=None,  # bounded by MAIL_SEND_MAX_ATTEMPTS, counted on the row
    soft_time_limit=120,
    time_limit=150,
)
def message_send_task(self, message_id: int) -> str:  # type: ignore[no-untyped-def]
    from complaints.mediation import outbound

    try:
        return outbound.message_send(message_id=message_id)
    except outbound.TemporarySendError as exc:
        delay = outbound.retry_delay(self.request.retries)
        outbound.message_retry_marked(message_id, delay)
        raise self.retry(exc=exc, countdown=delay) from exc


@shared_task(name="complaints.messages_requeue_stuck", acks_late=True)
def messages_requeue_stuck_task() -> int:
    from complaints.mediation.outbound import messages_requeue_stuck

    return messages_requeue_stuck()


@shared_task(name="complaints.tickets_remind_due", acks_late=True)
def tickets_remind_due_task() -> int:
    """Beat: one reminder task per ticket that waits too long for a party."""
    from complaints.mediation.followups import tickets_reminder_due

    due = tickets_reminder_due()
    for ticket_id in due:
        ticket_remind_task.delay(ticket_id)
    return len(due)


@shared_task(
    name="complaints.ticket_remind",
    acks_late=True,
    autoretry_for=(OperationalError,),
    max_retries=5,
)
def ticket_remind_task(ticket_id: int) -> int | None:
    from complaints.mediation.followups import ticket_remind

    message = ticket_remind(ticket_id)
    return message.pk if message else None


@shared_task(name="complaints.customer_digests_send", acks_late=True)
def customer_digests_send_task() -> int:
    """Beat: one digest task per customer with held notices."""
    from complaints.mediation.digests import customers_with_pending_digest

    customers = customers_with_pending_digest()
    for customer_id in customers:
        customer_digest_send_task.delay(customer_id)
    return len(customers)


@shared_task(
    name="complaints.customer_digest_send",
    acks_late=True,
    autoretry_for=(OperationalError,),
    max_retries=5,
)
def customer_digest_send_task(customer_id: int) -> int | None:
    from complaints.mediation.digests import customer_digest_send

    digest = customer_digest_send(customer_id)
    return digest.pk if digest else None


@shared_task(name="complaints.tickets_closed_notify_due", acks_late=True)
def tickets_closed_notify_due_task() -> int:
    """Beat: closing notices for tickets closed without one (bulk actions, API)."""
    from complaints.mediation.followups import tickets_closed_unnotified

    due = tickets_closed_unnotified()
    for ticket_id in due:
        ticket_closed_notify_task.delay(ticket_id)
    return len(due)


@shared_task(
    name="complaints.ticket_closed_notify",
    acks_late=True,
    autoretry_for=(OperationalError,),
    max_retries=5,
)
def ticket_closed_notify_task(ticket_id: int) -> int:
    from complaints.mediation.followups import ticket_closed_notify

    return len(ticket_closed_notify(ticket_id))
