"""What a filing works on: the parsed reports of a batch and their events as rows.

Shared by the filing's steps (``pipeline``, ``ticket_opening``, ``event_copy``)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from complaints.intake.filing.attribution import Attributed
from complaints.intake.storable import text_storable
from complaints.parsers.base import ParsedEvent, ParseResult

MAX_EVENT_EVIDENCE = 2000
MAX_REPORT_EVIDENCE = 20000


def clean(text: object, limit: int) -> str:
    """Text PostgreSQL can store (``text_storable``), bounded length."""
    return text_storable(str(text or "")[:limit])


@dataclass
class ParsedReport:
    """A claimed report, parsed, with its sender as mail authentication saw it."""

    report_id: int
    received_at: datetime
    result: ParseResult
    sender: str
    authenticated: bool


@dataclass(slots=True)
class EventRow:
    """One event ready to insert."""

    report_id: int
    parsed: ParsedEvent
    ip: str | None
    domain: str
    url: str
    observed_at: datetime
    time_known: bool
    source: str  # the reporter's address: identical events from one source are one event
    who: Attributed | None = None
    key: str | None = None
    fingerprint: bytes = b""  # 16 bytes (a uuid to PostgreSQL), set by ``unique_rows``

    def identity(self) -> bytes:
        """Hash of source, resource, type, time and port: how "an identical event twice
        adds nothing" is recognised, here and by the events' unique index."""
        event = self.parsed
        text = "\x1f".join(
            [
                self.source, self.ip or "", self.domain, self.url, event.type,
                self.observed_at.isoformat(), str(event.port or ""),
            ]
        )  # fmt: skip
        return hashlib.md5(text.encode(), usedforsecurity=False).digest()


def unique_rows(rows: list[EventRow]) -> list[EventRow]:
    """Fingerprint the rows; those with their first fingerprint (one statement may not
    insert one twice)."""
    seen: set[bytes] = set()
    unique = []
    for row in rows:
        row.fingerprint = fingerprint = row.identity()
        if fingerprint not in seen:
            seen.add(fingerprint)
            unique.append(row)
    return unique
