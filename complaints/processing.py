"""Processing: parse, attribute, aggregate and file received reports (pipeline steps 2-4).

``reports_process`` takes a batch of report ids, as the ``ingest`` queue's task does:

1. *Claim.* Fresh reports (no attempt yet) are claimed with one committed UPDATE that
   counts the attempt. Reports that were already attempted — a redelivered task after a
   worker died — are claimed and processed one at a time, so a poison message can only
   ever count its own attempts; past ``REPORT_MAX_ATTEMPTS`` it is quarantined
   ("worker-lost") instead of killing workers forever.
2. *Parse* outside any transaction, bounded per message (promise 4).
3. *File* the batch in one transaction: events are inserted with ``ON CONFLICT
   (fingerprint) DO NOTHING`` and tickets upserted against the partial unique index on open
   aggregation keys, so a redelivered or concurrent task adds nothing (promise 2). If the
   batch fails to file, each report is filed alone and the one that fails is quarantined
   with its reason while the rest proceed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from psycopg.copy import QueuedLibpqWriter
from psycopg.errors import UniqueViolation

from complaints import classification, search_sql
from complaints.attribution import Attributed, Subject, attribute, url_host
from complaints.bulk_sql import defaults_sql
from complaints.evidence import evidence_verdict
from complaints.mail_auth import document_sender
from complaints.models import Report, Reporter, Ticket
from complaints.models.tickets import OPEN_STATUSES
from complaints.parsers import registry
from complaints.parsers.base import Limits, ParsedEvent, ParseError, ParseResult
from complaints.parsers.mime import Document, load
from complaints.parsers.util import normalize_domain, normalize_ip
from complaints.replies import replies_among
from trustsafety.pg_arrays import array_literal

logger = logging.getLogger(__name__)

FEEDBACK_LOOP_FORMATS = frozenset({"arf", "jmrp"})
FEED_FORMATS = frozenset(
    {"shadowserver", "feeds", "blocklistde", "xarf", "dmarc", "tlsrpt", "spamcop", "iodef"}
)
MAX_EVENT_EVIDENCE = 2000
MAX_REPORT_EVIDENCE = 20000


def clean(text: object, limit: int) -> str:
    """Text PostgreSQL can store: no NUL characters, bounded length."""
    return str(text or "").replace("\x00", "\ufffd")[:limit]


@dataclass
class _Row:
    """One event ready to insert."""

    index: int
    report_id: int
    parsed: ParsedEvent
    ip: str | None
    domain: str
    url: str
    observed_at: datetime
    time_known: bool
    fingerprint: str  # 32 hex digits, a uuid to PostgreSQL
    who: Attributed | None = None
    key: str | None = None


@dataclass
class Outcome:
    report_id: int
    status: str
    format: str = ""
    reason: str = ""
    ticket_ids: list[int] = field(default_factory=list)
    customers: list[str] = field(default_factory=list)
    rows: list[_Row] = field(default_factory=list, repr=False)

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


@dataclass
class _Parsed:
    report_id: int
    received_at: datetime
    result: ParseResult
    sender: str
    authenticated: bool


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
    parsed: list[_Parsed] = []
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
        parsed.append(_Parsed(report_id, received_at, result, sender, authenticated))
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


def _file_with_retries(parsed: list[_Parsed], attempts: int = 4) -> list[Outcome]:
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


def _fingerprint(
    source: str, ip: str | None, domain: str, url: str, event: ParsedEvent, at: datetime
) -> str:
    text = "\x1f".join(
        [source, ip or "", domain, url, event.type, at.isoformat(), str(event.port or "")]
    )
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


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


def _reporter_address(item: _Parsed) -> str:
    return (item.result.reporter_address or item.sender or f"format:{item.result.format}").lower()[
        :320
    ]


def _reporters(parsed: list[_Parsed]) -> dict[str, _ReporterRef]:
    wanted: dict[str, _Parsed] = {}
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


def _file(parsed: list[_Parsed]) -> list[Outcome]:
    reporters = _reporters(parsed)
    rows: list[_Row] = []
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
            fingerprint = _fingerprint(reporter.address, ip, domain or "", url, event, at)
            rows.append(
                _Row(
                    len(rows), item.report_id, event, ip, domain or "", url, at, known, fingerprint
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

    rows_of: dict[int, list[_Row]] = defaultdict(list)
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
    unique = _unique_rows(rows)
    ticket_of_key, opened = _tickets_ensure(
        rows,
        unique,
        verdicts,
        {item.report_id: item for item in parsed},
        {report_id: reporter.pk for report_id, reporter in reporter_of.items()},
    )
    # The reports are marked filed (with their reporters) before their events go in: the
    # events' trigger reads the reporters. Their event counts are the batch's own,
    # corrected below where some events turned out to be on file already.
    planned = Counter(row.report_id for row in unique)

    now = timezone.now()
    outcomes = []
    filed: list[tuple] = []
    customers_of_row = {
        row.index: row.who.customer_external_id
        for row in rows
        if row.who and row.who.customer_external_id
    }
    for item in parsed:
        mine = rows_of[item.report_id]
        verdict = verdicts[item.report_id]
        result = item.result
        filed.append(
            (
                item.report_id, clean(result.format, 32), clean(result.kind, 32),
                reporter_of[item.report_id].pk, item.sender, item.authenticated,
                clean(result.subject, 998), clean(result.summary, 2000),
                clean(result.evidence, MAX_REPORT_EVIDENCE), verdict.status,
                json.dumps(verdict.reasons),
                result.is_complaint and bool(mine) and not any(row.key for row in mine),
                planned[item.report_id], _json_text(result.data),
            )
        )  # fmt: skip
        tickets = sorted(
            {ticket_of_key[row.key] for row in mine if row.key and row.key in ticket_of_key}
        )
        outcomes.append(
            Outcome(
                report_id=item.report_id,
                status="filed",
                format=result.format,
                rows=mine,
                ticket_ids=tickets,
                customers=sorted(
                    {customers_of_row[row.index] for row in mine if row.index in customers_of_row}
                ),
            )
        )
    _reports_mark_filed(filed, now)
    per_report, per_opened = _events_insert(unique, ticket_of_key, set(opened))
    _reports_recount(per_report, planned)
    if removed := _tickets_recount(opened, per_opened):
        for outcome in outcomes:
            outcome.ticket_ids = [tid for tid in outcome.ticket_ids if tid not in removed]
    filed_ids = [o.report_id for o in outcomes]
    transaction.on_commit(lambda: _after_filing(filed_ids))
    return outcomes


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


def _json_text(data: object) -> str:
    """Parser extras as JSON text PostgreSQL accepts (no NUL escapes)."""
    try:
        return json.dumps(data, default=str).replace("\\u0000", "\\ufffd")
    except (TypeError, ValueError):
        return "{}"


def _report_text(item: _Parsed, per_customer: bool) -> str:
    """A report's searchable text in a ticket, as the events' trigger takes it
    (search_sql.py): a per-customer ticket takes the subject only."""
    result = item.result
    if per_customer:
        return clean(result.subject, 998)
    return f"{clean(result.subject, 998)} {clean(result.evidence, MAX_REPORT_EVIDENCE)[:1500]}"


def _events_text(group: list[_Row]) -> str:
    """The searchable text of a ticket's first events (search_sql.py)."""
    return " ".join(
        " ".join(
            part
            for part in (
                row.ip,
                row.domain,
                row.url,
                clean(row.parsed.evidence, MAX_EVENT_EVIDENCE)[:500],
            )
            if part
        )
        for row in group[: search_sql.TEXT_EVENTS]
    )[: search_sql.TEXT_CHARS]


@dataclass(frozen=True)
class _Counts:
    """What one filing adds to a ticket it opens."""

    events: int
    reports: int


_OPEN_LIST = ", ".join(f"'{s}'" for s in OPEN_STATUSES)


def _tickets_ensure(
    rows: list[_Row],
    unique: list[_Row],
    verdicts: dict,
    parsed_of: dict[int, _Parsed],
    reporters: dict[int, int],
) -> tuple[dict[str, int], dict[int, _Counts]]:
    """Find the open ticket of every aggregation key in the batch, or open one. Returns key
    -> ticket id, and the tickets opened here with the counts they were opened with: this
    filing's unique events and their reports (``_events_insert`` inserts those events
    without the trigger's counting). ``reporters``: report id -> reporter id."""
    groups: dict[str, list[_Row]] = defaultdict(list)
    for row in rows:
        if row.key:
            groups[row.key].append(row)
    if not groups:
        return {}, {}
    events_of_key: Counter[str] = Counter()
    reports_of_key: dict[str, set[int]] = defaultdict(set)
    for row in unique:
        if row.key:
            events_of_key[row.key] += 1
            reports_of_key[row.key].add(row.report_id)
    counts = {key: _Counts(events_of_key[key], len(reports_of_key[key])) for key in groups}

    # Most keys of a batch already have their open ticket: look those up first, so that
    # subjects and search text are only built for the tickets that are really opened.
    found = _tickets_open_of(list(groups))
    opened: dict[int, _Counts] = {}
    for _attempt in range(3):  # a ticket closed between the statements: open a new one
        todo = [key for key in groups if key not in found]
        if not todo:
            break
        new = _tickets_open(
            {key: groups[key] for key in todo}, counts, verdicts, parsed_of, reporters
        )
        found.update(new)
        opened.update({ticket_id: counts[key] for key, ticket_id in new.items()})
        # The others were opened by a concurrent filing, committed by the time DO NOTHING
        # returned.
        found.update(_tickets_open_of([key for key in todo if key not in found]))
    with connection.cursor() as cursor:
        # Lock the batch's tickets in id order before the events' trigger updates them in
        # whatever order its join yields: concurrent batches then cannot deadlock.
        cursor.execute(
            "SELECT id FROM complaints_ticket WHERE id = ANY(%s::bigint[]) ORDER BY id FOR UPDATE",
            [array_literal(sorted(found.values()))],
        )
        upgrade = [
            found[key]
            for key, group in groups.items()
            if found[key] not in opened
            and any(verdicts[row.report_id].status == "complete" for row in group)
        ]
        if upgrade:  # complete evidence arrived for a case opened on insufficient reports
            cursor.execute(
                "UPDATE complaints_ticket SET evidence_status = 'complete' "
                "WHERE id = ANY(%s::bigint[]) AND evidence_status <> 'complete'",
                [array_literal(upgrade)],
            )
    # SLA clocks of the tickets opened here are started by the SLA sweep (complaints.sla).
    return found, opened


def _tickets_open_of(keys: list[str]) -> dict[str, int]:
    """The open tickets of these aggregation keys: key -> id."""
    if not keys:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT aggregation_key, id FROM complaints_ticket "  # noqa: S608 - constants only
            f"WHERE aggregation_key = ANY(%s::text[]) AND status IN ({_OPEN_LIST})",
            [array_literal(keys)],
        )
        return dict(cursor.fetchall())


def _tickets_open(
    groups: dict[str, list[_Row]],
    counts: dict[str, _Counts],
    verdicts: dict,
    parsed_of: dict[int, _Parsed],
    reporters: dict[int, int],
) -> dict[str, int]:
    """Open a ticket for each key, with what its first filing brings (times, counts,
    reporters, search text), unless one is open by now: key -> id of the tickets opened."""
    customer_ids = {
        row.who.customer_id
        for group in groups.values()
        for row in group
        if row.who and row.who.customer_id
    }
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, name FROM customers_customer WHERE id = ANY(%s::bigint[])",
            [array_literal(customer_ids)],
        )
        names = dict(cursor.fetchall())
    columns: list[list[Any]] = [[] for _ in range(16)]
    (
        keys, subjects, types, taxonomies, resources, customers, services, triage, evidence,
        events, reports, first_at, last_at, reporter_ids, texts, report_index,
    ) = columns  # fmt: skip
    # (report id, per customer) -> its position in the report texts
    report_order: dict[tuple[int, bool], int] = {}
    for key, group in groups.items():
        first = group[0]
        who = first.who
        assert who is not None
        label = classification.type_label(first.parsed.type)
        per_customer = key.count(":") == 2 and key.startswith("abuse:")
        resource = "" if per_customer else key.split(":", 3)[-1]
        if per_customer:
            subject = f"{label}: {names.get(who.customer_id or 0, 'customer')}"
        else:
            subject = f"{label} from {resource}"
        complete = any(verdicts[row.report_id].status == "complete" for row in group)
        keys.append(key)
        subjects.append(clean(subject, 300))
        types.append(first.parsed.type)
        taxonomies.append(classification.taxonomy_of(first.parsed.type))
        resources.append(clean(resource, 300))
        customers.append(who.customer_id)
        services.append(who.service_id)
        triage.append(who.customer_id is None)
        evidence.append("complete" if complete else "insufficient")
        # Everything the events' trigger would otherwise write on a first filing is set as
        # the ticket opens, and that filing's events are not counted again: a new ticket
        # is written once.
        events.append(counts[key].events)
        reports.append(counts[key].reports)
        first_at.append(min(row.observed_at for row in group))
        last_at.append(max(row.observed_at for row in group))
        reporter_ids.append(array_literal(sorted({reporters[row.report_id] for row in group})))
        # The first report's text is turned into lexemes once for all its tickets (a feed
        # report opens hundreds), its first events' per ticket.
        text_of = (first.report_id, per_customer)
        report_index.append(report_order.setdefault(text_of, len(report_order) + 1))
        texts.append(_events_text(group))
    explicit = (
        "kind, status, aggregation_key, subject, type, taxonomy, resource, customer_id, "
        "service_id, needs_triage, evidence_status, event_count, report_count, created_at, "
        "updated_at, first_event_at, last_event_at, reporter_ids, search_vector"
    )
    extra_columns, extra_values, defaults = defaults_sql(Ticket, set(explicit.split(", ")))
    sql = f"""
        WITH reports AS MATERIALIZED (
            SELECT n, setweight(to_tsvector('simple'::regconfig, text), 'C') AS vector
              FROM unnest(%s::text[]) WITH ORDINALITY AS x(text, n))
        INSERT INTO complaints_ticket ({explicit}{extra_columns})
        SELECT 'abuse', 'new', k, s, t, tx, r, c, sv, tr, ev, en, rn, now(), now(), fa, la,
               rp::bigint[],
               tsd_subject_vector(s, r) || reports.vector
                 || setweight(to_tsvector('simple'::regconfig, b), 'C')
               {extra_values}
          FROM unnest(%s::text[], %s::text[], %s::text[], %s::text[], %s::text[], %s::bigint[],
                      %s::bigint[], %s::boolean[], %s::text[], %s::int[], %s::int[],
                      %s::timestamptz[], %s::timestamptz[], %s::text[], %s::text[], %s::int[])
               AS u(k, s, t, tx, r, c, sv, tr, ev, en, rn, fa, la, rp, b, ri)
          JOIN reports ON reports.n = u.ri
         ORDER BY k
        ON CONFLICT (aggregation_key) WHERE status IN ({_OPEN_LIST}) DO NOTHING
        RETURNING aggregation_key, id
    """  # noqa: S608 - column names and OPEN_STATUSES are constants
    # Placeholders in order: the report texts (WITH), the defaults (SELECT list), then the
    # arrays (FROM).
    report_texts = array_literal(_report_text(parsed_of[rid], pc) for rid, pc in report_order)
    with connection.cursor() as cursor:
        cursor.execute(sql, [report_texts, *defaults, *map(array_literal, columns)])
        return dict(cursor.fetchall())


_EVENT_COLUMNS = (
    "report_id", "ticket_id", "fingerprint", "ip", "domain", "url", "port", "protocol", "identifier",
    "taxonomy", "type", "observed_at", "observed_time_known", "attribution", "customer_id",
    "service_id", "allocation_id", "hosted_domain_id", "evidence",
)  # fmt: skip


# COPY text format: backslash, tab and line breaks escaped; NUL (which PostgreSQL text
# cannot hold) replaced.
_COPY_ESCAPES = str.maketrans(
    {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", "\x00": "\ufffd"}
)


def _copy_text(text: str) -> str:
    return text.translate(_COPY_ESCAPES) if text else ""


def _copy_int(value: int | None) -> str:
    return "\\N" if value is None else str(value)


def _unique_rows(rows: list[_Row]) -> list[_Row]:
    """The rows with their first fingerprint: one statement may not insert one twice."""
    seen: set[str] = set()
    unique = []
    for row in rows:
        if row.fingerprint not in seen:
            seen.add(row.fingerprint)
            unique.append(row)
    return unique


def _copy_rows(rows: list[_Row], ticket_of_key: dict[str, int], now: datetime) -> Iterator[str]:
    """The rows in COPY text format (``_EVENT_COLUMNS`` and ``created_at``), a few thousand
    per chunk: the server inserts one chunk while the next is built."""
    null = "\\N"
    created = now.isoformat()
    lines: list[str] = []
    for row in rows:
        who = row.who
        assert who is not None
        event = row.parsed
        port = event.port if event.port and 0 <= event.port < 2**31 else None
        ticket_id = ticket_of_key.get(row.key) if row.key else None
        # One f-string per row: this loop runs once per event (100,000 for a big feed).
        lines.append(
            f"{row.report_id}\t{null if ticket_id is None else ticket_id}\t{row.fingerprint}\t"
            f"{row.ip or null}\t{_copy_text(row.domain[:253])}\t{_copy_text(row.url)}\t"
            f"{null if port is None else port}\t{_copy_text((event.protocol or '')[:16])}\t"
            f"{_copy_text((event.identifier or '')[:200])}\t{classification.taxonomy_of(event.type)}\t"
            f"{_copy_text(event.type[:40])}\t{row.observed_at.isoformat()}\t{'t' if row.time_known else 'f'}\t"
            f"{who.attribution}\t{_copy_int(who.customer_id)}\t{_copy_int(who.service_id)}\t"
            f"{_copy_int(who.allocation_id)}\t{_copy_int(who.hosted_domain_id)}\t"
            f"{_copy_text((event.evidence or '')[:MAX_EVENT_EVIDENCE])}\t{created}\n"
        )
        if len(lines) == 5000:
            yield "".join(lines)
            lines.clear()
    if lines:
        yield "".join(lines)


_EVENTS_COUNTED = "SELECT set_config('tsd.events_counted', %s, true)"


def _events_insert(
    rows: list[_Row], ticket_of_key: dict[str, int], counted: set[int]
) -> tuple[dict[int, int], dict[int, _Counts]]:
    """Insert the batch's events (unique fingerprints, ``_unique_rows``). Returns the events
    inserted per report, and per ticket of ``counted`` (the tickets this filing opened,
    with its counts already in them).

    The events of the ``counted`` tickets go in by a statement of their own that the
    events' trigger leaves alone (``tsd.events_counted``); the others' trigger adds them
    to their tickets. Both are COPYs straight into the table, in fingerprint order (the
    order concurrent filings lock them in), so the server inserts while the rest is being
    built. An event already on file fails such a COPY as a whole; the batch then goes
    through a scratch table that weeds those out (``_events_insert_new``)."""
    if not rows:
        return {}, {}
    rows = sorted(rows, key=lambda row: row.fingerprint)
    flagged = [ticket_of_key.get(row.key) in counted if row.key else False for row in rows]
    parts = (
        [row for row, flag in zip(rows, flagged, strict=True) if not flag],
        [row for row, flag in zip(rows, flagged, strict=True) if flag],
    )
    columns = ", ".join(_EVENT_COLUMNS)
    now = timezone.now()
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            for part, setting in zip(parts, ("", "on"), strict=True):
                if not part:
                    continue
                cursor.execute(_EVENTS_COUNTED, [setting])
                copy_sql = f"COPY complaints_event ({columns}, created_at) FROM STDIN"
                # A writer thread sends the chunks, so building the next one overlaps
                # the server's work on the last.
                writer = QueuedLibpqWriter(cursor.cursor)
                with cursor.cursor.copy(copy_sql, writer=writer) as copy:
                    for chunk in _copy_rows(part, ticket_of_key, now):
                        copy.write(chunk)
            cursor.execute(_EVENTS_COUNTED, [""])
    except UniqueViolation:
        return _events_insert_new(parts, ticket_of_key, now)
    per_ticket: Counter[int] = Counter()
    reports_of_ticket: dict[int, set[int]] = defaultdict(set)
    for row in parts[1]:
        ticket_id = ticket_of_key[row.key or ""]
        per_ticket[ticket_id] += 1
        reports_of_ticket[ticket_id].add(row.report_id)
    return dict(Counter(row.report_id for row in rows)), {
        ticket_id: _Counts(n, len(reports_of_ticket[ticket_id]))
        for ticket_id, n in per_ticket.items()
    }


def _events_insert_new(
    parts: tuple[list[_Row], list[_Row]], ticket_of_key: dict[str, int], now: datetime
) -> tuple[dict[int, int], dict[int, _Counts]]:
    """``_events_insert`` when some events are on file already (a re-sent report, a
    redelivered task): COPY into a scratch table, insert those not on file."""
    columns = ", ".join(_EVENT_COLUMNS)
    insert = f"""
        WITH ins AS (
            INSERT INTO complaints_event ({columns}, created_at)
            SELECT {columns}, created_at FROM event_filing ORDER BY fingerprint
            ON CONFLICT (fingerprint) DO NOTHING
            RETURNING report_id, ticket_id
        )
        SELECT report_id, ticket_id, count(*) FROM ins GROUP BY report_id, ticket_id
    """  # noqa: S608 - column names are constants
    per_report: Counter[int] = Counter()
    per_ticket: Counter[int] = Counter()
    reports_of_ticket: Counter[int] = Counter()
    with connection.cursor() as cursor:
        # Same column types, no constraints: duplicates are weeded out by the INSERT below.
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS event_filing ON COMMIT DELETE ROWS AS "  # noqa: S608
            f"SELECT {columns}, created_at FROM complaints_event WITH NO DATA"
        )
        for part, setting in zip(parts, ("", "on"), strict=True):
            if not part:
                continue
            cursor.execute("TRUNCATE event_filing")
            with cursor.cursor.copy(
                f"COPY event_filing ({columns}, created_at) FROM STDIN"
            ) as copy:
                for chunk in _copy_rows(part, ticket_of_key, now):
                    copy.write(chunk)
            cursor.execute(_EVENTS_COUNTED, [setting])
            cursor.execute(insert)
            for report_id, ticket_id, n in cursor.fetchall():
                per_report[report_id] += n
                if setting:
                    per_ticket[ticket_id] += n
                    reports_of_ticket[ticket_id] += 1
        cursor.execute(_EVENTS_COUNTED, [""])
    return dict(per_report), {
        ticket_id: _Counts(n, reports_of_ticket[ticket_id]) for ticket_id, n in per_ticket.items()
    }


def _tickets_recount(opened: dict[int, _Counts], inserted: dict[int, _Counts]) -> set[int]:
    """Tickets this filing opened count the events it planned; where some of those were on
    file already (a re-sent report), they get the numbers actually inserted, and a ticket
    none of whose events were new is removed (opened in this transaction, nothing else
    refers to it yet). Returns the ids of the tickets removed."""
    zero = _Counts(0, 0)
    wrong = {
        tid: inserted.get(tid, zero) for tid, c in opened.items() if inserted.get(tid, zero) != c
    }
    if not wrong:
        return set()
    removed = {tid for tid, c in wrong.items() if c.events == 0}
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE complaints_ticket t SET event_count = u.n, report_count = u.r "
            "FROM unnest(%s::bigint[], %s::int[], %s::int[]) AS u(id, n, r) "
            "WHERE t.id = u.id AND u.n > 0",
            [
                array_literal(wrong),
                array_literal(c.events for c in wrong.values()),
                array_literal(c.reports for c in wrong.values()),
            ],
        )
        if removed:
            cursor.execute(
                "DELETE FROM complaints_ticket WHERE id = ANY(%s::bigint[])",
                [array_literal(removed)],
            )
    return removed


def _after_filing(report_ids: list[int]) -> None:
    """Follow-up work once the filing is committed (acknowledgements, notices)."""
    from complaints import reactions

    reactions.reports_filed(report_ids)
