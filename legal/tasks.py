"""Celery tasks of the legal desk: thin wrappers that pass ids to the services (listed in
``CELERY_IMPORTS``; the periodic ones in ``CELERY_BEAT_SCHEDULE``). Each periodic task fans
out one task per reminder or request; each service claims its row, so a repeat does nothing."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError


@shared_task(name="legal.reminders_fire", acks_late=True)
def reminders_fire_task() -> int:
    """Beat: one ``legal.reminder_fire`` per reminder due."""
    from legal.services import reminders_due

    due = reminders_due()
    for reminder_id in due:
        reminder_fire_task.delay(reminder_id)
    return len(due)


@shared_task(
    name="legal.reminder_fire", acks_late=True, autoretry_for=(OperationalError,), max_retries=5
)
def reminder_fire_task(reminder_id: int) -> bool:
    from legal.services import reminder_fire

    return reminder_fire(reminder_id=reminder_id)


@shared_task(name="legal.preservations_lapse", acks_late=True)
def preservations_lapse_task() -> int:
    """Beat: one ``legal.preservation_lapse`` per preservation whose period ended."""
    from legal.services import preservations_lapse_due

    due = preservations_lapse_due()
    for request_id in due:
        preservation_lapse_task.delay(request_id)
    return len(due)


@shared_task(
    name="legal.preservation_lapse",
    acks_late=True,
    autoretry_for=(OperationalError,),
    max_retries=5,
)
def preservation_lapse_task(request_id: int) -> bool:
    from legal.services import preservation_lapse

    return preservation_lapse(request_id=request_id)


@shared_task(
    name="legal.package_build",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
    soft_time_limit=540,
    time_limit=600,
)
def package_build_task(package_id: int) -> str:
    from legal.packages import package_build

    return package_build(package_id=package_id)


@shared_task(name="legal.mailboxes_poll", acks_late=True)
def mailboxes_poll_task() -> int:
    """Beat, every minute: one ``legal.mailbox_poll`` per legal mailbox."""
    from legal.intake import legal_mailbox_ids

    ids = legal_mailbox_ids()
    for mailbox_id in ids:
        mailbox_poll_task.delay(mailbox_id)
    return len(ids)


# As the intake's own poll: mailbox failures are recorded on the row and the next minute's
# fan-out is the retry; only a database hiccup retries here.
_POLL_TIME_LIMIT = settings.IMAP_POLL_SECONDS + 2 * settings.IMAP_TIMEOUT_SECONDS + 60


@shared_task(
    name="legal.mailbox_poll",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=3,
    soft_time_limit=_POLL_TIME_LIMIT - 30,
    time_limit=_POLL_TIME_LIMIT,
)
def mailbox_poll_task(mailbox_id: int) -> dict:
    from legal.intake import legal_mailbox_poll

    return legal_mailbox_poll(mailbox_id).as_dict()
