"""Reading a complaint's structure before its prose: labelled fields, tables, evidence
attachments, pasted mail headers, and who is who in the sentences around an address.

Responsibility: of the free-text complaints no format parser claims, find what the
reporter *marks* as the abuse and what it marks as its own side, so the prose pass
(``indicators.extract``) reports the first and never the second:

- labelled fields (``Source IP: …``, ``Infringing URL: …``, an HTML ``<th>URL</th><td>…``
  row) and table columns (pipe, tab, CSV and aligned tables, in the body or as CSV/JSON
  attachments) are read by what their label means (``layouts``): the abuse, the
  reporter's or victim's side, a reference link, the kind of abuse;
- mail headers pasted into the text or attached as ``text/rfc822-headers``: only the hop
  that handed the mail to the reporter's side is the sender; every other relay is the
  reporter's (or a forwarder's) and is set aside;
- in prose, the words just before an address say whose it is: "from 192.0.2.1",
  "your server 192.0.2.1" (the abuse) against "our sensor 192.0.2.1", "-> 192.0.2.1",
  "dst=192.0.2.1", "sinkhole 192.0.2.1", "against our checkout (192.0.2.1)" (the
  reporter's or the victim's). An address only ever named as the reporter's side is set
  aside.

Boundary: pure functions over text and a ``Document``; which indicators to report in the
end (exclusions, reference sites, limits) is ``freetext``'s decision. Every pattern here
runs over attacker text and is linear (``tests/complaints/test_intake_patterns_linear``).
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from . import indicators, layouts
from .base import Part
from .indicators import Exclusions, Indicator
from .mime import Document, html_to_text
from .util import normalize_domain, normalize_ip

MAX_TABLE_ROWS = 5000  # rows read from one inline table or attachment
MAX_JSON_BYTES = 2 * 1024 * 1024
MAX_JSON_NODES = 20_000
MAX_ATTACHMENT_TEXT = 512 * 1024
# The line ``Reading.prose`` puts between the body and each attachment's text, so the
# caller can strip each one's boilerplate on its own (a sign-off must not swallow a log).
CHUNK_BREAK = "\u2063attachment\u2063"

# "Label: value" (also "Label = value"), optionally bulleted or quoted. The label is short
# and starts with a letter; blanks around the separator are taken possessively. These are
# matched at a line's start; the lookbehinds keep a search from starting inside a run of
# blanks (which would rescan the run from each of its characters).
_FIELD = re.compile(
    r"(?<![ \t>*\-])[ \t>*\-]*+([A-Za-z][A-Za-z0-9 _/&'().#-]{0,40}?)[ \t]*+[:=][ \t]*+(\S.*)"
)
_LIST_LABEL = re.compile(r"(?<![ \t>*\-])[ \t>*\-]*+([A-Za-z][A-Za-z0-9 _/&'().#-]{0,70}):")
_LABEL_NOISE = re.compile(r"\(s\)|[#:*]")
_LABEL_SPACE = re.compile(r"[\s_\-/.]+")
_ALIGNED = re.compile(r"[ \t]{2,}")
_RULE_LINE = re.compile(r"[ \t|+:=\-]*")  # |---|---| and ===== separators
_RECEIVED_LINE = re.compile(r"(?<![ \t>])[ \t>]*+received:", re.IGNORECASE)
_HEADER_LINE = re.compile(r"(?<![ \t>])[ \t>]*+[A-Za-z][A-Za-z0-9-]{1,40}:")


def label_key(label: str) -> str:
    """A label as the tables of ``layouts`` spell it."""
    return _LABEL_SPACE.sub(" ", _LABEL_NOISE.sub("", label.lower())).strip()


@dataclass
class Reading:
    """What the structure of one complaint says."""

    found: list[Indicator] = field(default_factory=list)  # marked as the abuse, in order
    set_aside: set[str] = field(default_factory=set)  # the reporter's/victim's side, references
    kind_labels: list[str] = field(default_factory=list)  # the sender's own word for the kind
    prose: str = ""  # the text left for the prose pass
    evidence_fields: int = 0  # labelled values of the abuse (fields and table cells)
    # Relays of pasted or attached headers other than the hop into the reporter's side:
    # set aside unless the prose itself names one as the source.
    relays: set[str] = field(default_factory=set)
    # Mail headers were pasted or attached: evidence, though their lines leave the prose.
    pasted_headers: bool = False

    def add(self, items: list[Indicator]) -> None:
        self.found.extend(items)


def _values(items: list[Indicator]) -> set[str]:
    out: set[str] = set()
    for item in items:
        out.add(item.value)
        if item.kind == "url":
            host = indicators.url_host(item.value)
            out.add(normalize_ip(host) or normalize_domain(host) or host)
    return out


class _Layout:
    """The label tables for one message: the general ones plus its sender's."""

    def __init__(self, sender_domain: str | None) -> None:
        self.sender = layouts.SENDER_LAYOUTS.get(sender_domain or "")

    def role(self, key: str) -> str | None:
        sender = self.sender
        if sender is not None:
            for role, keys in (
                (layouts.SOURCE, sender.source),
                (layouts.VICTIM, sender.victim),
                (layouts.REFERENCE, sender.reference),
                (layouts.KIND, sender.kind),
            ):
                if key in keys:
                    return role
        return layouts.label_role(key)

    def phrase_role(self, key: str) -> str | None:
        """The role of a longer label by the known labels it holds as whole words
        ("reported phishing url in your network"): the reporter's side if it names that,
        else the abuse if it names that."""
        role = self.role(key)
        if role is not None or len(key) > 70:
            return role
        padded = f" {key} "
        if any(f" {label} " in padded for label in layouts.VICTIM_LABELS):
            return layouts.VICTIM
        if any(f" {label} " in padded for label in layouts.SOURCE_LABELS if len(label) > 3):
            return layouts.SOURCE
        return None


def _cell_indicators(
    text: str, excl: Exclusions, reference: datetime | None, when: datetime | None
) -> list[Indicator]:
    items = indicators.extract(text, excl, reference)
    if when is not None:
        items = [Indicator(i.kind, i.value, i.observed_at or when, i.line) for i in items]
    return items


def _row_time(line: str, reference: datetime | None) -> datetime | None:
    return next(iter(indicators.timestamps(line, reference)), None) if ":" in line else None


# --- tables --------------------------------------------------------------------------


def _split(line: str, separator: str) -> list[str]:
    if separator == "|":
        return [c.strip() for c in line.strip().strip("|").split("|")]
    if separator == "\t":
        return [c.strip() for c in line.strip().split("\t") if c.strip()]
    if separator in ",;":
        try:
            return [c.strip() for c in next(csv.reader([line], delimiter=separator))]
        except (csv.Error, StopIteration):
            return []
    return [c.strip() for c in _ALIGNED.split(line.strip()) if c.strip()]


def _separator(line: str) -> str | None:
    stripped = line.strip()
    if stripped.count("|") >= 2 or (stripped.count("|") == 1 and not stripped.startswith("|")):
        return "|"
    if "\t" in stripped:
        return "\t"
    if stripped.count(",") >= 2 and " " not in stripped.replace(", ", ","):
        return ","
    if stripped.count(";") >= 2 and " " not in stripped:
        return ";"
    if _ALIGNED.search(stripped):
        return "  "
    return None


def _header_roles(cells: list[str], layout: _Layout) -> list[str | None] | None:
    """The role of each column when ``cells`` is a header row naming at least one column
    of the abuse; None when it is not a header."""
    if len(cells) < 2 or len(cells) > 30:
        return None
    roles = []
    for cell in cells:
        if len(cell) > 40 or "://" in cell or indicators.has_address(cell):
            return None
        roles.append(layout.role(label_key(cell)) if cell else None)
    return roles if layouts.SOURCE in roles else None


def _read_row(
    cells: list[str],
    roles: list[str | None],
    reading: Reading,
    excl: Exclusions,
    reference: datetime | None,
    when: datetime | None,
) -> None:
    sources: list[Indicator] = []
    counterparts: list[Indicator] = []
    for cell, role in zip(cells, roles, strict=False):
        if not cell or role is None or role == layouts.KIND:
            if role == layouts.KIND and cell:
                reading.kind_labels.append(cell[:200])
            continue
        items = _cell_indicators(cell, excl, reference, when)
        if role == layouts.SOURCE:
            sources.extend(items)
        elif role == layouts.COUNTERPART:
            counterparts.extend(items)
        else:
            reading.set_aside |= _values(items)
    if sources:
        reading.set_aside |= _values(counterparts)
    else:
        sources = counterparts
    reading.evidence_fields += len(sources)
    reading.add(sources)


def _tables(
    lines: list[str],
    layout: _Layout,
    reading: Reading,
    excl: Exclusions,
    reference: datetime | None,
    consumed: set[int],
) -> None:
    """Inline tables: a header row naming a column of the abuse, then rows split the same
    way until a blank line or a line that does not split into enough cells."""
    index = 0
    while index < len(lines):
        line = lines[index]
        separator = _separator(line) if line.strip() else None
        roles = _header_roles(_split(line, separator), layout) if separator else None
        if roles is None or separator is None:
            index += 1
            continue
        needed = max(i for i, role in enumerate(roles) if role == layouts.SOURCE) + 1
        consumed.add(index)
        index += 1
        rows = 0
        while index < len(lines) and rows < MAX_TABLE_ROWS:
            row = lines[index]
            if not row.strip():
                break
            if _RULE_LINE.fullmatch(row):
                index += 1
                continue
            cells = _split(row, separator)
            if len(cells) < needed:
                break
            _read_row(cells, roles, reading, excl, reference, _row_time(row, reference))
            consumed.add(index)
            rows += 1
            index += 1


# --- labelled fields -----------------------------------------------------------------


def _field(line: str) -> tuple[str, str] | None:
    if "\t" in line:
        cells = [c.strip() for c in line.strip().split("\t") if c.strip()]
        if len(cells) == 2 and len(cells[0]) <= 40:
            return cells[0], cells[1]
    if ":" not in line and "=" not in line:
        return None
    match = _FIELD.match(line)
    if match is None or match.group(2).startswith("//"):
        return None
    return match.group(1), match.group(2)


def _list_label(line: str) -> str | None:
    """The label of a line that introduces a list ("Reported phishing URLs in your
    network:"), or None."""
    stripped = line.rstrip()
    if not stripped.endswith(":") or len(stripped) > 80:
        return None
    match = _LIST_LABEL.match(stripped)
    return match.group(1) if match else None


def _fields(
    lines: list[str],
    layout: _Layout,
    reading: Reading,
    excl: Exclusions,
    reference: datetime | None,
    consumed: set[int],
) -> None:
    for index, line in enumerate(lines):
        if index in consumed or not line:
            continue
        pair = _field(line)
        if pair is None:
            label = _list_label(line)
            if label and layout.phrase_role(label_key(label)) == layouts.SOURCE:
                _list_items(lines, index + 1, reading, excl, reference, consumed)
            continue
        role = layout.role(label_key(pair[0]))
        if role is None:
            continue
        if role == layouts.KIND:
            reading.kind_labels.append(pair[1][:200])
            continue
        items = _cell_indicators(pair[1], excl, reference, _row_time(line, reference))
        if role in (layouts.SOURCE, layouts.COUNTERPART):
            reading.evidence_fields += len(items)
            reading.add(items)
        else:
            reading.set_aside |= _values(items)
            consumed.add(index)  # its addresses must not come back through the prose


def _list_items(
    lines: list[str],
    start: int,
    reading: Reading,
    excl: Exclusions,
    reference: datetime | None,
    consumed: set[int],
) -> None:
    """The items under a list label: the lines up to the next blank line."""
    for index in range(start, min(len(lines), start + MAX_TABLE_ROWS)):
        line = lines[index]
        if not line.strip() or index in consumed:
            return
        items = _cell_indicators(line, excl, reference, _row_time(line, reference))
        reading.evidence_fields += len(items)
        reading.add(items)


# --- pasted and attached mail headers ------------------------------------------------


def _header_blocks(lines: list[str], consumed: set[int]) -> Iterator[list[str]]:
    """Each run of pasted header lines holding Received fields, as its Received values
    (continuation lines joined), newest first as written; the Received lines are marked
    consumed."""
    index = 0
    while index < len(lines):
        if not _RECEIVED_LINE.match(lines[index]):
            index += 1
            continue
        received: list[str] = []
        while index < len(lines):
            line = lines[index]
            if _RECEIVED_LINE.match(line):
                received.append(line.split(":", 1)[1].strip())
                consumed.add(index)
            elif line[:1] in (" ", "\t") and line.strip() and received:
                if index - 1 in consumed:
                    received[-1] += " " + line.strip()
                    consumed.add(index)
            elif not _HEADER_LINE.match(line):
                break
            index += 1
        yield received


def _read_headers(lines: list[str], reading: Reading, excl: Exclusions, consumed: set[int]) -> None:
    for received in _header_blocks(lines, consumed):
        origin = indicators.origin_ip_from_received(received, excl)
        relays = set()
        for value in received:
            for item in indicators.extract(value):
                if item.kind == "ip" and item.value != origin:
                    relays.add(item.value)
        reading.relays |= relays
        if origin:
            reading.evidence_fields += 1
            reading.pasted_headers = True
            # The hop into the reporter's side is stamped when the mail arrived: the abuse's time.
            stamp = indicators.timestamps(received[0].rsplit(";", 1)[-1]) if received else []
            when = stamp[0] if stamp else None
            reading.add([Indicator("ip", origin, when, "Received: " + received[0][:250])])


# --- evidence attachments ------------------------------------------------------------

_TEXT_SUFFIXES = (".log", ".txt", ".text", ".csv", ".tsv", ".json", ".html", ".htm", ".eml")


def _attachment_kind(part: Part) -> str | None:
    """How to read an attachment as evidence: csv, json, html, text; None to skip."""
    name = (part.filename or "").lower()
    ctype = part.content_type
    if ctype in ("text/csv", "text/tab-separated-values") or name.endswith((".csv", ".tsv")):
        return "csv"
    if ctype == "application/json" or name.endswith(".json"):
        return "json"
    if ctype == "text/html" or name.endswith((".html", ".htm")):
        return "html"
    if ctype.startswith("text/") or (
        ctype == "application/octet-stream" and name.endswith(_TEXT_SUFFIXES)
    ):
        return "text" if b"\x00" not in part.payload[:4096] else None
    return None


def _read_csv(
    text: str, layout: _Layout, reading: Reading, excl: Exclusions, reference: datetime | None
) -> None:
    sample = text[:4096]
    delimiter = "\t" if sample.count("\t") > sample.count(",") else ","
    try:
        rows = csv.reader(text.splitlines()[: MAX_TABLE_ROWS + 1], delimiter=delimiter)
        header = next(rows, None)
        roles = _header_roles([c.strip() for c in header], layout) if header else None
        if roles is None:
            return
        for row in rows:
            cells = [c.strip() for c in row]
            _read_row(cells, roles, reading, excl, reference, _row_time(",".join(cells), reference))
    except csv.Error:
        return


def _read_json(
    text: str, layout: _Layout, reading: Reading, excl: Exclusions, reference: datetime | None
) -> None:
    if len(text) > MAX_JSON_BYTES:
        return
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return
    stack: list[object] = [data]
    nodes = 0
    while stack and nodes < MAX_JSON_NODES:
        node = stack.pop()
        nodes += 1
        if isinstance(node, list):
            stack.extend(reversed(node[:MAX_TABLE_ROWS]))
            continue
        if not isinstance(node, dict):
            continue
        keys = [str(k) for k in node]
        roles = [layout.role(label_key(k)) for k in keys]
        if layouts.SOURCE in roles:
            cells = [v if isinstance(v, str) else "" for v in node.values()]
            times = " ".join(v for v in cells if v and v[:1].isdigit())
            _read_row(cells, roles, reading, excl, reference, _row_time(times, reference))
        stack.extend(v for v in node.values() if isinstance(v, dict | list))


def evidence_texts(doc: Document) -> Iterator[tuple[str, str]]:
    """(kind, text) of each textual attachment that is not the main body: CSV, JSON, HTML
    (as text) and plain text or logs, bounded."""
    body_parts = {id(p) for p in _body_parts(doc)}
    for part in doc.parts:
        if id(part) in body_parts or part.content_type.startswith("message/"):
            continue  # the body itself (and its alternatives), read by the caller
        kind = _attachment_kind(part)
        if kind is None:
            continue
        text = part.text()[:MAX_ATTACHMENT_TEXT]
        yield kind, html_to_text(text) if kind == "html" else text


def _body_parts(doc: Document) -> list[Part]:
    attached = tuple(p.path + "." for p in doc.parts if p.content_type == "message/rfc822")
    out = []
    for part in doc.parts:
        if "/" in part.path or (attached and part.path.startswith(attached)):
            continue
        if part.filename or part.headers.get("content-disposition", "").lower().startswith(
            "attachment"
        ):
            continue
        if part.content_type in ("text/plain", "text/html"):
            out.append(part)
    return out


# --- who is who in prose -------------------------------------------------------------

_OWN_NOUNS = (
    r"servers?|hosts?|sensors?|honeypots?|ips?|address(?:es)?|sites?|websites?|checkout|shop"
    r"|stores?|networks?|range|relays?|mx|infrastructure|gateways?|machines?|customers?"
    r"|systems?|services?|resolvers?|mail ?servers?|web ?servers?|traps?|spamtraps?|platform"
)
# "Our server", "my IP" in German, French, Spanish, Portuguese, Italian, Dutch and Russian.
_OWN_ABROAD = (
    r"unser\w*|mein\w*|notre|nos|mon|ma|mes|nuestr[oa]s?|mis?|noss[oa]s?|meus?|minhas?"
    r"|nostr[oiae]|mio|mia|miei|ons|onze|mijn|наш\w*|мо[йяеи]\w*"
)
_OWN_NOUNS_ABROAD = (
    r"server\w*|serveur\w*|servidor\w*|сервер\w*|ip\b|ip-\w+|adress\w*|dirección|direcciones"
    r"|endereço\w*|indirizz\w*|адрес\w*|site\b|sites\b|sitio\w*|sito\b|сайт\w*|netz\w*"
    r"|réseau\w*|red\b|rede\b|rete\b|netwerk\w*|сет[ьи]\w*|router\w*|routeur\w*|роутер\w*"
)
# The last of these before an address decides whose it is. Matched on lower-cased text.
_CUE = re.compile(
    r"(?P<own>->|=>|\u2192|\b(?:dst|dest|daddr|lip|destination|target(?:ed|ing)?|victims?"
    r"|against|towards?|sinkhole[sd]?|honeypots?|sensors?)\b"
    rf"|\b(?:our|my)\s++(?:[a-z'\u2019\-]++\s++){{0,3}}(?:{_OWN_NOUNS})\b"
    rf"|\b(?:{_OWN_ABROAD})\s++(?:[\w'\u2019\-]++\s++){{0,3}}(?:{_OWN_NOUNS_ABROAD}))"
    r"|(?P<source>\b(?:from|by|src|sources?|attackers?|attacking|offending|offenders?|your"
    r"|origin|sending|senders?|observed|detected|seen|saw|logged|caught|blocked|recorded"
    r"|flagged|spotted|noticed|identified|hosted|hosting|runs?|running"
    r"|sees|observes|detects|logs|records|catches|blocks|flags|spots|notices)\b)"
)
_OWN_HINTS = ("our ", "my ", "our\r", "my\r", "our\n", "my\n", "->", "=>", "\u2192", "dst", "dest", "lip", "target", "victim",
              "against", "toward", "sinkhole", "honeypot", "sensor",
              # the first words of _OWN_ABROAD
              "unser", "mein", "notre", "nos", "mon", "ma", "mes", "nuestr", "mi", "noss", "meu",
              "minha", "nostr", "mio", "mia", "miei", "ons", "onze", "mijn", "наш", "мой", "моя",
              "мое", "моё", "мои")  # fmt: skip
_WINDOW = 60
_LOG_TAIL = re.compile(r"(?<![a-z0-9])[a-z]++[:(,]?\s*+$")


def _role_at(text: str, lowered: str, start: int) -> str | None:
    """The role the words just before ``start`` give the value there."""
    line_start = text.rfind("\n", 0, start) + 1
    window_start = max(line_start, start - _WINDOW)
    window = lowered[window_start:start]
    sentence_end = max(window.rfind(". "), window.rfind("; "), window.rfind("! "))
    if sentence_end >= 0:  # the cue must be in the same sentence
        window = window[sentence_end + 2 :]
    role = None
    for match in _CUE.finditer(window):
        if not _resolution_arrow(window, match):
            role = match.lastgroup
    if role is None and line_start > 0 and sentence_end < 0:
        # A cue the line break cut in two ("...offline. my\nip is 192.0.2.33").
        tail = lowered[max(0, line_start - 1 - _WINDOW) : line_start - 1]
        tail = tail[tail.rfind("\n") + 1 :]
        cut = max(tail.rfind(". "), tail.rfind("; "), tail.rfind("! "))
        tail = tail[cut + 2 :] if cut >= 0 else tail
        if tail:
            joined = f"{tail} {window}"
            for match in _CUE.finditer(joined):
                if match.start() < len(tail) < match.end():
                    role = match.lastgroup
    if role is None and line_start > 0 and sentence_end < 0:
        # "... on our server\n192.0.2.70": the sentence goes on across the line break,
        # unless the line before ends like a log record (a number, an address).
        previous = lowered[max(0, line_start - 1 - _WINDOW) : line_start - 1]
        # the line just before, and only it: not across a blank line (a new paragraph)
        previous = previous[previous.rfind("\n") + 1 :]
        cut = max(previous.rfind(". "), previous.rfind("; "), previous.rfind("! "))
        previous = previous[cut + 2 :] if cut >= 0 else previous
        if _LOG_TAIL.search(previous):
            last = None
            for match in _CUE.finditer(previous):
                last = match
            # Only a cue that ends the line leads into the address on the next one.
            if last is not None and len(previous[last.end() :].split()) <= 2:
                role = last.lastgroup
    return role


_ARROWS = ("->", "=>", "\u2192")


def _resolution_arrow(window: str, match: re.Match[str]) -> bool:
    """An arrow after a host name ("c2.example.com -> 192.0.2.1") says what the name
    resolves to, not where traffic went (as after an address: "192.0.2.9:4431 -> ...")."""
    if match.group() not in _ARROWS:
        return False
    before = window[: match.start()].split()
    name = before[-1].rstrip(":,") if before else ""
    return "." in name and any(c.isalpha() for c in name) and normalize_ip(name) is None


def own_by_context(text: str, found: list[Indicator]) -> set[str]:
    """Values of ``found`` that the prose names only as the reporter's or the victim's
    (every occurrence written literally has an own-side cue before it, or none at all,
    and at least one has an own-side cue)."""
    return roles_in_prose(text, found)[0]


def roles_in_prose(
    text: str, found: list[Indicator], relays: set[str] | frozenset[str] = frozenset()
) -> tuple[set[str], set[str]]:
    """(values named only as the reporter's or victim's side, values named at least once
    as the abuse: "from 192.0.2.1", "your server 192.0.2.1"). Without any own-side word
    in the text only ``relays`` need a look (is one of them named as the source?)."""
    lowered = text.lower()
    own: set[str] = set()
    source: set[str] = set()
    if not any(hint in lowered for hint in _OWN_HINTS):
        found = [item for item in found if item.value in relays]
    for item in found:
        if item.kind == "domain":
            continue  # a bare name is the reporter's own through its From domain already
        roles = set()
        position = text.find(item.value)
        occurrences = 0
        while position >= 0 and occurrences < 50:
            end = position + len(item.value)
            # Not inside a longer token (198.51.100.1 in 198.51.100.12).
            # (A full stop ends a sentence, not the token, when no digit or letter follows.)
            follows = text[end + 1 : end + 2]
            if end >= len(text) or not (
                text[end].isalnum() or (text[end] == "." and follows.isalnum())
            ):
                roles.add(_role_at(text, lowered, position))
            occurrences += 1
            position = text.find(item.value, end)
        if "source" in roles:
            source.add(item.value)
        elif "own" in roles:
            own.add(item.value)
    return own, source


# --- the whole ------------------------------------------------------------------------


def read(
    doc: Document,
    body: str,
    exclusions: Exclusions,
    reference: datetime | None,
    sender_domain: str | None = None,
) -> Reading:
    """Read the complaint's ``body`` and ``doc``'s evidence attachments for structure.
    CSV and JSON attachments are read as tables (or as text when they have no header
    naming the abuse); textual and HTML attachments and attached originals join the text.
    ``Reading.prose`` is that text without what was consumed (pasted Received lines, lines
    labelled as the reporter's side or as references)."""
    layout = _Layout(sender_domain)
    reading = Reading()
    chunks = [body]
    for kind, attachment in evidence_texts(doc):
        doc.deadline.check()
        before = len(reading.found) + len(reading.set_aside)
        if kind == "csv":
            _read_csv(attachment, layout, reading, exclusions, reference)
        elif kind == "json":
            _read_json(attachment, layout, reading, exclusions, reference)
        as_text = kind in ("text", "html") or len(reading.found) + len(reading.set_aside) == before
        if as_text and attachment not in body:
            chunks.append(attachment)
    text = f"\n{CHUNK_BREAK}\n".join(chunks)
    lines = text.splitlines()
    consumed: set[int] = set()
    if "eceived:" in text:
        _read_headers(lines, reading, exclusions, consumed)
    _tables(lines, layout, reading, exclusions, reference, consumed)
    _fields(lines, layout, reading, exclusions, reference, consumed)
    reading.prose = "\n".join("" if i in consumed else line for i, line in enumerate(lines))
    return reading


def labelled_evidence(text: str, exclusions: Exclusions, sender_domain: str | None = None) -> int:
    """How many values of the abuse ``text`` marks by label (fields and table cells)."""
    layout = _Layout(sender_domain)
    reading = Reading()
    lines = text.splitlines()
    consumed: set[int] = set()
    _tables(lines, layout, reading, exclusions, None, consumed)
    _fields(lines, layout, reading, exclusions, None, consumed)
    return reading.evidence_fields


def sender_layout(domain: str | None) -> layouts.SenderLayout | None:
    return layouts.SENDER_LAYOUTS.get(domain or "")
