"""Non-email threat feeds fetched as files: Microsoft CTIP (JSON array and the Azure JSON
lines variant), the Spamhaus CERT feed, the Spamhaus DROP list, Team Cymru's infected-hosts
(CAP) feed and blocklist.de-style plain IP lists.

Each feed line names one offending host; the peer it talked to (a sinkhole, C2, honeypot
or victim: ``remote_ip``, ``networkdestinationipv4``, ``DestinationIp``, ``TargetIp``,
``destaddr``) is context and is never reported. Spamhaus DROP lists whole networks, which
no single event can hold: they go to ``data["networks"]`` and the report has no events.

A plain list of addresses is only read as a feed when it is a bare file, never from a mail
body (a mail listing addresses is free text, parsed elsewhere).

A feed file attached to a complaint (a CERT mails its Team Cymru or CTIP extract with a
few lines of its own) may name no kind the desk knows for a row (a Cymru report name or a
CTIP threat type outside the tables below). Such rows take the kind the complaint's own
words give — its subject and text, read by ``classify`` — with the rule that decided
recorded on each; rows the feed types keep the feed's type.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from . import classify
from .base import LimitExceeded, ParsedEvent, ParseError, ParseResult, Part
from .util import normalize_ip, parse_time

if TYPE_CHECKING:
    from .mime import Document

NAME = "feeds"
MAX_FEED_BYTES = 50 * 1024 * 1024
EVIDENCE_CHARS = 300
DEADLINE_EVERY = 2048

# Spamhaus CERT feed "botname" -> RSIT type; any other name is a malware family, i.e. the
# host is infected.
CERT_BOTNAMES: dict[str, str] = {
    "iotscan": "scanner",
    "iotrdp": "scanner",
    "wpscanner": "scanner",
    "sshauth": "brute-force",
    "telnetauth": "brute-force",
    "smtpauth": "brute-force",
    "imap": "brute-force",
    "w_wplogin": "brute-force",
    "openrelay": "vulnerable-system",
    "proxyget": "potentially-unwanted-accessible",
    "l_spamlink": "spam",
    "authspoofbadehlo": "spam",
    "extortion": "spam",
}

# Team Cymru CAP "report" -> RSIT type.
CYMRU_REPORTS: dict[str, str] = {
    "bruteforce": "brute-force",
    "openresolvers": "ddos-amplifier",
    "phishing": "phishing",
    "proxy": "potentially-unwanted-accessible",
    "spam": "spam",
    "bots": "infected-system",
    "scanners": "scanner",
    "darknet": "scanner",
    "ddosreport": "ddos",
    "malwareurl": "malware-distribution",
    "honeypot": "brute-force",
}

# blocklist.de list names (they name the attacked service) -> RSIT type.
BLOCKLIST_DE_LISTS: dict[str, str] = {
    "ssh": "brute-force",
    "mail": "brute-force",
    "imap": "brute-force",
    "ftp": "brute-force",
    "sip": "brute-force",
    "bruteforcelogin": "brute-force",
    "apache": "exploit",
    "bots": "spam",  # blocklist.de "bots": forum/registration spam bots
    "ircbot": "infected-system",
    "strongips": "blacklist",
}

_CERT_HEADER = re.compile(r"^;\s*ip,\s*asn,\s*country,\s*lastseen,\s*botname", re.I | re.M)
_CYMRU_HEADER = re.compile(r"^#\s*Format:\s*report\|ip\|", re.I | re.M)
_DROP_HEADER = re.compile(r"^;\s*Spamhaus (?:E?DROP|DROPv6)", re.I | re.M)
_DROP_LINE = re.compile(r"^\s*([0-9a-fA-F.:]+/\d{1,3})\s*;\s*(SBL\d+)?")
_CYMRU_MWTYPE = re.compile(r"\bmwtype\s+(\S+)", re.I)
_CYMRU_SRCPORT = re.compile(r"\bsrcport\s+(\d{1,5})\b", re.I)
_FILETIME_EPOCH = datetime(1601, 1, 1, tzinfo=UTC)


def _lines(text: str) -> Iterable[tuple[int, str]]:
    for number, line in enumerate(text.splitlines()):
        stripped = line.strip()
        if stripped:
            yield number, stripped


def _port(value: object) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isdigit() and int(text) < 65536 else None


@dataclass
class _Feed:
    """One recognised feed format: its name and a function from text to events."""

    name: str
    read: Callable[[str, Document, Part], tuple[list[ParsedEvent], dict]]


class _Budget:
    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.rows = 0

    def tick(self) -> None:
        self.rows += 1
        if self.rows > self.doc.limits.max_rows:
            raise LimitExceeded("too-many-rows", f"more than {self.doc.limits.max_rows} lines")
        if not self.rows % DEADLINE_EVERY:
            self.doc.deadline.check()


# --- Spamhaus CERT ------------------------------------------------------------------


def _read_cert(text: str, doc: Document, part: Part) -> tuple[list[ParsedEvent], dict]:
    events: list[ParsedEvent] = []
    budget = _Budget(doc)
    for _, line in _lines(text):
        if line.startswith(";"):
            continue
        budget.tick()
        fields = [f.strip() for f in line.split(",")]
        if len(fields) < 5:
            continue
        ip = normalize_ip(fields[0])
        if not ip:
            continue
        botname = fields[4].lower()
        observed = parse_time(fields[3]) if fields[3].isdigit() else None
        protocol = fields[9].lower() if len(fields) > 9 and fields[9] not in ("", "?") else None
        events.append(
            ParsedEvent(
                type=CERT_BOTNAMES.get(botname, "infected-system"),
                ip=ip,
                observed_at=observed,
                port=_port(fields[8]) if len(fields) > 8 else None,
                protocol=protocol,
                identifier=botname or None,
                evidence=line[:EVIDENCE_CHARS],
            )
        )
    return events, {"feed": "spamhaus-cert"}


# --- Team Cymru CAP -----------------------------------------------------------------


def _read_cymru(text: str, doc: Document, part: Part) -> tuple[list[ParsedEvent], dict]:
    events: list[ParsedEvent] = []
    budget = _Budget(doc)
    for _, line in _lines(text):
        if line.startswith("#"):
            continue
        budget.tick()
        fields = line.split("|")
        if len(fields) < 4:
            continue
        ip = normalize_ip(fields[1])
        if not ip:
            continue
        report = fields[0].strip().lower()
        comment = fields[4].strip() if len(fields) > 4 else ""
        kind = CYMRU_REPORTS.get(report, "undetermined")
        mwtype = _CYMRU_MWTYPE.search(comment)
        srcport = _CYMRU_SRCPORT.search(comment)
        url = (
            comment if kind == "phishing" and comment.startswith(("http://", "https://")) else None
        )
        events.append(
            ParsedEvent(
                type=kind,
                ip=ip,
                url=url,
                observed_at=parse_time(fields[3]),
                port=_port(srcport.group(1)) if srcport else None,
                identifier=mwtype.group(1) if mwtype else (report or None),
                evidence=line[:EVIDENCE_CHARS],
            )
        )
    return events, {"feed": "cymru-cap"}


# --- Spamhaus DROP --------------------------------------------------------------------


def _read_drop(text: str, doc: Document, part: Part) -> tuple[list[ParsedEvent], dict]:
    networks = []
    budget = _Budget(doc)
    for _, line in _lines(text):
        if line.startswith(";"):
            continue
        budget.tick()
        match = _DROP_LINE.match(line)
        if not match:
            continue
        try:
            network = ipaddress.ip_network(match.group(1), strict=False)
        except ValueError:
            continue
        networks.append({"network": str(network), "sbl": match.group(2)})
    return [], {"feed": "spamhaus-drop", "networks": networks[:10_000]}


# --- Microsoft CTIP -----------------------------------------------------------------


def _ticks(value: object) -> datetime | None:
    """Windows FILETIME (100 ns units since 1601-01-01 UTC), as the CTIP Azure feed sends
    ``DateTimeReceivedUtc`` (its ``...Txt`` twin confirms the epoch)."""
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        return None
    try:
        return _FILETIME_EPOCH + timedelta(microseconds=value // 10)
    except OverflowError:
        return None


def _ctip_event(record: dict) -> ParsedEvent | None:
    if "networksourceipv4" in record or "indicatorthreattype" in record:
        ip = normalize_ip(str(record.get("networksourceipv4") or ""))
        port = record.get("networksourceport")
        observed = parse_time(str(record.get("firstreporteddatetime") or "")) or None
        identifier = record.get("externalid") or record.get("indicatorthreattype")
        kind = (
            "infected-system"
            if str(record.get("indicatorthreattype", "")).lower()
            in (
                "botnet",
                "",
            )
            else "undetermined"
        )
    else:
        ip = normalize_ip(str(record.get("SourceIp") or ""))
        port = record.get("SourcePort")
        observed = _ticks(record.get("DateTimeReceivedUtc"))
        identifier = record.get("ThreatCode") or record.get("Malware")
        kind = "infected-system"  # every CTIP "Infected" DataFeed record is a bot check-in
    if not ip:
        return None
    summary = {
        k: record.get(k)
        for k in (
            "description",
            "externalid",
            "Malware",
            "ThreatCode",
            "DataFeed",
            "ThreatConfidence",
            "confidence",
            "TotalEncounters",
        )
        if record.get(k) not in (None, "")
    }
    return ParsedEvent(
        type=kind,
        ip=ip,
        observed_at=observed,
        port=_port(port),
        identifier=str(identifier)[:200] if identifier else None,
        evidence=json.dumps(summary, ensure_ascii=True)[:EVIDENCE_CHARS],
    )


def _ctip_records(text: str) -> list[dict] | None:
    stripped = text.lstrip("\ufeff \t\r\n")
    if stripped.startswith("["):
        try:
            data = json.loads(stripped)
        except (ValueError, RecursionError):
            return None
        return [r for r in data if isinstance(r, dict)] if isinstance(data, list) else None
    if stripped.startswith("{"):
        records = []
        for _, line in _lines(stripped):
            try:
                record = json.loads(line)
            except (ValueError, RecursionError):
                continue
            if isinstance(record, dict):
                records.append(record)
        return records
    return None


def _is_ctip(text: str) -> bool:
    head = text[:4096]
    return ('"networksourceipv4"' in head and '"indicatorthreattype"' in head) or (
        '"DataFeed"' in head and '"SourceIp"' in head and "CTIP" in head
    )


def _read_ctip(text: str, doc: Document, part: Part) -> tuple[list[ParsedEvent], dict]:
    events: list[ParsedEvent] = []
    budget = _Budget(doc)
    for record in _ctip_records(text) or []:
        budget.tick()
        event = _ctip_event(record)
        if event is not None:
            events.append(event)
    return events, {"feed": "microsoft-ctip"}


# --- blocklist.de-style plain lists -------------------------------------------------


def _list_name(part: Part, doc: Document) -> str:
    name = (part.filename or getattr(doc, "filename", None) or "").lower()
    return re.sub(r"\.(txt|list)$", "", name.rsplit("/", 1)[-1])


def _is_ip_list(text: str) -> bool:
    lines = [line for _, line in _lines(text[:8192]) if not line.startswith(("#", ";"))]
    return bool(lines) and all(normalize_ip(line) for line in lines[:50])


def _read_ip_list(text: str, doc: Document, part: Part) -> tuple[list[ParsedEvent], dict]:
    name = _list_name(part, doc)
    # The list name (e.g. "imap.txt", "intelmq__imap.txt") says which service was attacked.
    service = next((s for s in BLOCKLIST_DE_LISTS if re.search(rf"(^|[_\-.]){s}$", name)), None)
    kind = BLOCKLIST_DE_LISTS.get(service or "", "blacklist")
    events = []
    budget = _Budget(doc)
    for _, line in _lines(text):
        if line.startswith(("#", ";")):
            continue
        budget.tick()
        ip = normalize_ip(line)
        if ip:
            events.append(ParsedEvent(type=kind, ip=ip, identifier=service, evidence=line[:100]))
    return events, {"feed": "ip-list", "list": service or name or None}


# --- entry points ---------------------------------------------------------------------


def _feed_for(text: str, doc: Document) -> _Feed | None:
    head = text[:8192]
    if _is_ctip(head):
        return _Feed("microsoft-ctip", _read_ctip)
    if _CERT_HEADER.search(head):
        return _Feed("spamhaus-cert", _read_cert)
    if _CYMRU_HEADER.search(head):
        return _Feed("cymru-cap", _read_cymru)
    if _DROP_HEADER.search(head):
        return _Feed("spamhaus-drop", _read_drop)
    if doc.message is None and _is_ip_list(head):
        return _Feed("ip-list", _read_ip_list)
    return None


def _feed_parts(doc: Document) -> list[tuple[Part, str, _Feed]]:
    found = []
    for part in doc.parts:
        if len(part.payload) > MAX_FEED_BYTES or part.content_type.startswith(
            ("application/zip", "application/gzip", "image/", "message/")
        ):
            continue
        text = part.text()
        feed = _feed_for(text, doc)
        if feed is not None:
            found.append((part, text, feed))
    return found


def detect(doc: Document) -> bool:
    return bool(_feed_parts(doc))


def parse(doc: Document) -> ParseResult:
    found = _feed_parts(doc)
    if not found:
        raise ParseError("invalid-feed", "no known feed format")
    events: list[ParsedEvent] = []
    data: dict = {"feeds": []}
    for part, text, feed in found:
        part_events, extra = feed.read(text, doc, part)
        events.extend(part_events)
        data["feeds"].append({**extra, "file": part.filename, "events": len(part_events)})
        if "networks" in extra:
            data.setdefault("networks", []).extend(extra["networks"])
    if doc.message is not None:  # a feed attached to a complaint (module docstring)
        events = classify.undetermined_typed(events, subject=doc.subject, body=doc.body_text())
    names = ", ".join(sorted({f.name for _, _, f in found}))
    networks = len(data.get("networks", []))
    return ParseResult(
        format=NAME,
        events=events,
        reporter_address=doc.from_address,
        reporter_name=names,
        subject=doc.subject,
        summary=f"Feed {names}: {len(events)} events"
        + (f", {networks} networks" if networks else ""),
        evidence="\n".join(e.evidence for e in events[:5]),
        has_logs_or_headers=bool(events),
        data=data,
    )


@dataclass(frozen=True)
class _Parser:
    name: str = NAME

    def detect(self, doc: Document) -> bool:
        return detect(doc)

    def parse(self, doc: Document) -> ParseResult:
        return parse(doc)


PARSER = _Parser()
