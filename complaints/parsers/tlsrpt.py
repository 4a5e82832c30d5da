"""SMTP TLS reports (RFC 8460): JSON, usually a gzip attachment ``application/tlsrpt+gzip``
or ``application/tlsrpt+json``.

Like DMARC aggregates these describe our mail servers' TLS, not abuse: never a complaint,
no events; a bounded summary (organisation, report id, date range, per-policy success and
failure counts and failure details) goes in ``data``.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .base import LimitExceeded, ParseError, ParseResult, Part

if TYPE_CHECKING:
    from .mime import Document

NAME = "tlsrpt"
MAX_JSON_BYTES = 10 * 1024 * 1024
MAX_POLICIES = 100
MAX_FAILURE_DETAILS = 50
_GZIP_MAGIC = b"\x1f\x8b"


def _gunzip(payload: bytes, limit: int) -> bytes | None:
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        data = inflater.decompress(payload, limit + 1)
    except zlib.error:
        return None
    if len(data) > limit:
        raise LimitExceeded("decompression-bomb", "gzip member beyond the byte budget")
    return data


def _is_report(data: object) -> bool:
    # RFC 8460 s4.3: every report has "policies" and "report-id" / "date-range".
    return (
        isinstance(data, dict)
        and isinstance(data.get("policies"), list)
        and ("report-id" in data or "date-range" in data)
    )


def _reports(doc: Document) -> list[dict]:
    found: list[dict] = []
    expanded = {p.path.rsplit("/", 1)[0] for p in doc.parts if "/" in p.path}
    for part in doc.parts:
        payload = _payload(part, expanded, doc.limits.max_decompressed_bytes)
        head = payload[:4096]
        if not payload or len(payload) > MAX_JSON_BYTES or b'"policies"' not in payload:
            continue
        if not head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
            continue
        try:
            data = json.loads(payload.decode("utf-8", "replace").lstrip("\ufeff"))
        except (ValueError, RecursionError):
            continue
        if _is_report(data):
            found.append(data)
    return found


def _payload(part: Part, expanded: set[str], limit: int) -> bytes:
    if part.payload.startswith(_GZIP_MAGIC):
        if part.path in expanded:
            return b""  # its member is a Part of its own
        return _gunzip(part.payload, limit) or b""
    return part.payload


def detect(doc: Document) -> bool:
    return bool(_reports(doc))


def _int(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _dict(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def summarize(report: dict) -> dict:
    """Bounded JSON summary of one RFC 8460 report."""
    date_range = _dict(report.get("date-range"))
    policies = []
    for entry in report["policies"][:MAX_POLICIES]:
        if not isinstance(entry, dict):
            continue
        policy = _dict(entry.get("policy"))
        summary = _dict(entry.get("summary"))
        details = entry.get("failure-details")
        failures = []
        for detail in details[:MAX_FAILURE_DETAILS] if isinstance(details, list) else []:
            if isinstance(detail, dict):
                failures.append(
                    {
                        key: str(detail[key])[:300]
                        for key in (
                            "result-type",
                            "sending-mta-ip",
                            "receiving-mx-hostname",
                            "receiving-ip",
                            "failed-session-count",
                            "failure-reason-code",
                        )
                        if key in detail
                    }
                )
        policies.append(
            {
                "policy_type": str(policy.get("policy-type", ""))[:50],
                "policy_domain": str(policy.get("policy-domain", ""))[:253],
                "mx_host": [str(h)[:253] for h in (policy.get("mx-host") or [])[:20]]
                if isinstance(policy.get("mx-host"), list)
                else [],
                "successful": _int(summary.get("total-successful-session-count")),
                "failed": _int(summary.get("total-failure-session-count")),
                "failure_details": failures,
            }
        )
    return {
        "org": str(report.get("organization-name", ""))[:200] or None,
        "contact": str(report.get("contact-info", ""))[:200] or None,
        "report_id": str(report.get("report-id", ""))[:200] or None,
        "begin": str(date_range.get("start-datetime", ""))[:40] or None,
        "end": str(date_range.get("end-datetime", ""))[:40] or None,
        "policies": policies,
        "successful": sum(p["successful"] for p in policies),
        "failed": sum(p["failed"] for p in policies),
    }


def parse(doc: Document) -> ParseResult:
    reports = _reports(doc)
    if not reports:
        raise ParseError("invalid-tlsrpt", "no RFC 8460 TLS report")
    data = summarize(reports[0])
    if len(reports) > 1:
        data["additional_reports"] = [summarize(r) for r in reports[1:20]]
    domains = sorted({p["policy_domain"] for p in data["policies"] if p["policy_domain"]})
    return ParseResult(
        format=NAME,
        is_complaint=False,
        kind="tls-report",
        reporter_address=data["contact"] if "@" in (data["contact"] or "") else doc.from_address,
        reporter_name=data["org"],
        subject=doc.subject,
        summary=(
            f"TLS report from {data['org'] or '?'} for {', '.join(domains[:3]) or '?'}: "
            f"{data['successful']} successful, {data['failed']} failed sessions"
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
