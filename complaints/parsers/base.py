"""The parser contract: what every format parser receives and returns.

Parsers are pure: bytes in, dataclasses out. No ORM, no network, no clock except the
deadline in ``Limits``. The intake pipeline (``complaints.intake.filing.pipeline``) turns a
``ParseResult`` into rows; nothing here knows about the database.

A parser never raises anything but ``ParseError`` (a permanent, *named* reason the report
is quarantined with) or ``LimitExceeded`` (a bound of docs/architecture.md promise 4 was hit).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime

# RSIT / IntelMQ classification.type -> classification.taxonomy. The vocabulary every
# event must use; see https://github.com/enisaeu/Reference-Security-Incident-Taxonomy-Task-Force
TAXONOMY_OF_TYPE: dict[str, str] = {
    "spam": "abusive-content",
    "harmful-speech": "abusive-content",
    "violence": "abusive-content",
    "infected-system": "malicious-code",
    "c2-server": "malicious-code",
    "malware-distribution": "malicious-code",
    "malware-configuration": "malicious-code",
    "scanner": "information-gathering",
    "sniffing": "information-gathering",
    "social-engineering": "information-gathering",
    "ids-alert": "intrusion-attempts",
    "brute-force": "intrusion-attempts",
    "exploit": "intrusion-attempts",
    "privileged-account-compromise": "intrusions",
    "unprivileged-account-compromise": "intrusions",
    "application-compromise": "intrusions",
    "system-compromise": "intrusions",
    "burglary": "intrusions",
    "ddos": "availability",
    "dos": "availability",
    "outage": "availability",
    "sabotage": "availability",
    "unauthorised-information-access": "information-content-security",
    "unauthorised-information-modification": "information-content-security",
    "data-loss": "information-content-security",
    "data-leak": "information-content-security",
    "unauthorized-use-of-resources": "fraud",
    "copyright": "fraud",
    "masquerade": "fraud",
    "phishing": "fraud",
    "weak-crypto": "vulnerable",
    "ddos-amplifier": "vulnerable",
    "potentially-unwanted-accessible": "vulnerable",
    "information-disclosure": "vulnerable",
    "vulnerable-system": "vulnerable",
    "blacklist": "other",
    "other": "other",
    "undetermined": "other",
    "test": "test",
}


class ParseError(Exception):
    """A permanent reason a report cannot be parsed; ``reason`` is a short stable slug
    (e.g. ``"xml-entity-expansion"``, ``"invalid-json"``) shown in quarantine."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


class LimitExceeded(ParseError):
    """A bound on work per message was hit (size, depth, parts, decompressed bytes, time).

    Reasons: ``too-large``, ``mime-too-deep``, ``too-many-parts``, ``decompression-bomb``,
    ``header-too-large``, ``deadline-exceeded``, ``too-many-rows``."""


@dataclass(frozen=True)
class Limits:
    """Bounds on the work spent on one report (docs/architecture.md promise 4)."""

    max_bytes: int = 25 * 1024 * 1024
    max_depth: int = 20
    max_parts: int = 500
    max_decompressed_bytes: int = 100 * 1024 * 1024
    max_header_bytes: int = 256 * 1024
    max_rows: int = 1_000_000  # CSV rows / feed lines / XML records per report ("too-many-rows")
    seconds: float = 30.0


class Deadline:
    """A monotonic per-message deadline; parsers call ``check()`` inside long loops."""

    def __init__(self, seconds: float) -> None:
        self.expires = time.monotonic() + seconds

    def check(self) -> None:
        if time.monotonic() > self.expires:
            raise LimitExceeded("deadline-exceeded", "per-message time limit reached")


@dataclass
class Part:
    """One leaf of a message (or one member of an archive), already transfer-decoded."""

    content_type: str  # lower-case "type/subtype"
    filename: str | None
    payload: bytes
    charset: str | None = None
    path: str = ""  # e.g. "1.2" or "1.2/report.csv" for an archive member
    headers: dict[str, str] = field(default_factory=dict)

    def text(self) -> str:
        """The payload as text: declared charset when Python knows it, else UTF-8, with
        undecodable bytes replaced (a lying charset never raises)."""
        for enc in (self.charset, "utf-8"):
            if not enc:
                continue
            try:
                return self.payload.decode(enc, errors="replace")
            except LookupError:
                continue
        return self.payload.decode("utf-8", errors="replace")


@dataclass(frozen=True, slots=True)
class ParsedEvent:
    """One abuse observation. At least one of ip, domain, url is set."""

    type: str  # RSIT classification.type (a key of TAXONOMY_OF_TYPE)
    ip: str | None = None  # normalised text form, IPv4-mapped IPv6 unwrapped
    domain: str | None = None  # lower-case, IDNA/punycode, no trailing dot
    url: str | None = None  # re-fanged
    observed_at: datetime | None = None  # timezone-aware (UTC when the source had no offset)
    port: int | None = None
    protocol: str | None = None
    identifier: str | None = None  # e.g. shadowserver tag/infection name, malware family
    evidence: str = ""  # a bounded excerpt (log lines, headers) that supports this event
    # The classification rule that fired, "<where>:<rule>" (e.g. "label:phishing-fraud",
    # "subject:brute-force"; see ``classify``); "" when the type is the format's own field
    # (an ARF Feedback-Type, a Shadowserver report type, an X-ARF Category).
    rule: str = ""

    @property
    def taxonomy(self) -> str:
        return TAXONOMY_OF_TYPE.get(self.type, "other")


@dataclass
class ParseResult:
    """What a parser extracted from one report."""

    format: str  # parser name: arf, jmrp, xarf, shadowserver, spamcop, acns, iodef, ...
    events: list[ParsedEvent] = field(default_factory=list)
    is_complaint: bool = True  # False for DMARC/TLS aggregate data, auto-replies, bounces
    kind: str = "complaint"  # complaint | dmarc-aggregate | tls-report | auto-reply | bounce
    reporter_address: str | None = None  # who sent it (From / X-ARF Reporter / feed org)
    reporter_name: str | None = None
    subject: str = ""
    summary: str = ""  # one human line: what the report says
    evidence: str = ""  # bounded excerpt of the report's evidence (headers, logs, body)
    has_logs_or_headers: bool = False  # evidence beyond a bare claim (for the evidence check)
    data: dict = field(default_factory=dict)  # format-specific, JSON-serialisable extras
