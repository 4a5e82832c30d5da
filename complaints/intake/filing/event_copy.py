"""Inserting a filing's events: COPY straight into the events table.

The rows are fingerprinted and sorted while the server writes the batch's tickets
(``ticket_opening``), and made into records as they are sent: psycopg formats them for a
binary COPY in C (the server then parses no text: 15 % less of its time), and the socket
takes them as they come, so the server inserts while the rest is formatted. Addresses and
fingerprints are encoded by ``bulk_sql``'s dumpers. Two COPY statements: the events of tickets whose counts the intake wrote go in
with ``tsd.events_counted`` set so the events' trigger leaves them alone; the others'
trigger adds them to their tickets. Rows go in fingerprint order, the order concurrent
filings lock them in.

An event already on file (a re-sent report, a redelivered task) makes such a COPY fail as
a whole; the batch then goes through a scratch table that weeds those out."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone
from psycopg.errors import UniqueViolation

from complaints import classification
from complaints.intake.filing.bulk_sql import copy_binary
from complaints.intake.filing.rows import MAX_EVENT_EVIDENCE, EventRow
from complaints.intake.filing.ticket_opening import Counts
from complaints.intake.storable import text_storable

# The events' columns with their binary COPY types, in the order ``_records`` makes them.
EVENT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("report_id", "int8"), ("ticket_id", "int8"), ("fingerprint", "uuid"), ("ip", "inet"),
    ("domain", "text"), ("url", "text"), ("port", "int4"), ("protocol", "text"),
    ("identifier", "text"), ("taxonomy", "text"), ("type", "text"),
    ("observed_at", "timestamptz"), ("observed_time_known", "bool"), ("attribution", "text"),
    ("customer_id", "int8"), ("service_id", "int8"), ("allocation_id", "int8"),
    ("hosted_domain_id", "int8"), ("evidence", "text"), ("rule", "text"),
    ("created_at", "timestamptz"),
)  # fmt: skip
COLUMNS = ", ".join(name for name, _ in EVENT_COLUMNS)
_EVENTS_COUNTED = "SELECT set_config('tsd.events_counted', %s, true)"


def _text(value: str) -> str:
    """Text PostgreSQL can store (no NUL, no lone surrogates)."""
    return text_storable(value)


def _records(rows: list[EventRow], ticket_of_key: dict[str, int], now: datetime) -> Iterator[tuple]:
    """The rows as ``COLUMNS`` tuples, made as they are sent; psycopg formats them for
    COPY in C. The domain (validated labels) and URL (``clean``-ed) are storable already."""
    for row in rows:
        who = row.who
        assert who is not None
        event = row.parsed
        port = event.port if event.port and 0 <= event.port < 2**31 else None
        yield (
                row.report_id, ticket_of_key.get(row.key) if row.key else None, row.fingerprint,
                row.ip, row.domain[:253], row.url, port,
                _text((event.protocol or "")[:16]), _text((event.identifier or "")[:200]),
                classification.taxonomy_of(event.type), _text(event.type[:40]), row.observed_at,
                row.time_known, who.attribution, who.customer_id, who.service_id,
                who.allocation_id, who.hosted_domain_id,
                _text((event.evidence or "")[:MAX_EVENT_EVIDENCE]), event.rule[:80], now,
        )  # fmt: skip


class EventCopy:
    """A batch's events (unique fingerprints) in fingerprint order. At insert time they are
    split into the events of the tickets whose counts the intake wrote (``counted``) and the
    others."""

    def __init__(self, rows: list[EventRow]) -> None:
        self.rows = sorted(rows, key=lambda row: row.fingerprint)
        self.now = timezone.now()
        self.ticket_of_key: dict[str, int] = {}
        self.parts: tuple[list[EventRow], list[EventRow]] = ([], [])

    def _records(self, part: list[EventRow]) -> Iterator[tuple]:
        return _records(part, self.ticket_of_key, self.now)

    def insert(
        self, ticket_of_key: dict[str, int], counted: set[int]
    ) -> tuple[dict[int, int], dict[int, Counts]] | None:
        """Insert the events. None when every one went in; else those inserted per report,
        and per counted ticket."""
        if not self.rows:
            return None
        self.ticket_of_key = ticket_of_key
        flags = [bool(row.key) and ticket_of_key.get(row.key or "") in counted for row in self.rows]
        self.parts = (
            [row for row, flag in zip(self.rows, flags, strict=True) if not flag],
            [row for row, flag in zip(self.rows, flags, strict=True) if flag],
        )
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                for part, setting in zip(self.parts, ("", "on"), strict=True):
                    if not part:
                        continue
                    cursor.execute(_EVENTS_COUNTED, [setting])
                    copy_binary(
                        cursor.cursor, "complaints_event", EVENT_COLUMNS, self._records(part)
                    )
                cursor.execute(_EVENTS_COUNTED, [""])
        except UniqueViolation:
            return self._insert_new()
        return None

    def counts_of_counted(self) -> dict[int, Counts]:
        """What the events of the counted tickets add to each (after ``insert``)."""
        per_ticket: Counter[int] = Counter()
        reports_of_ticket: dict[int, set[int]] = defaultdict(set)
        for row in self.parts[1]:
            ticket_id = self.ticket_of_key[row.key or ""]
            per_ticket[ticket_id] += 1
            reports_of_ticket[ticket_id].add(row.report_id)
        return {
            ticket_id: Counts(n, len(reports_of_ticket[ticket_id]))
            for ticket_id, n in per_ticket.items()
        }

    def _insert_new(self) -> tuple[dict[int, int], dict[int, Counts]]:
        """When some events are on file already: COPY into a scratch table, insert those
        not on file."""
        insert = f"""
            WITH ins AS (
                INSERT INTO complaints_event ({COLUMNS})
                SELECT {COLUMNS} FROM event_filing ORDER BY fingerprint
                ON CONFLICT (fingerprint) DO NOTHING
                RETURNING report_id, ticket_id
            )
            SELECT report_id, ticket_id, count(*) FROM ins GROUP BY report_id, ticket_id
        """  # noqa: S608 - column names are constants
        per_report: Counter[int] = Counter()
        per_ticket: Counter[int] = Counter()
        reports_of_ticket: Counter[int] = Counter()
        with connection.cursor() as cursor:
            # Same column types, no constraints: duplicates are weeded out by the INSERT.
            cursor.execute(
                "CREATE TEMP TABLE IF NOT EXISTS event_filing ON COMMIT DELETE ROWS AS "  # noqa: S608
                f"SELECT {COLUMNS} FROM complaints_event WITH NO DATA"
            )
            for part, setting in zip(self.parts, ("", "on"), strict=True):
                if not part:
                    continue
                cursor.execute("TRUNCATE event_filing")
                copy_binary(cursor.cursor, "event_filing", EVENT_COLUMNS, self._records(part))
                cursor.execute(_EVENTS_COUNTED, [setting])
                cursor.execute(insert)
                for report_id, ticket_id, n in cursor.fetchall():
                    per_report[report_id] += n
                    if setting:
                        per_ticket[ticket_id] += n
                        reports_of_ticket[ticket_id] += 1
            cursor.execute(_EVENTS_COUNTED, [""])
        return dict(per_report), {
            ticket_id: Counts(n, reports_of_ticket[ticket_id])
            for ticket_id, n in per_ticket.items()
        }
