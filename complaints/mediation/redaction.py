"""Redaction of text that leaves the desk for a customer.

A customer notice carries evidence (headers, log lines, report prose), and that evidence
names people the customer must not learn about: the reporter, the recipients of the spam,
the victims a phishing link was personalised for. ``redact_for_customer`` replaces every
e-mail address in the text except the ones the customer already knows (its own contacts and
its own domains) by ``[redacted]``.

Boundary: addresses only. Names in prose and addresses hidden in base64 are not found here;
the notice templates quote bounded excerpts for that reason.
"""

from __future__ import annotations

import re

from complaints.parsers.util import sub_from_run_starts

REDACTED = "[redacted]"

# Local part: RFC 5322 atext (plus dots) and Unicode letters (RFC 6531), less the characters
# that delimit URL query parameters (= & ? / %), which real addresses practically never use
# and which would otherwise swallow "?email=" into the match. Domain: labels of
# letters, digits and hyphens, Unicode allowed. ``%40`` catches addresses URL-encoded into
# links (phishing URLs are often personalised with the victim's address).
_ADDRESS = re.compile(
    r"(?P<local>[\w.!#$'*+^`{|}~-]+?)"
    r"(?:@|%40)"
    r"(?P<domain>(?:[\w-]+\.)+[\w-]{2,63})",
    re.IGNORECASE,
)
# The same, started only where a run of local-part characters starts, so that a long run
# with no "@" after it is scanned once, not from each of its characters (quadratic); see
# ``matches_from_run_starts`` for why the matches are the same.
_ADDRESS_AT_RUN_START = re.compile(rf"(?<![\w.!#$'*+^`{{|}}~-]){_ADDRESS.pattern}", re.IGNORECASE)


# Addresses run together ("a@b.com-x@c.org"): the first match takes "b.com-x" as its domain
# and leaves "@c.org" behind, the second address's domain. It goes too. Linear: each match
# starts at the literal marker and its runs are the marker's own.
_REDACTED_TAIL = re.compile(
    re.escape(REDACTED) + r"(?:@|%40)(?:[\w-]+\.)+[\w-]{2,63}", re.IGNORECASE
)


def _kept(local: str, domain: str, keep: set[str]) -> bool:
    domain = domain.lower()
    address = f"{local.lower()}@{domain}"
    return address in keep or f"@{domain}" in keep


def redact_for_customer(text: str, *, keep: set[str]) -> str:
    """``text`` with every e-mail address not in ``keep`` replaced by ``[redacted]``.

    ``keep`` holds addresses (compared case-insensitively) and ``@domain`` entries that keep
    every address at that exact domain (the customer's own hosted domains)."""
    if not text:
        return text
    wanted = {item.strip().lower() for item in keep if item and item.strip()}

    def replace(match: re.Match[str]) -> str:
        local = match.group("local").lstrip(".")
        if _kept(local, match.group("domain"), wanted):
            return match.group(0)
        return REDACTED

    redacted = sub_from_run_starts(_ADDRESS, _ADDRESS_AT_RUN_START, replace, text)
    if REDACTED + "@" in redacted or REDACTED + "%40" in redacted:
        redacted = _REDACTED_TAIL.sub(REDACTED, redacted)
    return redacted
