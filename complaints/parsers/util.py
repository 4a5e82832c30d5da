"""Small normalisers every parser shares: IP addresses, domains and timestamps.

Pure functions; each returns ``None`` for input it cannot make sense of rather than
raising, because the inputs are attacker-controlled and a bad field must not sink a report.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

_DEFANG = [
    (re.compile(r"\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)", re.IGNORECASE), "."),
    (re.compile(r"\[:\]"), ":"),
    (re.compile(r"\bhxxp", re.IGNORECASE), "http"),
    (re.compile(r"\bfxp", re.IGNORECASE), "ftp"),
]


def refang(text: str) -> str:
    """Undo the usual defanging (``1.2.3[.]4``, ``hxxp://``, ``[dot]``)."""
    for pattern, repl in _DEFANG:
        text = pattern.sub(repl, text)
    return text


def matches_from_run_starts(
    pattern: re.Pattern[str], at_run_start: re.Pattern[str], text: str
) -> Iterator[re.Match[str]]:
    """The matches ``pattern.finditer(text)`` yields, in time linear in ``text``.

    For a pattern that opens with a run of one character class and needs a character
    outside it next (``[\\w.+-]+@...``: an address's local part, then "@"). Python's engine
    tries a pattern at every position, and from each one inside a long run without the
    "@" it scans to the run's end: quadratic. ``at_run_start`` is the same pattern behind a
    lookbehind that refuses a start inside a run, so a run is scanned once. Nothing is
    lost: a match starting inside a run also starts at the run's first character (the run
    reaches the same "@", and what follows does not depend on where the run began). The
    one exception is where ``finditer`` resumes after a match that ended inside a run
    (``a@b.com-x@c.org`` resumes at ``-x``): there ``pattern`` is tried once, anchored."""
    pos = 0
    while pos <= len(text):
        match = pattern.match(text, pos) if pos else None
        if match is None:
            match = at_run_start.search(text, pos)
            if match is None:
                return
        yield match
        pos = match.end() if match.end() > match.start() else match.end() + 1


def sub_from_run_starts(
    pattern: re.Pattern[str],
    at_run_start: re.Pattern[str],
    repl: Callable[[re.Match[str]], str],
    text: str,
) -> str:
    """``pattern.sub(repl, text)`` through ``matches_from_run_starts``."""
    out: list[str] = []
    last = 0
    for match in matches_from_run_starts(pattern, at_run_start, text):
        out.append(text[last : match.start()])
        out.append(repl(match))
        last = match.end()
    if not out:
        return text
    out.append(text[last:])
    return "".join(out)


_PLAIN_IPV4 = re.compile(
    r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}"
)


def normalize_ip(text: str | None) -> str | None:
    """Canonical text of an IP address; IPv4-mapped IPv6 is unwrapped to IPv4.

    Accepts surrounding brackets/whitespace and defanged dots; rejects networks, masked
    addresses (``91.78.17.xxx``) and anything else."""
    if not text:
        return None
    if _PLAIN_IPV4.fullmatch(text):  # already canonical: the common case, 10x cheaper
        return text
    if ":" in text and _is_canonical_ipv6(text):
        return text
    candidate = refang(text.strip().strip("[]<>()"))
    if "%" in candidate:  # zone ids never identify one of our hosts
        return None
    try:
        addr = ipaddress.ip_address(candidate)
    except ValueError:
        return None
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    return str(addr)


def _is_canonical_ipv6(text: str) -> bool:
    """True when ``text`` is an IPv6 address already in the form ``ipaddress`` would print
    (RFC 5952: inet_ntop(inet_pton(x)) == x), checked in C. Dotted forms (IPv4-mapped or
    -compatible) are left to ``ipaddress``, which prints them differently."""
    try:
        canonical = socket.inet_ntop(socket.AF_INET6, socket.inet_pton(socket.AF_INET6, text))
    except (OSError, ValueError):
        return False
    return canonical == text and "." not in canonical


_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def normalize_domain(text: str | None) -> str | None:
    """Lower-case IDNA form without trailing dot, or None when it is not a host name."""
    if not text:
        return None
    name = refang(text.strip()).rstrip(".").lower()
    if not name or len(name) > 253 or "." not in name:
        return None
    try:
        name = name.encode("idna").decode("ascii")
    except UnicodeError:
        return None
    labels = name.split(".")
    if not all(_LABEL.match(label) for label in labels):
        return None
    if labels[-1].isdigit():  # an IP address, not a domain
        return None
    return name


def parse_time(text: str | None) -> datetime | None:
    """Parse the timestamp styles abuse reports use into an aware UTC datetime.

    ISO 8601 (with or without offset, ``T`` or space, ``Z``), RFC 2822 dates, and epoch
    seconds. A time without an offset is UTC (docs/architecture.md)."""
    if text is None:
        return None
    value = str(text).strip()
    if not value or len(value) > 64:
        return None
    if len(value) == 19 and value[4] == "-" and value[10] in " T":
        # "2024-05-06 03:12:45", a feed's every row: no offset, so UTC.
        try:
            return datetime.fromisoformat(value).replace(tzinfo=UTC)
        except ValueError:
            pass
    if value.isdigit() and 9 <= len(value) <= 10:
        try:
            return datetime.fromtimestamp(int(value), tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    iso = value.replace("Z", "+00:00").replace("z", "+00:00")
    if iso.endswith(" UTC") or iso.endswith(" GMT"):
        iso = iso[:-4] + "+00:00"
    try:
        parsed = datetime.fromisoformat(iso)
    except ValueError:
        parsed = None
    if parsed is None:
        try:
            parsed = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except (OverflowError, ValueError):
        return None
