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
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from . import sites
from .base import ParsedEvent
from .mime import Document, first_address
from .util import (
    matches_from_run_starts,
    normalize_domain,
    normalize_ip,
    parse_time,
    refang,
    sub_from_run_starts,
)
from .wording import lowered_pattern, present, words

_T = TypeVar("_T")

MAX_TEXT = 512 * 1024  # prose scanned per report
MAX_INDICATORS = 200
MAX_CANDIDATES = 10_000  # distinct address-, host- and URL-like strings judged per report

_DOT = r"(?:\.|\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\))"
_IPV4 = re.compile(
    rf"(?<![\w.\-/])((?:25[0-5]|2[0-4]\d|1?\d?\d)(?:{_DOT}(?:25[0-5]|2[0-4]\d|1?\d?\d)){{3}})"
    # not followed by more labels: "12.100.51.198.bl.rbl.example" is a host name (a DNSBL
    # query for 198.51.100.12, a reverse-DNS name)
    r"(?![\w\-]|\.\d|\[\.\]\d|\.[a-z][\w\-]{0,62}\.[a-z])",
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
# The same, started only where a run of local-part characters starts: see
# ``util.matches_from_run_starts`` (without it, "a" * 20,000 + " @x" took 1.4 s).
_EMAIL_AT_RUN_START = re.compile(rf"(?<![\w.+\-]){_EMAIL.pattern}", re.IGNORECASE)
# A host name: labels joined by (possibly defanged) dots, then a TLD. The second branch
# matches only where the first failed, and consumes the chain of labels it failed on, so
# the engine does not start again at each label of it: from every later label the first
# branch would fail too (a name found from there would extend, label by label, to one found
# from the first), but each start would rescan the rest of the chain ("a[.]a[.]a[.]...",
# where every label after "]" may start a name, was quadratic). Group 1 is None for it.
_LABEL_AND_DOT = rf"[a-z0-9](?:[a-z0-9\-]{{0,61}}[a-z0-9])?{_DOT}"
_DOMAIN = re.compile(
    rf"(?<![\w.@\-/])(?:((?:{_LABEL_AND_DOT})+([a-z]{{2,24}}))(?![\w\-@]|\.[a-z0-9])"
    rf"|(?:{_LABEL_AND_DOT})++)",
    re.IGNORECASE,
)
# Cheap necessary conditions, checked before the patterns above run on a line (a line of
# prose rarely has any): an IPv4 address has a digit, a dot and a digit; a host name a
# letter or digit, a dot and a letter; a URL "://", "[://]" or "[:]//"; an address "@".
# tcpdump writes "IP 192.0.2.7.51234 > 198.51.100.9.23:": address and port joined by a
# dot, which the address pattern refuses (a fifth number); the source, before ">", is
# reported, the destination (the reporter's sensor) is not.
_TCPDUMP_SOURCE = re.compile(r"\bIP ((?:\d{1,3}\.){3}\d{1,3})\.\d{1,5} > ")
# A web server's access log line (Common or Combined Log Format): client, identity, user,
# [time], "request", status, size, then "referer" and "user agent". The client and the
# request are the abuse; the referer and the user agent are what the client claimed (a
# brute forcer names the victim's own login page, a crawler its vendor's "+http://..."
# page), so the line is read only up to the size. Anchored at the start (a search anywhere
# else fails at once), possessive and bounded: one pass over the line.
_ACCESS_LOG_LINE = re.compile(
    r'\A\S++ \S++ \S++ \[[^\]\n]{1,64}+\] "[^"\n]{0,8192}+" \d{3} (?:\d++|-)(?= )'
)
_IPV4_HINT = re.compile(rf"\d{_DOT}\d", re.IGNORECASE)
_DOMAIN_HINT = re.compile(rf"[a-z0-9]{_DOT}[a-z]", re.IGNORECASE)


def _may_hold_url(line: str) -> bool:
    return "://" in line or "[:]//" in line


# A version string or OID is not an address: "version 1.2.3.4", "v1.2.3.4", "build 1.2.3.4".
# (Blanks before the colon taken possessively: the two runs could otherwise split a run of
# blanks every way, quadratic. Only 20 characters are searched, but the pattern holds alone.)
_VERSION_BEFORE = re.compile(r"(?:version|ver\.?|v|build|release|firmware|release)\s*+:?\s*$", re.I)

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
    # The reporter's own (From, Sender, Reply-To, Return-Path), a subset of ``domains``:
    # a relay under one of them in a forwarded mail's Received chain is the reporter's.
    reporter_domains: set[str] = field(default_factory=set)

    def excludes_domain(self, domain: str) -> bool:
        return (
            domain in _NEVER_DOMAINS
            or registrable(domain) in self.domains
            or registrable(domain) in _NEVER_DOMAINS
            or sites.is_reference_host(domain)
        )


_GLOBAL_UNICAST_V6 = ipaddress.ip_network("2000::/3")  # RFC 4291 2.4, IANA's allocations


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
    # Python calls all of ::/8 global ("e::", common in binary noise); IANA hands out 2000::/3.
    if addr.is_global and (addr.version == 4 or addr in _GLOBAL_UNICAST_V6):
        return ip
    if structured and addr.is_private and not addr.is_reserved:
        return ip
    return None


def registrable(domain: str) -> str:
    """The registrable domain of a host name, by the Public Suffix List (``sites``)."""
    return sites.registrable(domain)


def bare_name_believed(domain: str) -> bool:
    """A host name written without a scheme is believed when its top-level domain exists
    (the Public Suffix List, or a reserved documentation name) — but under a TLD that is
    also a common file extension ("notes.md", "photos.zip") only written with "www." or
    three labels or more."""
    labels = domain.split(".")
    tld = labels[-1]
    if len(set(labels)) == 1 or sum(label.isdigit() for label in labels) >= 2:
        return False  # a masked address: "xxx.xxx.xxx.xxx", "91.78.17.xxx"
    if tld in _BARE_TLDS:
        return True
    if not sites.tld_is_real(tld):
        return False
    if tld in sites.FILE_EXTENSION_TLDS:
        return labels[0] == "www" or len(labels) >= 3
    return True


def has_address(text: str) -> bool:
    """True when ``text`` holds something shaped like an IPv4 address."""
    return bool(_IPV4_HINT.search(text)) and bool(_IPV4.search(text))


def _emails(text: str) -> Iterator[re.Match[str]]:
    """``_EMAIL.finditer(text)``, in linear time."""
    return matches_from_run_starts(_EMAIL, _EMAIL_AT_RUN_START, text)


def _blank(_match: re.Match[str]) -> str:
    return " "


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
            for match in _emails(value):
                host = normalize_domain(match.group(1))
                if host:
                    excl.domains.add(registrable(host))
                    if name in ("From", "Reply-To", "Sender", "Return-Path"):
                        excl.reporter_domains.add(registrable(host))
    for match in _MSGID_DOMAIN.finditer(doc.header("Message-ID")):
        host = normalize_domain(match.group(1))
        if host:
            excl.domains.add(registrable(host))
    for address in extra_addresses:
        addr = first_address(address)
        if addr:
            excl.domains.add(registrable(addr.rsplit("@", 1)[1]))
    return excl


# Leading blanks possessive: every sign-off opens with a letter, and giving blanks back one
# at a time retried every alternative at each (0.2 s on a 512 KB line of spaces).
_SIGN_OFF = re.compile(
    r"^\s*+(?:(?:best |kind |warm )?regards|best wishes|sincerely|yours (?:sincerely|faithfully)"
    r"|(?:very )?truly yours|yours truly|respectfully|many thanks|thanks|cordialement"
    r"|bien cordialement|bien à vous|salutations distinguées|mit freundlichen gr\S+e"
    r"|(?:viele|beste|freundliche|liebe) gr\S+e|met vriendelijke groet(?:en)?|saludos"
    r"|(?:un|muchos) saludos?|saludos cordiales|atentamente|cordialmente|atenciosamente"
    r"|(?:um )?abraço|cordiali saluti|distinti saluti|с уважением|敬具"  # noqa: RUF001
    r"|(?:以上、)?よろしくお願い(?:いた|致)します)[,.!。]?\s*$",
    re.IGNORECASE,
)
# Leading blanks possessive: a ".*" that fails after each shorter run of them was
# quadratic in a line of spaces (".*" takes the same blanks, so nothing else changes).
_BLOCK_END = re.compile(r"^\s*+(?:[-_*=\[]{3,}|.*forwarded message|.*original message)", re.I)
# Lines that point at reading material, the reporter's own contact pages or the brand a
# phish imitates: their URLs are not the abuse.
# Matched against lower-cased lines (see ``wording``).
# The same in German, French, Spanish, Portuguese, Italian, Dutch, Russian and Japanese:
# reading material, privacy and legal pages, and the genuine site a notice quotes.
_REFERENCE_ABROAD = (
    "weitere informationen", "mehr informationen", "hinweise zur", "hinweise zu ", "siehe auch",
    "datenschutzerklärung", "datenschutzhinweis", "impressum", "offizielle website",
    "offizielle seite", "offizieller shop", "offiziellen shop", "originalprodukte",
    "ausschließlich über", "plus d'informations", "pour en savoir plus", "voir aussi",
    "politique de confidentialité", "mentions légales", "site officiel", "site légitime",
    "site authentique", "boutique officielle", "exclusivement sur", "exclusivement via",
    "más información", "véase también", "política de privacidad", "aviso legal",
    "sitio oficial", "web oficial", "página oficial", "tienda oficial", "sitio legítimo",
    "exclusivamente a través", "exclusivamente en", "mais informações", "saiba mais",
    "veja também", "política de privacidade", "site oficial", "loja oficial",
    "site legítimo", "exclusivamente através", "maggiori informazioni", "vedi anche",
    "sito ufficiale", "negozio ufficiale", "esclusivamente su", "esclusivamente tramite",
    "meer informatie", "zie ook", "officiële website", "officiële site", "uitsluitend via",
    "подробнее", "дополнительная информация", "официальный сайт", "официального сайта",
    "официальный магазин", "正規サイト", "正規配信", "公式サイト", "公式ストア", "詳細は",
)  # fmt: skip
_REFERENCE_LINE = lowered_pattern(
    r"further reading|more information|for (?:more )?(?:details|information)|see also"
    r"|references?\s*:|visit (?:our|the following)|our website|can be found here"
    r"|through this site|learn more|read more|wikipedia|website\s*:|homepage\s*:|^\s*web\s*:"
    r"|key server|unsubscribe|opt[- ]out|contact us|belong(?:s|ed)? to|appartien|appartenai"
    r"|legitimate site|official (?:site|website)|genuine site|privacy policy"
    r"|terms of (?:use|service)"
    # the genuine site of the imitated brand or of the rights holder
    r"|official (?:[\w.\-]++ ){0,2}(?:release|store|shop|page|site|website|web site)"
    r"|(?:real|genuine|authentic) (?:web ?)?site"
    r"|(?:sells?|sold|distribut\w*|available) exclusively (?:through|via|on|at)"
    r"|exclusively (?:through|via) (?:https?://|www\.)|our client'?s (?:web ?)?site"
    + "".join(f"|{re.escape(phrase)}" for phrase in _REFERENCE_ABROAD)
)


# Literal words one of which every match of ``_REFERENCE_LINE`` contains: a text holding
# none of them has no reference line to look for.
_REFERENCE_WORDS = words(
    {
        "further reading", "more information", "details", "information", "see also",
        "reference", "visit ", "our website", "can be found here", "through this site",
        "learn more", "read more", "wikipedia", "web", "homepage", "key server",
        "unsubscribe", "opt", "contact us", "belong", "appartien", "appartenai",
        "legitimate site", "official", "genuine", "privacy policy", "terms of", "real web",
        "real site", "authentic", "exclusively", "our client", *_REFERENCE_ABROAD,
    }
)  # fmt: skip


def _reference_cue(lowered: str, before: str, cues: set[str]) -> int | None:
    """Where a (lower-cased) line's reference cue starts, 0 when the line ends one the line
    break cut in two ("dont le site\nofficiel est https://...": ``before`` is the end of
    the line before); None without one. ``cues``: the ``_REFERENCE_WORDS`` in the text."""
    if any(cue in lowered for cue in cues) and (match := _REFERENCE_LINE.search(lowered)):
        return match.start()
    if not before:
        return None
    joined = f"{before} {lowered[:40]}"
    if not any(cue in joined for cue in cues):
        return None
    if any(match.end() > len(before) + 1 for match in _REFERENCE_LINE.finditer(joined)):
        return 0
    return None


def strip_boilerplate(text: str) -> str:
    """Drop signatures (RFC 3676 "-- " delimiter onwards; a sign-off such as "Regards,"
    up to the next separator or forwarded message), disclaimer paragraphs and reference
    lines (with the bare-URL lines of a reference list that follows them)."""
    return split_boilerplate(text)[0]


def split_boilerplate(text: str) -> tuple[str, str]:
    """(the text without boilerplate, the reference lines taken out of it). A reference
    line ("see also", "more information") usually points at reading material, but now and
    then at another page of the abuse; the caller may take back from it what lies on a
    site the rest of the text reports."""
    match = _SIGNATURE.search(text)
    if match and match.start() > len(text) // 3:
        text = text[: match.start()]
    paragraphs = re.split(r"\n\s*\n", text)
    text = "\n\n".join(p for p in paragraphs if not _DISCLAIMER.search(p.lower()))
    kept: list[str] = []
    references: list[str] = []
    # (line breaks as spaces: a cue the break cut in two is looked for across it)
    cues = present(_REFERENCE_WORDS, text.lower().replace("\r\n", " ").replace("\n", " "))
    skipping = 0  # lines left in a signature block
    in_references = False  # in a list of links under a reference heading
    wrapped = False  # the line before was a reference cue cut mid-sentence
    tail = ""  # the end of the line before, for a cue the line break cut in two
    for line in text.splitlines():
        before, tail, follows = tail, line[-40:].lower(), wrapped
        wrapped = False
        if not line:  # (the patterns below need a letter; str.splitlines makes an empty
            # line of every form feed or U+001C in a crafted run of them)
            if skipping:
                skipping -= 1
            elif not in_references:
                kept.append(line)
            continue
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
        stripped = line.strip()
        lowered = line.lower()
        cue = _reference_cue(lowered, before, cues) if cues else None
        if cue is not None:
            if cue and len(lowered) == len(line) and _URL.search(line, 0, cue):
                # "…sold at https://fake.example. Our client sells exclusively through
                # https://real.example": the links before the cue are the complaint's.
                kept.append(line[:cue])
                if _URL.search(line, cue):
                    references.append(line[cue:])
                else:
                    wrapped = not stripped.endswith((".", "!", "?", "\u3002"))
                continue
            has_url = bool(_URL.search(line))
            # A heading ("References:", "■正規サイト") opens a list of links below it.
            in_references = stripped.endswith(":") or (not has_url and len(stripped) <= 40)
            wrapped = not has_url and not stripped.endswith((".", "!", "?", "\u3002"))
            if has_url or in_references:
                references.append(line)
                continue
        elif in_references:
            if not stripped or _URL.fullmatch(stripped):
                references.append(line)
                continue
            in_references = False
        if follows and (opening := _URL.match(stripped)):
            # "...(legitimate site:\nhttps://bank.example) and collects...": the sentence
            # wrapped after the cue; the URL opening this line is the reference.
            references.append(opening.group(0))
            line = stripped[opening.end() :]
        kept.append(line)
    return "\n".join(kept), "\n".join(references)


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


# RFC 3986 appendix C: a URL in angle brackets may be broken across lines, the breaks and
# the blanks around them not part of it. Runs taken possessively, at most eight breaks.
_ANGLE_URL = re.compile(
    r"<((?:hxxps?|https?|ftp)://[^<>\s]++(?:[ \t]*+\r?\n[ \t]*+[^<>\s]++){1,8})>",
    re.IGNORECASE,
)
_WHITESPACE = re.compile(r"\s+")
_URL_START = ("http://", "https://", "hxxp://", "hxxps://", "ftp://", "www.")
_URL_TAIL_CHARS = frozenset("/?=&%#.-_~+")
WRAP_WIDTH = 60  # a line this long that ends in a URL was probably wrapped by the mailer


def join_broken_urls(text: str) -> str:
    """Undo the two ways mail breaks a long URL: inside angle brackets across lines
    (RFC 3986 appendix C), and hard-wrapped at the line width with the rest of the URL
    alone on the next line. (Quoted-printable soft breaks are undone by the MIME decoder.)"""
    if "<" in text and "://" in text:
        text = _ANGLE_URL.sub(lambda m: "<" + _WHITESPACE.sub("", m.group(1)) + ">", text)
    if "://" not in text:
        return text
    lines = text.split("\n")
    out: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        while index + 1 < len(lines) and _wrapped_url_continues(line, lines[index + 1]):
            line = line.rstrip() + lines[index + 1].strip()
            index += 1
        out.append(line)
        index += 1
    return "\n".join(out)


def _wrapped_url_continues(line: str, following: str) -> bool:
    """True when ``line`` ends in a URL cut at the mailer's line width and ``following``
    is the rest of it: one token of URL characters, not a URL or a sentence of its own."""
    stripped = line.rstrip()
    if len(stripped) < WRAP_WIDTH or stripped[-1] in ".,;:!?)]}>'\"":
        return False
    token = stripped.rsplit(None, 1)[-1].lstrip("<([\"'")
    if not token.lower().startswith(_URL_START[:5]) or len(token) < 20:
        return False
    rest = following.strip()
    if not rest or len(rest) > 2000 or following[:1] in (" ", "\t", ">"):
        return False
    if any(c.isspace() for c in rest) or rest.lower().startswith(_URL_START):
        return False
    return any(c in _URL_TAIL_CHARS for c in rest)


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
    email_domains = {m.group(1).lower() for m in _emails(text)} if "@" in text else set()
    # A contact address names the reporter's or its client's organisation (dmca@brand,
    # support@notifier): their web sites are not the abuse either.
    contact_sites = {registrable(d) for d in email_domains}

    def add(kind: str, value: str, line: str) -> None:
        if (kind, value) in seen or len(out) >= MAX_INDICATORS:
            return
        seen.add((kind, value))
        when = next(iter(timestamps(line, reference)), None) if _TIME_HINT.search(line) else None
        out.append(Indicator(kind, value, when or default_time, line.strip()[:300]))

    # Each distinct candidate is judged once, and at most MAX_CANDIDATES of them: judging
    # one (an ipaddress or IDNA parse) costs microseconds, and a crafted 512 KB line holds
    # 170,000 "::" or 60,000 distinct "a1.com", which cost a second each time.
    verdicts: dict[tuple[str, str], object] = {}

    def judged(kind: str, candidate: str, judge: Callable[[str], _T]) -> _T | None:
        key = (kind, candidate)
        if key not in verdicts:
            if len(verdicts) >= MAX_CANDIDATES:
                return None
            verdicts[key] = judge(candidate)
        return verdicts[key]  # type: ignore[return-value]

    def url_verdict(raw: str) -> tuple[str, str] | None:
        """(URL, its host) when the URL is reportable."""
        url = _clean_url(raw)
        if url is None:
            return None
        url = sites.unwrap(url)
        host = url_host(url)
        ip = is_reportable_ip(host)
        domain = normalize_domain(host) if ip is None else None
        if ip is None and domain is None:
            return None
        if (ip and ip in excl.ips) or (domain and excl.excludes_domain(domain)):
            return None
        if domain and registrable(domain) in contact_sites:
            return None
        return url, ip or domain or ""

    url_hosts: set[str] = set()
    for line in text.splitlines():
        if len(out) >= MAX_INDICATORS:
            break  # nothing more would be added
        if not line:
            continue
        if '" ' in line and (logged := _ACCESS_LOG_LINE.match(line)):
            line = line[: logged.end()]  # not the referer and user agent the client sent
        has_url = _may_hold_url(line)
        for match in _URL.finditer(line) if has_url else ():
            found = judged("url", match.group(1), url_verdict)
            if found is None:
                continue
            url_hosts.add(found[1])
            add("url", found[0], line)
        scrubbed = _URL.sub(" ", line) if has_url else line
        if "%40" in scrubbed:  # a percent-encoded address in a logged query string
            scrubbed = scrubbed.replace("%40", "@")
        if "@" in scrubbed:
            scrubbed = sub_from_run_starts(_EMAIL, _EMAIL_AT_RUN_START, _blank, scrubbed)
        for match in _IPV4.finditer(scrubbed) if _IPV4_HINT.search(scrubbed) else ():
            if _VERSION_BEFORE.search(scrubbed[max(0, match.start() - 20) : match.start()]):
                continue
            ip = judged("ip", match.group(1), is_reportable_ip)
            if ip and ip not in excl.ips and ip not in url_hosts:
                add("ip", ip, line)
        if " > " in scrubbed and "IP " in scrubbed:
            for match in _TCPDUMP_SOURCE.finditer(scrubbed):
                ip = judged("ip", match.group(1), is_reportable_ip)
                if ip and ip not in excl.ips:
                    add("ip", ip, line)
        if ":" in scrubbed:
            for match in _IPV6.finditer(scrubbed):
                if match.group(1).count(":") < 2:
                    continue
                ip = judged("ip", match.group(1), is_reportable_ip)
                if ip and ":" in ip and ip not in excl.ips and ip not in url_hosts:
                    add("ip", ip, line)
        for match in _DOMAIN.finditer(scrubbed) if _DOMAIN_HINT.search(scrubbed) else ():
            if match.group(2) is None:
                continue
            domain = judged("domain", match.group(1), normalize_domain)
            if (
                domain is None
                or not bare_name_believed(domain)
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


# " by " is tried only where a run of blanks starts: the lazy group stops at the first
# such run anyway, and trying it from every blank of a long run was quadratic.
_FROM_CLAUSE = re.compile(r"^\s*from\s+(.*?)(?:(?<!\s)\s+by\s+|;|$)", re.IGNORECASE | re.DOTALL)
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
        if host and (
            registrable(host) in own_domains or registrable(host) in exclusions.reporter_domains
        ):
            continue  # the reporter's (or a forwarder's) own relay
        reportable = is_reportable_ip(ip)
        if reportable is None:
            continue
        return reportable
    return None
