"""ARF: Abuse Reporting Format feedback reports (RFC 5965, RFC 6650 for abuse reports).

Responsibility: a ``multipart/report; report-type=feedback-report`` with a
``message/feedback-report`` part, the original as ``message/rfc822`` or
``text/rfc822-headers``. One event for the sending IP (``Source-IP``; else the hop into the
reporter's MX from the original's Received chain) plus one per ``Reported-Uri`` web URL.

Boundary: ``Feedback-Type: auth-failure`` is a DMARC/SPF/DKIM forensic report, owned by
the ``dmarc`` parser that runs first; should one reach us it is filed as a non-complaint.
Opt-out/not-spam feedback is filed without events: nobody is alleging abuse.
"""

from __future__ import annotations

from email.message import Message
from email.parser import HeaderParser
from email.policy import compat32
from typing import TypedDict

from . import indicators
from .base import ParsedEvent, ParseResult
from .mime import Document, decode_header_value, first_address
from .util import normalize_domain, parse_time

# RFC 5965 section 7.3 Feedback-Type registry -> RSIT type.
_TYPE_OF_FEEDBACK = {
    "abuse": "spam",
    "fraud": "phishing",
    "virus": "malware-distribution",
    "other": "spam",
}
_NOT_ABUSE = {"opt-out", "optout", "opt-in", "not-spam", "unsubscribe", "whitelist"}
ORIGINAL_TYPES = ("message/rfc822", "text/rfc822-headers", "text/rfc822-header")


def feedback_fields(text: str) -> dict[str, list[str]]:
    """RFC 5965 fields (header syntax) as lower-case name -> every value."""
    parsed = HeaderParser(policy=compat32).parsestr(text[:65536], headersonly=True)
    fields: dict[str, list[str]] = {}
    for name, value in parsed.items():
        fields.setdefault(name.lower(), []).append(decode_header_value(value))
    return fields


class _Common(TypedDict):
    """The ``ParseResult`` fields every ARF outcome shares."""

    format: str
    reporter_address: str | None
    subject: str
    evidence: str
    has_logs_or_headers: bool


def original_headers(doc: Document) -> Message | None:
    """The original message's header block (parsed), or None."""
    for part in doc.find(*ORIGINAL_TYPES):
        return HeaderParser(policy=compat32).parsestr(
            part.text()[: doc.limits.max_header_bytes], headersonly=True
        )
    return None


def _report_type(doc: Document) -> str:
    """The outer ``multipart/report``'s report-type parameter (quoted or not), or ""."""
    message = doc.message
    if message is None or message.get_content_type() != "multipart/report":
        return ""
    try:
        value = message.get_param("report-type")
    except (ValueError, TypeError, IndexError, LookupError):
        return ""
    return str(value[2] if isinstance(value, tuple) else value or "").strip().lower()


def _is_auth_failure(text: str) -> bool:
    return _first(feedback_fields(text[:8192]), "feedback-type").lower() == "auth-failure"


_FIELD_STARTS = ("feedback-type:", "version:", "user-agent:")


def _feedback_text(doc: Document) -> str:
    """The feedback fields: the ``message/feedback-report`` part, or in older layouts
    (a ``text/plain`` second part, AOL-style) the first text part that starts with them."""
    reports = doc.find("message/feedback-report")
    if reports:
        outer = [p for p in reports if not doc.inside_attached_message(p)]
        return (outer or reports)[0].text()
    for part in doc.find("text/plain"):
        text = part.text()
        head = text.lstrip()[:200].lower()
        if head.startswith(_FIELD_STARTS) and "feedback-type:" in text[:2000].lower():
            return text
    return ""


def _first(fields: dict[str, list[str]], name: str) -> str:
    values = fields.get(name)
    return values[0].strip() if values else ""


class ArfParser:
    name = "arf"

    def detect(self, doc: Document) -> bool:
        reports = doc.find("message/feedback-report")
        if reports:
            # A DMARC failure report attached to a complaint as its evidence makes the
            # complaint no report of ours: left to the prose parser.
            return not all(
                doc.inside_attached_message(part) and _is_auth_failure(part.text())
                for part in reports
            )
        return _report_type(doc) == "feedback-report"

    def parse(self, doc: Document) -> ParseResult:
        report_text = _feedback_text(doc)
        fields = feedback_fields(report_text)
        feedback_type = _first(fields, "feedback-type").lower()
        original = original_headers(doc)
        data = {
            "feedback_type": feedback_type,
            "user_agent": _first(fields, "user-agent"),
            "reported_domains": fields.get("reported-domain", []),
            "original_mail_from": first_address(_first(fields, "original-mail-from")),
            "original_message_id": decode_header_value(original.get("Message-ID", ""))
            if original is not None
            else "",
        }
        common: _Common = {
            "format": self.name,
            "reporter_address": doc.from_address,
            "subject": doc.subject,
            "evidence": indicators.excerpt(report_text + "\n" + _original_excerpt(doc)),
            "has_logs_or_headers": original is not None,
        }
        if feedback_type == "auth-failure":
            return ParseResult(
                **common,
                is_complaint=False,
                kind="dmarc-failure",
                summary="authentication-failure report (DMARC forensic)",
                data=data,
            )
        if feedback_type in _NOT_ABUSE:
            return ParseResult(
                **common,
                is_complaint=False,
                kind="not-abuse",
                summary=f"feedback report of type {feedback_type}: not an abuse complaint",
                data=data,
            )
        type_ = _TYPE_OF_FEEDBACK.get(feedback_type, "spam")
        events = self._events(doc, fields, original, type_)
        data["source_ip"] = events[0].ip if events else None
        return ParseResult(
            **common,
            events=events,
            summary=f"ARF {feedback_type or 'feedback'} report"
            + (f" for {events[0].ip or events[0].domain}" if events else ""),
            data=data,
        )

    def _events(
        self,
        doc: Document,
        fields: dict[str, list[str]],
        original: Message | None,
        type_: str,
    ) -> list[ParsedEvent]:
        observed = None
        for name in ("arrival-date", "received-date"):
            observed = observed or parse_time(_first(fields, name))
        if observed is None and original is not None:
            observed = parse_time(decode_header_value(original.get("Date", "")))
        ip = None
        for value in fields.get("source-ip", []):
            ip = indicators.is_reportable_ip(value, structured=True)
            if ip:
                break
        if ip is None and original is not None:
            ip = indicators.origin_ip_from_received(
                [decode_header_value(v) for v in original.get_all("Received", [])],
                indicators.reporter_exclusions(doc),
            )
        domain = _sender_domain(fields, original)
        evidence = _first(fields, "source-ip") or "Received chain of the original"
        events = []
        if ip or domain:
            events.append(
                ParsedEvent(
                    type=type_, ip=ip, domain=domain, observed_at=observed, evidence=evidence
                )
            )
        for uri in fields.get("reported-uri", []):
            uri = uri.strip().strip("<>")
            if not uri.lower().startswith(("http://", "https://")):
                continue
            host = indicators.url_host(uri)
            events.append(
                ParsedEvent(
                    type=type_,
                    url=uri,
                    ip=indicators.is_reportable_ip(host, structured=True),
                    domain=normalize_domain(host),
                    observed_at=observed,
                    evidence=f"Reported-Uri: {uri}"[:300],
                )
            )
        return events


def _sender_domain(fields: dict[str, list[str]], original: Message | None) -> str | None:
    """Reported-Domain, but only when it is the sender's (original From or envelope
    sender): FBL operators also put their own or the recipient's domain there, and a wrong
    domain would attribute the complaint to whoever hosts it."""
    senders = set()
    for value in (
        _first(fields, "original-mail-from"),
        decode_header_value(original.get("From", "")) if original is not None else "",
    ):
        addr = first_address(value)
        if addr:
            senders.add(addr.rsplit("@", 1)[1])
    for value in fields.get("reported-domain", []):
        domain = normalize_domain(value)
        if domain and any(s == domain or s.endswith("." + domain) for s in senders):
            return domain
    return None


def _original_excerpt(doc: Document) -> str:
    for part in doc.find(*ORIGINAL_TYPES):
        return part.text()[:3000]
    return ""


PARSER = ArfParser()
