"""Receiving: commit the raw bytes of each arrival before anything else (promise 1).

``reports_receive`` stores a batch of arrivals in one transaction — a new Report with its
bytes, or a Receipt pointing at the known Report with the same SHA-256 — and only after the
commit queues their processing. Callers acknowledge (flag an IMAP message, answer an API
call) only after this returns, so nothing acknowledged can be lost.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction

from complaints.models import Mailbox, Receipt, Report, ReporterToken, ReportRaw


@dataclass
class Arrival:
    """One thing received, with where it came from."""

    raw: bytes
    channel: str  # Receipt.Channel
    mailbox: Mailbox | None = None
    uidvalidity: int | None = None
    uid: int | None = None
    path: str = ""
    filename: str = ""
    submitted_by_id: int | None = None
    reporter_token: ReporterToken | None = None
    data: dict = field(default_factory=dict)  # channel facts kept on a new report


@dataclass(frozen=True)
class Received:
    report_id: int
    outcome: str  # "new" | "duplicate" | "refetch" (same mailbox message seen before)
    receipt_id: int | None


class TooLarge(Exception):
    """Refused before storing: larger than ``REPORT_MAX_BYTES``."""


def reports_receive(arrivals: Sequence[Arrival], *, queue: bool = True) -> list[Received]:
    """Store arrivals; return one answer per arrival, in order.

    Oversized input is refused (the API answers 413; a mailbox message is quarantined by
    storing only a bounded prefix, see ``complaints.imap``)."""
    for arrival in arrivals:
        if len(arrival.raw) > settings.REPORT_MAX_BYTES:
            raise TooLarge(
                f"{len(arrival.raw)} bytes is over the limit of {settings.REPORT_MAX_BYTES}"
            )
    answers: list[Received] = []
    new_ids: list[int] = []
    with transaction.atomic():
        for arrival in arrivals:
            answer = _receive_one(arrival)
            answers.append(answer)
            if answer.outcome == "new":
                new_ids.append(answer.report_id)
        if queue and new_ids:
            transaction.on_commit(lambda: _queue_processing(new_ids))
    return answers


def _receive_one(arrival: Arrival) -> Received:
    digest = hashlib.sha256(arrival.raw).hexdigest()
    if arrival.mailbox is not None and arrival.uid is not None:
        seen = Receipt.objects.filter(
            mailbox=arrival.mailbox, uidvalidity=arrival.uidvalidity, uid=arrival.uid
        ).first()
        if seen is not None:  # the same mailbox message fetched again: nothing new
            return Received(report_id=seen.report_id, outcome="refetch", receipt_id=seen.pk)
    report, created = _report_for(digest, arrival)
    receipt = Receipt.objects.create(
        report=report,
        channel=arrival.channel,
        outcome=Receipt.Outcome.NEW if created else Receipt.Outcome.DUPLICATE,
        mailbox=arrival.mailbox,
        uidvalidity=arrival.uidvalidity,
        uid=arrival.uid,
        path=arrival.path[:1024],
        submitted_by_id=arrival.submitted_by_id,
        reporter_token=arrival.reporter_token,
    )
    return Received(
        report_id=report.pk, outcome="new" if created else "duplicate", receipt_id=receipt.pk
    )


def _report_for(digest: str, arrival: Arrival) -> tuple[Report, bool]:
    existing = Report.objects.filter(sha256=digest).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():  # a savepoint: a concurrent insert of the same bytes wins
            report = Report.objects.create(sha256=digest, size=len(arrival.raw), data=arrival.data)
            ReportRaw.objects.create(
                report=report, content=arrival.raw, filename=arrival.filename[:255]
            )
            return report, True
    except IntegrityError:
        return Report.objects.get(sha256=digest), False


def _queue_processing(report_ids: list[int]) -> None:
    from complaints.tasks import reports_process_task

    batch = settings.INGEST_BATCH_SIZE
    for start in range(0, len(report_ids), batch):
        reports_process_task.delay(report_ids[start : start + batch])
