"""Processing: parse, attribute, aggregate and file received reports (pipeline steps 2-4).

``reports_process`` takes a batch of report ids, as the ``ingest`` queue's task does:

1. *Claim.* Fresh reports (no attempt yet) are claimed with one committed UPDATE that
   counts the attempt and names the task (``claimed_by``). Reports that were already
   attempted — a redelivered task after a worker died — are claimed and processed one at a
   time, so a poison message can only ever count its own attempts; past
   ``REPORT_MAX_ATTEMPTS`` it is quarantined ("worker-lost") instead of killing workers
   forever. Such a retry claims a report only when its last attempt is over: it was this
   task's own, it started longer ago than a task may run, or the sweeper queued the report
   again since. A duplicate task for a report another task is working on claims nothing.
2. *Parse* outside any transaction, one message at a time, bounded per message (promise 4):
   its raw bytes are read, decoded and parsed, and only the parse result is kept. Each
   message's deadline starts when its own parse starts. A batch stops parsing once the
   bytes it decoded pass ``INGEST_BATCH_MAX_BYTES``: the reports it did not reach are
   released and handed to a fresh task, so a batch of gzip bombs is never in memory at once.
3. *File* the batch in one transaction: events are attributed in bulk, tickets found or
   opened against the partial unique index on open aggregation keys (``ticket_opening``),
   and events inserted under the unique index on their fingerprints (``event_copy``), so a
   redelivered or concurrent task adds nothing (promise 2). If the batch fails to file,
   each report is filed alone and the one that fails is quarantined with its reason while
   the rest proceed.

Reactions (step 5) are recorded, not only queued: a filed report's ``reacted_at`` stays
empty until they ran, so a task lost with the broker is queued again by the sweeper.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from complaints import classification
from complaints.intake import reactions
from complaints.intake.filing.attribution import Subject, attribute, url_host
from complaints.intake.filing.bulk_sql import Column, arrays, set_list, unnest_sql
from complaints.intake.filing.event_copy import EventCopy
from complaints.intake.filing.evidence import Verdict, evidence_verdict
from complaints.intake.filing.rows import (
    MAX_REPORT_EVIDENCE,
    EventRow,
    ParsedReport,
    clean,
    unique_rows,
)
from complaints.intake.filing.ticket_opening import (
    Counted,
    TicketPlan,
    tickets_lock,
    tickets_plan,
    tickets_recount,
    tickets_settle,
)
from complaints.intake.mail_auth import document_sender, reports_received_by_mail
from complaints.intake.reply_detection import bounce_unmatched, replies_among
from complaints.intake.storable import address_clean, json_text
from complaints.models import Report, Reporter
from complaints.parse_limits import limits
from complaints.parsers import registry
from complaints.parsers.base import Limits, ParsedEvent, ParseError, ParseResult
from complaints.parsers.mime import load
from complaints.parsers.util import normalize_domain, normalize_ip
from complaints.tickets.clocks import sla_start_opened
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
                "rule": row.parsed.rule or None,
                "observed_at": row.observed_at.isoformat() if row.time_known else None,
            }
            for row in self.rows
        ]


# --- 1. claiming -----------------------------------------------------------------------


def _claim_fresh(report_ids: list[int], token: str) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE complaints_report SET attempts = attempts + 1, claimed_at = now(), "
            "claimed_by = %s "
            "WHERE id = ANY(%s::bigint[]) AND status = 'received' AND attempts = 0 RETURNING id",
            [token, array_literal(report_ids)],
        )
        return sorted(row[0] for row in cursor.fetchall())


def _claim_retry(report_id: int, token: str) -> int | None:
    """Count one more attempt on a report that was tried before, if that attempt is over;
    None if it is final or another task is still at it (see the module's docstring)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE complaints_report SET attempts = attempts + 1, claimed_at = now(), "
            "claimed_by = %s "
            "WHERE id = %s AND status = 'received' AND (claimed_at IS NULL OR claimed_by = %s "
            "OR claimed_at < now() - make_interval(secs => %s) OR requeued_at >= claimed_at) "
            "RETURNING attempts",
            [token, report_id, token, settings.REPORT_TASK_TIME_LIMIT],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def _release(report_ids: list[int], token: str) -> None:
    """Give back fresh claims of reports this task did not reach: their attempt is
    uncounted, and the next task (or the sweeper) claims them as new."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE complaints_report SET attempts = attempts - 1, claimed_at = NULL, "
            "claimed_by = '' WHERE id = ANY(%s::bigint[]) AND status = 'received' "
            "AND claimed_by = %s",
            [array_literal(report_ids), token],
        )


HandOff = Callable[[list[int]], None]


def reports_process(
    report_ids: list[int], *, claim_token: str | None = None, hand_off: HandOff | None = None
) -> list[Outcome]:
    """Process a batch of received reports; reports already final are left alone.

    ``claim_token`` names the attempt (the Celery task's id, the same when the task is
    redelivered); ``hand_off`` takes the reports a batch over its byte budget did not reach
    (the task queues a fresh task); without it they are processed here, in later rounds."""
    if not report_ids:
        return []
    token = claim_token or uuid.uuid4().hex
    outcomes: list[Outcome] = []
    with collector_paused():
        pending = list(report_ids)
        while pending:
            done, pending = _process(pending, token)
            outcomes.extend(done)
            if pending and hand_off is not None:
                try:
                    hand_off(pending)
                except Exception:  # a lost hand-off is the sweeper's to find
                    logger.exception("handing %d reports to a new task failed", len(pending))
                break
    return outcomes


def _process(report_ids: list[int], token: str) -> tuple[list[Outcome], list[int]]:
    """(outcomes, reports left for a later batch)."""
    # Each claim commits on its own (autocommit), before any parsing starts.
    fresh = _claim_fresh(list(report_ids), token)
    retried = Report.objects.filter(
        pk__in=set(report_ids) - set(fresh), status=Report.Status.RECEIVED
    )
    outcomes, deferred = _process_claimed(fresh)
    if deferred:
        _release(deferred, token)
    # Retried reports are filed one at a time: each is its own batch.
    for report_id in retried.values_list("pk", flat=True).order_by("pk"):
        attempts = _claim_retry(report_id, token)
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
        outcomes.extend(_process_claimed([report_id])[0])
    return outcomes, deferred


# --- 2. parsing --------------------------------------------------------------------------

# Raw bytes are read in chunks of about this many bytes (one report may be larger).
_RAW_CHUNK_BYTES = 16 * 1024 * 1024


def _raw_rows(report_ids: list[int]) -> Iterator[tuple[int, bytes, str, datetime]]:
    """(report id, raw bytes, file name, received at) in id order, read a chunk at a time
    so a batch's raw bytes are never all in memory."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, size FROM complaints_report WHERE id = ANY(%s::bigint[]) ORDER BY id",
            [array_literal(report_ids)],
        )
        sizes = cursor.fetchall()
    chunks: list[list[int]] = [[]]
    total = 0
    for report_id, size in sizes:
        if chunks[-1] and total + size > _RAW_CHUNK_BYTES:
            chunks.append([])
            total = 0
        chunks[-1].append(report_id)
        total += size
    for chunk in chunks:
        if not chunk:
            continue
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT w.report_id, w.content, w.filename, r.received_at "
                "FROM complaints_reportraw w JOIN complaints_report r ON r.id = w.report_id "
                "WHERE w.report_id = ANY(%s::bigint[]) ORDER BY w.report_id",
                [array_literal(chunk)],
            )
            rows = cursor.fetchall()
        rows.reverse()
        while rows:  # popped, so each raw message is dropped once parsed
            report_id, content, filename, received_at = rows.pop()
            yield report_id, bytes(content), filename or "", received_at
            del content


def _process_claimed(report_ids: list[int]) -> tuple[list[Outcome], list[int]]:
    """File claimed reports; (outcomes, the ids not reached within the batch's budget)."""
    if not report_ids:
        return [], []
    parsed: list[ParsedReport] = []
    outcomes: list[Outcome] = []
    bounds = limits()
    budget = settings.INGEST_BATCH_MAX_BYTES
    decoded = 0
    reached: set[int] = set()
    by_mail = reports_received_by_mail(report_ids)  # only they can carry our MX's verdict
    for report_id, raw, filename, received_at in _raw_rows(report_ids):
        if decoded >= budget:
            break
        reached.add(report_id)
        item, size = _parse_one(report_id, raw, filename, received_at, bounds, report_id in by_mail)
        del raw
        decoded += size
        if isinstance(item, Outcome):
            outcomes.append(item)
        else:
            parsed.append(item)
    deferred = [report_id for report_id in report_ids if report_id not in reached]
    if deferred:
        logger.info(
            "batch over its budget (%d bytes decoded): %d reports left for a new task",
            decoded,
            len(deferred),
        )
    if parsed:
        outcomes.extend(_file_each_if_needed(parsed))
    return outcomes, deferred


def _parse_one(
    report_id: int,
    raw: bytes,
    filename: str,
    received_at: datetime,
    bounds: Limits,
    by_mail: bool,
) -> tuple[ParsedReport | Outcome, int]:
    """Decode and parse one report (its deadline starts here); (what to file or the
    quarantine outcome, the bytes decoded)."""
    try:
        doc = load(raw, limits=bounds, filename=filename or None)
    except ParseError as exc:
        return _quarantine(report_id, exc.reason, exc.detail), len(raw)
    except RecursionError:
        return _quarantine(report_id, "mime-too-deep", "nesting exhausted the parser"), len(raw)
    size = len(raw) + sum(len(part.payload) for part in doc.parts)
    try:
        is_reply = report_id in replies_among({report_id: doc})
        result = registry.parse_document(doc)
        sender, authenticated = document_sender(doc, result.reporter_address)
        authenticated = authenticated and by_mail
    except ParseError as exc:
        return _quarantine(report_id, exc.reason, exc.detail), size
    except RecursionError:
        return _quarantine(report_id, "mime-too-deep", "nesting exhausted the parser"), size
    if result.kind == "bounce" and (unmatched := bounce_unmatched(result.data)):
        # It names none of our messages: nothing to thread it to; the quarantine shows it.
        return _quarantine(report_id, "bounce-unmatched", unmatched, result.format), size
    if is_reply and result.kind not in ("bounce", "auto-reply"):
        # an answer to our own mail: threaded, never a complaint
        result = ParseResult(
            format="reply", kind="reply", is_complaint=False, subject=result.subject,
            summary="Reply to the desk's mail", reporter_address=result.reporter_address,
        )  # fmt: skip
    if result.is_complaint and not result.events:
        outcome = _quarantine(
            report_id, "no-indicators", "no IP address, domain or URL was found", result.format
        )
        return outcome, size
    return ParsedReport(report_id, received_at, result, address_clean(sender), authenticated), size


def _file_each_if_needed(parsed: list[ParsedReport]) -> list[Outcome]:
    """File the batch; if it fails, each report alone, quarantining the one that fails."""
    try:
        return _file_with_retries(parsed)
    except Exception:  # whatever sank the batch is found per report below
        logger.exception("filing a batch of %d reports failed; filing one by one", len(parsed))
    outcomes: list[Outcome] = []
    for item in parsed:
        try:
            outcomes.extend(_file_with_retries([item]))
        except Exception as exc:  # recorded on the report with its reason
            logger.exception("filing report %s failed", item.report_id)
            outcomes.append(
                _quarantine(item.report_id, "filing-failed", type(exc).__name__, item.result.format)
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
    return address_clean(
        item.result.reporter_address or item.sender or f"format:{item.result.format}"
    )


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
    """File a batch of parsed reports, in the caller's transaction: their events attributed
    and keyed, their tickets opened or counted, the events inserted and the reports marked
    filed; the reactions follow the commit."""
    reporter_of = _reporter_of(parsed)
    rows = _event_rows(parsed, reporter_of)
    _attribute_and_key(rows, parsed)
    rows_of = _rows_by_report(rows)
    verdicts = {item.report_id: _verdict(item, rows_of[item.report_id]) for item in parsed}
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
        filed = _filed_arrays(
            [
                _Filed(item, rows_of[item.report_id], verdicts[item.report_id],
                       reporter_of[item.report_id], planned[item.report_id])
                for item in parsed
            ]
        )  # fmt: skip
    counted = tickets_settle(plan, writing.results())
    tickets_lock(plan, counted)
    outcomes = [_outcome(item, rows_of[item.report_id], plan.ticket_of_key) for item in parsed]
    # The reports are marked filed (with their reporters) before their events go in: the
    # events' trigger reads the reporters.
    _reports_mark_filed(filed, timezone.now())
    _events_insert(copy, plan, counted, planned, outcomes, whole=len(unique) == len(rows))
    # The clocks of the tickets opened start at their first report's arrival, in this
    # transaction: the queue shows their SLA from the first page they appear on.
    sla_start_opened(plan.arrivals(counted.opened))
    filed_ids = [o.report_id for o in outcomes]
    # A broker error here must not fail the committed filing: the reactions are recorded
    # as pending (``reacted_at``) and the sweeper queues them again.
    transaction.on_commit(lambda: _after_filing(filed_ids), robust=True)
    return outcomes


def _reporter_of(parsed: list[ParsedReport]) -> dict[int, _ReporterRef]:
    """Each report's reporter (created when new)."""
    reporters = _reporters(parsed)
    return {item.report_id: reporters[_reporter_address(item)] for item in parsed}


def _event_rows(parsed: list[ParsedReport], reporter_of: dict[int, _ReporterRef]) -> list[EventRow]:
    """The reports' events as rows: resources normalized (a URL alone gives its host), times
    checked; none from a blocked reporter."""
    rows: list[EventRow] = []
    for item in parsed:
        reporter = reporter_of[item.report_id]
        if reporter.trust == Reporter.Trust.BLOCKED:
            continue
        for event in item.result.events:
            ip = normalize_ip(event.ip) if event.ip else None
            domain = normalize_domain(event.domain) if event.domain else None
            url = clean(event.url, 4000)
            if url and not (ip or domain):
                ip, domain = url_host(url)
            at, known = _observed(event, item.received_at)
            rows.append(
                EventRow(item.report_id, event, ip, domain or "", url, at, known, reporter.address)
            )
    return rows


def _attribute_and_key(rows: list[EventRow], parsed: list[ParsedReport]) -> None:
    """Who held each row's resource at its time, in bulk, and the aggregation key of the
    rows in our space (the others get none, and no ticket)."""
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


def _rows_by_report(rows: list[EventRow]) -> dict[int, list[EventRow]]:
    rows_of: dict[int, list[EventRow]] = defaultdict(list)
    for row in rows:
        rows_of[row.report_id].append(row)
    return rows_of


def _verdict(item: ParsedReport, mine: list[EventRow]) -> Verdict:
    """Is the report complete enough to act on (``evidence_verdict``)?"""
    return evidence_verdict(
        is_complaint=item.result.is_complaint,
        event_count=len(item.result.events),
        ours_count=sum(1 for row in mine if row.key),
        timed_count=sum(1 for row in mine if row.time_known),
        has_evidence=item.result.has_logs_or_headers or bool(item.result.evidence.strip()),
    )


def _events_insert(
    copy: EventCopy,
    plan: TicketPlan,
    counted: Counted,
    planned: Counter[int],
    outcomes: list[Outcome],
    *,
    whole: bool,
) -> None:
    """Insert the events; where some were on file already (or the batch held one twice),
    correct the reports' and tickets' counts, and drop from the outcomes a ticket opened
    for events that all turned out to be on file. ``whole``: the batch's rows were unique."""
    inserted = copy.insert(plan.ticket_of_key, counted.ids)
    if inserted is not None:  # some were on file already
        _reports_recount(inserted[0], planned)
        per_counted = inserted[1]
    else:
        per_counted = counted.planned() if whole else copy.counts_of_counted()
    if removed := tickets_recount(counted, per_counted):
        for outcome in outcomes:
            outcome.ticket_ids = [tid for tid in outcome.ticket_ids if tid not in removed]


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


@dataclass(frozen=True)
class _Filed:
    """A report as the filing marks it filed."""

    item: ParsedReport
    mine: list[EventRow]  # its rows
    verdict: Verdict
    reporter: _ReporterRef
    events: int  # its events in the batch (corrected by ``_reports_recount``)


# What marking a report filed sets (with its status and processed_at).
_FILED_COLUMNS: tuple[Column[_Filed], ...] = (
    Column("id", "bigint", lambda f: f.item.report_id, stored=False),
    Column("format", "text", lambda f: clean(f.item.result.format, 32)),
    Column("kind", "text", lambda f: clean(f.item.result.kind, 32)),
    Column("reporter_id", "bigint", lambda f: f.reporter.pk),
    Column("sender", "text", lambda f: f.item.sender),
    Column("sender_authenticated", "boolean", lambda f: f.item.authenticated),
    Column("subject", "text", lambda f: clean(f.item.result.subject, 998)),
    Column("summary", "text", lambda f: clean(f.item.result.summary, 2000)),
    Column("evidence", "text", lambda f: clean(f.item.result.evidence, MAX_REPORT_EVIDENCE)),
    Column("evidence_status", "text", lambda f: f.verdict.status),
    Column(
        "evidence_reasons",
        "text",
        lambda f: json.dumps(f.verdict.reasons),
        sql="u.evidence_reasons::jsonb",
    ),
    Column(
        "not_our_network",
        "boolean",
        lambda f: f.item.result.is_complaint and bool(f.mine) and not any(r.key for r in f.mine),
    ),
    Column("event_count", "int", lambda f: f.events),
    Column("data", "text", lambda f: json_text(f.item.result.data), sql="u.data::jsonb"),
)
_MARK_FILED = f"""
UPDATE complaints_report r
   SET status = %s, processed_at = %s, {set_list(_FILED_COLUMNS)}
  FROM {unnest_sql(_FILED_COLUMNS)}
 WHERE r.id = u.id
"""  # noqa: S608 - built from constant column names


def _filed_arrays(filed: list[_Filed]) -> list[str]:
    """The array parameters of ``_MARK_FILED``: the reports' values, built while the server
    writes the tickets."""
    return arrays(_FILED_COLUMNS, filed) if filed else []


def _reports_mark_filed(filed: list[str], now: datetime) -> None:
    """One UPDATE for the whole batch's reports (a statement per report was a fifth of the
    intake's time); ``filed``: ``_filed_arrays``."""
    if not filed:
        return
    with connection.cursor() as cursor:
        cursor.execute(_MARK_FILED, [Report.Status.FILED.value, now, *filed])


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
    """Follow-up work once the filing is committed (threading, acknowledgements, notices)."""
    reactions.reports_filed(report_ids)
