"""Celery tasks of the intake (processing, reactions, the sweeper, IMAP polling): thin
wrappers that pass ids to the services. Listed in ``CELERY_IMPORTS``."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError

# Hard time limit of a reaction task (``complaints.reports_react``): a claim older than
# this belongs to a task that is dead.
REACT_TIME_LIMIT = 300


@shared_task(
    name="complaints.reports_process",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
    soft_time_limit=600,
    time_limit=660,  # settings.REPORT_TASK_TIME_LIMIT: the sweeper waits this long
)
def reports_process_task(self, report_ids: list[int]) -> int:  # type: ignore[no-untyped-def]
    from complaints.intake.filing.pipeline import reports_process

    # The task's id names its claims: the same on a redelivery after the worker died.
    return len(reports_process(report_ids, claim_token=self.request.id, hand_off=_reports_hand_off))


def _reports_hand_off(report_ids: list[int]) -> None:
    """The reports a batch over its byte budget did not reach go to a fresh task."""
    reports_process_task.delay(report_ids)


@shared_task(name="complaints.reports_sweep_stuck", acks_late=True)
def reports_sweep_stuck_task() -> dict[str, int]:
    """Beat, every minute: reports, reactions and approved actions whose task was lost."""
    from complaints.intake.sweeper import sweep

    return sweep()


@shared_task(
    name="complaints.reports_react",
    acks_late=True,
    autoretry_for=(OperationalError,),
    max_retries=5,
    soft_time_limit=REACT_TIME_LIMIT - 30,
    time_limit=REACT_TIME_LIMIT,  # a claim older than this is void (complaints.intake.reactions)
)
def reports_react_task(report_ids: list[int]) -> int:
    from complaints.intake.reactions import reports_react

    return len(reports_react(report_ids))


# IMAP polling. Mailbox failures (refused, login, TLS, timeout) are recorded on the row and
# not retried here: the next minute's fan-out is the retry. Only a database hiccup retries.
_POLL_TIME_LIMIT = settings.IMAP_POLL_SECONDS + 2 * settings.IMAP_TIMEOUT_SECONDS + 60


@shared_task(name="complaints.mailboxes_poll", acks_late=True)
def mailboxes_poll_task() -> int:
    """Beat, every minute: one ``complaints.mailbox_poll`` task per enabled mailbox."""
    from complaints.intake.mailboxes import mailbox_ids_enabled, mailboxes_poll_queue

    return mailboxes_poll_queue(mailbox_ids_enabled())


@shared_task(
    name="complaints.mailbox_poll",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=3,
    soft_time_limit=_POLL_TIME_LIMIT - 30,
    time_limit=_POLL_TIME_LIMIT,  # shorter than the mailbox lock (complaints.intake.imap)
)
def mailbox_poll_task(mailbox_id: int) -> dict:
    from complaints.intake.imap import mailbox_poll

    return mailbox_poll(mailbox_id).as_dict()
