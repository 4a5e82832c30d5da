"""End to end through a real Celery worker: the beat's fan-out task queues one poll per
enabled mailbox, the poll files the Dovecot messages, processing files the reports."""

from __future__ import annotations

import time

import pytest

from complaints.intake.mailboxes import mailbox_update
from complaints.intake.tasks import mailbox_poll_task, mailboxes_poll_task
from complaints.models import Mailbox, Receipt, Report
from tests.complaints.intake.imap_support import complaint, make_mailbox, seen, sha256


def _wait_for(condition, timeout: float = 90.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.25)
    raise AssertionError("timed out waiting for the worker")


@pytest.mark.worker
def test_the_fan_out_polls_each_enabled_mailbox_and_its_reports_are_filed(
    dovecot, celery_worker_process
) -> None:
    polled = make_mailbox(dovecot)
    disabled = make_mailbox(dovecot)
    mailbox_update(mailbox=disabled, enabled=False)
    messages = [complaint("192.0.2.41"), complaint("198.51.100.42"), complaint("203.0.113.43")]
    dovecot.append(polled.folder, *messages)
    dovecot.append(disabled.folder, complaint())
    digests = [sha256(m) for m in messages]

    queued = mailboxes_poll_task.delay().get(timeout=60)

    assert queued == 1  # the enabled mailbox only
    _wait_for(
        lambda: Report.objects.filter(sha256__in=digests, status=Report.Status.FILED).count() == 3
    )
    assert Receipt.objects.filter(mailbox=polled, channel="imap").count() == 3
    assert all(seen(dovecot, polled.folder).values())
    assert not any(seen(dovecot, disabled.folder).values())
    assert Mailbox.objects.get(pk=disabled.pk).last_poll_at is None
    row = Mailbox.objects.get(pk=polled.pk)
    assert row.last_success_at is not None and row.last_error == ""

    # A redelivered or repeated poll task changes nothing.
    again = mailbox_poll_task.delay(polled.pk).get(timeout=60)
    assert (again["status"], again["fetched"], again["new"]) == ("ok", 0, 0)
    assert Receipt.objects.filter(mailbox=polled).count() == 3


@pytest.mark.worker
def test_a_failing_mailbox_task_records_the_reason_and_succeeds_as_a_task(
    dovecot, celery_worker_process
) -> None:
    mailbox = make_mailbox(dovecot, password="wrong")

    result = mailbox_poll_task.delay(mailbox.pk)
    answer = result.get(timeout=60)

    assert result.successful()  # not retried in a loop: the next minute's poll is the retry
    assert answer["status"] == "error"
    assert Mailbox.objects.get(pk=mailbox.pk).last_error.startswith("login refused")
