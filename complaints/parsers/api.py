"""The desk's own simple report schema ("api"): what the REST API and the agents' web form
store as a report's raw bytes.

The API validates a submission strictly and stores it as canonical JSON (sorted keys, no
insignificant whitespace, ``"schema": "tsd-report/1"``), so the pipeline parses it like any
other received document and a re-post of the same submission is the same bytes (one report).
The schema, one JSON object::

    {"schema": "tsd-report/1",
     "reporter": {"email": ..., "name": ..., "organisation": ...},
     "type": RSIT classification.type,
     "resources": [{"ip" | "domain" | "url": ..., "observed_at": ISO 8601, "port": int}],
     "description": str, "evidence": str}

Detection is by content, and only for a bare JSON document (never a part of a mail): an
object whose keys all belong to the schema, with a ``type`` string and a ``resources`` list.
Parsing stays defensive although the API wrote the bytes: the same document could arrive by
``manage.py ingest``; a resource that does not normalise is skipped, an unknown type is
classified ``undetermined``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .base import TAXONOMY_OF_TYPE, ParsedEvent, ParseError, ParseResult
from .util import normalize_domain, normalize_ip, parse_time

if TYPE_CHECKING:
    from .mime import Document

NAME = "api"
SCHEMA_ID = "tsd-report/1"
SCHEMA_KEYS = frozenset({"schema", "reporter", "type", "resources", "description", "evidence"})
RESOURCE_KEYS = frozenset({"ip", "domain", "url", "observed_at", "port"})
MAX_JSON_BYTES = 5 * 1024 * 1024
MAX_RESOURCES = 1000
MAX_EVIDENCE_CHARS = 20000
MAX_TEXT_CHARS = 10000


def canonical_bytes(document: dict[str, Any]) -> bytes:
    """The stored form of a validated submission: the same submission, the same bytes."""
    body = {"schema": SCHEMA_ID, **document}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _load(doc: Document) -> dict[str, Any] | None:
    if doc.message is not None or len(doc.parts) != 1:
        return None
    payload = doc.parts[0].payload
    if len(payload) > MAX_JSON_BYTES or b'"resources"' not in payload:
        return None
    if not payload[:64].lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        return None
    try:
        data = json.loads(payload.decode("utf-8", "replace").lstrip("\ufeff"))
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or not set(data) <= SCHEMA_KEYS:
        return None
    if not isinstance(data.get("type"), str) or not isinstance(data.get("resources"), list):
        return None
    return data


def detect(doc: Document) -> bool:
    return _load(doc) is not None


def _text(value: object, limit: int) -> str:
    return value[:limit] if isinstance(value, str) else ""


def _event(item: object, type_: str, evidence: str) -> ParsedEvent | None:
    if not isinstance(item, dict):
        return None
    ip = normalize_ip(_text(item.get("ip"), 100)) if item.get("ip") else None
    domain = normalize_domain(_text(item.get("domain"), 300)) if item.get("domain") else None
    url = _text(item.get("url"), 4000).strip() or None
    if not (ip or domain or url):
        return None
    port = item.get("port")
    return ParsedEvent(
        type=type_,
        ip=ip,
        domain=domain,
        url=url,
        observed_at=parse_time(_text(item.get("observed_at"), 64) or None),
        port=port if isinstance(port, int) and 0 <= port <= 65535 else None,
        evidence=evidence[:2000],
    )


def parse(doc: Document) -> ParseResult:
    data = _load(doc)
    if data is None:
        raise ParseError("invalid-api-report", "not a tsd-report/1 document")
    type_ = data["type"] if data["type"] in TAXONOMY_OF_TYPE else "undetermined"
    given = data.get("reporter")
    reporter: dict[str, Any] = given if isinstance(given, dict) else {}
    description = _text(data.get("description"), MAX_TEXT_CHARS)
    evidence = _text(data.get("evidence"), MAX_EVIDENCE_CHARS)
    events = []
    for item in data["resources"][:MAX_RESOURCES]:
        event = _event(item, type_, evidence)
        if event is not None:
            events.append(event)
    first_line = description.strip().splitlines()[0] if description.strip() else ""
    return ParseResult(
        format=NAME,
        events=events,
        reporter_address=_text(reporter.get("email"), 320).strip().lower() or None,
        reporter_name=_text(reporter.get("name"), 200) or _text(reporter.get("organisation"), 200),
        subject=first_line[:300],
        # The description is the reporter's claim, not evidence: the evidence check must
        # see only the evidence field (logs, headers).
        summary=description.strip()[:2000] or f"{type_} report",
        evidence=evidence,
        has_logs_or_headers=bool(evidence.strip()),
        data={
            "schema": _text(data.get("schema"), 40),
            "organisation": _text(reporter.get("organisation"), 200),
            "resources": len(data["resources"]),
        },
    )


@dataclass(frozen=True)
class _Parser:
    name: str = NAME

    def detect(self, doc: Document) -> bool:
        return detect(doc)

    def parse(self, doc: Document) -> ParseResult:
        return parse(doc)


PARSER = _Parser()
