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
from django.db import transaction

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
    with transaction.atomic():
        answers = _receive_batch(arrivals)
        new_ids = [answer.report_id for answer in answers if answer.outcome == "new"]
        if queue and new_ids:
            transaction.on_commit(lambda: _queue_processing(new_ids))
    return answers


def _receive_batch(arrivals: Sequence[Arrival]) -> list[Received]:
    """A handful of statements for the whole batch, whatever its size: the intake's
    throughput depends on it (bench/ingest.py)."""
    digests = [hashlib.sha256(arrival.raw).hexdigest() for arrival in arrivals]
    refetched = _known_mailbox_messages(arrivals)
    wanted = {d for i, d in enumerate(digests) if i not in refetched}
    known = dict(Report.objects.filter(sha256__in=wanted).values_list("sha256", "pk"))
    first_of: dict[str, int] = {}  # digest -> index of the arrival that brings it first
    for index, digest in enumerate(digests):
        if index not in refetched and digest not in known:
            first_of.setdefault(digest, index)
    created = _reports_insert([(digest, arrivals[index]) for digest, index in first_of.items()])
    known.update(created)
    receipts = []
    answers: list[Received | None] = []
    for index, (arrival, digest) in enumerate(zip(arrivals, digests, strict=True)):
        if index in refetched:  # the same mailbox message fetched again: nothing new
            answers.append(Received(report_id=refetched[index], outcome="refetch", receipt_id=None))
            continue
        is_new = digest in created and first_of.get(digest) == index
        receipts.append(
            Receipt(
                report_id=known[digest],
                channel=arrival.channel,
                outcome=Receipt.Outcome.NEW if is_new else Receipt.Outcome.DUPLICATE,
                mailbox=arrival.mailbox,
                uidvalidity=arrival.uidvalidity,
                uid=arrival.uid,
                path=arrival.path[:1024],
                submitted_by_id=arrival.submitted_by_id,
                reporter_token=arrival.reporter_token,
            )
        )
        answers.append(None)
    stored = iter(Receipt.objects.bulk_create(receipts))
    result = []
    for answer in answers:
        if answer is None:
            receipt = next(stored)
            outcome = "new" if receipt.outcome == Receipt.Outcome.NEW else "duplicate"
            answer = Received(report_id=receipt.report_id, outcome=outcome, receipt_id=receipt.pk)
        result.append(answer)
    return result


def _known_mailbox_messages(arrivals: Sequence[Arrival]) -> dict[int, int]:
    """Index of each arrival already received from its mailbox -> its report id."""
    keyed: dict[tuple[int, int | None, int | None], int] = {
        (a.mailbox.pk, a.uidvalidity, a.uid): i
        for i, a in enumerate(arrivals)
        if a.mailbox is not None and a.uid is not None
    }
    if not keyed:
        return {}
    mailbox_ids = {key[0] for key in keyed}
    uids = [key[2] for key in keyed]
    seen = Receipt.objects.filter(mailbox_id__in=mailbox_ids, uid__in=uids).values_list(
        "mailbox_id", "uidvalidity", "uid", "report_id"
    )
    return {keyed[(m, v, u)]: report for m, v, u, report in seen if (m, v, u) in keyed}


def _reports_insert(new: list[tuple[str, Arrival]]) -> dict[str, int]:
    """Insert reports and their bytes; digest -> report id.

    ``ON CONFLICT (sha256) DO UPDATE`` (a no-op update) returns an id even when another
    transaction stored the same bytes a moment ago: both then process one report, which
    is idempotent."""
    if not new:
        return {}
    reports = Report.objects.bulk_create(
        [
            Report(sha256=digest, size=len(arrival.raw), data=arrival.data)
            for digest, arrival in new
        ],
        update_conflicts=True,
        unique_fields=["sha256"],
        update_fields=["size"],
    )
    created = {report.sha256: report.pk for report in reports}
    ReportRaw.objects.bulk_create(
        [ReportRaw(report_id=created[d], content=a.raw, filename=a.filename[:255]) for d, a in new],
        ignore_conflicts=True,
    )
    return created


def _queue_processing(report_ids: list[int]) -> None:
    from complaints.tasks import reports_process_task

    batch = settings.INGEST_BATCH_SIZE
    for start in range(0, len(report_ids), batch):
        reports_process_task.delay(report_ids[start : start + batch])
