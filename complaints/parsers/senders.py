"""Known automated notifiers whose mails have a fixed layout but no standard format:
Netcraft takedown notices, Clean-MX virus/phishing site lists, Project Honey Pot monitor
reports, Google Safe Browsing network alerts, WebIron attack reports.

Responsibility: recognise each by its *layout* (never by the sender address alone) and read
its specific fields precisely — the IPs and URLs the notifier names, with its own
classification — instead of letting the prose fallback guess.

Boundary: one small reader per notifier; the first whose layout matches wins. Notifiers
that also attach an X-ARF part are claimed earlier by the ``xarf`` parser.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from xml.etree.ElementTree import ParseError as XmlSyntaxError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from . import indicators
from .base import ParsedEvent, ParseError, ParseResult
from .mime import Document
from .util import normalize_domain, parse_time

# US/European zone abbreviations these notifiers print instead of offsets.
_TZ_HOURS = {"UTC": 0, "GMT": 0, "CET": 1, "CEST": 2, "EST": -5, "EDT": -4, "CST": -6,
             "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7, "BST": 1}  # fmt: skip


def _time_with_zone(text: str) -> datetime | None:
    """parse_time plus a trailing zone abbreviation and 12-hour clock ("11:00AM PDT")."""
    text = " ".join(text.split())
    match = re.search(r"\s([A-Z]{3,4})$", text)
    offset: timezone | None = None
    if match and match.group(1) in _TZ_HOURS:
        offset = timezone(timedelta(hours=_TZ_HOURS[match.group(1)]))
        text = text[: match.start()]
    ampm = re.search(r"(\d{1,2}):(\d{2})\s?(AM|PM)$", text, re.I)
    if ampm:
        hour = int(ampm.group(1)) % 12 + (12 if ampm.group(3).upper() == "PM" else 0)
        text = text[: ampm.start()] + f"{hour:02d}:{ampm.group(2)}:00"
    for candidate in (text, re.sub(r"^\w{3},\s*", "", text)):
        try:
            parsed = datetime.strptime(candidate, "%d %b %Y %H:%M:%S")  # noqa: DTZ007 - offset applied below
        except ValueError:
            parsed = None
        if parsed is None:
            parsed = parse_time(candidate)
            if parsed is not None and offset is not None:
                parsed = parsed.replace(tzinfo=offset)
        elif offset is not None:
            parsed = parsed.replace(tzinfo=offset)
        if parsed is not None:
            return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def _ip(text: str) -> str | None:
    return indicators.is_reportable_ip(text, structured=True)


def _url_event(type_: str, url: str, ip: str | None, when, evidence: str) -> ParsedEvent:
    host = indicators.url_host(url)
    return ParsedEvent(
        type=type_,
        url=url,
        ip=ip or _ip(host),
        domain=normalize_domain(host),
        observed_at=when,
        evidence=evidence.strip()[:300],
    )


# --- Project Honey Pot -------------------------------------------------------------------

_PHP_SECTION = re.compile(
    r"^IPs Engaged In (.+?) On Your Network:|^(Other Potentially Suspicious IPs) On Your Network:",
    re.M,
)
_PHP_TYPES = {
    "harvesting": "scanner",  # crawling pages for addresses: information gathering
    "email spamming": "spam",
    "dictionary attacks": "scanner",  # guessing mailbox names at an MX
    "comment spamming": "spam",
    "other potentially suspicious ips": "other",
}


def _honeypot(doc: Document, text: str) -> list[ParsedEvent] | None:
    if "Project Honey Pot" not in text or "On Your Network:" not in text:
        return None
    events = []
    sections = list(_PHP_SECTION.finditer(text))
    for i, match in enumerate(sections):
        label = (match.group(1) or match.group(2)).strip().lower()
        type_ = _PHP_TYPES.get(label, "other")
        end = sections[i + 1].start() if i + 1 < len(sections) else text.find("-----", match.end())
        block = text[match.end() : end if end > 0 else None]
        current: tuple[str, list[str]] | None = None
        entries: list[tuple[str, list[str]]] = []
        for line in block.splitlines():
            head = re.match(r"^([0-9a-fA-F:.]+)(?:\s+\([A-Z]\))?\s*$", line.strip())
            if head and _ip(head.group(1)) and not line.startswith(" "):
                current = (_ip(head.group(1)) or "", [])
                entries.append(current)
            elif current and re.match(r"^\s+- (?!\s*-)", line) and not line.startswith("    -"):
                current[1].append(line.strip()[2:])
        for ip, times in entries:
            when = _time_with_zone(times[0]) if times else None
            events.append(ParsedEvent(type=type_, ip=ip, observed_at=when, evidence=label))
    return events


# --- Google Safe Browsing ----------------------------------------------------------------

# Safe Browsing network alerts: list type 0 = compromised sites that lead to malware,
# type 1 = sites distributing malware themselves.
_GSB_TYPES = {"0": "system-compromise", "1": "malware-distribution"}


def _safe_browsing(doc: Document, text: str) -> list[ParsedEvent] | None:
    start = text.find("<notification_message")
    if start < 0:
        return None
    end = text.find("</notification_message>", start)
    if end < 0:
        return None
    try:
        root = SafeET.fromstring(text[start : end + len("</notification_message>")])
    except DefusedXmlException as exc:
        raise ParseError("xml-entity-expansion", "Safe Browsing XML") from exc
    except XmlSyntaxError as exc:
        raise ParseError("invalid-xml", str(exc)[:200]) from exc
    when = parse_time(root.get("date"))
    events = []
    for lst in root.iter("list"):
        type_ = _GSB_TYPES.get(lst.get("type", ""), "malware-distribution")
        for info in lst.iter("url_info"):
            url = (info.get("url") or "").strip()
            if url.lower().startswith(("http://", "https://")):
                events.append(_url_event(type_, url, _ip(info.get("ip") or ""), when, url))
    return events


# --- Clean-MX ----------------------------------------------------------------------------

_CLEANMX_SUBJECT = re.compile(r"\[clean-mx-(viruses|phishing|portals|spam)-\d+\]", re.I)
_CLEANMX_TYPES = {"viruses": "malware-distribution", "phishing": "phishing",
                  "portals": "phishing", "spam": "spam"}  # fmt: skip


def _cleanmx(doc: Document, text: str) -> list[ParsedEvent] | None:
    subject = _CLEANMX_SUBJECT.search(doc.subject)
    if subject is None or "|date" not in text:
        return None
    type_ = _CLEANMX_TYPES[subject.group(1).lower()]
    lines = [ln for ln in text.splitlines() if ln.startswith("|")]
    header = [c.strip().lower() for c in lines[0].strip("|").split("|")] if lines else []
    events = []
    for line in lines[1:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        row = dict(zip(header, cells, strict=False))
        url = row.get("url", "")
        ip = _ip(row.get("ip", ""))
        when = _time_with_zone(row.get("date", ""))
        if url.lower().startswith(("http://", "https://")):
            event = _url_event(type_, url, ip, when, line)
            events.append(dataclasses.replace(event, identifier=row.get("virusname")))
        elif ip:
            events.append(ParsedEvent(type=type_, ip=ip, observed_at=when, evidence=line[:300]))
    return events


# --- Netcraft ----------------------------------------------------------------------------

_NETCRAFT_SUBJECT = re.compile(
    r"^Issue \d+: .*?\b(malware|phishing|fraud|\w+) (?:attack|site)", re.I
)
_NETCRAFT_LINE = re.compile(r"^(https?://\S+)\s+(?:\[\d+/\d+\]\s+)?\[([0-9a-fA-F:.]+)\]\s*$", re.M)
_NETCRAFT_URL = re.compile(r"^(https?://\S+)\s*$", re.M)


def _netcraft(doc: Document, text: str) -> list[ParsedEvent] | None:
    subject = _NETCRAFT_SUBJECT.search(doc.subject)
    if subject is None or "Netcraft" not in text:
        return None
    kind = subject.group(1).lower()
    type_ = {"phishing": "phishing", "fraud": "phishing"}.get(kind, "malware-distribution")
    when = parse_time(doc.header("Date"))
    events: list[ParsedEvent] = []
    seen = set()
    pending: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        url_match = _NETCRAFT_URL.match(line)
        tail = re.match(r"^(?:(https?://\S+)\s+)?(?:\[\d+/\d+\]\s+)?\[([0-9a-fA-F:.]+)\]$", line)
        if tail:
            urls = [tail.group(1)] if tail.group(1) else pending
            for url in urls:
                if url not in seen:
                    seen.add(url)
                    events.append(_url_event(type_, url, _ip(tail.group(2)), when, line))
            pending = []
        elif url_match and "netcraft" not in url_match.group(1) and "sidn" not in line:
            pending.append(url_match.group(1))
        elif line:
            pending = []
    return events


# --- WebIron -----------------------------------------------------------------------------

_WEBIRON_BLOCK = re.compile(r"^Offending(?:/Source)? IP:\s*([0-9a-fA-F:.]+)\s*$", re.M)
_WEBIRON_FIELD = re.compile(r"^\s*- ([A-Za-z /-]+?):\s*(.*)$")


def _webiron(doc: Document, text: str) -> list[ParsedEvent] | None:
    if "webiron" not in text.lower() or not _WEBIRON_BLOCK.search(text):
        return None
    events = []
    seen = set()
    blocks = list(_WEBIRON_BLOCK.finditer(text))
    for i, block in enumerate(blocks):
        ip = _ip(block.group(1))
        if ip is None:
            continue
        end = blocks[i + 1].start() if i + 1 < len(blocks) else len(text)
        fields: dict[str, str] = {}
        for line in text[block.end() : end].splitlines():
            match = _WEBIRON_FIELD.match(line)
            if match:
                fields.setdefault(match.group(1).strip().lower(), match.group(2).strip())
        issue = fields.get("issue", "")
        target = fields.get("targeted url", "")
        if re.search(r"login|xmlrpc|brute", f"{issue} {target}", re.I):
            type_ = "brute-force"
        elif re.search(r"\bbot", issue, re.I):
            type_ = "infected-system"
        else:
            type_ = "exploit"
        port = fields.get("port", "")
        key = (ip, type_)
        if key in seen:
            continue
        seen.add(key)
        events.append(
            ParsedEvent(
                type=type_,
                ip=ip,
                observed_at=parse_time(fields.get("time")),
                port=int(port) if port.isdigit() and int(port) < 65536 else None,
                protocol=fields.get("service") or None,
                evidence=f"{issue} {target}".strip()[:300],
            )
        )
    return events


_READERS: list[tuple[str, Callable[[Document, str], list[ParsedEvent] | None]]] = [
    ("projecthoneypot", _honeypot),
    ("safebrowsing", _safe_browsing),
    ("cleanmx", _cleanmx),
    ("netcraft", _netcraft),
    ("webiron", _webiron),
]


def _which(doc: Document) -> tuple[str, list[ParsedEvent]] | None:
    text = doc.body_text()
    for name, reader in _READERS:
        events = reader(doc, text)
        if events is not None:
            return name, events
    return None


class SendersParser:
    name = "senders"

    def detect(self, doc: Document) -> bool:
        return doc.message is not None and _which(doc) is not None

    def parse(self, doc: Document) -> ParseResult:
        found = _which(doc)
        if found is None:
            raise ParseError("senders-layout", "notifier layout not recognised")
        notifier, events = found
        text = doc.body_text()
        return ParseResult(
            format=self.name,
            events=events,
            reporter_address=doc.from_address,
            reporter_name=notifier,
            subject=doc.subject,
            summary=f"{notifier} notification with {len(events)} event(s)",
            evidence=indicators.excerpt(text),
            has_logs_or_headers=True,
            data={"notifier": notifier},
        )


PARSER = SendersParser()
