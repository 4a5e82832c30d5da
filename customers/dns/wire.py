"""DNS wire format for the blocklist engine: query names, query packets, a strict answer parser.

Responsibility: bytes only. Query names are built from precomputed labels (RFC 5782 section
2.1 reversed octets, section 2.4 reversed nibbles for IPv6, section 3 domain names as-is),
and answers are checked against the question we sent before anything in them is believed.
The parser reads only what a DNSBL answer needs (RCODE, TC, A and TXT records of the answer
section), checks every length against the buffer, and raises only :class:`WireError`
subclasses, whatever the bytes. Boundary: no sockets, no timing, no zone semantics.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

import dns.exception
import dns.name

QTYPE_A = 1
QTYPE_TXT = 16
QCLASS_IN = 1

RCODE_NOERROR = 0
RCODE_FORMERR = 1
RCODE_SERVFAIL = 2
RCODE_NXDOMAIN = 3
RCODE_NOTIMP = 4
RCODE_REFUSED = 5

# Flags of our queries: standard query, RD set so a local recursive resolver works too;
# QDCOUNT=1, no other sections (RFC 1035 section 4.1.1).
_QUERY_FLAGS_AND_COUNTS = b"\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
_LABELS = [bytes([len(s)]) + s for s in (str(i).encode() for i in range(256))]
_NIBBLES = {c: b"\x01" + bytes([c]) for c in b"0123456789abcdef"}
_MAX_NAME = 255  # RFC 1035 section 2.3.4
_HOST_LABEL = re.compile(rb"\A[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\Z")


class WireError(ValueError):
    """Base of everything the parser raises."""


class Mismatch(WireError):
    """Not an answer to our question (wrong flags, question or class): drop it, maybe spoofed."""


class MalformedAnswer(WireError):
    """An answer to our question whose body is broken: the server sent garbage."""


@dataclass(frozen=True, slots=True)
class Answer:
    rcode: int
    truncated: bool
    addresses: tuple[str, ...] = ()
    texts: tuple[str, ...] = ()


def ip_prefix(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bytes:
    """Wire labels (no zone, no root) of an address's DNSBL query name."""
    if address.version == 4:
        p = address.packed
        return _LABELS[p[3]] + _LABELS[p[2]] + _LABELS[p[1]] + _LABELS[p[0]]
    # RFC 5782 section 2.4: 32 nibbles, least significant first.
    return b"".join(_NIBBLES[c] for c in reversed(address.packed.hex().encode()))


def domain_prefix(domain: str) -> bytes:
    """Wire labels (no root) of a domain name, lower-cased; ValueError when not a name."""
    try:
        name = dns.name.from_text(domain.strip().rstrip(".").lower() + ".")
    except (dns.exception.DNSException, UnicodeError) as exc:
        raise ValueError(f"not a domain name: {domain!r}") from exc
    # DNS itself carries any octets, but a blocklist is asked about host names: letters,
    # digits, hyphen (RFC 1123), underscore for service labels; IDNs arrive as A-labels.
    if len(name.labels) < 2 or not all(_HOST_LABEL.match(label) for label in name.labels[:-1]):
        raise ValueError(f"not a domain name: {domain!r}")
    wire = name.to_wire()
    assert wire is not None
    return wire[:-1]


def zone_suffix(zone: str) -> bytes:
    """Wire form (with the root label) of a zone's query suffix, lower-cased."""
    return domain_prefix(zone) + b"\x00"


def question_bytes(prefix: bytes, suffix: bytes, qtype: int) -> bytes:
    """The question section of a query: name, type, class. ValueError when too long."""
    qname = prefix + suffix
    if len(qname) > _MAX_NAME:
        raise ValueError("query name longer than 255 octets")
    return qname + qtype.to_bytes(2, "big") + b"\x00\x01"


def build_query(qid: int, question: bytes) -> bytes:
    return qid.to_bytes(2, "big") + _QUERY_FLAGS_AND_COUNTS + question


def parse_answer(data: bytes, question: bytes) -> Answer:
    """Check ``data`` answers ``question`` and return its RCODE, TC bit, A and TXT data.

    The caller has already matched the transaction ID (and the source address). The
    question must come back byte for byte, except that the name is compared without
    regard to ASCII case (RFC 4343). A truncated answer's records are not read: they may
    be incomplete, and the caller retries over TCP.
    """
    n = len(data)
    if n < 12:
        raise Mismatch("shorter than a DNS header")
    flags = data[2] << 8 | data[3]
    if not flags & 0x8000:
        raise Mismatch("QR bit clear: not a response")
    if flags & 0x7800:
        raise Mismatch("opcode is not QUERY")
    if data[4:6] != b"\x00\x01":
        raise Mismatch("QDCOUNT is not 1")
    qlen = len(question)
    if n < 12 + qlen:
        raise Mismatch("question cut short")
    echoed = data[12 : 12 + qlen]
    if echoed[-4:] != question[-4:] or echoed[:-4].lower() != question[:-4].lower():
        raise Mismatch("question differs from ours")
    rcode = flags & 0x000F
    truncated = bool(flags & 0x0200)
    if truncated or rcode != RCODE_NOERROR:
        return Answer(rcode=rcode, truncated=truncated)
    ancount = data[6] << 8 | data[7]
    offset = 12 + qlen
    addresses: list[str] = []
    texts: list[str] = []
    for _ in range(ancount):
        offset = _skip_name(data, offset, n)
        if offset + 10 > n:
            raise MalformedAnswer("resource record header cut short")
        rtype = data[offset] << 8 | data[offset + 1]
        rclass = data[offset + 2] << 8 | data[offset + 3]
        rdlength = data[offset + 8] << 8 | data[offset + 9]
        offset += 10
        end = offset + rdlength
        if end > n:
            raise MalformedAnswer("RDATA runs past the end of the message")
        if rclass == QCLASS_IN:
            if rtype == QTYPE_A:
                if rdlength != 4:
                    raise MalformedAnswer("A record whose RDATA is not 4 octets")
                addresses.append("%d.%d.%d.%d" % tuple(data[offset:end]))  # noqa: UP031
            elif rtype == QTYPE_TXT:
                texts.append(_txt(data, offset, end))
        offset = end
    return Answer(rcode=rcode, truncated=False, addresses=tuple(addresses), texts=tuple(texts))


def _skip_name(data: bytes, offset: int, n: int) -> int:
    """Offset just past a (possibly compressed) name; the name itself is not needed."""
    length = 0
    while True:
        if offset >= n:
            raise MalformedAnswer("name runs past the end of the message")
        label = data[offset]
        if label == 0:
            return offset + 1
        if label & 0xC0 == 0xC0:  # compression pointer ends the name (RFC 1035 4.1.4)
            if offset + 2 > n:
                raise MalformedAnswer("compression pointer cut short")
            return offset + 2
        if label & 0xC0:
            raise MalformedAnswer("reserved label type")  # RFC 6891 retired 0x40
        length += label + 1
        if length > _MAX_NAME:
            raise MalformedAnswer("name longer than 255 octets")
        offset += label + 1


def _txt(data: bytes, offset: int, end: int) -> str:
    parts: list[str] = []
    while offset < end:
        size = data[offset]
        offset += 1
        if offset + size > end:
            raise MalformedAnswer("TXT character-string runs past its RDATA")
        parts.append(data[offset : offset + size].decode("utf-8", "replace"))
        offset += size
    return "".join(parts)
