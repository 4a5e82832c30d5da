"""Microsoft JMRP-style complaints (Hotmail/Outlook.com "staff@hotmail.com" forwards).

Responsibility: a multipart/mixed whose only evidence is the complained-about message as
a ``message/rfc822`` attachment carrying ``X-HmXmrOriginalRecipient`` — no
feedback-report part. The offender is what Microsoft states in the subject ("complaint
about message from 192.0.2.1"), else the original's ``X-Originating-IP``, else the hop into
Microsoft's MX from the original's Received chain.

Boundary: ``X-Reporter-IP`` is the complaining user's address and is never reported.
"""

from __future__ import annotations

import re
from email.parser import HeaderParser
from email.policy import compat32

from . import indicators
from .base import ParsedEvent, ParseResult
from .mime import Document, decode_header_value
from .util import parse_time

_SUBJECT_IP = re.compile(r"complaint about message from\s+\[?([0-9a-fA-F:.]+)\]?", re.I)


class JmrpParser:
    name = "jmrp"

    def detect(self, doc: Document) -> bool:
        if doc.find("message/feedback-report"):
            return False
        for part in doc.find("message/rfc822"):
            head = part.payload[:65536].split(b"\n\n", 1)[0].lower()
            if b"x-hmxmroriginalrecipient:" in head:
                return True
        return False

    def parse(self, doc: Document) -> ParseResult:
        original_part = next(
            p
            for p in doc.find("message/rfc822")
            if b"x-hmxmroriginalrecipient" in p.payload.lower()
        )
        original = HeaderParser(policy=compat32).parsestr(
            original_part.text()[: doc.limits.max_header_bytes], headersonly=True
        )
        ip = None
        source = ""
        match = _SUBJECT_IP.search(doc.subject)
        if match:
            ip = indicators.is_reportable_ip(match.group(1), structured=True)
            source = "subject"
        if ip is None:
            ip = indicators.is_reportable_ip(
                str(original.get("X-Originating-IP", "")), structured=True
            )
            source = "X-Originating-IP"
        received = [decode_header_value(v) for v in original.get_all("Received", [])]
        received_ip = indicators.origin_ip_from_received(
            received, indicators.reporter_exclusions(doc)
        )
        if ip is None:
            ip, source = received_ip, "Received"
        observed = parse_time(decode_header_value(original.get("Date", ""))) or parse_time(
            doc.header("Date")
        )
        events = []
        if ip:
            events.append(
                ParsedEvent(type="spam", ip=ip, observed_at=observed, evidence=f"{source}: {ip}")
            )
        return ParseResult(
            format=self.name,
            events=events,
            reporter_address=doc.from_address,
            reporter_name="Microsoft JMRP",
            subject=doc.subject,
            summary=f"JMRP spam complaint about {ip or 'an unknown source'}",
            evidence=indicators.excerpt(original_part.text(), 3000),
            has_logs_or_headers=True,
            data={
                "ip_source": source if ip else None,
                "received_ip": received_ip,
                "original_message_id": decode_header_value(original.get("Message-ID", "")),
            },
        )


PARSER = JmrpParser()
