"""Auto-replies and bounces: mail that answers mail, not a complaint.

Responsibility: delivery status notifications (RFC 3464 ``multipart/report;
report-type=delivery-status`` or the classic MAILER-DAEMON bounce) and auto-replies
(RFC 3834 ``Auto-Submitted: auto-replied``, vacation/out-of-office markers). They are filed
as non-complaints without events, so they never open tickets and never get acknowledged
(no mail loops, DESIGN.md promise 8). Bounce details go into ``data``.

Boundary: ``Auto-Submitted: auto-generated`` alone is *not* enough — ARF, X-ARF,
Shadowserver and most notifiers are auto-generated too; those reports are left to their
parsers.
"""

from __future__ import annotations

import re
from email.parser import HeaderParser
from email.policy import compat32

from .base import ParseResult
from .mime import Document, decode_header_value

_REPLY_SUBJECT = re.compile(
    r"^\s*(?:auto(?:matic)?[- ]?(?:reply|response|antwort)|out of (?:the )?office|"
    r"abwesenheit|r[ée]ponse automatique|respuesta autom[aá]tica|risposta automatica|"
    r"vacation|on leave|autosvar|automatisch antwoord)",
    re.I,
)
_BOUNCE_SUBJECT = re.compile(
    r"undeliver(?:ed|able)|delivery (?:status notification|failure|has failed)|"
    r"mail delivery (?:failed|system)|returned mail|failure notice|non[- ]?delivery",
    re.I,
)
_BOUNCE_SENDER = re.compile(r"^(?:mailer-daemon|postmaster|mail-daemon)@", re.I)


def _is_abuse_report(doc: Document) -> bool:
    return bool(
        doc.find("message/feedback-report")
        or doc.header("X-ARF")
        or "report-type=feedback-report" in doc.header("Content-Type").lower().replace(" ", "")
    )


def _is_bounce(doc: Document) -> bool:
    if doc.find("message/delivery-status", "message/global-delivery-status"):
        return True
    ctype = doc.header("Content-Type").lower().replace(" ", "")
    if "report-type=delivery-status" in ctype:
        return True
    if not _BOUNCE_SUBJECT.search(doc.subject):
        return False
    # RFC 5321 4.5.5: a DSN is sent with a null reverse-path.
    null_sender = doc.header("Return-Path").strip() in ("<>", "")
    return bool(_BOUNCE_SENDER.match(doc.from_address or "")) or (
        null_sender and doc.message is not None and "Return-Path" in doc.message
    )


def _is_auto_reply(doc: Document) -> bool:
    auto = doc.header("Auto-Submitted").lower()
    if auto.startswith("auto-replied"):
        return True
    if doc.header("X-Autoreply") or doc.header("X-Autorespond"):
        return True
    if doc.header("Precedence").lower() in ("auto_reply", "auto-reply"):
        return True
    return bool(_REPLY_SUBJECT.search(doc.subject))


class AutoreplyParser:
    name = "autoreply"

    def detect(self, doc: Document) -> bool:
        if doc.message is None or _is_abuse_report(doc):
            return False
        return _is_bounce(doc) or _is_auto_reply(doc)

    def parse(self, doc: Document) -> ParseResult:
        if _is_bounce(doc):
            return ParseResult(
                format=self.name,
                is_complaint=False,
                kind="bounce",
                reporter_address=doc.from_address,
                subject=doc.subject,
                summary="delivery status notification (bounce)",
                data=_bounce_details(doc),
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


def _bounce_details(doc: Document) -> dict:
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
