"""Celery tasks of the intake: thin wrappers that pass ids to the services."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError


@shared_task(
    name="complaints.reports_process",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
    soft_time_limit=600,
    time_limit=660,  # settings.REPORT_TASK_TIME_LIMIT: the sweeper waits this long
)
def reports_process_task(report_ids: list[int]) -> int:
    from complaints.processing import reports_process

    return len(reports_process(report_ids))


@shared_task(name="complaints.reports_sweep_stuck", acks_late=True)
def reports_sweep_stuck_task() -> int:
    from complaints.sweeper import reports_requeue_stuck

    return reports_requeue_stuck()


@shared_task(
    name="complaints.reports_react",
    acks_late=True,
    autoretry_for=(OperationalError,),
    max_retries=5,
)
def reports_react_task(report_ids: list[int]) -> None:
    from complaints.reactions import reports_react

    reports_react(report_ids)


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
    from complaints import outbound

    try:
        return outbound.message_send(message_id=message_id)
    except outbound.TemporarySendError as exc:
        delay = outbound.retry_delay(self.request.retries)
        outbound.message_retry_marked(message_id, delay)
        raise self.retry(exc=exc, countdown=delay) from exc


@shared_task(name="complaints.messages_requeue_stuck", acks_late=True)
def messages_requeue_stuck_task() -> int:
    from complaints.outbound import messages_requeue_stuck

    return messages_requeue_stuck()


# IMAP polling. Mailbox failures (refused, login, TLS, timeout) are recorded on the row and
# not retried here: the next minute's fan-out is the retry. Only a database hiccup retries.
_POLL_TIME_LIMIT = settings.IMAP_POLL_SECONDS + 2 * settings.IMAP_TIMEOUT_SECONDS + 60


@shared_task(name="complaints.mailboxes_poll", acks_late=True)
def mailboxes_poll_task() -> int:
    """Beat, every minute: one ``complaints.mailbox_poll`` task per enabled mailbox."""
    from complaints.mailboxes import mailbox_ids_enabled, mailboxes_poll_queue

    return mailboxes_poll_queue(mailbox_ids_enabled())


@shared_task(
    name="complaints.mailbox_poll",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=3,
    soft_time_limit=_POLL_TIME_LIMIT - 30,
    time_limit=_POLL_TIME_LIMIT,  # shorter than the mailbox lock (complaints.imap)
)
def mailbox_poll_task(mailbox_id: int) -> dict:
    from complaints.imap import mailbox_poll

    return mailbox_poll(mailbox_id).as_dict()
