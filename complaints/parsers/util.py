"""Small normalisers every parser shares: IP addresses, domains and timestamps.

Pure functions; each returns ``None`` for input it cannot make sense of rather than
raising, because the inputs are attacker-controlled and a bad field must not sink a report.
"""

from __future__ import annotations

import ipaddress
import re
import socket
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
    seconds. A time without an offset is UTC (DESIGN.md)."""
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
