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
from datetime import datetime

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from complaints.intake.filing.bulk_sql import defaults_sql
from complaints.intake.storable import json_text, text_storable
from complaints.intake.tasks import reports_process_task
from complaints.models import Mailbox, Receipt, Report, ReporterToken
from trustsafety.pg_arrays import array_literal


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
    # When it arrived, when that was before now: a mail archive imported later, the demo's
    # scenarios. Its SLA clocks start then (complaints.tickets.clocks), never earlier.
    received_at: datetime | None = None


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
    storing only a bounded prefix, see ``complaints.intake.imap``)."""
    for arrival in arrivals:
        if len(arrival.raw) > settings.REPORT_MAX_BYTES:
            raise TooLarge(
                f"{len(arrival.raw)} bytes is over the limit of {settings.REPORT_MAX_BYTES}"
            )
    with transaction.atomic():
        answers = _receive_batch(arrivals)
        new_ids = [answer.report_id for answer in answers if answer.outcome == "new"]
        if queue and new_ids:
            # The reports are committed: a broker error must not turn that into a failed
            # answer (the sweeper queues reports never started).
            transaction.on_commit(lambda: _queue_processing(new_ids), robust=True)
    return answers


def _receive_batch(arrivals: Sequence[Arrival]) -> list[Received]:
    """A handful of statements for the whole batch, whatever its size: the intake's
    throughput depends on it (bench/ingest.py)."""
    digests = [hashlib.sha256(arrival.raw).hexdigest() for arrival in arrivals]
    refetched = _known_mailbox_messages(arrivals)
    wanted = {d for i, d in enumerate(digests) if i not in refetched}
    known = _reports_known(wanted)
    first_of: dict[str, int] = {}  # digest -> index of the arrival that brings it first
    for index, digest in enumerate(digests):
        if index not in refetched and digest not in known:
            first_of.setdefault(digest, index)
    created = _reports_insert([(digest, arrivals[index]) for digest, index in first_of.items()])
    known.update(created)
    receipts: list[tuple[int, Arrival, bool]] = []
    answers: list[Received | None] = []
    for index, (arrival, digest) in enumerate(zip(arrivals, digests, strict=True)):
        if index in refetched:  # the same mailbox message fetched again: nothing new
            answers.append(Received(report_id=refetched[index], outcome="refetch", receipt_id=None))
            continue
        receipts.append(
            (known[digest], arrival, digest in created and first_of.get(digest) == index)
        )
        answers.append(None)
    stored = iter(zip(receipts, _receipts_insert(receipts), strict=True))
    result = []
    for answer in answers:
        if answer is None:
            (report_id, _arrival, is_new), receipt_id = next(stored)
            answer = Received(
                report_id=report_id, outcome="new" if is_new else "duplicate", receipt_id=receipt_id
            )
        result.append(answer)
    return result


def _reports_known(digests: set[str]) -> dict[str, int]:
    if not digests:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sha256, id FROM complaints_report WHERE sha256 = ANY(%s::text[])",
            [array_literal(digests)],
        )
        return dict(cursor.fetchall())


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


_REPORT_COLUMNS = "sha256, size, data, received_at"
_RECEIPT_COLUMNS = (
    "report_id, channel, outcome, mailbox_id, uidvalidity, uid, path, submitted_by_id, "
    "reporter_token_id, received_at"
)


def _reports_insert(new: list[tuple[str, Arrival]]) -> dict[str, int]:
    """Insert reports and their bytes; digest -> report id.

    ``ON CONFLICT (sha256) DO UPDATE`` (a no-op update) returns an id even when another
    transaction stored the same bytes a moment ago: both then process one report, which
    is idempotent. Only the rows this statement inserted (``xmax = 0``: no updater) get
    their bytes written here; the other transaction wrote the bytes of its own."""
    if not new:
        return {}
    columns, values, defaults = defaults_sql(Report, set(_REPORT_COLUMNS.split(", ")))
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO complaints_report ({_REPORT_COLUMNS}{columns})
            SELECT u.sha256, u.size, u.data::jsonb, coalesce(u.received_at, now()){values}
              FROM unnest(%s::text[], %s::int[], %s::text[], %s::timestamptz[])
                   AS u(sha256, size, data, received_at)
            ON CONFLICT (sha256) DO UPDATE SET size = EXCLUDED.size
            RETURNING id, sha256, xmax = 0
            """,  # noqa: S608 - column names come from the model, values are parameters
            [
                *defaults,
                array_literal(digest for digest, _ in new),
                array_literal(len(arrival.raw) for _, arrival in new),
                array_literal(json_text(arrival.data) for _, arrival in new),
                array_literal(_arrived(arrival) for _, arrival in new),
            ],
        )
        returned = cursor.fetchall()
        created = {digest: report_id for report_id, digest, _ in returned}
        inserted = {digest for _, digest, is_insert in returned if is_insert}
        # The bytes go by COPY: psycopg writes bytea without building a statement.
        with cursor.cursor.copy(
            "COPY complaints_reportraw (report_id, content, filename) FROM STDIN"
        ) as copy:
            for digest, arrival in new:
                if digest in inserted:
                    copy.write_row(
                        (created[digest], arrival.raw, text_storable(arrival.filename[:255]))
                    )
    return created


def _receipts_insert(receipts: list[tuple[int, Arrival, bool]]) -> list[int]:
    """Insert one Receipt per arrival; their ids, in order (PostgreSQL returns the rows of
    ``INSERT ... SELECT ... ORDER BY`` in that order, as Django's bulk_create relies on)."""
    if not receipts:
        return []
    columns, values, defaults = defaults_sql(Receipt, set(_RECEIPT_COLUMNS.split(", ")))
    new, duplicate = Receipt.Outcome.NEW, Receipt.Outcome.DUPLICATE
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO complaints_receipt ({_RECEIPT_COLUMNS}{columns})
            SELECT u.report_id, u.channel, u.outcome, u.mailbox_id, u.uidvalidity, u.uid,
                   u.path, u.submitted_by_id, u.reporter_token_id,
                   coalesce(u.received_at, now()){values}
              FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::bigint[], %s::bigint[],
                          %s::bigint[], %s::text[], %s::bigint[], %s::bigint[],
                          %s::timestamptz[])
                   WITH ORDINALITY AS u(report_id, channel, outcome, mailbox_id, uidvalidity,
                                        uid, path, submitted_by_id, reporter_token_id,
                                        received_at, ord)
             ORDER BY u.ord
            RETURNING id
            """,  # noqa: S608 - column names come from the model, values are parameters
            [
                *defaults,
                array_literal(report_id for report_id, _, _ in receipts),
                array_literal(arrival.channel for _, arrival, _ in receipts),
                array_literal(new if is_new else duplicate for _, _, is_new in receipts),
                array_literal(a.mailbox.pk if a.mailbox else None for _, a, _ in receipts),
                array_literal(arrival.uidvalidity for _, arrival, _ in receipts),
                array_literal(arrival.uid for _, arrival, _ in receipts),
                array_literal(text_storable(arrival.path[:1024]) for _, arrival, _ in receipts),
                array_literal(arrival.submitted_by_id for _, arrival, _ in receipts),
                array_literal(
                    a.reporter_token.pk if a.reporter_token else None for _, a, _ in receipts
                ),
                array_literal(_arrived(arrival) for _, arrival, _ in receipts),
            ],
        )
        return [receipt_id for (receipt_id,) in cursor.fetchall()]


def _arrived(arrival: Arrival) -> datetime | None:
    """The arrival's own time (None: now), never in the future."""
    at = arrival.received_at
    if at is None:
        return None
    if at.tzinfo is None:
        raise ValueError("an arrival's time must be timezone-aware")
    return min(at, timezone.now())


def _queue_processing(report_ids: list[int]) -> None:
    batch = settings.INGEST_BATCH_SIZE
    for start in range(0, len(report_ids), batch):
        reports_process_task.delay(report_ids[start : start + batch])
