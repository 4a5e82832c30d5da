"""The evidence viewer's data: a ticket's reports decoded into what an agent may look at,
without anything an attacker wrote ever running (docs/architecture.md promise 5).

- Text parts and headers are returned as text; templates escape them.
- HTML parts are only ever served by ``html_document``: sanitized with nh3 (no script, no
  event handlers, no ``javascript:`` URLs, no images, forms or frames) and then delivered
  by a view with ``Content-Security-Policy: default-src 'none'`` into an iframe whose
  ``sandbox`` attribute withholds scripts and same-origin: three independent layers.
- Attachments are never rendered: they are served as ``application/octet-stream`` with
  ``Content-Disposition: attachment`` and ``nosniff``.

A report whose bytes are missing (no stored raw) or cannot be decoded is a page that says so
(``RAW_MISSING``, ``ReportView.error``), never a server error: ``report_raw`` is the one way
the viewer and the downloads reach the bytes.

Boundary: decoding is ``complaints.parsers.mime.load`` with the intake's bounds; permission
checks are the views' (a report is reachable only through a ticket the user may see) and the
report selectors' (a report that also reaches a ticket the user may not see, through its
events or the messages it became, is not shown through any ticket).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import nh3
from django.db.models import QuerySet

from accounts.roles import AnyUser
from complaints.models import Report, ReportRaw, Ticket
from complaints.parse_limits import limits
from complaints.parsers.base import ParseError, Part
from complaints.parsers.mime import load
from complaints.permissions import reports_reaching_only_visible

MAX_TEXT_CHARS = 200_000
SHOWN_HEADERS = ("From", "To", "Cc", "Reply-To", "Date", "Subject", "Message-ID")

# nh3's defaults minus everything that fetches or embeds: images (tracking pixels and
# remote content are blocked by the CSP as well), media and frames were never allowed.
HTML_TAGS = frozenset(nh3.ALLOWED_TAGS) - {"img", "picture", "source", "map", "area"}
HTML_URL_SCHEMES = frozenset({"http", "https", "mailto"})

SANDBOX_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'; sandbox"
DOWNLOAD_CSP = "default-src 'none'; sandbox"
RAW_MISSING = (
    "The message as received is not stored for this report: there is nothing to show or download."
)


@dataclass
class ViewPart:
    index: int
    content_type: str
    filename: str
    size: int
    text: str = ""
    is_html: bool = False
    is_attachment: bool = False


@dataclass
class ReportView:
    report: Report
    headers: list[tuple[str, str]] = field(default_factory=list)
    texts: list[ViewPart] = field(default_factory=list)
    htmls: list[ViewPart] = field(default_factory=list)
    attachments: list[ViewPart] = field(default_factory=list)
    error: str = ""
    raw_missing: bool = False


def ticket_reports(ticket: Ticket, *, user: AnyUser) -> QuerySet[Report]:
    """Reports that contributed events to the ticket and that ``user`` may read, newest
    first."""
    reports = Report.objects.filter(pk__in=ticket.events.values("report_id"))
    return (
        reports_reaching_only_visible(user, reports)
        .select_related("reporter")
        .order_by("-received_at")
    )


def ticket_report(ticket: Ticket, report_id: int, *, user: AnyUser) -> Report | None:
    """``report_id`` if it belongs to ``ticket`` (through its events or its messages) and
    reaches no ticket ``user`` may not see."""
    report = Report.objects.filter(pk=report_id).filter(
        pk__in=ticket.events.values("report_id").union(
            ticket.messages.filter(report__isnull=False).values("report_id")
        )
    )
    return reports_reaching_only_visible(user, report).select_related("raw", "reporter").first()


def report_raw(report: Report) -> ReportRaw | None:
    """The report's stored bytes, or None when none are stored. Receiving commits them
    before anything else (docs/architecture.md promise 1), but a row written around the
    intake, a partial restore or a hand-repaired database can lack them: the pages then say
    so instead of failing."""
    try:
        return report.raw  # type: ignore[attr-defined, no-any-return]
    except ReportRaw.DoesNotExist:
        return None


def _parts(report: Report) -> list[Part] | None:
    """The decoded parts, or None when the bytes are missing or cannot be decoded."""
    raw = report_raw(report)
    if raw is None:
        return None
    try:
        return load(bytes(raw.content), limits=limits(), filename=raw.filename or None).parts
    except (ParseError, RecursionError):
        return None


def _is_attachment(part: Part) -> bool:
    disposition = part.headers.get("content-disposition", "").lower()
    if part.filename or disposition.startswith("attachment"):
        return True
    return not (part.content_type.startswith("text/") or part.content_type.startswith("message/"))


def report_view(report: Report) -> ReportView:
    """Headers, text parts, HTML part indexes and attachments of a report."""
    view = ReportView(report=report)
    raw = report_raw(report)
    if raw is None:
        view.error, view.raw_missing = RAW_MISSING, True
        return view
    try:
        doc = load(bytes(raw.content), limits=limits(), filename=raw.filename or None)
    except ParseError as exc:
        view.error = f"{exc.reason}: {exc.detail}" if exc.detail else exc.reason
        return view
    except RecursionError:  # as the intake treats it (intake/filing/pipeline.py)
        view.error = "mime-too-deep: nesting exhausted the parser"
        return view
    for name in SHOWN_HEADERS:
        for value in doc.headers(name):
            view.headers.append((name, value[:2000]))
    for index, part in enumerate(doc.parts):
        item = ViewPart(
            index=index,
            content_type=part.content_type,
            filename=part.filename or "",
            size=len(part.payload),
        )
        if _is_attachment(part):
            item.is_attachment = True
            view.attachments.append(item)
        elif part.content_type == "text/html":
            item.is_html = True
            view.htmls.append(item)
        else:
            item.text = part.text()[:MAX_TEXT_CHARS]
            view.texts.append(item)
    return view


def html_document(report: Report, index: int) -> str | None:
    """The sanitized HTML of part ``index``, as a complete document; None if that part is
    not an inline HTML part (or the report's bytes are missing or unreadable)."""
    parts = _parts(report)
    if parts is None or not 0 <= index < len(parts):
        return None
    part = parts[index]
    if part.content_type != "text/html" or _is_attachment(part):
        return None
    return html_sanitize(part.text()[:MAX_TEXT_CHARS])


def html_sanitize(html: str) -> str:
    cleaned = nh3.clean(
        html,
        tags=set(HTML_TAGS),
        url_schemes=set(HTML_URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    return (
        '<!doctype html><html><head><meta charset="utf-8">'
        '<meta name="referrer" content="no-referrer"></head><body>'
        f"{cleaned}</body></html>"
    )


def attachment(report: Report, index: int) -> tuple[str, bytes] | None:
    """(safe file name, bytes) of part ``index``; None when there is no such part (or the
    report's bytes are missing or unreadable)."""
    parts = _parts(report)
    if parts is None or not 0 <= index < len(parts):
        return None
    part = parts[index]
    return safe_filename(part.filename or f"part-{index}.bin"), part.payload


_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")


def safe_filename(name: str) -> str:
    """An ASCII file name for Content-Disposition: no quotes, slashes, controls or
    right-to-left tricks, never starting with a dot, with ``.bin`` appended so no browser
    or desktop treats the download as something to open with a program."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    ascii_name = _UNSAFE.sub("_", ascii_name).strip(" ._")[:120] or "attachment"
    return f"{ascii_name}.bin"
