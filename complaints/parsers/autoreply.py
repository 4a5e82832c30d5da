"""Auto-replies and bounces: mail that answers mail, not a complaint.

Responsibility: tell delivery status notifications and auto-replies from complaints, by the
structure and envelope of the *outer* message only. They are filed as non-complaints without
events, so they never open tickets and never get acknowledged (no mail loops, docs/architecture.md
promise 8). Bounce details go into ``data``.

- A **bounce** is a top-level delivery status report (RFC 3464: the message itself is
  ``multipart/report; report-type=delivery-status``), or a non-delivery notice sent with a
  null reverse-path (``Return-Path: <>``, RFC 5321 section 4.5.5) — a classic bounce from
  MAILER-DAEMON, a failure subject, or a delivery-status part inside.
- An **auto-reply** says so in its header (RFC 3834 ``Auto-Submitted: auto-replied``,
  ``X-Autoreply``/``X-Autorespond``, ``Precedence: auto_reply``), is a top-level read receipt
  (RFC 8098 ``report-type=disposition-notification``), or has a subject that *is* an
  auto-reply marker ("Automatic reply: ...", "Out of Office", "Abwesenheitsnotiz: ...").

A message marked as an auto-reply whose own text still makes a complaint (labelled
evidence, a request for action: see ``correspondence``) is left to the complaint parsers:
some CERTs' and helpdesks' ticket systems mark every mail they send that way.

Anything else is left to the complaint parsers, however much it talks about delivery: a
complaint that forwards a DSN (backscatter of spam sent in the reporter's name), a postmaster
writing about undelivered spam from one of our addresses, "Vacation rental phishing at ...".
Those carry indicators and are complaints; the pipeline quarantines the ones without any.

Boundary: ``Auto-Submitted: auto-generated`` alone is *not* enough — ARF, X-ARF,
Shadowserver and most notifiers are auto-generated too; those reports are left to their
parsers. Whether a bounce names a message of ours is decided by the pipeline (a bounce with
nothing to thread is quarantined "bounce-unmatched", complaints.intake.reply_detection).
"""

from __future__ import annotations

import re
from email.parser import HeaderParser
from email.policy import compat32
from email.utils import collapse_rfc2231_value, parseaddr

from . import correspondence, indicators, structure
from .base import ParseResult
from .mime import Document, decode_header_value

# The marker is the whole subject, or is followed by a colon (the answered subject after it).
_REPLY_SUBJECT = re.compile(
    r"^\s*(?:auto(?:matic)?[- ]?(?:reply|response|antwort)|out of (?:the )?office(?: reply)?|"
    r"abwesenheit(?:snotiz)?|r[ée]ponse automatique|respuesta autom[aá]tica|"
    r"risposta automatica|vacation (?:reply|response|notice|message)|autosvar|"
    r"automatisch antwoord)\s*(?::|$)",
    re.I,
)
_BOUNCE_SUBJECT = re.compile(
    r"undeliver(?:ed|able)|delivery (?:status notification|failure|has failed)|"
    r"mail delivery (?:failed|system)|returned mail|failure notice|non[- ]?delivery",
    re.I,
)
_BOUNCE_SENDER = re.compile(r"^(?:mailer-daemon|postmaster|mail-daemon)@", re.I)
_DSN_PARTS = ("message/delivery-status", "message/global-delivery-status")


def _is_abuse_report(doc: Document) -> bool:
    return bool(
        doc.find("message/feedback-report")
        or doc.header("X-ARF")
        or _top_level_report_type(doc) == "feedback-report"
    )


def _top_level_report_type(doc: Document) -> str:
    """The ``report-type`` of the outer message when it is ``multipart/report``, else ""."""
    message = doc.message
    if message is None or message.get_content_type() != "multipart/report":
        return ""
    try:
        value = message.get_param("report-type")
    except (ValueError, TypeError, IndexError, LookupError):
        return ""
    if value is None:
        return ""
    return str(collapse_rfc2231_value(value) if isinstance(value, tuple) else value).lower()


def _null_sender(doc: Document) -> bool:
    """The delivering server recorded an empty reverse-path (the topmost Return-Path)."""
    if doc.message is None or "Return-Path" not in doc.message:
        return False
    value = doc.header("Return-Path").strip()
    return value in ("", "<>") or (value.startswith("<") and parseaddr(value)[1] == "")


def is_bounce(doc: Document) -> bool:
    """A delivery failure: a DSN, or a null-sender message that reads as one. Also asked
    by the intake when it reads an answer for threading."""
    if doc.message is None:
        return False
    if _top_level_report_type(doc) == "delivery-status":
        return True
    if not _null_sender(doc):
        return False
    return bool(
        _BOUNCE_SUBJECT.search(doc.subject)
        or _BOUNCE_SENDER.match(doc.from_address or "")
        or doc.find(*_DSN_PARTS)
    )


def is_auto_reply(doc: Document) -> bool:
    """An automatic answer (out-of-office, ticket acknowledgement...), by its headers."""
    if doc.message is None:
        return False
    auto = doc.header("Auto-Submitted").lower()
    if auto.startswith("auto-replied"):
        return True
    if doc.header("X-Autoreply") or doc.header("X-Autorespond"):
        return True
    if doc.header("Precedence").lower() in ("auto_reply", "auto-reply"):
        return True
    if _top_level_report_type(doc) == "disposition-notification":
        return True
    return bool(_REPLY_SUBJECT.match(doc.subject))


def _complaint_inside(doc: Document) -> bool:
    """A complaint sent by a ticket system or helpdesk that marks all its mail as an
    automatic reply (RT's "Auto-Submitted: auto-replied", "X-Autoreply", "Precedence:
    auto_reply", an "Automatic response:" subject) is still a complaint: its own text
    labels the abuse ("URL: …", "Origin IP: …") or asks for action ("please remove…").
    A vacation notice or an acknowledgement does neither."""
    body = doc.body_text()
    sender = doc.from_address.rsplit("@", 1)[1] if doc.from_address else None
    fields = structure.labelled_evidence(
        correspondence.own_text(body),
        indicators.reporter_exclusions(doc),
        indicators.registrable(sender) if sender else None,
    )
    return correspondence.looks_like_complaint(body, evidence_fields=fields)


class AutoreplyParser:
    name = "autoreply"

    def detect(self, doc: Document) -> bool:
        if doc.message is None or _is_abuse_report(doc):
            return False
        return is_bounce(doc) or (is_auto_reply(doc) and not _complaint_inside(doc))

    def parse(self, doc: Document) -> ParseResult:
        if is_bounce(doc):
            return ParseResult(
                format=self.name,
                is_complaint=False,
                kind="bounce",
                reporter_address=doc.from_address,
                subject=doc.subject,
                summary="delivery status notification (bounce)",
                data=bounce_details(doc),
            )
        return ParseResult(
            format=self.name,
            is_complaint=False,
            kind="auto-reply",
            reporter_address=doc.from_address,
            subject=doc.subject,
            summary="automatic reply",
            data={
                "auto_submitted": doc.header("Auto-Submitted"),
                "in_reply_to": doc.header("In-Reply-To"),
            },
        )


def bounce_details(doc: Document) -> dict:
    recipients, statuses, actions = [], [], []
    for part in doc.find("message/delivery-status", "message/global-delivery-status"):
        # RFC 3464: a per-message block, then one block per recipient, in header syntax.
        for block in re.split(r"\r?\n\s*\r?\n", part.text()[:65536]):
            fields = HeaderParser(policy=compat32).parsestr(block, headersonly=True)
            recipient = fields.get("Final-Recipient") or fields.get("Original-Recipient")
            if recipient:
                recipients.append(decode_header_value(recipient).split(";", 1)[-1].strip())
            if fields.get("Status"):
                statuses.append(decode_header_value(fields["Status"]).split()[0])
            if fields.get("Action"):
                actions.append(decode_header_value(fields["Action"]).lower())
    original_id = ""
    for part in doc.find("message/rfc822", "text/rfc822-headers"):
        head = HeaderParser(policy=compat32).parsestr(part.text()[:65536], headersonly=True)
        original_id = decode_header_value(head.get("Message-ID", ""))
        if original_id:
            break
    return {
        "original_message_id": original_id or doc.header("In-Reply-To"),
        "recipients": recipients[:50],
        "status": statuses[:50],
        "action": actions[:50],
    }


PARSER = AutoreplyParser()
