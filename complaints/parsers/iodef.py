"""IODEF incident reports (RFC 5070 v1.0 and RFC 7970 v2.0 XML), inline or attached.

Each ``Flow/System[@category="source"]`` node (address or host name) becomes an event; its
classification comes from the incident's Assessment (v1 ``Impact/@type``, v2
``SystemImpact/@type``), refined by the descriptions, then the purpose and Expectation.
``target`` systems are the victims and ``intermediate`` ones are relays or C2 servers named
for context: neither is ever reported as the offender. Networks (``ipv4-net``) cannot be one
event's address; they are listed in ``data["source_networks"]``.

Parsing goes through defusedxml only: a DTD, entity declaration or external reference is
refused (``xml-entity-expansion``) before anything is expanded.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import defusedxml
import defusedxml.ElementTree as DET

from .base import ParsedEvent, ParseError, ParseResult, Part
from .util import normalize_domain, normalize_ip, parse_time

if TYPE_CHECKING:
    from .mime import Document

NAME = "iodef"
NAMESPACES = ("urn:ietf:params:xml:ns:iodef-1.0", "urn:ietf:params:xml:ns:iodef-2.0")
MAX_XML_BYTES = 10 * 1024 * 1024
MAX_EVIDENCE_CHARS = 4000
_ROOT = re.compile(rb"<(?:[A-Za-z0-9_.-]+:)?IODEF-Document\b")
_PROLOG = re.compile(rb"<\?xml|<!DOCTYPE", re.IGNORECASE)
_END = re.compile(rb"</(?:[A-Za-z0-9_.-]+:)?IODEF-Document\s*>")
_IP_PROTOCOLS = {"6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6", "132": "sctp"}

# RFC 5070 Impact/@type and RFC 7970 SystemImpact/@type -> RSIT type. Attempts that
# failed ("completion=failed") are mapped separately: an attempt is an exploit, not a
# compromise.
IMPACT_TYPES: dict[str, str] = {
    "admin": "system-compromise",
    "user": "unprivileged-account-compromise",
    "dos": "ddos",
    "recon": "scanner",
    "file": "data-leak",
    "info-leak": "data-leak",
    "misconfiguration": "vulnerable-system",
    "social-engineering": "phishing",
    "extortion": "other",
    "policy": "other",
    "takeover-account": "unprivileged-account-compromise",
    "takeover-service": "application-compromise",
    "takeover-system": "system-compromise",
    "cps-manipulation": "sabotage",
    "cps-damage": "sabotage",
    "availability-data": "dos",
    "availability-account": "dos",
    "availability-service": "ddos",
    "availability-system": "ddos",
    "damaged-system": "sabotage",
    "damaged-data": "data-loss",
    "breach-proprietary": "data-leak",
    "breach-privacy": "data-leak",
    "breach-credential": "data-leak",
    "breach-configuration": "data-leak",
    "integrity-data": "unauthorised-information-modification",
    "integrity-configuration": "unauthorised-information-modification",
    "integrity-hardware": "sabotage",
    "traffic-redirection": "system-compromise",
    "monitoring-traffic": "sniffing",
    "monitoring-host": "sniffing",
}
FAILED_ATTEMPT_TYPES = {"admin": "exploit", "user": "brute-force"}

# Words in the incident/system descriptions that name the abuse more precisely than the
# Impact does (RFC 5070's own botnet example is Impact "dos" on hosts "acting as bots").
_KEYWORDS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\bC2\b|\bC&C\b|command[- ]and[- ]control", re.I), "c2-server"),
    (re.compile(r"\bwatch-?list|\bblock-?list|\bblacklist", re.I), "blacklist"),
    (re.compile(r"\bphish", re.I), "phishing"),
    (re.compile(r"\bspam", re.I), "spam"),
    (re.compile(r"\bbot-?nets?\b|\bbots?\b", re.I), "infected-system"),
    (re.compile(r"\bbrute[- ]?forc", re.I), "brute-force"),
)


def _local(tag: object) -> str:
    return str(tag).rsplit("}", 1)[-1]


def _children(element: ET.Element, name: str) -> list[ET.Element]:
    return [child for child in element if _local(child.tag) == name]


def _first_text(element: ET.Element, *names: str) -> str | None:
    for name in names:
        for child in _children(element, name):
            if child.text and child.text.strip():
                return child.text.strip()
    return None


def _descendants(element: ET.Element, name: str) -> list[ET.Element]:
    return [node for node in element.iter() if _local(node.tag) == name]


def extract_xml(payload: bytes) -> bytes | None:
    """The IODEF document inside a part (a bare XML file or one pasted in a mail body),
    with any prolog/DTD that precedes it so entity tricks are seen, not cut off."""
    root = _ROOT.search(payload)
    if root is None:
        return None
    start = root.start()
    prolog = _PROLOG.search(payload, 0, start)
    if prolog is not None:
        start = prolog.start()
    ends = list(_END.finditer(payload, root.end()))
    end = ends[-1].end() if ends else len(payload)
    return payload[start:end]


def _candidate_parts(doc: Document) -> list[tuple[Part, bytes]]:
    found = []
    for part in doc.parts:
        if len(part.payload) > MAX_XML_BYTES or b"IODEF-Document" not in part.payload:
            continue
        if not any(ns.encode() in part.payload for ns in NAMESPACES):
            continue
        xml = extract_xml(part.payload)
        if xml is not None:
            found.append((part, xml))
    return found


def detect(doc: Document) -> bool:
    return bool(_candidate_parts(doc))


def parse_xml(xml: bytes) -> ET.Element:
    """Parse with defusedxml; DTDs and entities are refused outright."""
    try:
        return DET.fromstring(xml, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (defusedxml.DTDForbidden, defusedxml.EntitiesForbidden) as exc:
        raise ParseError("xml-entity-expansion", "DTD or entity declaration refused") from exc
    except defusedxml.ExternalReferenceForbidden as exc:
        raise ParseError("xml-entity-expansion", "external reference refused") from exc
    except ET.ParseError as exc:
        raise ParseError("invalid-xml", str(exc)[:200]) from exc


def _impact_type(incident: ET.Element) -> str | None:
    for assessment in _children(incident, "Assessment"):
        for impact in _descendants(assessment, "Impact") + _descendants(assessment, "SystemImpact"):
            kind = (impact.get("type") or "").strip().lower()
            if impact.get("completion", "").lower() == "failed" and kind in FAILED_ATTEMPT_TYPES:
                return FAILED_ATTEMPT_TYPES[kind]
            if kind in IMPACT_TYPES:
                return IMPACT_TYPES[kind]
    return None


def _descriptions(element: ET.Element) -> str:
    return " ".join(
        (node.text or "").strip() for node in _descendants(element, "Description") if node.text
    )


def classify(incident: ET.Element, event_data: ET.Element | None = None) -> str:
    """RSIT type of one incident (optionally narrowed to one EventData block)."""
    text = _descriptions(incident if event_data is None else event_data)
    text += " " + (_first_text(incident, "Description") or "")
    for pattern, kind in _KEYWORDS:
        if pattern.search(text):
            return kind
    impact = _impact_type(incident)
    if impact:
        return impact
    purpose = (incident.get("purpose") or "").lower()
    actions = {
        (e.get("action") or "").lower()
        for e in _descendants(event_data if event_data is not None else incident, "Expectation")
    }
    if purpose == "watch" or actions & {"block-host", "block-network", "block-port"}:
        return "blacklist"
    return "undetermined"


def _time_of(incident: ET.Element, event_data: ET.Element) -> datetime | None:
    # RFC 5070 3.10 / RFC 7970: DetectTime and StartTime may sit on EventData or Incident.
    for element in (event_data, incident):
        for name in ("DetectTime", "StartTime"):
            parsed = parse_time(_first_text(element, name))
            if parsed:
                return parsed
    for record in _descendants(event_data, "RecordData"):
        # RecordData/DateTime stamps the log excerpt: the observation itself.
        parsed = parse_time(_first_text(record, "DateTime"))
        if parsed:
            return parsed
    return parse_time(_first_text(incident, "ReportTime"))


@dataclass
class _Sources:
    events: list[ParsedEvent]
    networks: list[str]


def _system_events(
    system: ET.Element,
    kind: str,
    observed_at: datetime | None,
    identifier: str | None,
    context: str,
) -> _Sources:
    out = _Sources([], [])
    own = _first_text(system, "Description") or ""
    for pattern, keyword_kind in _KEYWORDS:
        if pattern.search(own):
            kind = keyword_kind
            break
    port = protocol = None
    for service in _children(system, "Service"):
        number = service.get("ip_protocol") or service.get("ip-protocol") or ""  # v1 / v2 spelling
        protocol = _IP_PROTOCOLS.get(number.strip(), protocol)
        port_text = _first_text(service, "Port")
        if port_text and port_text.isdigit() and int(port_text) < 65536:
            port = int(port_text)
    evidence = (f"{context}; source system: {own}" if own else context)[:1000]
    for node in _children(system, "Node"):
        for address in _children(node, "Address"):
            category = (address.get("category") or "ipv4-addr").lower()
            value = (address.text or "").strip()
            if category in ("ipv4-net", "ipv6-net", "ipv4-net-mask", "ipv6-net-mask"):
                out.networks.append(value[:100])
                continue
            ip = normalize_ip(value) if category in ("ipv4-addr", "ipv6-addr") else None
            if ip:
                out.events.append(
                    ParsedEvent(
                        type=kind,
                        ip=ip,
                        observed_at=observed_at,
                        port=port,
                        protocol=protocol,
                        identifier=identifier,
                        evidence=evidence,
                    )
                )
        names = [n.text for n in _children(node, "NodeName") if n.text]
        names += [n.text for n in _descendants(node, "Name") if n.text]  # v2 DomainData/Name
        for name in names:
            domain = normalize_domain(name)
            if domain and not any(e.ip for e in out.events):
                out.events.append(
                    ParsedEvent(
                        type=kind,
                        domain=domain,
                        observed_at=observed_at,
                        port=port,
                        protocol=protocol,
                        identifier=identifier,
                        evidence=evidence,
                    )
                )
    return out


def _parse_document(root: ET.Element) -> tuple[list[ParsedEvent], dict, list[str]]:
    if _local(root.tag) != "IODEF-Document":
        raise ParseError("invalid-iodef", f"root element is {_local(root.tag)!r}")
    events: list[ParsedEvent] = []
    seen: set[tuple] = set()
    networks: list[str] = []
    incidents: list[dict] = []
    records: list[str] = []
    for incident in _children(root, "Incident"):
        incident_id = _first_text(incident, "IncidentID")
        method = _descendants(incident, "ReferenceName")
        identifier = method[0].text.strip() if method and method[0].text else None
        summary = " ".join((_first_text(incident, "Description") or "").split())
        context = f"IODEF incident {incident_id or '?'} ({incident.get('purpose')}): {summary}"
        for event_data in _descendants(incident, "EventData"):
            kind = classify(incident, event_data)
            observed_at = _time_of(incident, event_data)
            for flow in _children(event_data, "Flow"):
                for system in _children(flow, "System"):
                    if (system.get("category") or "").lower() != "source":
                        continue
                    found = _system_events(system, kind, observed_at, identifier, context)
                    networks.extend(found.networks)
                    for event in found.events:
                        key = (event.type, event.ip, event.domain)
                        if key not in seen:
                            seen.add(key)
                            events.append(event)
            records.extend(
                (item.text or "").strip() for item in _descendants(event_data, "RecordItem")
            )
        incidents.append(
            {
                "id": incident_id,
                "purpose": incident.get("purpose"),
                "type": classify(incident),
                "description": (_first_text(incident, "Description") or "")[:300],
            }
        )
    return events, {"incidents": incidents[:100], "source_networks": networks[:100]}, records


def _reporter(root: ET.Element) -> tuple[str | None, str | None]:
    contacts = _descendants(root, "Contact")
    contacts.sort(key=lambda c: (c.get("role") or "") != "creator")
    for contact in contacts:
        email = _first_text(contact, "Email")
        if email is None:  # RFC 7970: Email/EmailTo
            email = next((e.text for e in _descendants(contact, "EmailTo") if e.text), None)
        if email:
            return email.strip(), _first_text(contact, "ContactName")
    return None, None


def parse(doc: Document) -> ParseResult:
    candidates = _candidate_parts(doc)
    if not candidates:
        raise ParseError("invalid-iodef", "no IODEF document")
    events: list[ParsedEvent] = []
    data: dict = {"incidents": [], "source_networks": []}
    records: list[str] = []
    reporter: tuple[str | None, str | None] = (None, None)
    for _part, xml in candidates:
        doc.deadline.check()
        root = parse_xml(xml)
        found, extra, record_items = _parse_document(root)
        events.extend(found)
        data["incidents"].extend(extra["incidents"])
        data["source_networks"].extend(extra["source_networks"])
        records.extend(record_items)
        reporter = reporter if reporter[0] else _reporter(root)
    evidence = "\n".join(r for r in records if r)[:MAX_EVIDENCE_CHARS]
    sources = sorted({e.ip or e.domain or "" for e in events})
    return ParseResult(
        format=NAME,
        events=events,
        reporter_address=reporter[0] or doc.from_address,
        reporter_name=reporter[1],
        subject=doc.subject,
        summary=f"IODEF: {len(data['incidents'])} incident(s), sources {', '.join(sources[:5])}",
        evidence=evidence,
        has_logs_or_headers=bool(evidence),
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
