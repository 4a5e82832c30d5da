"""Did a received message pass authentication at *our* border?

Only the **topmost** ``Authentication-Results`` header field of the message counts, and
only when its authserv-id is one of ours (``settings.TRUSTED_AUTHSERV_IDS``). Our MX
prepends its header above everything the sender wrote; hops after it (the delivery agent's
``Received``/``Return-Path``/``Delivered-To``) add no such field. So any
``Authentication-Results`` below the topmost one was written before the mail reached us and
proves nothing, even when it carries our authserv-id (RFC 8601 section 5: a forged field
claiming to be from inside the trust boundary). When the topmost field is somebody else's,
the message is not authenticated at all: we do not go looking further down for one that
looks like ours. What this asks of the MX: write one combined field on every message
(rspamd and authentication_milter do; with one field per milter only the topmost is read),
and remove any field claiming its authserv-id that arrives from outside (RFC 8601 section
5) — a message our MX did not stamp at all is otherwise indistinguishable from one whose
sender wrote our id into its first header.

A message is authenticated when that field records ``dmarc=pass`` for the very From domain
we read (``header.from``), or an aligned ``dkim=pass`` (``header.d``/``header.i``), and the
message has exactly one From address (a second From must not borrow the pass).

The field is read raw (no RFC 2047 decoding) and tokenised as RFC 8601 says: comments are
dropped, quoted strings stay whole, results are split at ``;`` outside both, so text the
sender controls inside our MX's field (a quoted ``smtp.mailfrom`` local part, a comment)
cannot smuggle in a ``dmarc=pass``. One linear pass over at most ``MAX_FIELD_CHARS``.

Only mail that reached us as mail can be authenticated: a raw message uploaded through the
API or the web form never passed our MX, so every header in it is the uploader's
(``reports_received_by_mail``; the intake asks it for each batch).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings

from complaints.models import Receipt
from complaints.parsers import mime
from complaints.parsers.mime import Document

MAX_FIELD_CHARS = 16384


@dataclass(frozen=True)
class AuthResult:
    """One ``resinfo`` of an Authentication-Results field: ``dkim=pass header.d=x``."""

    method: str
    result: str
    properties: dict[str, str] = field(default_factory=dict)


def auth_results_parse(value: str) -> tuple[str, list[AuthResult]]:
    """(authserv-id, results) of one raw field value; ("", []) when it has no authserv-id.

    Method, result and property names are lower-cased; property values keep their case."""
    segments = _segments(value[:MAX_FIELD_CHARS])
    if not segments or not segments[0]:
        return "", []
    authserv_id = segments[0][0].lower()
    results = []
    for items in segments[1:]:
        if not items or "=" not in items[0]:
            continue
        method, _, result = items[0].partition("=")
        method = method.split("/", 1)[0].strip().lower()  # "dkim/1" carries a version
        properties: dict[str, str] = {}
        for item in items[1:]:
            name, eq, prop_value = item.partition("=")
            if eq and name and name.lower() not in properties:
                properties[name.lower()] = prop_value
        results.append(AuthResult(method, result.strip().lower(), properties))
    return authserv_id, results


def _segments(value: str) -> list[list[str]]:
    """The field split at ``;`` into segments of whitespace-separated items, comments
    removed and quoted strings unquoted in place (both only outside each other); ``a = b``
    closed up to ``a=b`` (RFC 8601 allows blanks around ``=``). Linear: one look at each
    character. An unterminated quote or comment ends the field (its rest is not read)."""
    segments: list[list[str]] = []
    items: list[str] = []
    item: list[str] = []
    depth = 0  # comment nesting
    quoted = escaped = False
    for char in value:
        if escaped:
            escaped = False
            if not depth:
                item.append(char)
        elif char == "\\" and (quoted or depth):
            escaped = True
        elif quoted:
            if char == '"':
                quoted = False
            else:
                item.append(char)
        elif depth:
            depth += {"(": 1, ")": -1}.get(char, 0)
        elif char in "(; \t\r\n":
            if item:
                items.append("".join(item))
                item = []
            if char == "(":
                depth = 1
            elif char == ";":
                segments.append(_closed_up(items))
                items = []
        elif char == '"':
            quoted = True
        else:
            item.append(char)
    if quoted or depth:
        return segments
    if item:
        items.append("".join(item))
    segments.append(_closed_up(items))
    return segments


def _closed_up(items: list[str]) -> list[str]:
    """``["dkim", "=", "pass"]``, ``["dkim=", "pass"]``, ``["dkim", "=pass"]`` → ``["dkim=pass"]``."""
    out: list[str] = []
    for item in items:
        if out and (
            (out[-1].endswith("=") and out[-1].count("=") == 1)
            or (item.startswith("=") and "=" not in out[-1])
        ):
            out[-1] += item
        else:
            out.append(item)
    return out


def sender_authenticated(
    auth_results: Iterable[str], from_address: str | None, trusted_authserv_ids: Iterable[str]
) -> bool:
    """Whether the topmost of ``auth_results`` (raw field values, in message order) was
    written by one of ``trusted_authserv_ids`` and records a pass for ``from_address``."""
    if not from_address or "@" not in from_address:
        return False
    from_domain = from_address.rsplit("@", 1)[1].lower()
    trusted = {t.strip().lower() for t in trusted_authserv_ids if t.strip()}
    topmost = next(iter(auth_results), None)
    if not trusted or topmost is None:
        return False
    authserv_id, results = auth_results_parse(topmost)
    if authserv_id not in trusted:
        return False
    for result in results:
        if result.result != "pass":
            continue
        if result.method == "dmarc":
            # The result is about the From our MX saw: it must be the From we read.
            recorded = result.properties.get("header.from", "").lower()
            if recorded and _aligned(recorded, from_domain):
                return True
        elif result.method == "dkim":
            signer = result.properties.get("header.d") or result.properties.get("header.i", "")
            signer = signer.rpartition("@")[2].lower()
            if signer and _aligned(signer, from_domain):
                return True
    return False


def _aligned(signing_domain: str, from_domain: str) -> bool:
    """Relaxed alignment without a public-suffix list: same domain or one a subdomain of
    the other."""
    return (
        signing_domain == from_domain
        or from_domain.endswith("." + signing_domain)
        or signing_domain.endswith("." + from_domain)
    )


def _single_from(doc: Document) -> bool:
    """Exactly one From field holding exactly one address (RFC 7489 section 6.6.1: DMARC
    is not evaluated otherwise, so no pass can be about it)."""
    if doc.message is None:
        return False
    values = doc.message.get_all("From", [])
    if len(values) != 1:
        return False
    return len([a for _, a in mime.addresses(str(values[0])) if a]) == 1


def reports_received_by_mail(report_ids: Iterable[int]) -> set[int]:
    """Those of ``report_ids`` that arrived as mail (an IMAP mailbox, or a mail file given to
    the ingest command by an operator), the only ones whose headers our MX may have written."""
    return set(
        Receipt.objects.filter(
            report_id__in=list(report_ids),
            channel__in=[Receipt.Channel.IMAP, Receipt.Channel.FILE],
        ).values_list("report_id", flat=True)
    )


def document_sender(doc: Document, fallback: str | None = None) -> tuple[str, bool]:
    """(sender address, authenticated at our border) of a loaded mail; the parser's idea of
    the reporter stands in when the mail has no usable From."""
    sender = (doc.from_address or fallback or "").lower()[:320]
    if doc.message is None or not doc.from_address or not _single_from(doc):
        return sender, False
    # Raw values, in message order: RFC 2047 decoding would let encoded words written by
    # the sender inside our MX's field turn into separators.
    raw = [str(v) for v in doc.message.get_all("Authentication-Results", [])]
    return sender, sender_authenticated(raw, sender, settings.TRUSTED_AUTHSERV_IDS)
