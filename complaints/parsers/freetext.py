"""Fallback parser for prose complaints: indicators from the human text.

Responsibility: anything no specific parser claimed. The main text (plus forwarded
originals' text, where the evidence of a "please look at this" forward usually is) is
scanned by ``indicators``; the reporter's own infrastructure is excluded. A result with no
events is still a result: the pipeline quarantines it as "no-indicators".

Boundary: no format detection beyond "always"; it never raises for odd content.
"""

from __future__ import annotations

from email.parser import HeaderParser
from email.policy import compat32
from email.utils import parseaddr

from . import indicators
from .base import ParsedEvent, ParseResult
from .mime import Document, decode_header_value, html_to_text
from .util import parse_time

MAX_EVENTS = 100


def _prose(doc: Document) -> str:
    """The human text, then the text of attached originals and textual attachments."""
    chunks = [doc.body_text()]
    for part in doc.parts:
        if part.content_type in ("text/plain", "text/rfc822-headers", "text/rfc822-header"):
            if part.filename or part.path.count(".") >= 1:
                text = part.text()
                if text not in chunks[0]:
                    chunks.append(text)
        elif part.content_type == "text/html" and part.path.count(".") >= 1:
            chunks.append(html_to_text(part.text()))
    return "\n\n".join(chunks)


class FreetextParser:
    name = "freetext"

    def detect(self, doc: Document) -> bool:
        return True

    def parse(self, doc: Document) -> ParseResult:
        text = indicators.strip_boilerplate(_prose(doc))
        type_ = indicators.guess_type(text, doc.subject) or "undetermined"
        exclusions = indicators.reporter_exclusions(doc)
        # The mail's own date dates log lines that name no year (syslog).
        reference = parse_time(doc.header("Date"))
        found = indicators.extract(f"{doc.subject}\n{text}", exclusions, reference)
        events = indicators.to_events(found, type_)[:MAX_EVENTS]
        events.extend(_forwarded_origins(doc, exclusions, type_, {e.ip for e in events}))
        return ParseResult(
            format=self.name,
            events=events,
            is_complaint=True,
            kind="complaint",
            reporter_address=doc.from_address,
            reporter_name=_display_name(doc.header("From")),
            subject=doc.subject,
            summary=f"{type_} complaint, {len(events)} indicator(s) found in prose",
            evidence=indicators.excerpt(text),
            has_logs_or_headers=indicators.has_logs_or_headers(text),
            data={"guessed_type": type_},
        )


def _forwarded_origins(
    doc: Document, exclusions: indicators.Exclusions, type_: str, known: set[str | None]
) -> list[ParsedEvent]:
    """For a forwarded spam or phish, the hop that delivered the original to the reporter
    (Received chain of the attached message), when it is a public address."""
    if type_ not in ("spam", "phishing", "malware-distribution"):
        return []
    events = []
    for part in doc.find("message/rfc822")[:5]:
        head = HeaderParser(policy=compat32).parsestr(
            part.text()[: doc.limits.max_header_bytes], headersonly=True
        )
        received = [decode_header_value(v) for v in head.get_all("Received", [])]
        ip = indicators.origin_ip_from_received(received, exclusions)
        if ip and ip not in known:
            known.add(ip)
            events.append(
                ParsedEvent(
                    type=type_,
                    ip=ip,
                    observed_at=parse_time(decode_header_value(head.get("Date", ""))),
                    evidence="Received chain of the forwarded message",
                )
            )
    return events


def _display_name(value: str) -> str | None:
    name, _addr = parseaddr(value)
    return name.strip()[:200] or None


PARSER = FreetextParser()
