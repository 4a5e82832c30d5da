"""Is a received mail an answer to the desk's own mail rather than a new complaint?

Checked before a report is filed as a complaint: a mail sent to a ticket's signed reply
address, or referring (In-Reply-To/References) to a Message-ID we sent, is a reply. It is
filed without abuse events and threaded by ``complaints.mediation.inbound`` afterwards, so a
customer's answer is never quarantined for naming no IP, and quoting our notice never
turns into a new complaint about the customer's own address.

A bounce (``complaints.parsers.autoreply``) is an answer to our mail only when it names a
message we sent (``bounce_unmatched``); one that names nothing of ours has nothing to thread
and is quarantined "bounce-unmatched" by the intake, where an agent sees it."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from email.utils import getaddresses

from django.conf import settings

from complaints.intake.mail_auth import document_sender
from complaints.intake.storable import address_clean, text_storable
from complaints.mediation import outbound
from complaints.mediation.inbound import (
    INBOUND_REPORT_KINDS,
    MAX_INBOUND_BODY,
    InboundMail,
    inbound_thread,
)
from complaints.mediation.outbound import msgid_clean, reply_token_parse
from complaints.models import Message, Report
from complaints.parse_limits import limits
from complaints.parsers import autoreply, mime
from complaints.parsers.mime import Document

logger = logging.getLogger(__name__)

_RECIPIENT_HEADERS = ("to", "cc", "delivered-to", "x-original-to", "envelope-to")
_REFERENCE_HEADERS = ("in-reply-to", "references")
_MSGID = re.compile(r"<[^<>\s]{1,248}>")


def replies_among(docs: Mapping[int, Document]) -> set[int]:
    """The ids (keys of ``docs``) of mails that answer our own mail."""
    replies: set[int] = set()
    referenced: dict[str, set[int]] = {}
    # A reply address's local part starts with this (``outbound.reply_token_parse``): a
    # recipient field without it names none, and is not parsed (most mail, every time).
    marker = settings.DESK_REPLY_LOCALPART.lower() + "+"
    for report_id, doc in docs.items():
        recipients = [
            addr
            for name in _RECIPIENT_HEADERS
            for value in doc.headers(name)
            if marker in value.lower()
            for _, addr in getaddresses([value])
        ]
        if any(reply_token_parse(addr) for addr in recipients if addr):
            replies.add(report_id)
            continue
        for name in _REFERENCE_HEADERS:
            for value in doc.headers(name):
                for msgid in _MSGID.findall(value)[:50]:
                    if clean := msgid_clean(msgid):
                        referenced.setdefault(clean, set()).add(report_id)
    if referenced:
        ours = Message.objects.filter(message_id__in=list(referenced)).exclude(
            direction=Message.Direction.INBOUND
        )
        for msgid in ours.values_list("message_id", flat=True):
            replies |= referenced.get(msgid or "", set())
    return replies


def bounce_unmatched(data: Mapping[str, object]) -> str:
    """The quarantine's detail for a bounce (its ``ParseResult.data``) that names no message
    we sent, or "" when it names one (``complaints.mediation.inbound`` links it). The detail says
    whom the returned mail could not reach, so an agent can tell a customer's dead contact
    address from backscatter of mail forged in our name."""
    original = msgid_clean(str(data.get("original_message_id") or ""))
    if (
        original
        and Message.objects.filter(
            message_id=original, direction=Message.Direction.OUTBOUND
        ).exists()
    ):
        return ""
    recipients, statuses = _strings(data.get("recipients")), _strings(data.get("status"))
    named = f"names {original}" if original else "names no Message-ID"
    failed = f"; not delivered to {', '.join(recipients)}" if recipients else ""
    status = f" ({', '.join(statuses)})" if statuses else ""
    return f"a bounce that {named}, not a message the desk sent{failed}{status}"[:2000]


def _strings(value: object, limit: int = 5) -> list[str]:
    return [str(v)[:320] for v in value[:limit]] if isinstance(value, list) else []


def inbound_read(report_or_raw: Report | bytes) -> InboundMail:
    """A received mail (a filed report, or raw bytes) read for threading: decoded under the
    parse limits, its addresses and text storable, its bounce and auto-reply nature, and the
    sender as authentication at our border saw it."""
    report: Report | None
    if isinstance(report_or_raw, Report):
        report, raw = report_or_raw, bytes(report_or_raw.raw.content)
    else:
        report, raw = None, bytes(report_or_raw)
    doc = mime.load(raw, limits=limits())
    recipients = []
    for header in ("Delivered-To", "X-Original-To", "Envelope-To", "To", "Cc"):
        for value in doc.headers(header):
            recipients += [addr for _, addr in getaddresses([value]) if addr]
    references = []
    for header in ("In-Reply-To", "References"):
        for value in doc.headers(header):
            references += [f"<{part.strip('<> ')}>" for part in value.split() if "@" in part]
    # What the mail says is stored and looked up as text PostgreSQL can hold: one NUL
    # would otherwise lose the whole answer (``complaints.intake.storable.text_storable``).
    references = [clean for ref in references if (clean := outbound.msgid_clean(ref))]
    bounce = autoreply.is_bounce(doc) if doc.message is not None else False
    auto = autoreply.is_auto_reply(doc) if doc.message is not None else False
    bounce_of = ""
    if bounce:
        bounce_of = outbound.msgid_clean(
            autoreply.bounce_details(doc).get("original_message_id", "")
        )
    if report is not None and report.processed_at is not None:
        sender, authenticated = report.sender, report.sender_authenticated
    else:
        sender, authenticated = document_sender(doc)
    return InboundMail(
        raw=raw,
        report=report,
        from_address=address_clean(doc.from_address or sender or ""),
        recipients=[address_clean(address) for address in recipients],
        subject=text_storable(doc.subject[:998]),
        body=text_storable(doc.body_text()[:MAX_INBOUND_BODY]),
        message_id=outbound.msgid_clean(doc.header("Message-ID")),
        in_reply_to=references,
        authenticated=authenticated,
        bounce_of=bounce_of,
        is_bounce=bounce,
        is_auto_reply=auto,
    )


def message_receive_inbound(report_or_raw: Report | bytes) -> Message | None:
    """Read one received mail and thread it onto its ticket, link a bounce to the notice it
    bounces, or keep a probable reply pending for an agent (``inbound_thread``). None: not
    a reply to anything of ours."""
    return inbound_thread(inbound_read(report_or_raw))


def reports_thread_inbound(report_ids: list[int]) -> int:
    """Filed reports that are not complaints (replies, bounces, auto-replies): thread them.
    Called after filing; returns how many threaded or linked."""
    done = 0
    # Only mail that answers mail: a new complaint from someone who is a party of an open
    # ticket is a new complaint (filed with its events), never that party's answer.
    candidates = Report.objects.filter(
        pk__in=report_ids, status=Report.Status.FILED, kind__in=INBOUND_REPORT_KINDS
    )
    for report in candidates.select_related("raw"):
        try:
            if message_receive_inbound(report) is not None:
                done += 1
        except Exception:  # one bad mail must not stop the batch's other reactions
            logger.exception("threading report %s failed", report.pk)
    return done
