"""The legal mailbox (issue 14 item 8; docs/architecture.md "Legal desk"): an IMAP mailbox
whose purpose is legal. It is polled by the intake's own IMAP code
(``complaints.intake.imap.mailbox_poll``: locks, UIDVALIDITY, bounded fetches, acknowledged
only after the commit) with this module's ``Receiver``: each mail's bytes are committed as a
``LegalMail`` together with the unclassified legal request it becomes, before the IMAP
server is told. Nothing of it becomes a report, a ticket or an acknowledgement: the abuse
queue and everyone outside legal never see it.

A mailbox is designated by ``legal_mailbox_designate``, which also switches it off for the
abuse poll (``complaints.mailboxes_poll`` polls enabled mailboxes only); beat polls the
legal mailboxes (``legal.mailboxes_poll``, one ``legal.mailbox_poll`` task each) whatever
that switch says.

The mail is read under the intake's parse limits (``inbound_read``): the sender as the
border's authentication saw it, the subject and the text. Whether the sender was
authenticated is recorded and shown: a request from a police mailbox is verified by a
callback all the same (forged requests come from compromised real mailboxes).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from django.db import transaction

from accounts.roles import AnyUser
from complaints.intake.imap import PollResult, Receiver, mailbox_poll
from complaints.intake.mailboxes import mailbox_update
from complaints.intake.receiving import Arrival, Received
from complaints.intake.reply_detection import inbound_read
from complaints.models import Mailbox
from complaints.parsers.base import ParseError
from legal.models import LegalMail, LegalMailbox, LegalRequest, RequestType
from legal.services import request_receive, request_record, require_legal_actor

DESCRIPTION_CHARS = 4000


def _request_of(mail: LegalMail, *, authenticated: bool, body: str) -> LegalRequest:
    note = "" if authenticated else " (the sender was NOT authenticated at our border)"
    request = request_receive(
        actor=None,
        type=RequestType.UNCLASSIFIED,
        authority=mail.sender or "(unknown sender)",
        jurisdiction="",
        channel="mailbox",
        officer_email=mail.sender if "@" in mail.sender and " " not in mail.sender else "",
        description=(f"Subject: {mail.subject}{note}\n\n{body}")[:DESCRIPTION_CHARS],
        source_sha256=mail.sha256,
    )
    if mail.truncated:
        request_record(request, actor=None, verb="mail.truncated",
                       reason=f"the mail had {mail.size} bytes; only its beginning was kept")  # fmt: skip
    return request


def legal_mail_receive(arrivals: Sequence[Arrival], queue: bool) -> list[Received]:
    """The legal mailbox's ``Receiver.receive``: one transaction for the batch, each new mail
    stored with its request; the same message again ("refetch") or the same bytes again
    ("duplicate") makes nothing new."""
    answers: list[Received] = []
    with transaction.atomic():
        for arrival in arrivals:
            known = None
            if arrival.mailbox is not None and arrival.uid is not None:
                known = LegalMail.objects.filter(
                    mailbox=arrival.mailbox, uidvalidity=arrival.uidvalidity, uid=arrival.uid
                ).first()
            if known is not None:
                answers.append(Received(report_id=known.pk, outcome="refetch", receipt_id=None))
                continue
            digest = hashlib.sha256(arrival.raw).hexdigest()
            same = LegalMail.objects.filter(sha256=digest).first()
            if same is not None:
                answers.append(Received(report_id=same.pk, outcome="duplicate", receipt_id=None))
                continue
            try:
                read = inbound_read(arrival.raw)
                sender, subject, body = read.from_address, read.subject, read.body
                authenticated = read.authenticated
            except ParseError:  # unreadable mail is still a legal request: its bytes are kept
                sender, subject, body, authenticated = "", "(unreadable mail)", "", False
            mail = LegalMail.objects.create(
                mailbox=arrival.mailbox, uidvalidity=arrival.uidvalidity, uid=arrival.uid,
                sha256=digest, raw=arrival.raw, size=arrival.data.get("size", len(arrival.raw)),
                truncated=bool(arrival.data.get("truncated")), sender=sender[:320],
                sender_authenticated=authenticated, subject=subject[:998],
            )  # fmt: skip
            mail.request = _request_of(mail, authenticated=authenticated, body=body)
            mail.save(update_fields=["request"])
            answers.append(Received(report_id=mail.pk, outcome="new", receipt_id=None))
    return answers


def _legal_mail_too_large(arrivals: Sequence[Arrival], answers: list[Received]) -> None:
    """Nothing more to do: a truncated mail is marked on its row and its request's history."""


LEGAL_MAIL = Receiver(receive=legal_mail_receive, too_large=_legal_mail_too_large)


def legal_mailbox_poll(mailbox_id: int) -> PollResult:
    """Poll one legal mailbox once (beat: ``legal.mailbox_poll``)."""
    if not LegalMailbox.objects.filter(mailbox_id=mailbox_id).exists():
        return PollResult(mailbox_id=mailbox_id, status="missing")
    return mailbox_poll(mailbox_id, queue=False, include_disabled=True, receiver=LEGAL_MAIL)


def legal_mailbox_ids() -> list[int]:
    return list(LegalMailbox.objects.order_by("pk").values_list("mailbox_id", flat=True))


@transaction.atomic
def legal_mailbox_designate(*, mailbox: Mailbox, actor: AnyUser) -> LegalMailbox:
    """Give a mailbox the legal purpose: the legal desk polls it from now on, and the abuse
    poll no longer does (its ``enabled`` switch is the abuse poll's)."""
    require_legal_actor(actor)
    designation, _ = LegalMailbox.objects.get_or_create(mailbox=mailbox)
    if mailbox.enabled:
        mailbox_update(mailbox=mailbox, enabled=False)
    return designation


def legal_mail_of(request: LegalRequest) -> LegalMail | None:
    """The mail a request came in (without its bytes), if it came by mail."""
    return LegalMail.objects.filter(request=request).defer("raw").first()


def legal_mail_raw(request: LegalRequest) -> bytes | None:
    mail = LegalMail.objects.filter(request=request).only("raw").first()
    return bytes(mail.raw) if mail is not None else None


@transaction.atomic
def legal_mail_download_record(*, request: LegalRequest, actor: AnyUser, path: str) -> None:
    """Every download of a request's original mail, in its history and the audit trail."""
    require_legal_actor(actor)
    request_record(request, actor=actor, verb="mail.download", reason="original mail downloaded",
                   detail={"path": path[:300]})  # fmt: skip
