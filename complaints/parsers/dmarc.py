"""DMARC reports: aggregate (RFC 7489 appendix C, the old draft and the RFC 9990 schema)
and failure/forensic (RFC 7489 s7.3: ARF with ``Feedback-Type: auth-failure``).

These are deliverability data about mail claiming to be from a domain, not abuse
complaints: the result is never a complaint and carries no events. A compact, bounded JSON
summary goes in ``data`` for the deliverability views.

Input: the XML may be a bare file, an attachment, or a zip/gzip member already expanded by
``mime.load``; a gzip that ``mime`` could not expand is retried here, bounded. Invalid UTF-8
is tolerated (decoded with replacement and re-parsed). XML goes through defusedxml only.
"""

from __future__ import annotations

import base64
import binascii
import re
import xml.etree.ElementTree as ET
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from email.parser import HeaderParser
from typing import TYPE_CHECKING

import defusedxml
import defusedxml.ElementTree as DET

from .base import LimitExceeded, ParseError, ParseResult, Part
from .correspondence import own_text, requests_action

if TYPE_CHECKING:
    from .mime import Document

NAME = "dmarc"
MAX_RECORDS = 10_000
MAX_XML_BYTES = 20 * 1024 * 1024
_GZIP_MAGIC = b"\x1f\x8b"
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")
_FAILURE_TEXT = re.compile(
    r"DMARC\s+(?:forensic|failure)\s+report|failed the published DMARC policy", re.IGNORECASE
)
_FEEDBACK_FIELDS = (
    "feedback-type",
    "user-agent",
    "version",
    "source-ip",
    "reported-domain",
    "original-mail-from",
    "original-rcpt-to",
    "arrival-date",
    "auth-failure",
    "delivery-result",
    "dkim-domain",
    "dkim-identity",
    "dkim-selector",
    "spf-dns",
    "identity-alignment",
    "authentication-results",
    "reported-uri",
)


def _local(tag: object) -> str:
    return str(tag).rsplit("}", 1)[-1]


def _child(element: ET.Element | None, name: str) -> ET.Element | None:
    if element is None:
        return None
    return next((c for c in element if _local(c.tag) == name), None)


def _text(element: ET.Element | None, *path: str) -> str | None:
    for name in path:
        element = _child(element, name)
    if element is None or element.text is None:
        return None
    return element.text.strip()[:500] or None


def _epoch(value: str | None) -> str | None:
    if not value or not value.strip().isdigit():
        return None
    try:
        return datetime.fromtimestamp(int(value.strip()), tz=UTC).isoformat()
    except (OverflowError, OSError, ValueError):
        return None


def _gunzip(payload: bytes, limit: int) -> bytes | None:
    """Bounded gzip inflation for a member ``mime`` left packed (odd headers, trailers)."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        data = inflater.decompress(payload, limit + 1)
    except zlib.error:
        return None
    if len(data) > limit:
        raise LimitExceeded("decompression-bomb", "gzip member beyond the byte budget")
    return data


def _xml_payloads(doc: Document) -> list[bytes]:
    out: list[bytes] = []
    expanded = {p.path.rsplit("/", 1)[0] for p in doc.parts if "/" in p.path}
    for part in doc.parts:
        if part.content_type == "message/rfc822" or doc.inside_attached_message(part):
            continue  # a report quoted in a forwarded mail (or a lure dressed as one)
        payload = part.payload
        if payload.startswith(_GZIP_MAGIC) and part.path not in expanded:
            payload = _gunzip(payload, doc.limits.max_decompressed_bytes) or b""
        if len(payload) > MAX_XML_BYTES:
            continue
        head = payload[:4096]
        if b"<feedback" in head and (b"<report_metadata" in payload or b"<record" in payload):
            out.append(payload)
    return out


def parse_xml(payload: bytes) -> ET.Element:
    """defusedxml parse; on a decoding error, retry on the text with bad bytes replaced."""
    try:
        return DET.fromstring(payload, forbid_dtd=True)
    except (defusedxml.DTDForbidden, defusedxml.EntitiesForbidden) as exc:
        raise ParseError("xml-entity-expansion", "DTD or entity declaration refused") from exc
    except defusedxml.ExternalReferenceForbidden as exc:
        raise ParseError("xml-entity-expansion", "external reference refused") from exc
    except ET.ParseError:
        text = _XML_DECL.sub("", payload.decode("utf-8", errors="replace"), count=1)
        try:
            return DET.fromstring(text, forbid_dtd=True)
        except ET.ParseError as exc:
            raise ParseError("invalid-xml", str(exc)[:200]) from exc


def _auth_results(auth: ET.Element | None, name: str) -> list[dict]:
    if auth is None:
        return []
    results = []
    for node in auth:
        if _local(node.tag) != name:
            continue
        entry = {
            key: _text(node, key)
            for key in ("domain", "selector", "scope", "result")
            if _text(node, key)
        }
        results.append(entry)
        if len(results) >= 10:
            break
    return results


def summarize_aggregate(root: ET.Element, budget: int = MAX_RECORDS) -> dict:
    """The compact JSON summary of one aggregate report (records capped at ``budget``)."""
    if _local(root.tag) != "feedback":
        raise ParseError("invalid-dmarc", f"root element is {_local(root.tag)!r}")
    meta = _child(root, "report_metadata")
    policy = _child(root, "policy_published")
    records: list[dict] = []
    total = messages = 0
    for record in root:
        if _local(record.tag) != "record":
            continue
        total += 1
        row = _child(record, "row")
        count_text = _text(row, "count") or "0"
        count = int(count_text) if count_text.isdigit() else 0
        messages += count
        if len(records) >= budget:
            continue
        auth = _child(record, "auth_results")
        records.append(
            {
                "source_ip": _text(row, "source_ip"),
                "count": count,
                "disposition": _text(row, "policy_evaluated", "disposition"),
                "dkim": _text(row, "policy_evaluated", "dkim"),
                "spf": _text(row, "policy_evaluated", "spf"),
                "header_from": _text(record, "identifiers", "header_from"),
                "envelope_from": _text(record, "identifiers", "envelope_from"),
                "dkim_results": _auth_results(auth, "dkim"),
                "spf_results": _auth_results(auth, "spf"),
            }
        )
    return {
        "org": _text(meta, "org_name"),
        "email": _text(meta, "email"),
        "report_id": _text(meta, "report_id"),
        "begin": _epoch(_text(meta, "date_range", "begin")),
        "end": _epoch(_text(meta, "date_range", "end")),
        "policy": {
            key: _text(policy, key)
            for key in ("domain", "adkim", "aspf", "p", "sp", "np", "pct", "fo", "testing")
            if _text(policy, key) is not None
        },
        "records": records,
        "records_total": total,
        "records_truncated": total > len(records),
        "messages_total": messages,
    }


def _feedback_payload(part: Part) -> bytes:
    payload = part.payload
    if b"feedback-type" not in payload[:2048].lower():
        # Some reporters base64 the feedback-report part, which RFC 2046 forbids for
        # message/*; undo it when that is what we see.
        try:
            decoded = base64.b64decode(b"".join(payload.split()), validate=True)
        except (binascii.Error, ValueError):
            return payload
        if b"feedback-type" in decoded[:2048].lower():
            return decoded
    return payload


def _auth_failure_reports(doc: Document) -> list[bytes]:
    reports = []
    for part in doc.parts:
        if part.content_type != "message/feedback-report" or doc.inside_attached_message(part):
            continue  # a failure report attached as evidence to a complaint is not ours
        payload = _feedback_payload(part)
        if re.search(rb"(?im)^feedback-type:\s*auth-failure", payload[:8192]):
            reports.append(payload)
    return reports


def _failure_summary(doc: Document, reports: list[bytes]) -> dict:
    summary: dict = {"feedback": {}}
    if reports:
        fields = HeaderParser().parsestr(reports[0][:16384].decode("utf-8", "replace"))
        summary["feedback"] = {
            key: " ".join(str(fields[key]).split())[:500]
            for key in _FEEDBACK_FIELDS
            if fields[key] is not None
        }
    for part in doc.parts:
        if part.content_type in ("message/rfc822", "text/rfc822-headers"):
            headers = HeaderParser().parsestr(part.payload[:65536].decode("utf-8", "replace"))
            summary["original"] = {
                key: " ".join(str(headers[key]).split())[:300]
                for key in ("From", "To", "Subject", "Date", "Message-ID")
                if headers[key] is not None
            }
            break
    if not reports:
        summary["text"] = doc.body_text()[:2000]
    return summary


def _is_failure_text(doc: Document) -> bool:
    """A failure report in prose. A complaint that *mentions* one ("the DMARC failure
    report is attached as evidence; please stop the server") asks for action: it is not."""
    if doc.message is None:
        return False
    if _FAILURE_TEXT.search(doc.subject):
        return True
    body = doc.body_text()[:4096]
    return bool(_FAILURE_TEXT.search(body)) and not requests_action(own_text(body))


def detect(doc: Document) -> bool:
    return bool(_xml_payloads(doc) or _auth_failure_reports(doc) or _is_failure_text(doc))


def parse(doc: Document) -> ParseResult:
    payloads = _xml_payloads(doc)
    if payloads:
        summaries: list[dict] = []
        budget = MAX_RECORDS
        for payload in payloads:
            doc.deadline.check()
            summary = summarize_aggregate(parse_xml(payload), budget)
            budget = max(0, budget - len(summary["records"]))
            summaries.append(summary)
        data = dict(summaries[0])
        if len(summaries) > 1:
            data["additional_reports"] = summaries[1:20]
        domain = data["policy"].get("domain")
        return ParseResult(
            format=NAME,
            is_complaint=False,
            kind="dmarc-aggregate",
            reporter_address=data.get("email") or doc.from_address,
            reporter_name=data.get("org"),
            subject=doc.subject,
            summary=(
                f"DMARC aggregate report from {data.get('org') or '?'} for {domain or '?'}: "
                f"{data['records_total']} records, {data['messages_total']} messages"
            ),
            data=data,
        )
    reports = _auth_failure_reports(doc)
    if not reports and not _is_failure_text(doc):
        raise ParseError("invalid-dmarc", "no DMARC aggregate or failure report")
    data = _failure_summary(doc, reports)
    feedback = data["feedback"]
    return ParseResult(
        format=NAME,
        is_complaint=False,
        kind="dmarc-failure",
        reporter_address=doc.from_address,
        subject=doc.subject,
        summary=(
            "DMARC failure report"
            + (f" for {feedback['reported-domain']}" if feedback.get("reported-domain") else "")
            + (f" from {feedback['source-ip']}" if feedback.get("source-ip") else "")
        ),
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
