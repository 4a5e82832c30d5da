"""blocklist.de and fail2ban-style attack reports: a plain-text mail naming the attacking
IP and the attacked service, usually with the server's log lines.

Recognised by content: blocklist.de's "with the IP: X has attacked ... method/service: S"
wording, or fail2ban's "The IP X has just been banned by Fail2Ban after N attempts against
S" (the stock ``complain``/``sendmail-whois-lines`` actions). blocklist.de also sends X-ARF;
when the mail carries an X-ARF YAML part, that is ``xarf``'s to parse, not ours.

Only the IP named as the attacker is reported; addresses in Received headers, whois blocks
or the reporter's own host name are never events. Log lines naming the attacker are kept as
evidence (bounded).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from .base import ParsedEvent, ParseError, ParseResult
from .util import normalize_ip, parse_time

if TYPE_CHECKING:
    from .mime import Document

NAME = "blocklistde"
MAX_TEXT_CHARS = 512 * 1024
MAX_LOG_LINES = 30
MAX_EVIDENCE_CHARS = 4000

_IP_PATTERN = r"\*?\[?([0-9A-Fa-f.:]{3,45})\]?\*?"
# The parenthesis after the address (a host name) stops at a "(" too: from each of many
# "with the IP: x (" without a ")" the scan would otherwise run to the end of the text.
_BLOCKLIST_DE = re.compile(
    rf"with the IP:?\s*{_IP_PATTERN}\s+(?:\([^()]*\)\s+)?has attacked", re.IGNORECASE
)
_BLOCKLIST_SERVICE = re.compile(r"method/service:\s*\*?([\w.-]+)\*?", re.IGNORECASE)
# "method/service: *ssh* on: *Tue, 14 May 2024 09:12:44 +0200*." The date is read after
# the first "on:" that follows "method/service:" on its line, within 100 characters and
# before any other "method/service:", and is at most 64 characters (``parse_time`` refuses a
# longer one anyway); it is tried as ending only after a non-blank or before the "*", and
# the trailing "*", "." and blanks are taken possessively on the date's own line. Each
# bound keeps the work linear: unbounded, the lazy scans were retried from every
# "method/service:" to the end of its line, and from every length of the date over a run
# of blanks (cubic in a line of spaces).
_BLOCKLIST_DATE = re.compile(
    r"method/service:(?:(?!\bon:|method/service:)[^\n]){0,100}\bon:\s*+\*?"
    r"([^*\n]{1,64}?)(?:(?<![^\S\n])|(?=\*))\*?+[^\S\n]*+(?:\.[^\S\n]*+)?$",
    re.I | re.M,
)
_FAIL2BAN = re.compile(
    rf"The IP\s+{_IP_PATTERN}\s+has just been banned by Fail2Ban after\s+(\d+)\s+attempts?"
    r"\s+against\s+([\w.-]+)",
    re.IGNORECASE,
)
_FAIL2BAN_SUBJECT = re.compile(rf"\[Fail2Ban\]\s*([\w.-]+):\s*banned\s+{_IP_PATTERN}", re.I)
# An X-ARF 0.1/0.2 YAML part: a "---" line, and after it a line opening with one of the
# X-ARF keys. Two searches, each linear: one pattern "---" line, ".*", key line, rescanned
# the rest of the text from every "---" line (quadratic in a text of "---" lines). The
# first "---" line is the one to search after, since any key line after a later one is
# after the first too.
_YAML_START = re.compile(r"^---\s*$", re.M)
_XARF_KEY_LINE = re.compile(r"^(?:Report-Type|Schema-URL):", re.I | re.M)

# The attacked service (fail2ban jail or blocklist.de list) -> RSIT type. Fail2ban bans on
# repeated authentication failures, so an unknown jail is a brute-force.
SERVICE_TYPES: dict[str, str] = {
    "regbot": "spam",
    "bots": "spam",
    "postfix-spam": "spam",
    "apache": "exploit",
    "apache-noscript": "exploit",
    "apache-overflows": "exploit",
    "apache-shellshock": "exploit",
    "nginx-botsearch": "scanner",
    "apache-badbots": "scanner",
    "apache-botsearch": "scanner",
    "portscan": "scanner",
    "ircbot": "infected-system",
    "apacheddos": "ddos",
    "http-dos": "ddos",
}


def service_type(service: str) -> str:
    name = service.lower()
    if name in SERVICE_TYPES:
        return SERVICE_TYPES[name]
    if name.startswith(("apache-", "nginx-")) and "auth" not in name:
        return "exploit"
    return "brute-force"


@dataclass(frozen=True)
class _Claim:
    ip: str
    service: str
    observed_at: datetime | None
    attempts: int | None
    style: str


def _texts(doc: Document) -> list[str]:
    return [
        part.text()[:MAX_TEXT_CHARS]
        for part in doc.parts
        if part.content_type in ("text/plain", "text/x-log")
        or (part.filename or "").endswith(".log")
    ]


def _has_xarf_yaml(text: str) -> bool:
    start = _YAML_START.search(text)
    return start is not None and _XARF_KEY_LINE.search(text, start.end()) is not None


def _claim(doc: Document) -> _Claim | None:
    body = doc.body_text()[:MAX_TEXT_CHARS]
    if _has_xarf_yaml(body) or any(_has_xarf_yaml(t[:4096]) for t in _texts(doc)):
        return None  # the X-ARF part is authoritative
    match = _BLOCKLIST_DE.search(body)
    if match and (ip := normalize_ip(match.group(1))):
        service = _BLOCKLIST_SERVICE.search(body)
        when = _BLOCKLIST_DATE.search(body)
        return _Claim(
            ip,
            service.group(1) if service else "unknown",
            parse_time(when.group(1)) if when else None,
            None,
            "blocklist.de",
        )
    match = _FAIL2BAN.search(body)
    if match and (ip := normalize_ip(match.group(1))):
        jail = match.group(3).rstrip(".")  # the sentence ends right after the jail name
        return _Claim(ip, jail, None, int(match.group(2)), "fail2ban")
    match = _FAIL2BAN_SUBJECT.search(doc.subject)
    if match and (ip := normalize_ip(match.group(2))) and re.search(re.escape(ip), body):
        return _Claim(ip, match.group(1), None, None, "fail2ban")
    return None


def detect(doc: Document) -> bool:
    return doc.message is not None and _claim(doc) is not None


def _log_lines(doc: Document, ip: str) -> list[str]:
    """Lines that name the attacker, from the body and text/log attachments."""
    pattern = re.compile(rf"(?<![\w.:]){re.escape(ip)}(?![\w.:])", re.IGNORECASE)
    lines: list[str] = []
    for text in _texts(doc):
        for line in text.splitlines():
            stripped = line.strip()
            # Sentences of the notice itself are not evidence; log lines start with a
            # timestamp or the address (syslog, access log) or a bracketed time.
            if not pattern.search(stripped) or len(stripped) > 1000:
                continue
            if re.match(r"^(\d|[A-Z][a-z]{2} [ \d]\d |\[|" + re.escape(ip) + ")", stripped):
                lines.append(stripped)
            if len(lines) >= MAX_LOG_LINES:
                return lines
    return lines


def parse(doc: Document) -> ParseResult:
    claim = _claim(doc)
    if claim is None:
        raise ParseError("invalid-blocklistde", "no attacker IP and service found")
    logs = _log_lines(doc, claim.ip)
    evidence = "\n".join(logs)[:MAX_EVIDENCE_CHARS]
    observed_at = claim.observed_at or parse_time(doc.header("Date"))
    event = ParsedEvent(
        type=service_type(claim.service),
        ip=claim.ip,
        observed_at=observed_at,
        identifier=claim.service.lower(),
        evidence=evidence or f"{claim.style}: {claim.ip} attacked {claim.service}",
    )
    return ParseResult(
        format=NAME,
        events=[event],
        reporter_address=doc.from_address,
        subject=doc.subject,
        summary=f"{claim.style} report: {claim.ip} attacked {claim.service}"
        + (f" ({claim.attempts} attempts)" if claim.attempts else ""),
        evidence=evidence,
        has_logs_or_headers=bool(logs),
        data={"style": claim.style, "service": claim.service, "attempts": claim.attempts},
    )


@dataclass(frozen=True)
class _Parser:
    name: str = NAME

    def detect(self, doc: Document) -> bool:
        return detect(doc)

    def parse(self, doc: Document) -> ParseResult:
        return parse(doc)


PARSER = _Parser()
