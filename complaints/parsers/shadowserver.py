"""Shadowserver CSV reports: one ParsedEvent per CSV row.

Input: a Document whose parts (mail attachments, zip members expanded by ``mime.load``, or
a bare CSV file) include Shadowserver CSVs. The report family (what the rows mean) comes
from the file name, else the mail subject, else the header columns; the classification of
each family lives in ``shadowserver_map``. New or unknown columns are tolerated: only the
columns named here are read, by index computed once per file.

Performance is part of the contract (a 100,000-row report parses in well under 2 s): rows
are streamed through ``csv.reader``, column indices are precomputed, timestamps are cached
(Shadowserver rows share few distinct timestamps) and the per-row evidence is capped.

Boundary: no network, no database; the deadline is checked every few thousand rows and
``Limits.max_rows`` bounds the rows read (``too-many-rows``).
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from . import classify
from .base import LimitExceeded, ParsedEvent, ParseResult, Part
from .shadowserver_map import (
    FAMILIES,
    FAMILY_NAMES_LONGEST_FIRST,
    SERVICE_ALIASES,
    Family,
    service_type,
)
from .util import normalize_domain, normalize_ip, parse_time

if TYPE_CHECKING:
    from .mime import Document

NAME = "shadowserver"
EVIDENCE_CHARS = 300
DEADLINE_EVERY_ROWS = 4096
_CSV_MAGIC = (b'"timestamp"', b"timestamp,", b"'timestamp'")
_BOM = b"\xef\xbb\xbf"

# Columns in the order they are tried for each meaning.
_IP_COLUMNS = ("ip", "src_ip", "source_ip")
_PORT_COLUMNS = {"ip": ("port", "src_port"), "src_ip": ("src_port", "port")}
_IDENTIFIER_COLUMNS = ("infection", "tag", "type", "family")


def _looks_like_shadowserver_csv(payload: bytes) -> bool:
    head = payload[:512].lstrip(_BOM).lstrip().lower()
    if not head.startswith(_CSV_MAGIC):
        return False
    first_line = head.split(b"\n", 1)[0]
    return b'"ip"' in first_line or b"src_ip" in first_line or b",ip," in first_line


def _csv_parts(doc: Document) -> list[Part]:
    return [
        part
        for part in doc.parts
        if part.content_type not in ("application/zip", "application/gzip")
        and _looks_like_shadowserver_csv(part.payload)
    ]


def detect(doc: Document) -> bool:
    return bool(_csv_parts(doc))


def family_from_name(name: str | None) -> str | None:
    """The report family named in a file name or subject, or None."""
    if not name:
        return None
    lowered = name.lower()
    for family in FAMILY_NAMES_LONGEST_FIRST:
        index = lowered.find(family)
        while index != -1:
            end = index + len(family)
            before = lowered[index - 1] if index else ""
            after = lowered[end] if end < len(lowered) else ""
            # "scan_ntp" must not match inside "scan_ntpmonitor"; "_" and "-" separate.
            if not before.isalnum() and not (after.isalnum() or after == "_"):
                return family
            index = lowered.find(family, index + 1)
    return None


def family_from_header(columns: list[str]) -> str | None:
    """Best guess of the family from the header when the file name does not say."""
    cols = set(columns)
    if "src_ip" in cols:
        if {"username", "password"} & cols or ("start_time" in cols and "service" in cols):
            return "event4_honeypot_brute_force"
        if {"avg_pps", "max_pps"} & cols or {"request", "bytes"} <= cols:
            return "event4_honeypot_ddos_amp"
        if {"attack", "number_of_connections"} & cols:
            return "event4_ddos_participant"
        if "http_url" in cols or "forwarded_by" in cols:
            return "event4_sinkhole_http"
        return None
    if {"reason", "source"} <= cols:
        return "blocklist"
    if {"redirect_target", "detected_since"} & cols:
        return "compromised_website"
    if {"min_amplification", "dns_version"} & cols:
        return "dns_openresolver"
    if "infection" in cols and {"cc", "cc_port", "cc_dns"} & cols:
        return "botnet_drone"
    if "url" in cols and "http_agent" in cols and "type" in cols:
        return "sinkhole_http_drone"
    return None


@dataclass
class _Columns:
    ip: int
    timestamp: int | None
    port: int | None
    protocol: int | None
    identifiers: tuple[int, ...]
    tag: int | None
    url: int | None
    http_host: int | None
    hostname: int | None


def _index(header: list[str], *names: str) -> int | None:
    for name in names:
        if name in header:
            return header.index(name)
    return None


def _columns(header: list[str], family: Family | None) -> _Columns | None:
    preferred = (family.ip_column,) if family else ()
    ip = _index(header, *preferred, *_IP_COLUMNS)
    if ip is None:
        return None
    ip_name = header[ip]
    return _Columns(
        ip=ip,
        timestamp=_index(header, "timestamp"),
        port=_index(header, *_PORT_COLUMNS.get(ip_name, ("port",))),
        protocol=_index(header, "protocol", "transport"),
        identifiers=tuple(
            i for i in (_index(header, c) for c in _IDENTIFIER_COLUMNS) if i is not None
        ),
        tag=_index(header, "tag"),
        url=_index(header, "url", "http_url"),
        http_host=_index(header, "http_host"),
        hostname=_index(header, "hostname"),
    )


class _RowReader:
    """Turns rows of one CSV into events; holds the per-file precomputation and caches."""

    def __init__(self, header: list[str], family_name: str | None) -> None:
        self.header = header
        self.family_name = family_name
        self.family = FAMILIES.get(family_name) if family_name else None
        self.cols = _columns(header, self.family)
        self.times: dict[str, datetime | None] = {}
        self.tag_types: dict[str, str] = {}
        self.skipped = 0
        self.types: Counter[str] = Counter()
        self.prefixes = [f"{name}=" for name in header]
        self.content_family = self.family is not None and self.family.type in (
            "system-compromise",
            "phishing",
            "malware-distribution",
        )

    def _observed_at(self, value: str) -> datetime | None:
        try:
            return self.times[value]
        except KeyError:
            parsed = self.times[value] = parse_time(value)
            return parsed

    def _type_for_tag(self, tag: str) -> str:
        """Classification of a row when the family is unknown: the tag names the service."""
        cached = self.tag_types.get(tag)
        if cached is None:
            service = tag.lower().split(";")[0].strip().removeprefix("open-")
            service = SERVICE_ALIASES.get(service, service)
            cached = service_type(service) or "undetermined"
            self.tag_types[tag] = cached
        return cached

    def _evidence(self, row: list[str]) -> str:
        # A comprehension over precomputed "name=" prefixes: the cheapest way to build the
        # excerpt, which is the single most expensive per-row step.
        return " ".join([p + v for p, v in zip(self.prefixes, row, strict=False) if v])[
            :EVIDENCE_CHARS
        ]

    def event(self, row: list[str]) -> ParsedEvent | None:
        cols = self.cols
        assert cols is not None
        width = len(row)
        ip = normalize_ip(row[cols.ip].strip()) if cols.ip < width else None
        url = domain = None
        if self.content_family:
            host = normalize_domain(_cell(row, cols.http_host)) or None
            path = _cell(row, cols.url)
            if path.startswith(("http://", "https://")):
                url = path
            elif host and path.startswith("/"):
                url = f"http://{host}{path}"
            domain = host
        if ip is None and url is None and domain is None:
            self.skipped += 1
            return None
        identifier = next((row[i] for i in cols.identifiers if i < width and row[i]), None)
        family = self.family
        if family is not None:
            kind = family.type
            identifier = identifier or family.identifier
        else:
            tag = _cell(row, cols.tag)
            kind = self._type_for_tag(tag) if tag else "undetermined"
        port_text = _cell(row, cols.port)
        port = int(port_text) if port_text.isdigit() and len(port_text) < 6 else None
        if port is not None and port > 65535:
            port = None
        self.types[kind] += 1
        timestamp = _cell(row, cols.timestamp)
        return ParsedEvent(
            type=kind,
            ip=ip,
            domain=domain,
            url=url,
            observed_at=self._observed_at(timestamp) if timestamp else None,
            port=port,
            protocol=_cell(row, cols.protocol).lower() or None,
            identifier=identifier,
            evidence=self._evidence(row),
        )


def _cell(row: list[str], index: int | None) -> str:
    return row[index].strip() if index is not None and index < len(row) else ""


def _family_for(part: Part, doc: Document, header: list[str]) -> str | None:
    for name in (part.filename, part.path.rsplit("/", 1)[-1] if "/" in part.path else None):
        family = family_from_name(name)
        if family:
            return family
    return family_from_name(doc.subject) or family_from_header(header)


def parse(doc: Document) -> ParseResult:
    events: list[ParsedEvent] = []
    files: list[dict] = []
    max_rows = doc.limits.max_rows
    rows_read = 0
    for part in _csv_parts(doc):
        text = part.text().lstrip("\ufeff")
        if "\x00" in text:  # NUL bytes would end csv's field scanning early; they carry nothing
            text = text.replace("\x00", "")
        reader = csv.reader(io.StringIO(text))
        header = [name.strip().lower() for name in next(reader, [])]
        family_name = _family_for(part, doc, header)
        rows = _RowReader(header, family_name)
        if rows.cols is None:
            continue
        count = 0
        for row in reader:
            if not row:
                continue
            rows_read += 1
            count += 1
            if rows_read > max_rows:
                raise LimitExceeded("too-many-rows", f"more than {max_rows} CSV rows")
            if not rows_read % DEADLINE_EVERY_ROWS:
                doc.deadline.check()
            event = rows.event(row)
            if event is not None:
                events.append(event)
        files.append(
            {
                "file": part.filename or part.path,
                "family": family_name,
                "rows": count,
                "skipped_rows": rows.skipped,
                "types": dict(rows.types),
            }
        )
    if doc.message is not None:
        # A CSV in Shadowserver's columns mailed by someone else (a CERT's sinkhole
        # extract) names no report type: its rows take the kind the mail gives.
        events = classify.undetermined_typed(events, subject=doc.subject, body=doc.body_text())
    families = sorted({f["family"] or "unknown" for f in files})
    return ParseResult(
        format=NAME,
        events=events,
        reporter_address=doc.from_address,
        reporter_name="The Shadowserver Foundation",
        subject=doc.subject,
        summary=f"Shadowserver {', '.join(families)} report: {len(events)} events",
        evidence="\n".join(e.evidence for e in events[:5]),
        has_logs_or_headers=bool(events),
        data={"files": files},
    )


@dataclass(frozen=True)
class _Parser:
    name: str = NAME

    def detect(self, doc: Document) -> bool:
        return detect(doc)

    def parse(self, doc: Document) -> ParseResult:
        return parse(doc)


PARSER = _Parser()

__all__ = ["PARSER", "detect", "family_from_header", "family_from_name", "parse"]
