"""X-ARF reports: 0.1/0.2 (a YAML part in a mail), JSON v3 (abusix) and v4 (xarf-spec).

Also the AbuseHUB CSV (``abusehubcsv-1.0.0``) that the Dutch AbuseHUB sends in place of or
next to X-ARF. The JSON forms arrive as a bare document, a JSON attachment or an API body;
the API calls ``parse_xarf_json`` directly.

Boundary: only the offender (``Source`` / ``source_identifier`` / ``SourceIp``) becomes an
event; destination/victim addresses never do. YAML is read with a safe loader (no Python
objects), from parts of bounded size, and only top-level scalars are used, so alias bombs
have nothing to expand into.
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import yaml

from .base import ParsedEvent, ParseError, ParseResult, Part
from .shadowserver_map import SERVICE_ALIASES, service_type
from .util import normalize_domain, normalize_ip, parse_time, refang

if TYPE_CHECKING:
    from .mime import Document

NAME = "xarf"
MAX_YAML_BYTES = 64 * 1024
MAX_JSON_BYTES = 5 * 1024 * 1024
MAX_EVIDENCE_CHARS = 4000
MAX_CSV_ROWS = 10_000
_YAML_KEYS = ("report-type", "category", "schema-url", "reported-from", "source-type")
_ABUSEHUB_HEADER = b"reliable_notifier,report_type"
# A masked address ("91.78.17.xxx", "122.XXX.XXX.XXX") would pass as a host name.
_ADDRESS_LIKE = re.compile(r"^[0-9x.:]+$", re.IGNORECASE)
# AbuseHUB writes event_date/event_time in Dutch local time: its mail body states the same
# event as "+01:00" while the Shadowserver row it forwards says the UTC time one hour earlier.
_ABUSEHUB_TZ = ZoneInfo("Europe/Amsterdam")


class _StringLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """SafeLoader that keeps every plain scalar a string: YAML 1.1 would otherwise read an
    all-digit IPv6 like ``1:2:3`` as a base-60 integer and dates as datetimes. libyaml's
    parser (PyYAML's CSafeLoader) when PyYAML was built with it: a tenth of the time."""


_StringLoader.yaml_implicit_resolvers = {}

# Report types (X-ARF 0.2 Report-Type, v3 ReportType, v4 type/category), normalised to
# lower-case kebab form -> RSIT classification.
TYPE_MAP: dict[str, str] = {
    "login-attack": "brute-force",
    "loginattack": "brute-force",
    "brute-force": "brute-force",
    "bruteforce": "brute-force",
    "bruteforcelogin": "brute-force",
    "spam": "spam",
    "bulk-messaging": "spam",
    "regbot": "spam",  # blocklist.de: bots registering on forums/wikis to post spam
    "phishing": "phishing",
    "fraud": "phishing",
    "botnet": "infected-system",
    "bot": "infected-system",
    "bots": "infected-system",
    "bot-infection": "infected-system",
    "botnet-drone": "infected-system",
    "infected-host": "infected-system",
    "ircbot": "infected-system",
    "c2": "c2-server",
    "c2-server": "c2-server",
    "ddos": "ddos",
    "dos": "ddos",
    "copyright": "copyright",
    "p2p": "copyright",
    "cyberlocker": "copyright",
    "link-site": "copyright",
    "malware": "malware-distribution",
    "malware-attack": "malware-distribution",
    "malware-url": "malware-distribution",
    "malware-distribution": "malware-distribution",
    "port-scan": "scanner",
    "portscan": "scanner",
    "scan": "scanner",
    "scanner": "scanner",
    "compromised-server": "system-compromise",
    "compromised-website": "system-compromise",
    "defacement": "system-compromise",
    "ddos-amplification": "ddos-amplifier",
    "open-service": "vulnerable-system",
    "openservice": "vulnerable-system",
    "vulnerability": "vulnerable-system",
    "cve": "vulnerable-system",
    "misconfiguration": "vulnerable-system",
}

# blocklist.de "Service" names (what the attacker hit) -> classification.
SERVICE_MAP: dict[str, str] = {
    "ssh": "brute-force",
    "mail": "brute-force",
    "imap": "brute-force",
    "pop3": "brute-force",
    "ftp": "brute-force",
    "sip": "brute-force",
    "asterisk": "brute-force",
    "apache": "exploit",
    "http": "exploit",
    "regbot": "spam",
    "bots": "infected-system",
    "ircbot": "infected-system",
    "portscan": "scanner",
}


def _kebab(value: object) -> str:
    text = str(value or "").strip()
    text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "-", text)  # LoginAttack -> Login-Attack
    return re.sub(r"[\s_]+", "-", text).lower()


def classify(report_type: object, category: object = None, service: object = None) -> str:
    """RSIT type for an X-ARF report type, its category and (for open services) service."""
    kind = _kebab(report_type)
    svc = _kebab(service).replace("-", "_")
    if kind in ("open-service", "openservice") and svc:
        return service_type(SERVICE_ALIASES.get(svc, svc)) or "vulnerable-system"
    if kind in TYPE_MAP:
        return TYPE_MAP[kind]
    if svc and svc in SERVICE_MAP:
        return SERVICE_MAP[svc]
    cat = _kebab(category)
    return TYPE_MAP.get(cat, "undetermined")


def _event(
    kind: str,
    *,
    source: object,
    source_type: object = None,
    url: object = None,
    domain: object = None,
    observed_at: datetime | None,
    port: object = None,
    protocol: object = None,
    identifier: object = None,
    evidence: str = "",
) -> ParsedEvent | None:
    """One event from X-ARF source fields, or None when nothing identifies the offender
    (masked addresses such as ``91.78.17.xxx`` identify nobody)."""
    text = str(source or "").strip()
    stype = _kebab(source_type)
    ip = normalize_ip(text) if text and "uri" not in stype and "url" not in stype else None
    url_text = str(url or "").strip() or None
    if not ip and text and ("://" in text or stype in ("uri", "url")):
        url_text = url_text or refang(text)
    host = None
    if url_text:
        try:
            host = urlsplit(url_text).hostname
        except ValueError:
            host = None
    domain_text = normalize_domain(str(domain)) if domain else None
    if not ip and not domain_text and not url_text and text and not _ADDRESS_LIKE.match(text):
        domain_text = normalize_domain(text)
    if not ip and host:
        ip = normalize_ip(host)
    domain_text = domain_text or (normalize_domain(host) if host else None)
    if not (ip or domain_text or url_text):
        return None
    port_text = str(port or "").strip()
    return ParsedEvent(
        type=kind,
        ip=ip,
        domain=domain_text,
        url=url_text,
        observed_at=observed_at,
        port=int(port_text) if port_text.isdigit() and int(port_text) < 65536 else None,
        protocol=str(protocol).lower() if protocol else None,
        identifier=str(identifier)[:200] if identifier else None,
        evidence=evidence[:MAX_EVIDENCE_CHARS],
    )


def _time(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return parse_time(str(value)) if value not in (None, "") else None


# --- JSON v3 / v4 -------------------------------------------------------------------


def _is_xarf_json(data: object) -> bool:
    if not isinstance(data, dict):
        return False
    if "xarf_version" in data:
        return True
    return isinstance(data.get("Report"), dict) and ("Version" in data or "ReporterInfo" in data)


def _decoded_samples(samples: object, data_key: str, type_key: str) -> str:
    """Text of the evidence samples (base64 payloads decoded when they are text)."""
    if not isinstance(samples, list):
        return ""
    texts: list[str] = []
    for sample in samples[:20]:
        if not isinstance(sample, dict):
            continue
        ctype = str(sample.get(type_key) or sample.get("ContentType") or "").lower()
        payload = str(sample.get(data_key) or sample.get("Payload") or "")[: MAX_EVIDENCE_CHARS * 2]
        if not payload or not ctype.startswith(("text/", "message/", "application/json")):
            continue
        if sample.get("Base64Encoded") is False:
            texts.append(payload)
            continue
        try:
            texts.append(base64.b64decode(payload, validate=True).decode("utf-8", "replace"))
        except (binascii.Error, ValueError):
            texts.append(payload)
    return "\n".join(texts)[:MAX_EVIDENCE_CHARS]


def _dict(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def _parse_v4(data: dict) -> ParseResult:
    reporter = _dict(data.get("reporter"))
    kind = classify(data.get("type"), data.get("category"), data.get("service"))
    evidence = _decoded_samples(data.get("evidence"), "payload", "content_type")
    event = _event(
        kind,
        source=data.get("source_identifier"),
        url=data.get("url"),
        observed_at=_time(data.get("timestamp")) or _time(data.get("first_seen")),
        port=data.get("source_port"),
        protocol=data.get("protocol"),
        identifier=data.get("type"),
        evidence=evidence,
    )
    return _result(
        data,
        [event] if event else [],
        reporter_address=reporter.get("contact"),
        reporter_name=reporter.get("org"),
        version=str(data.get("xarf_version")),
        report_type=f"{data.get('category')}/{data.get('type')}",
        evidence=evidence,
    )


def _parse_v3(data: dict) -> ParseResult:
    report = data["Report"]
    info = _dict(data.get("ReporterInfo"))
    extra = _dict(report.get("AdditionalInfo"))
    source = _dict(report.get("Source"))
    kind = classify(report.get("ReportType"), report.get("ReportClass"), report.get("ServiceName"))
    evidence = _decoded_samples(report.get("Samples"), "Payload", "ContentType") or (
        _decoded_samples(report.get("Attachment"), "Data", "ContentType")
    )
    event = _event(
        kind,
        source=report.get("SourceIp") or source.get("IP") or source.get("URL"),
        source_type=source.get("Type"),
        url=report.get("SourceUrl") or source.get("URL"),
        observed_at=_time(report.get("Date")) or _time(report.get("FirstSeen")),
        port=report.get("SourcePort") or source.get("Port"),
        protocol=report.get("TransportProtocol") or extra.get("Protocol"),
        identifier=extra.get("MalwareFamily")
        or report.get("ServiceName")
        or report.get("ReportType"),
        evidence=evidence,
    )
    return _result(
        data,
        [event] if event else [],
        reporter_address=info.get("ReporterOrgEmail") or info.get("ReporterContactEmail"),
        reporter_name=info.get("ReporterOrg"),
        version=str(data.get("Version")),
        report_type=f"{report.get('ReportClass')}/{report.get('ReportType')}",
        evidence=evidence,
    )


def _result(
    data: dict,
    events: list[ParsedEvent],
    *,
    reporter_address: object,
    reporter_name: object,
    version: str,
    report_type: str,
    evidence: str,
) -> ParseResult:
    if not events:
        raise ParseError("xarf-no-source", "X-ARF report names no usable offender")
    target = events[0].ip or events[0].domain or events[0].url
    return ParseResult(
        format=NAME,
        events=events,
        reporter_address=str(reporter_address) if reporter_address else None,
        reporter_name=str(reporter_name) if reporter_name else None,
        summary=f"X-ARF {version} {report_type} about {target}",
        evidence=evidence,
        has_logs_or_headers=bool(evidence),
        data={
            "xarf_version": version,
            "report_type": report_type,
            "report_id": str(data.get("report_id") or data.get("Report-ID") or "")[:200] or None,
        },
    )


def parse_xarf_json(data: dict) -> ParseResult:
    """Parse one X-ARF JSON report (v3 or v4) already decoded from JSON (REST API)."""
    if not _is_xarf_json(data):
        raise ParseError("invalid-xarf", "not an X-ARF v3/v4 JSON object")
    return _parse_v4(data) if "xarf_version" in data else _parse_v3(data)


def _json_parts(doc: Document) -> list[tuple[Part, dict]]:
    found: list[tuple[Part, dict]] = []
    for part in doc.parts:
        head = part.payload[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
        if not head.startswith(b"{") or len(part.payload) > MAX_JSON_BYTES:
            continue
        if b"xarf_version" not in part.payload and b'"Report"' not in part.payload:
            continue
        try:
            data = json.loads(part.payload.decode("utf-8", "replace").lstrip("\ufeff"))
        except (ValueError, RecursionError):
            continue
        if _is_xarf_json(data):
            found.append((part, data))
    return found


# --- X-ARF 0.1 / 0.2 (YAML) ---------------------------------------------------------


def _looks_like_yaml_report(part: Part) -> bool:
    if not part.content_type.startswith("text/") or len(part.payload) > MAX_YAML_BYTES:
        return False
    head = part.payload[:4096].lower()
    if not head.lstrip().startswith(b"---"):
        return False
    if any(f"\n{key}:".encode() in head for key in _YAML_KEYS):
        return True
    # cyscon writes lower-case keys without Report-Type: uri/ip/... plus a signature.
    return b"\nsignature:" in head and (b"\nip:" in head or b"\nuri:" in head)


def _load_yaml(part: Part) -> dict[str, Any]:
    text = part.text()
    try:
        loaded = yaml.load(text, Loader=_StringLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError:
        loaded = None
    if not isinstance(loaded, dict):
        # X-ARF 0.x is flat "Key: value" lines; read them that way when YAML is broken.
        loaded = {}
        for line in text.splitlines():
            key, sep, value = line.partition(":")
            if sep and key.strip() and not key.startswith((" ", "\t", "-", "#")):
                loaded[key.strip()] = value.strip()
        if not any(k.lower() in ("source", "ip", "uri") for k in loaded):
            raise ParseError("invalid-yaml", "X-ARF report part is not valid YAML")
    # Only top-level scalars: nested structures (or alias bombs) are never walked.
    return {
        str(k).strip().lower(): v.strip()
        for k, v in loaded.items()
        if isinstance(v, str) and isinstance(k, str | int)
    }


def _parse_yaml(doc: Document, report_part: Part) -> ParseResult:
    fields = _load_yaml(report_part)
    report_type = fields.get("report-type") or ("malware" if "signature" in fields else "")
    kind = classify(report_type, fields.get("category"), fields.get("service"))
    if kind == "malware-distribution" and "phish" in fields.get("signature", "").lower():
        kind = "phishing"
    logs = [
        p.text()[:MAX_EVIDENCE_CHARS]
        for p in doc.parts
        if p is not report_part
        and p.content_type == "text/plain"
        and (p.filename or "").lower().endswith((".log", ".txt"))
        and not _looks_like_yaml_report(p)
    ]
    evidence = "\n".join(logs)[:MAX_EVIDENCE_CHARS]
    event = _event(
        kind,
        source=fields.get("source") or fields.get("ip"),
        source_type=fields.get("source-type"),
        url=fields.get("download-link") or fields.get("uri") or fields.get("url"),
        domain=fields.get("domain"),
        observed_at=_time(fields.get("date"))
        or _time(fields.get("first_seen"))
        or _time(doc.header("Date")),
        port=fields.get("port"),
        identifier=fields.get("signature") or fields.get("antivirus-result") or report_type,
        evidence=evidence or "\n".join(f"{k}: {v}" for k, v in fields.items())[:1000],
    )
    version = fields.get("version") or "0.x"
    return _result(
        fields,
        [event] if event else [],
        reporter_address=fields.get("reported-from") or doc.from_address,
        reporter_name=None,
        version=version,
        report_type=f"{fields.get('category', '')}/{report_type}",
        evidence=evidence,
    )


# --- AbuseHUB CSV -------------------------------------------------------------------


def _abusehub_parts(doc: Document) -> list[Part]:
    return [p for p in doc.parts if p.payload[:64].lstrip().lower().startswith(_ABUSEHUB_HEADER)]


def _abusehub_type(report_type: str) -> str:
    text = report_type.lower()
    for needle, kind in (
        ("drone", "infected-system"),
        ("botnet", "infected-system"),
        ("sinkhole", "infected-system"),
        ("spam", "spam"),
        ("phish", "phishing"),
        ("malware", "malware-distribution"),
        ("brute", "brute-force"),
        ("scan", "scanner"),
        ("ddos", "ddos"),
        ("open", "vulnerable-system"),
        ("vulnerab", "vulnerable-system"),
        ("compromised", "system-compromise"),
    ):
        if needle in text:
            return kind
    return "undetermined"


def _parse_abusehub(doc: Document, parts: list[Part]) -> ParseResult:
    events: list[ParsedEvent] = []
    for part in parts:
        reader = csv.DictReader(io.StringIO(part.text().replace("\x00", "")))
        for index, row in enumerate(reader):
            if index >= MAX_CSV_ROWS:
                break
            ip = normalize_ip(row.get("src_ip"))
            if not ip:
                continue
            local = f"{row.get('event_date') or ''}T{row.get('event_time') or ''}"
            try:
                observed = datetime.fromisoformat(local).replace(tzinfo=_ABUSEHUB_TZ)
                observed = observed.astimezone(UTC)
            except ValueError:
                observed = None
            port = (row.get("src_port") or "").strip()
            events.append(
                ParsedEvent(
                    type=_abusehub_type(row.get("report_type") or ""),
                    ip=ip,
                    observed_at=observed,
                    port=int(port) if port.isdigit() and int(port) < 65536 else None,
                    protocol=(row.get("protocol") or "").lower() or None,
                    identifier=row.get("infection_type") or row.get("report_type") or None,
                    evidence=" ".join(f"{k}={v}" for k, v in row.items() if v and k)[:500],
                )
            )
    if not events:
        raise ParseError("xarf-no-source", "AbuseHUB CSV names no usable source IP")
    return ParseResult(
        format=NAME,
        events=events,
        reporter_address=doc.from_address,
        reporter_name="AbuseHUB",
        subject=doc.subject,
        summary=f"AbuseHUB report: {len(events)} events",
        evidence="\n".join(e.evidence for e in events[:5]),
        has_logs_or_headers=True,
        data={"variant": "abusehubcsv"},
    )


# --- entry points ---------------------------------------------------------------------


def detect(doc: Document) -> bool:
    return bool(
        any(_looks_like_yaml_report(p) for p in doc.parts)
        or _abusehub_parts(doc)
        or _json_parts(doc)
    )


def parse(doc: Document) -> ParseResult:
    yaml_parts = [p for p in doc.parts if _looks_like_yaml_report(p)]
    if yaml_parts:
        result = _parse_yaml(doc, yaml_parts[0])
    elif abusehub := _abusehub_parts(doc):
        result = _parse_abusehub(doc, abusehub)
    else:
        found = _json_parts(doc)
        if not found:
            raise ParseError("invalid-xarf", "no X-ARF report part")
        results = [parse_xarf_json(data) for _, data in found]
        result = results[0]
        for extra in results[1:]:
            result.events.extend(extra.events)
    result.subject = doc.subject
    result.reporter_address = result.reporter_address or doc.from_address
    return result


@dataclass(frozen=True)
class _Parser:
    name: str = NAME

    def detect(self, doc: Document) -> bool:
        return detect(doc)

    def parse(self, doc: Document) -> ParseResult:
        return parse(doc)


PARSER = _Parser()
