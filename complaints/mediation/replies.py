"""Is a received mail an answer to the desk's own mail rather than a new complaint?

Checked before a report is filed as a complaint: a mail sent to a ticket's signed reply
address, or referring (In-Reply-To/References) to a Message-ID we sent, is a reply. It is
filed without abuse events and threaded by ``complaints.mediation`` afterwards, so a
customer's answer is never quarantined for naming no IP, and quoting our notice never
turns into a new complaint about the customer's own address."""

from __future__ import annotations

import re
from collections.abc import Mapping
from email.utils import getaddresses

from complaints.models import Message
from complaints.outbound import msgid_clean, reply_token_parse
from complaints.parsers.mime import Document

_RECIPIENT_HEADERS = ("to", "cc", "delivered-to", "x-original-to", "envelope-to")
_REFERENCE_HEADERS = ("in-reply-to", "references")
_MSGID = re.compile(r"<[^<>\s]{1,248}>")


def replies_among(docs: Mapping[int, Document]) -> set[int]:
    """The ids (keys of ``docs``) of mails that answer our own mail."""
    replies: set[int] = set()
    referenced: dict[str, set[int]] = {}
    for report_id, doc in docs.items():
        recipients = [
            addr
            for name in _RECIPIENT_HEADERS
            for value in doc.headers(name)
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
