"""Indicators from prose: IP addresses, URLs, domains and timestamps, plus a guess of the
RSIT classification type from the wording.

Responsibility: *precision*. A free-text complaint mentions far more addresses than the
offender: the reporter's own mail servers (Received chains), its From/To domains, lookup
links to its own site, signatures and disclaimers, masked addresses (``91.78.17.xxx``),
private and special-purpose addresses, version numbers. Reporting any of those would open a
ticket against the wrong customer, so everything here errs towards leaving things out.

Boundary: pure functions over text and a ``Document``; no parser policy (which part to read,
which type to default to) — that is the caller's.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from .base import ParsedEvent
from .mime import Document, first_address
from .util import normalize_domain, normalize_ip, parse_time, refang
from .wording import lowered_pattern

MAX_TEXT = 512 * 1024  # prose scanned per report
MAX_INDICATORS = 200

_DOT = r"(?:\.|\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\))"
_IPV4 = re.compile(
    rf"(?<![\w.\-/])((?:25[0-5]|2[0-4]\d|1?\d?\d)(?:{_DOT}(?:25[0-5]|2[0-4]\d|1?\d?\d)){{3}})"
    r"(?![\w\-]|\.\d|\[\.\]\d)",
    re.IGNORECASE,
)
_IPV6 = re.compile(
    r"(?<![\w:.])((?:[0-9a-f]{1,4}:|:)(?:[0-9a-f]{0,4}:){1,6}[0-9a-f]{0,4})(?![\w:])", re.I
)
_URL = re.compile(
    r"(?<![\w@])((?:hxxps?|https?|ftp|fxp)(?:://|\[://\]|\[:\]//)[^\s<>\"'`{}|\\^]{1,2000})",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"[\w.+\-]+@((?:[a-z0-9\-]+(?:\.|\[\.\]))+[a-z]{2,24})", re.IGNORECASE)
_DOMAIN = re.compile(
    rf"(?<![\w.@\-/])((?:[a-z0-9](?:[a-z0-9\-]{{0,61}}[a-z0-9])?{_DOT})+([a-z]{{2,24}}))"
    r"(?![\w\-@]|\.[a-z0-9])",
    re.IGNORECASE,
)
# Cheap necessary conditions, checked before the patterns above run on a line (a line of
# prose rarely has any): an IPv4 address has a digit, a dot and a digit; a host name a
# letter or digit, a dot and a letter; a URL "://", "[://]" or "[:]//"; an address "@".
_IPV4_HINT = re.compile(rf"\d{_DOT}\d", re.IGNORECASE)
_DOMAIN_HINT = re.compile(rf"[a-z0-9]{_DOT}[a-z]", re.IGNORECASE)


def _may_hold_url(line: str) -> bool:
    return "://" in line or "[:]//" in line


# A version string or OID is not an address: "version 1.2.3.4", "v1.2.3.4", "build 1.2.3.4".
_VERSION_BEFORE = re.compile(r"(?:version|ver\.?|v|build|release|firmware|release)\s*:?\s*$", re.I)

# Bare host names are only believed with a TLD people actually register under; file names
# (index.php, report.txt, logfile.log) must not become domains. URLs are trusted regardless.
_BARE_TLDS = frozenset(
    [
        "com",
        "net",
        "org",
        "info",
        "biz",
        "name",
        "pro",
        "mobi",
        "asia",
        "xyz",
        "top",
        "site",
        "online",
        "club",
        "shop",
        "store",
        "app",
        "dev",
        "io",
        "co",
        "me",
        "tv",
        "cc",
        "ws",
        "eu",
        "us",
        "uk",
        "de",
        "fr",
        "nl",
        "be",
        "lu",
        "ch",
        "at",
        "it",
        "es",
        "pt",
        "ie",
        "se",
        "no",
        "dk",
        "fi",
        "pl",
        "cz",
        "sk",
        "hu",
        "ro",
        "bg",
        "gr",
        "ru",
        "ua",
        "by",
        "kz",
        "lt",
        "lv",
        "ee",
        "si",
        "hr",
        "ba",
        "rs",
        "me",
        "tr",
        "il",
        "ir",
        "in",
        "cn",
        "jp",
        "kr",
        "tw",
        "hk",
        "sg",
        "my",
        "th",
        "vn",
        "id",
        "ph",
        "au",
        "nz",
        "ca",
        "mx",
        "br",
        "ar",
        "cl",
        "pe",
        "ve",
        "za",
        "ng",
        "ke",
        "eg",
        "ma",
        "tn",
        "su",
        "link",
        "live",
        "space",
        "website",
        "tech",
        "icu",
        "cyou",
        "buzz",
        "work",
        "fun",
        "host",
        "press",
        "cloud",
        "email",
        "today",
        "world",
        "life",
        "news",
    ]
)
_NEVER_DOMAINS = frozenset(
    {"w3.org", "www.w3.org", "schemas.microsoft.com", "purl.org", "xmlsoap.org", "ietf.org"}
)
# Reserved ranges that stand in for real address space in documentation, demos and
# benchmarks (RFC 5737, RFC 3849, RFC 2544 benchmarking, RFC 6598 shared address space):
# a complaint naming them is about "someone's server", never the reporter's own LAN.
_DOC_NETS = tuple(
    ipaddress.ip_network(n)
    for n in (
        "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32",
        "198.18.0.0/15", "100.64.0.0/10",
    )
)  # fmt: skip

_TIMESTAMP = re.compile(
    r"\b(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?"
    r"(?:\s?(?:Z|[+-]\d{2}:?\d{2}|UTC|GMT))?)"
    r"|\b((?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun),?\s+)?\d{1,2}\s+"
    r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\s+\d{4}\s+"
    r"\d{2}:\d{2}(?::\d{2})?(?:\s*(?:[+-]\d{4}|UTC|GMT|[A-Z]{3}))?)"
    r"|\b(\d{4}/\d{2}/\d{2}\s+\d{2}:\d{2}:\d{2})",
)
# Every form above, and syslog's below, has hours and minutes.
_TIME_HINT = re.compile(r"\d:\d\d")
_SIGNATURE = re.compile(r"^-- ?$", re.MULTILINE)  # RFC 3676 section 4.3
_DISCLAIMER = lowered_pattern(
    r"confidential|intended (?:solely )?for the|intended recipient|disclaimer|privileged"
    r"|please consider the environment|virus[- ]free|this e-?mail and any"
)
_RECEIVED_IP = re.compile(r"\[(?:IPv6:)?([0-9a-f:.]+)\]|\(([0-9a-f:.]{7,45})\)", re.IGNORECASE)
_RECEIVED_HOST = re.compile(r"\b(?:from|by)\s+([a-z0-9.\-]+\.[a-z]{2,24})\b", re.IGNORECASE)
_MSGID_DOMAIN = re.compile(r"@([a-z0-9.\-]+\.[a-z]{2,24})", re.IGNORECASE)


@dataclass(frozen=True)
class Indicator:
    kind: str  # "ip" | "url" | "domain"
    value: str
    observed_at: datetime | None = None
    line: str = ""


@dataclass
class Exclusions:
    """What must never be reported from one report: its own infrastructure."""

    ips: set[str] = field(default_factory=set)
    domains: set[str] = field(default_factory=set)  # registrable domains

    def excludes_domain(self, domain: str) -> bool:
        return (
            domain in _NEVER_DOMAINS
            or registrable(domain) in self.domains
            or registrable(domain) in _NEVER_DOMAINS
        )


def is_reportable_ip(text: str | None, *, structured: bool = False) -> str | None:
    """Normalised address when it can be an abuser's: global unicast, or a documentation
    range (RFC 5737/3849, used by our own fixtures). A structured field (an ARF
    ``Source-IP``, a CSV column) may also name an RFC 1918 address — anonymised samples do,
    and the network lookup later says "not ours"; prose never reports one, because there
    it is usually the reporter's LAN or a quoted log of its own."""
    ip = normalize_ip(text)
    if ip is None:
        return None
    addr = ipaddress.ip_address(ip)
    if addr.is_unspecified or addr.is_loopback or addr.is_link_local or addr.is_multicast:
        return None
    if any(addr in net for net in _DOC_NETS):
        return ip
    if addr.is_global:
        return ip
    if structured and addr.is_private and not addr.is_reserved:
        return ip
    return None


def registrable(domain: str) -> str:
    """Approximate registrable domain (no public-suffix list at hand): the last two labels,
    three under the usual second-level registries (co.uk, com.br)."""
    labels = domain.lower().rstrip(".").split(".")
    if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in {
        "co", "com", "org", "net", "ac", "gov", "edu", "ne", "or", "go", "gv", "ltd", "plc"
    }:  # fmt: skip
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def reporter_exclusions(doc: Document, extra_addresses: Iterable[str] = ()) -> Exclusions:
    """The report's own infrastructure: every IP and host in its (top-level) Received
    chain, and the domains of its From/To/Cc/Reply-To/Sender/Return-Path and Message-ID."""
    excl = Exclusions()
    for received in doc.headers("Received"):
        for match in _RECEIVED_IP.finditer(received):
            ip = normalize_ip(match.group(1) or match.group(2))
            if ip:
                excl.ips.add(ip)
        for match in _RECEIVED_HOST.finditer(received):
            host = normalize_domain(match.group(1))
            if host:
                excl.domains.add(registrable(host))
    for name in ("From", "To", "Cc", "Reply-To", "Sender", "Return-Path", "Delivered-To"):
        for value in doc.headers(name):
            for match in _EMAIL.finditer(value):
                host = normalize_domain(match.group(1))
                if host:
                    excl.domains.add(registrable(host))
    for match in _MSGID_DOMAIN.finditer(doc.header("Message-ID")):
        host = normalize_domain(match.group(1))
        if host:
            excl.domains.add(registrable(host))
    for address in extra_addresses:
        addr = first_address(address)
        if addr:
            excl.domains.add(registrable(addr.rsplit("@", 1)[1]))
    return excl


_SIGN_OFF = re.compile(
    r"^\s*(?:(?:best |kind |warm )?regards|best wishes|sincerely|yours (?:sincerely|faithfully)"
    r"|many thanks|thanks|cordialement|bien cordialement|mit freundlichen gr\S+e"
    r"|met vriendelijke groet|saludos|distinti saluti)[,.!]?\s*$",
    re.IGNORECASE,
)
_BLOCK_END = re.compile(r"^\s*(?:[-_*=\[]{3,}|.*forwarded message|.*original message)", re.I)
# Lines that point at reading material, the reporter's own contact pages or the brand a
# phish imitates: their URLs are not the abuse.
# Matched against lower-cased lines (see ``wording``).
_REFERENCE_LINE = lowered_pattern(
    r"further reading|more information|for (?:more )?(?:details|information)|see also"
    r"|references?\s*:|visit (?:our|the following)|our website|can be found here"
    r"|through this site|learn more|read more|wikipedia|website\s*:|homepage\s*:|^\s*web\s*:"
    r"|key server|unsubscribe|opt[- ]out|contact us|belong(?:s|ed)? to|appartien|appartenai"
    r"|legitimate site|official (?:site|website)|genuine site|privacy policy"
    r"|terms of (?:use|service)"
)


def strip_boilerplate(text: str) -> str:
    """Drop signatures (RFC 3676 "-- " delimiter onwards; a sign-off such as "Regards,"
    up to the next separator or forwarded message), disclaimer paragraphs and reference
    lines (with the bare-URL lines of a reference list that follows them)."""
    match = _SIGNATURE.search(text)
    if match and match.start() > len(text) // 3:
        text = text[: match.start()]
    paragraphs = re.split(r"\n\s*\n", text)
    text = "\n\n".join(p for p in paragraphs if not _DISCLAIMER.search(p.lower()))
    kept: list[str] = []
    skipping = 0  # lines left in a signature block
    in_references = False
    for line in text.splitlines():
        if skipping:
            if _BLOCK_END.match(line):
                skipping = 0
                kept.append(line)
            else:
                skipping -= 1
            continue
        if _SIGN_OFF.match(line):
            skipping = 8
            continue
        if _REFERENCE_LINE.search(line.lower()):
            in_references = line.rstrip().endswith(":")
            if _URL.search(line) or in_references:
                continue
        elif in_references:
            stripped = line.strip()
            if not stripped or _URL.fullmatch(stripped):
                continue
            in_references = False
        kept.append(line)
    return "\n".join(kept)


# syslog's "Nov 27 22:32:11" (fail2ban, sshd, postfix logs) carries no year and no zone.
_SYSLOG_TIME = re.compile(
    r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\s+(\d{1,2})\s+(\d{2}):(\d{2}):(\d{2})\b(?!\s*\d{4})"
)
_MONTHS = {
    m: i
    for i, m in enumerate(
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], 1
    )
}


def _syslog_time(match: re.Match[str], reference: datetime) -> datetime | None:
    """The year is the report's (its Date header): the latest one that does not put the
    line after the report; the zone is taken as UTC, as for any time without one."""
    month, day = _MONTHS[match.group(1)], int(match.group(2))
    hour, minute, second = (int(match.group(i)) for i in (3, 4, 5))
    for year in (reference.year, reference.year - 1):
        try:
            when = datetime(year, month, day, hour, minute, second, tzinfo=UTC)
        except ValueError:
            return None
        if when <= reference + timedelta(days=1):
            return when
    return None


def timestamps(text: str, reference: datetime | None = None) -> list[datetime]:
    """Times written in ``text``, in order; with a ``reference`` (the report's date), also
    syslog times, which name no year."""
    found: list[tuple[int, datetime]] = []
    if not _TIME_HINT.search(text[:MAX_TEXT]):
        return []
    for match in _TIMESTAMP.finditer(text[:MAX_TEXT]):
        value = next(g for g in match.groups() if g)
        parsed = parse_time(value.replace("/", "-"))
        if parsed is not None:
            found.append((match.start(), parsed))
    if reference is not None:
        for match in _SYSLOG_TIME.finditer(text[:MAX_TEXT]):
            when = _syslog_time(match, reference)
            if when is not None:
                found.append((match.start(), when))
        found.sort(key=lambda item: item[0])
    return [when for _, when in found]


def _clean_url(url: str) -> str | None:
    url = refang(url).rstrip(".,;:!?'\")]}>")
    while url.endswith(")") and url.count("(") < url.count(")"):
        url = url[:-1]
    if len(url) < 10:
        return None
    return url


def url_host(url: str) -> str:
    rest = url.split("://", 1)[-1]
    host = re.split(r"[/?#]", rest, maxsplit=1)[0]
    host = host.rsplit("@", 1)[-1]
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.split(":", 1)[0] if host.count(":") == 1 else host


def extract(
    text: str, exclusions: Exclusions | None = None, reference: datetime | None = None
) -> list[Indicator]:
    """Indicators in ``text`` (already stripped of boilerplate by the caller when wanted),
    in order of appearance, de-duplicated; the timestamp of an indicator is the first one
    on its line, else the first one in the text."""
    excl = exclusions or Exclusions()
    text = text[:MAX_TEXT]
    default_time = next(iter(timestamps(text, reference)), None)
    seen: set[tuple[str, str]] = set()
    out: list[Indicator] = []
    email_domains = {m.group(1).lower() for m in _EMAIL.finditer(text)} if "@" in text else set()
    # A contact address names the reporter's or its client's organisation (dmca@brand,
    # support@notifier): their web sites are not the abuse either.
    contact_sites = {registrable(d) for d in email_domains}

    def add(kind: str, value: str, line: str) -> None:
        if (kind, value) in seen or len(out) >= MAX_INDICATORS:
            return
        seen.add((kind, value))
        when = next(iter(timestamps(line, reference)), None) if _TIME_HINT.search(line) else None
        out.append(Indicator(kind, value, when or default_time, line.strip()[:300]))

    url_hosts: set[str] = set()
    for line in text.splitlines():
        has_url = _may_hold_url(line)
        for match in _URL.finditer(line) if has_url else ():
            url = _clean_url(match.group(1))
            if url is None:
                continue
            host = url_host(url)
            ip = is_reportable_ip(host)
            domain = normalize_domain(host) if ip is None else None
            if ip is None and domain is None:
                continue
            if (ip and ip in excl.ips) or (domain and excl.excludes_domain(domain)):
                continue
            if domain and registrable(domain) in contact_sites:
                continue
            url_hosts.add(ip or domain or "")
            add("url", url, line)
        scrubbed = _URL.sub(" ", line) if has_url else line
        if "@" in scrubbed:
            scrubbed = _EMAIL.sub(" ", scrubbed)
        for match in _IPV4.finditer(scrubbed) if _IPV4_HINT.search(scrubbed) else ():
            if _VERSION_BEFORE.search(scrubbed[max(0, match.start() - 20) : match.start()]):
                continue
            ip = is_reportable_ip(match.group(1))
            if ip and ip not in excl.ips and ip not in url_hosts:
                add("ip", ip, line)
        if ":" in scrubbed:
            for match in _IPV6.finditer(scrubbed):
                if match.group(1).count(":") < 2:
                    continue
                ip = is_reportable_ip(match.group(1))
                if ip and ":" in ip and ip not in excl.ips and ip not in url_hosts:
                    add("ip", ip, line)
        for match in _DOMAIN.finditer(scrubbed) if _DOMAIN_HINT.search(scrubbed) else ():
            if match.group(2).lower() not in _BARE_TLDS:
                continue
            domain = normalize_domain(match.group(1))
            if (
                domain is None
                or domain in url_hosts
                or registrable(domain) in contact_sites
                or excl.excludes_domain(domain)
            ):
                continue
            add("domain", domain, line)
    return out


# Wording -> RSIT type. Each pattern scores its type; the best score wins, ties go to the
# earlier (more specific) entry.
_TYPE_WORDING: tuple[tuple[str, str], ...] = (
    ("c2-server", r"\bc(?:&|and|n)c\b|command[- ]and[- ]control|\bc2\b|botnet controller"),
    ("phishing", r"phish|fraudul|frauduleu|credential theft|fake (?:login|bank)|imperson"),
    (
        "malware-distribution",
        r"malware|virus|trojan|ransomware|drive-by|exploit kit"
        r"|malicious (?:file|download|code|executable)",
    ),
    (
        "copyright",
        r"copyright|dmca|infring|piracy|pirated|intellectual property|bittorrent"
        r"|unauthori[sz]ed (?:use|distribution)",
    ),
    (
        "ddos-amplifier",
        r"open (?:dns )?resolver|amplification|reflect(?:ion|or)|monlist"
        r"|exploitable (?:ntp|dns|snmp|ssdp|memcached)",
    ),
    ("ddos", r"\bddos\b|denial[- ]of[- ]service|\bsyn flood|udp flood|\bflood(?:ing)?\b"),
    (
        "brute-force",
        r"brute[- ]?force|bruteforc|login attempts?|failed (?:login|password)|xmlrpc"
        r"|authentication failure|password guessing|\bssh\b.{0,40}attempt|wp-login",
    ),
    ("scanner", r"port ?scan|\bscann(?:ing|er|ed)\b|\bprob(?:e|ing)\b"),
    (
        "system-compromise",
        r"compromised (?:web)?site|defac|hacked|web ?shell|intrud|intrusion|rootkit"
        r"|backdoor|compromised (?:server|host|account)|(?:has|have) been compromised",
    ),
    (
        "exploit",
        r"sql injection|\bsqli\b|\bxss\b|remote file inclusion|exploit(?:ation)? attempt"
        r"|web attack",
    ),
    ("infected-system", r"botnet|\binfected\b|\bdrone\b|\bbot\b|sinkhole"),
    ("spam", r"\bspam(?!haus)|unsolicited|\buce\b|bulk (?:e-?)?mail|junk mail|spamtrap"),
    ("blacklist", r"block ?list|black ?list|\bsbl\b|\bdnsbl\b|\blisted\b"),
)


# Literal words, one of which every match of a type's pattern contains (checked on the
# lower-cased text first): a type whose words are absent costs no regular-expression pass,
# and most complaints name one or two kinds of abuse.
_TYPE_TRIGGERS: dict[str, tuple[str, ...]] = {
    "c2-server": ("c&c", "cnc", "cand", "command", "c2", "botnet"),
    "phishing": ("phish", "fraud", "credential", "fake", "imperson"),
    "malware-distribution": (
        "malware", "virus", "trojan", "ransomware", "drive-by", "exploit", "malicious",
    ),
    "copyright": ("copyright", "dmca", "infring", "pira", "intellectual", "bittorrent", "unauthori"),
    "ddos-amplifier": ("resolver", "amplification", "reflect", "monlist", "exploitable"),
    "ddos": ("ddos", "denial", "flood"),
    "brute-force": (
        "brute", "login attempt", "failed", "xmlrpc", "authentication failure",
        "password guessing", "ssh", "wp-login",
    ),
    "scanner": ("scan", "prob"),
    "system-compromise": (
        "compromised", "defac", "hacked", "shell", "intrud", "intrusion", "rootkit", "backdoor",
    ),
    "exploit": ("sql injection", "sqli", "xss", "remote file inclusion", "exploit", "web attack"),
    "infected-system": ("botnet", "infected", "drone", "bot", "sinkhole"),
    "spam": ("spam", "unsolicited", "uce", "bulk", "junk mail"),
    "blacklist": ("block", "black", "sbl", "dnsbl", "listed"),
}  # fmt: skip
_TYPE_PATTERNS = [
    (type_, lowered_pattern(pattern), _TYPE_TRIGGERS[type_]) for type_, pattern in _TYPE_WORDING
]


def _type_counts(text: str) -> list[int]:
    lowered = text.lower()
    return [
        len(pattern.findall(lowered)) if any(word in lowered for word in triggers) else 0
        for _, pattern, triggers in _TYPE_PATTERNS
    ]


def guess_type(text: str, subject: str = "") -> str | None:
    """The RSIT type the wording points at, or None when nothing matches. The subject is
    the reporter's own one-line summary, so it weighs more than the body's boilerplate."""
    body = _type_counts(text[:MAX_TEXT])
    title = _type_counts(subject[:1000])
    best, best_score = None, 0
    for index, (type_, _) in enumerate(_TYPE_WORDING):
        score = body[index] + 5 * title[index]
        if score > best_score:
            best, best_score = type_, score
    return best


_LOG_LINE = re.compile(
    r"^(?:\S+\s+)?(?:\w{3}\s+\d{1,2}\s+\d{2}:\d{2}:\d{2}|\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2})"
    r"|\"(?:GET|POST|HEAD|PUT) /"
    r"|^(?:Received|Return-Path|Message-ID|X-Originating-IP|DKIM-Signature):",
    re.MULTILINE | re.IGNORECASE,
)


def has_logs_or_headers(text: str) -> bool:
    """True when the text carries evidence beyond a claim: log lines or mail headers."""
    return len(_LOG_LINE.findall(text[:MAX_TEXT])) >= 2


def excerpt(text: str, limit: int = 4000) -> str:
    text = re.sub(r"\n{3,}", "\n\n", text.strip())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def to_events(indicators: Iterable[Indicator], type_: str) -> list[ParsedEvent]:
    """One event per URL, bare IP and bare domain (URLs carry their host as ip/domain)."""
    events = []
    for ind in indicators:
        evidence = ind.line
        if ind.kind == "url":
            host = url_host(ind.value)
            ip = normalize_ip(host)
            events.append(
                ParsedEvent(
                    type=type_,
                    url=ind.value,
                    ip=ip,
                    domain=None if ip else normalize_domain(host),
                    observed_at=ind.observed_at,
                    evidence=evidence,
                )
            )
        elif ind.kind == "ip":
            events.append(
                ParsedEvent(
                    type=type_, ip=ind.value, observed_at=ind.observed_at, evidence=evidence
                )
            )
        else:
            events.append(
                ParsedEvent(
                    type=type_, domain=ind.value, observed_at=ind.observed_at, evidence=evidence
                )
            )
    return events


_FROM_CLAUSE = re.compile(r"^\s*from\s+(.*?)(?:\s+by\s+|;|$)", re.IGNORECASE | re.DOTALL)
_BRACKET_IP = re.compile(r"\[(?:IPv6:)?([0-9a-f:.]{3,45}?)(?::\d{1,5})?\]", re.IGNORECASE)
_PAREN_IP = re.compile(r"\(([0-9a-f:.]{3,45})\)", re.IGNORECASE)
_BY_HOST = re.compile(r"\bby\s+([a-z0-9][a-z0-9.\-]*)", re.IGNORECASE)
_FROM_HOST = re.compile(r"^\s*from\s+([a-z0-9][a-z0-9.\-]*)|\b(?:EHLO|HELO)\s+([a-z0-9.\-]+)", re.I)


def received_hop(received: str) -> tuple[str | None, str | None, str | None]:
    """(connecting IP, its claimed host name, receiving host) of one Received header.

    RFC 5321 section 4.4 puts the TCP peer in the from-clause as ``(name [address])``;
    MTAs vary: ``([1.2.3.4:port])`` (ecelerity), ``(EHLO name) (1.2.3.4)`` (Yahoo, LMTP)."""
    clause = _FROM_CLAUSE.match(" ".join(received.split()))
    if clause is None:
        return None, None, None
    text = clause.group(1)
    ip = None
    for pattern in (_BRACKET_IP, _PAREN_IP):
        for match in pattern.finditer(text):
            ip = normalize_ip(match.group(1))
            if ip:
                break
        if ip:
            break
    if ip is None:
        ip = normalize_ip(text.split()[0] if text.split() else None)
    host_match = _FROM_HOST.search(" ".join(received.split()))
    host = None
    if host_match:
        host = normalize_domain(host_match.group(1) or host_match.group(2))
    by = _BY_HOST.search(" ".join(received.split()))
    return ip, host, normalize_domain(by.group(1)) if by else None


def origin_ip_from_received(received_headers: list[str], exclusions: Exclusions) -> str | None:
    """The address that handed the message to the reporter's side, from a Received chain
    (newest first). The reporter's internal relays are skipped: hops between private or
    loopback addresses, hops whose sending host is in the domain of a receiving host
    already seen (the reporter's own MX chain), and the report's own relays. The report's
    To domain is deliberately *not* skipped: the offender may be our own customer's server
    under our own domain."""
    own_domains: set[str] = set()
    for received in received_headers:
        ip, host, by = received_hop(received)
        if by:
            own_domains.add(registrable(by))
        if ip is None or ip in exclusions.ips:
            continue
        if host and registrable(host) in own_domains:
            continue
        reportable = is_reportable_ip(ip)
        if reportable is None:
            continue
        return reportable
    return None
