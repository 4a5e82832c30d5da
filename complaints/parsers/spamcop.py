"""SpamCop reports: "[SpamCop (...) id:NNN]" mails about a spam source or a spamvertised
web site.

Responsibility: the source line "Email from 192.0.2.1 / <date>" (spam) and "Spamvertised
web site: <url>" lines (spam, or phishing / malware-distribution when SpamCop's text
says so). SpamCop has already chosen the offender: the quoted offending message is
evidence only, never mined for further addresses.
"""

from __future__ import annotations

import re

from . import indicators
from .base import ParsedEvent, ParseResult
from .mime import Document
from .util import normalize_domain, parse_time, refang

_SUBJECT = re.compile(r"\[SpamCop \((?P<target>[^)]{1,300})\) id:(?P<id>\d+)\]", re.I)
# Indented lines: blanks other than the newline, so that a run of blank lines is not
# rescanned from each of its line starts (quadratic); the same lines match, since a match
# that began on an earlier blank line also begins at the start of its own line.
_SOURCE = re.compile(
    r"^[^\S\n]*Email from (?P<ip>[0-9a-fA-F:.\[\]]+) / (?P<date>[^\r\n]{6,64})$", re.M
)
_SPAMVERTISED = re.compile(r"^[^\S\n]*Spamvertised web ?site:\s*(?P<url>\S+)", re.I | re.M)
_HEADER_BANNER = re.compile(r"^\[ SpamCop V[\d.]+ \]", re.M)


class SpamcopParser:
    name = "spamcop"

    def detect(self, doc: Document) -> bool:
        if _SUBJECT.search(doc.subject):
            return True
        text = doc.body_text()[:4096]
        return bool(_HEADER_BANNER.search(text)) and (
            bool(_SOURCE.search(text)) or bool(_SPAMVERTISED.search(text))
        )

    def parse(self, doc: Document) -> ParseResult:
        text = doc.body_text()
        subject = _SUBJECT.search(doc.subject)
        head, _, offending = text.partition("[ Offending message ]")
        events = []
        for match in _SOURCE.finditer(head):
            ip = indicators.is_reportable_ip(match.group("ip"), structured=True)
            if ip:
                events.append(
                    ParsedEvent(
                        type="spam",
                        ip=ip,
                        observed_at=parse_time(match.group("date").strip()),
                        evidence=match.group(0).strip(),
                    )
                )
        site_type = indicators.guess_type(head) if "spamvertised" in head.lower() else None
        if site_type not in ("phishing", "malware-distribution"):
            site_type = "spam"
        for match in _SPAMVERTISED.finditer(head):
            url = refang(match.group("url")).rstrip(".,;")
            host = indicators.url_host(url)
            events.append(
                ParsedEvent(
                    type=site_type,
                    url=url,
                    ip=indicators.is_reportable_ip(host, structured=True),
                    domain=normalize_domain(host),
                    evidence=match.group(0).strip(),
                )
            )
        return ParseResult(
            format=self.name,
            events=events,
            reporter_address=doc.from_address,
            reporter_name="SpamCop",
            subject=doc.subject,
            summary=f"SpamCop report {subject.group('id') if subject else ''}".strip(),
            evidence=indicators.excerpt(text, 6000),
            has_logs_or_headers=bool(offending.strip()),
            data={"spamcop_id": subject.group("id") if subject else None},
        )


PARSER = SpamcopParser()
