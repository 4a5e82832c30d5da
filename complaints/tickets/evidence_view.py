"""The evidence viewer's data: a ticket's reports decoded into what an agent may look at,
without anything an attacker wrote ever running (DESIGN.md promise 5).

- Text parts and headers are returned as text; templates escape them.
- HTML parts are only ever served by ``html_document``: sanitized with nh3 (no script, no
  event handlers, no ``javascript:`` URLs, no images, forms or frames) and then delivered
  by a view with ``Content-Security-Policy: default-src 'none'`` into an iframe whose
  ``sandbox`` attribute withholds scripts and same-origin: three independent layers.
- Attachments are never rendered: they are served as ``application/octet-stream`` with
  ``Content-Disposition: attachment`` and ``nosniff``.

Boundary: decoding is ``complaints.parsers.mime.load`` with the intake's bounds; permission
checks are the views' (a report is reachable only through a ticket the user may see).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import nh3
from django.db.models import QuerySet

from complaints.models import Report, Ticket
from complaints.parsers.base import ParseError, Part
from complaints.parsers.mime import load

MAX_TEXT_CHARS = 200_000
SHOWN_HEADERS = ("From", "To", "Cc", "Reply-To", "Date", "Subject", "Message-ID")

# nh3's defaults minus everything that fetches or embeds: images (tracking pixels and
# remote content are blocked by the CSP as well), media and frames were never allowed.
HTML_TAGS = frozenset(nh3.ALLOWED_TAGS) - {"img", "picture", "source", "map", "area"}
HTML_URL_SCHEMES = frozenset({"http", "https", "mailto"})

SANDBOX_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'; sandbox"
DOWNLOAD_CSP = "default-src 'none'; sandbox"


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


def ticket_reports(ticket: Ticket) -> QuerySet[Report]:
    """Reports that contributed events to the ticket, newest first."""
    return (
        Report.objects.filter(pk__in=ticket.events.values("report_id"))
        .select_related("reporter")
        .order_by("-received_at")
    )


def ticket_report(ticket: Ticket, report_id: int) -> Report | None:
    """``report_id`` if it belongs to ``ticket`` (through its events or its messages)."""
    return (
        Report.objects.filter(pk=report_id)
        .filter(
            pk__in=ticket.events.values("report_id").union(
                ticket.messages.filter(report__isnull=False).values("report_id")
            )
        )
        .select_related("raw", "reporter")
        .first()
    )


def _parts(report: Report) -> list[Part]:
    from complaints.processing import limits

    raw = bytes(report.raw.content)
    return load(raw, limits=limits(), filename=report.raw.filename or None).parts


def _is_attachment(part: Part) -> bool:
    disposition = part.headers.get("content-disposition", "").lower()
    if part.filename or disposition.startswith("attachment"):
        return True
    return not (part.content_type.startswith("text/") or part.content_type.startswith("message/"))


def report_view(report: Report) -> ReportView:
    """Headers, text parts, HTML part indexes and attachments of a report."""
    view = ReportView(report=report)
    try:
        from complaints.processing import limits

        raw = bytes(report.raw.content)
        doc = load(raw, limits=limits(), filename=report.raw.filename or None)
    except ParseError as exc:
        view.error = f"{exc.reason}: {exc.detail}"
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
    not an inline HTML part."""
    parts = _parts(report)
    if not 0 <= index < len(parts):
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
    """(safe file name, bytes) of part ``index``."""
    parts = _parts(report)
    if not 0 <= index < len(parts):
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
