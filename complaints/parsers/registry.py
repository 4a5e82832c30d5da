"""The parser registry: which parser handles a report, chosen by content.

Responsibility: load the report once (``mime.load``), ask each parser in
``PARSER_MODULES`` order (most specific first) whether it recognises the *content*, and
run the first that does; ``freetext`` is the fallback. Whatever a parser does wrong, the
caller gets a ``ParseResult``, a ``ParseError`` or a ``LimitExceeded`` — never another
exception (docs/architecture.md promise 3: every report reaches a visible final state).

Boundary: no database and no policy here; the pipeline decides what a result with no
events means (quarantine "no-indicators").
"""

from __future__ import annotations

import importlib
import logging
from functools import cache
from typing import Protocol

from .base import LimitExceeded, Limits, ParseError, ParseResult
from .mime import Document, load

logger = logging.getLogger(__name__)

# Most specific first: report types with an unambiguous machine-readable part come before
# the ones recognised by layout or wording; autoreply sits early so an out-of-office that
# quotes a complaint is not filed as a complaint, but after dmarc/tlsrpt whose reports are
# legitimately Auto-Submitted.
PARSER_MODULES: list[str] = [
    "dmarc",
    "tlsrpt",
    "autoreply",
    "arf",
    "xarf",
    "iodef",
    "acns",
    "shadowserver",
    "spamcop",
    "blocklistde",
    "feeds",
    "jmrp",
    "senders",
    "api",
    "freetext",
]
FALLBACK = "freetext"

# What each parser's reports are, in the words an agent uses (a report's ``format`` is the
# name of the parser that read it).
FORMAT_LABELS: dict[str, str] = {
    "api": "the desk's submission schema",
    "arf": "ARF feedback report",
    "xarf": "X-ARF report",
    "jmrp": "Microsoft JMRP feedback report",
    "shadowserver": "Shadowserver report",
    "spamcop": "SpamCop report",
    "acns": "ACNS copyright notice",
    "iodef": "IODEF incident report",
    "blocklistde": "blocklist.de report",
    "dmarc": "DMARC aggregate report",
    "tlsrpt": "TLS report",
    "feeds": "feed file",
    "senders": "complaint from a known notifier",
    "freetext": "free-text complaint",
    "autoreply": "automatic reply",
}


def format_label(name: str, channel: str = "") -> str:
    """How a report came and what it is: ``channel`` is its first receipt's ("web", "api",
    "imap", "file"). A complaint taken down in the web form and one sent to the REST API
    share the schema, so the channel tells them apart."""
    if name == "api":
        return "entered in the web form" if channel == "web" else "submitted through the REST API"
    label = FORMAT_LABELS.get(name, name or "not parsed")
    return f"{label}, pasted into the web form" if channel == "web" else label


class Parser(Protocol):
    name: str

    def detect(self, doc: Document) -> bool: ...

    def parse(self, doc: Document) -> ParseResult: ...


@cache
def parsers() -> tuple[Parser, ...]:
    """The available parsers in registry order. A module missing from disk (during
    development) is skipped with a warning; ``tests/parsers/test_registry`` insists on
    all of them."""
    found = []
    for module_name in PARSER_MODULES:
        try:
            module = importlib.import_module(f"{__package__}.{module_name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__package__}.{module_name}":
                raise
            logger.warning("parser module %s is missing; skipped", module_name)
            continue
        found.append(module.PARSER)
    return tuple(found)


def parser_names() -> list[str]:
    return [p.name for p in parsers()]


def parse(raw: bytes, *, limits: Limits = Limits(), filename: str | None = None) -> ParseResult:  # noqa: B008
    """Parse one report; raise only ``ParseError`` (incl. ``LimitExceeded``)."""
    return parse_document(load(raw, limits=limits, filename=filename))


def parse_document(doc: Document) -> ParseResult:
    """Parse an already loaded report (the intake keeps the Document for its own header
    checks, so the message is decoded once)."""
    available = parsers()
    chosen = next((p for p in available if p.name == FALLBACK), None)
    for parser in available:
        if parser.name == FALLBACK:
            continue
        doc.deadline.check()
        try:
            hit = parser.detect(doc)
        except ParseError:
            raise
        except Exception as exc:  # a detector bug must not sink the report
            raise ParseError("parser-crash", f"{parser.name}.detect: {type(exc).__name__}") from exc
        if hit:
            chosen = parser
            break
    if chosen is None:
        raise ParseError("no-parser", "no parser recognised the report")
    try:
        result = chosen.parse(doc)
    except (ParseError, LimitExceeded):
        raise
    except RecursionError as exc:
        raise LimitExceeded("mime-too-deep", f"{chosen.name}: recursion") from exc
    except Exception as exc:  # promise 3: a parser bug quarantines, never propagates
        raise ParseError("parser-crash", f"{chosen.name}: {type(exc).__name__}") from exc
    if not result.format:
        result.format = chosen.name
    return result
