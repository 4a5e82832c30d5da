"""Processing: parse, attribute, aggregate and file received reports (pipeline steps 2-4).

``reports_process`` takes a batch of report ids, as the ``ingest`` queue's task does:

1. *Claim.* Fresh reports (no attempt yet) are claimed with one committed UPDATE that
   counts the attempt. Reports that were already attempted — a redelivered task after a
   worker died — are claimed and processed one at a time, so a poison message can only
   ever count its own attempts; past ``REPORT_MAX_ATTEMPTS`` it is quarantined
   ("worker-lost") instead of killing workers forever.
2. *Parse* outside any transaction, bounded per message (promise 4).
3. *File* the batch in one transaction: events are attributed in bulk, tickets found or
   opened against the partial unique index on open aggregation keys (``ticket_opening``),
   and events inserted under the unique index on their fingerprints (``event_copy``), so a
   redelivered or concurrent task adds nothing (promise 2). If the batch fails to file,
   each report is filed alone and the one that fails is quarantined with its reason while
   the rest proceed.
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from complaints import classification
from complaints.attribution import Subject, attribute, url_host
from complaints.bulk_sql import json_text
from complaints.event_copy import EventCopy
from complaints.evidence import Verdict, evidence_verdict
from complaints.filing_rows import (
    MAX_REPORT_EVIDENCE,
    EventRow,
    ParsedReport,
    clean,
    unique_rows,
)
from complaints.mail_auth import document_sender
from complaints.models import Report, Reporter
from complaints.parsers import registry
from complaints.parsers.base import Limits, ParsedEvent, ParseError, ParseResult
from complaints.parsers.mime import Document, load
from complaints.parsers.util import normalize_domain, normalize_ip
from complaints.replies import replies_among
from complaints.ticket_opening import (
    tickets_lock,
    tickets_plan,
    tickets_recount,
    tickets_settle,
)
from trustsafety.collector import collector_paused
from trustsafety.db_background import in_background
from trustsafety.pg_arrays import array_literal

logger = logging.getLogger(__name__)

FEEDBACK_LOOP_FORMATS = frozenset({"arf", "jmrp"})
FEED_FORMATS = frozenset(
    {"shadowserver", "feeds", "blocklistde", "xarf", "dmarc", "tlsrpt", "spamcop", "iodef"}
)


@dataclass
class Outcome:
    report_id: int
    status: str
    format: str = ""
    reason: str = ""
    ticket_ids: list[int] = field(default_factory=list)
    customers: list[str] = field(default_factory=list)
    rows: list[EventRow] = field(default_factory=list, repr=False)

    @property
    def events(self) -> list[dict]:
        """Every extracted resource, attributed or not (``ingest --json``); built on
        demand, since the workers never need it."""
        return [
            {
                "ip": row.ip,
                "domain": row.domain or None,
                "url": row.url or None,
                "type": row.parsed.type,
                "observed_at": row.observed_at.isoformat() if row.time_known else None,
            }
            for row in self.rows
        ]


def limits() -> Limits:
    return Limits(
        max_bytes=settings.REPORT_MAX_BYTES,
        max_depth=settings.REPORT_MAX_MIME_DEPTH,
        max_parts=settings.REPORT_MAX_PARTS,
        max_decompressed_bytes=settings.REPORT_MAX_DECOMPRESSED_BYTES,
        seconds=settings.REPORT_DEADLINE_SECONDS,
    )


# --- 1. claiming -----------------------------------------------------------------------


def _claim_fresh(report_ids: list[int]) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE complaints_report SET attempts = attempts + 1, claimed_at = now() "
            "WHERE id = ANY(%s::bigint[]) AND status = 'received' AND attempts = 0 RETURNING id",
            [array_literal(report_ids)],
        )
        return sorted(row[0] for row in cursor.fetchall())


def _claim_retry(report_id: int) -> int | None:
    """Count one more attempt on a report that was tried before; None if already final."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE complaints_report SET attempts = attempts + 1, claimed_at = now() "
            "WHERE id = %s AND status = 'received' RETURNING attempts",
            [report_id],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def reports_process(report_ids: list[int]) -> list[Outcome]:
    """Process a batch of received reports; reports already final are left alone."""
    if not report_ids:
        return []
    with collector_paused():
        return _process(report_ids)


def _process(report_ids: list[int]) -> list[Outcome]:
    # Each claim commits on its own (autocommit), before any parsing starts.
    fresh = _claim_fresh(list(report_ids))
    retried = Report.objects.filter(
        pk__in=set(report_ids) - set(fresh), status=Report.Status.RECEIVED
    )
    outcomes = _process_claimed(fresh)
    for report_id in retried.values_list("pk", flat=True).order_by("pk"):
        attempts = _claim_retry(report_id)
        if attempts is None:
            continue
        if attempts > settings.REPORT_MAX_ATTEMPTS:
            outcomes.append(
                _quarantine(
                    report_id,
                    "worker-lost",
                    f"processing stopped {attempts - 1} times without finishing",
                )
            )
            continue
        outcomes.extend(_process_claimed([report_id]))
    return outcomes


def _process_claimed(report_ids: list[int]) -> list[Outcome]:
    if not report_ids:
        return []
    parsed: list[ParsedReport] = []
    outcomes: list[Outcome] = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT w.report_id, w.content, w.filename, r.received_at "
            "FROM complaints_reportraw w JOIN complaints_report r ON r.id = w.report_id "
            "WHERE w.report_id = ANY(%s::bigint[])",
            [array_literal(report_ids)],
        )
        rows = cursor.fetchall()
    bounds = limits()
    docs: dict[int, tuple[Document, datetime]] = {}
    for report_id, content, filename, received_at in rows:
        try:
            docs[report_id] = (
                load(bytes(content), limits=bounds, filename=filename or None),
                received_at,
            )
        except ParseError as exc:
            outcomes.append(_quarantine(report_id, exc.reason, exc.detail))
        except RecursionError:
            outcomes.append(_quarantine(report_id, "mime-too-deep", "nesting exhausted the parser"))
    replies = replies_among({report_id: doc for report_id, (doc, _) in docs.items()})
    for report_id, (doc, received_at) in docs.items():
        try:
            result = registry.parse_document(doc)
        except ParseError as exc:
            outcomes.append(_quarantine(report_id, exc.reason, exc.detail))
            continue
        except RecursionError:
            outcomes.append(_quarantine(report_id, "mime-too-deep", "nesting exhausted the parser"))
            continue
        if report_id in replies:  # an answer to our own mail: threaded, never a complaint
            result = ParseResult(
                format="reply", kind="reply", is_complaint=False, subject=result.subject,
                summary="Reply to the desk's mail", reporter_address=result.reporter_address,
            )  # fmt: skip
        if result.is_complaint and not result.events:
            outcomes.append(
                _quarantine(
                    report_id,
                    "no-indicators",
                    "no IP address, domain or URL was found",
                    result.format,
                )
            )
            continue
        sender, authenticated = document_sender(doc, result.reporter_address)
        parsed.append(ParsedReport(report_id, received_at, result, sender, authenticated))
    if parsed:
        try:
            outcomes.extend(_file_with_retries(parsed))
        except DatabaseError:
            logger.exception("filing a batch of %d reports failed; filing one by one", len(parsed))
            for item in parsed:
                try:
                    outcomes.extend(_file_with_retries([item]))
                except DatabaseError as exc:
                    outcomes.append(
                        _quarantine(
                            item.report_id, "filing-failed", type(exc).__name__, item.result.format
                        )
                    )
    return outcomes


def _file_with_retries(parsed: list[ParsedReport], attempts: int = 4) -> list[Outcome]:
    """File in one transaction; a deadlock or serialization failure (another worker filing
    into the same tickets) is transient, so the transaction is simply run again. Locks are
    taken in one order everywhere (reporters by address, new tickets by key, tickets by id,
    events by fingerprint), which makes that rare."""
    for attempt in range(1, attempts + 1):
        try:
            with transaction.atomic():
                _commit_without_flush()
                return _file(parsed)
        except DatabaseError as exc:
            if not _is_transient(exc) or attempt == attempts:
                raise
            logger.info(
                "filing %d reports: %s, attempt %d",
                len(parsed),
                type(exc.__cause__).__name__,
                attempt,
            )
            time.sleep(0.05 * attempt)
    raise AssertionError("unreachable")


def _is_transient(exc: DatabaseError) -> bool:
    from psycopg import errors

    return isinstance(exc.__cause__, errors.DeadlockDetected | errors.SerializationFailure)


def _commit_without_flush() -> None:
    """The filing may commit without waiting for the WAL flush: the report's bytes were
    committed durably when it was received, and a filing lost in a crash leaves the report
    "received", so the sweeper files it again (idempotently). Only this transaction is
    affected (SET LOCAL)."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit = off")


def _quarantine(report_id: int, reason: str, detail: str = "", report_format: str = "") -> Outcome:
    Report.objects.filter(pk=report_id, status=Report.Status.RECEIVED).update(
        status=Report.Status.QUARANTINED,
        quarantine_reason=clean(reason, 64),
        quarantine_detail=clean(detail, 2000),
        format=clean(report_format, 32),
        processed_at=timezone.now(),
    )
    logger.info("report %s quarantined: %s", report_id, reason)
    return Outcome(report_id=report_id, status="quarantined", format=report_format, reason=reason)


# --- 3. filing ---------------------------------------------------------------------------


def _observed(event: ParsedEvent, received_at: datetime) -> tuple[datetime, bool]:
    """The event's time; the time of receipt when absent or implausible (future, ancient)."""
    at = event.observed_at
    if at is None or at > received_at + timedelta(days=1) or at.year < 1995:
        return received_at, False
    return at, True


@dataclass(frozen=True)
class _ReporterRef:
    """What filing needs of a reporter."""

    pk: int
    address: str
    trust: int


def _reporters_known(addresses: list[str]) -> dict[str, _ReporterRef]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, address, trust FROM complaints_reporter WHERE address = ANY(%s::text[])",
            [array_literal(addresses)],
        )
        return {address: _ReporterRef(pk, address, trust) for pk, address, trust in cursor}


def _reporter_address(item: ParsedReport) -> str:
    return (item.result.reporter_address or item.sender or f"format:{item.result.format}").lower()[
        :320
    ]


def _reporters(parsed: list[ParsedReport]) -> dict[str, _ReporterRef]:
    wanted: dict[str, ParsedReport] = {}
    for item in parsed:
        wanted.setdefault(_reporter_address(item), item)
    known = _reporters_known(list(wanted))
    missing = []
    for address, item in wanted.items():
        if address in known:
            continue
        fmt = item.result.format
        kind = (
            Reporter.Kind.FEEDBACK_LOOP
            if fmt in FEEDBACK_LOOP_FORMATS
            else Reporter.Kind.FEED
            if fmt in FEED_FORMATS
            else Reporter.Kind.PERSON
        )
        missing.append(
            Reporter(address=address, name=clean(item.result.reporter_name, 200), kind=kind)
        )
    missing.sort(key=lambda reporter: reporter.address)  # lock order, see _file_with_retries
    Reporter.objects.bulk_create(missing, ignore_conflicts=True)
    if missing:
        known.update(_reporters_known([m.address for m in missing]))
    return known


def _file(parsed: list[ParsedReport]) -> list[Outcome]:
    reporters = _reporters(parsed)
    rows: list[EventRow] = []
    reporter_of: dict[int, _ReporterRef] = {}
    for item in parsed:
        reporter = reporters[_reporter_address(item)]
        reporter_of[item.report_id] = reporter
        for event in item.result.events:
            ip = normalize_ip(event.ip) if event.ip else None
            domain = normalize_domain(event.domain) if event.domain else None
            url = clean(event.url, 4000)
            if url and not (ip or domain):
                ip, domain = url_host(url)
            at, known = _observed(event, item.received_at)
            rows.append(
                EventRow(
                    item.report_id,
                    event,
                    ip,
                    domain or "",
                    url,
                    at,
                    known,
                    reporter.address,
                )
            )

    if reporter_blocked := {
        rid for rid, r in reporter_of.items() if r.trust == Reporter.Trust.BLOCKED
    }:
        rows = [row for row in rows if row.report_id not in reporter_blocked]
    answers = attribute(
        [Subject(row.ip, row.domain or url_host(row.url)[1], row.observed_at) for row in rows]
    )
    format_of = {item.report_id: item.result.format for item in parsed}
    for row, who in zip(rows, answers, strict=True):
        row.who = who
        if who.customer_id is not None or who.in_our_network:
            bulk = classification.is_bulk(row.parsed.type, format_of[row.report_id])
            resource = row.ip if row.ip and who.allocation_id else (row.domain or row.ip or row.url)
            row.key = classification.aggregation_key(
                customer_id=who.customer_id,
                type_=row.parsed.type,
                resource=resource or "",
                bulk=bulk,
            )

    rows_of: dict[int, list[EventRow]] = defaultdict(list)
    for row in rows:
        rows_of[row.report_id].append(row)
    verdicts = {}
    for item in parsed:
        mine = rows_of[item.report_id]
        verdicts[item.report_id] = evidence_verdict(
            is_complaint=item.result.is_complaint,
            event_count=len(item.result.events),
            ours_count=sum(1 for row in mine if row.key),
            timed_count=sum(1 for row in mine if row.time_known),
            has_evidence=item.result.has_logs_or_headers or bool(item.result.evidence.strip()),
        )
    # Tickets are counted with the batch's rows, corrected below where the batch holds the
    # same event twice or some were on file already.
    plan = tickets_plan(
        rows,
        verdicts,
        {item.report_id: item for item in parsed},
        {report_id: reporter.pk for report_id, reporter in reporter_of.items()},
    )
    # While the server opens and counts the tickets, the events' rows are fingerprinted and
    # sorted and the reports' rows are built: neither depends on the tickets.
    with in_background(plan.statements()) as writing:
        unique = unique_rows(rows)
        copy = EventCopy(unique)
        # A report's event count is the batch's own, corrected below where some of its
        # events turned out to be on file already.
        planned = Counter(row.report_id for row in unique)
        filed = [
            _filed_row(
                item,
                rows_of[item.report_id],
                verdicts[item.report_id],
                reporter_of[item.report_id],
                planned[item.report_id],
            )
            for item in parsed
        ]
    counted = tickets_settle(plan, writing.results())
    tickets_lock(plan, counted)
    ticket_of_key = plan.ticket_of_key
    outcomes = [_outcome(item, rows_of[item.report_id], ticket_of_key) for item in parsed]
    # The reports are marked filed (with their reporters) before their events go in: the
    # events' trigger reads the reporters.
    _reports_mark_filed(filed, timezone.now())
    inserted = copy.insert(ticket_of_key, counted.ids)
    if inserted is not None:  # some were on file already
        _reports_recount(inserted[0], planned)
        per_counted = inserted[1]
    else:
        per_counted = counted.planned() if len(unique) == len(rows) else copy.counts_of_counted()
    if removed := tickets_recount(counted, per_counted):
        for outcome in outcomes:
            outcome.ticket_ids = [tid for tid in outcome.ticket_ids if tid not in removed]
    filed_ids = [o.report_id for o in outcomes]
    transaction.on_commit(lambda: _after_filing(filed_ids))
    return outcomes


def _filed_row(
    item: ParsedReport, mine: list[EventRow], verdict: Verdict, reporter: _ReporterRef, events: int
) -> tuple:
    """A report's values for ``_MARK_FILED``."""
    result = item.result
    return (
        item.report_id, clean(result.format, 32), clean(result.kind, 32),
        reporter.pk, item.sender, item.authenticated,
        clean(result.subject, 998), clean(result.summary, 2000),
        clean(result.evidence, MAX_REPORT_EVIDENCE), verdict.status, json.dumps(verdict.reasons),
        result.is_complaint and bool(mine) and not any(row.key for row in mine),
        events, json_text(result.data),
    )  # fmt: skip


def _outcome(item: ParsedReport, mine: list[EventRow], ticket_of_key: dict[str, int]) -> Outcome:
    return Outcome(
        report_id=item.report_id,
        status="filed",
        format=item.result.format,
        rows=mine,
        ticket_ids=sorted(
            {ticket_of_key[row.key] for row in mine if row.key and row.key in ticket_of_key}
        ),
        customers=sorted(
            {
                row.who.customer_external_id
                for row in mine
                if row.who and row.who.customer_external_id
            }
        ),
    )


_MARK_FILED = """
UPDATE complaints_report r
   SET status = 'filed', format = u.format, kind = u.kind, reporter_id = u.reporter_id,
       sender = u.sender, sender_authenticated = u.authenticated, subject = u.subject,
       summary = u.summary, evidence = u.evidence, evidence_status = u.evidence_status,
       evidence_reasons = u.reasons::jsonb, not_our_network = u.not_ours,
       event_count = u.events, data = u.data::jsonb, processed_at = %s
  FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::bigint[], %s::text[], %s::boolean[],
              %s::text[], %s::text[], %s::text[], %s::text[], %s::text[], %s::boolean[],
              %s::int[], %s::text[])
       AS u(id, format, kind, reporter_id, sender, authenticated, subject, summary, evidence,
            evidence_status, reasons, not_ours, events, data)
 WHERE r.id = u.id
"""


def _reports_mark_filed(rows: list[tuple], now: datetime) -> None:
    """One UPDATE for the whole batch's reports (a statement per report was a fifth of the
    intake's time)."""
    if not rows:
        return
    columns = [array_literal(column) for column in zip(*rows, strict=True)]
    with connection.cursor() as cursor:
        cursor.execute(_MARK_FILED, [now, *columns])


def _reports_recount(inserted: dict[int, int], planned: Counter[int]) -> None:
    """Event counts of reports some of whose events were already on file (a redelivered
    or re-sent report): the number actually inserted."""
    wrong = {rid: inserted.get(rid, 0) for rid, n in planned.items() if inserted.get(rid, 0) != n}
    if wrong:
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE complaints_report r SET event_count = u.n "
                "FROM unnest(%s::bigint[], %s::int[]) AS u(id, n) WHERE r.id = u.id",
                [array_literal(wrong), array_literal(wrong.values())],
            )


def _after_filing(report_ids: list[int]) -> None:
    """Follow-up work once the filing is committed (acknowledgements, notices)."""
    from complaints import reactions

    reactions.reports_filed(report_ids)
