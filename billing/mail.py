"""The billing mailbox: each mail to ``billing@`` becomes a billing inquiry
(docs/architecture.md "billing/").

``inquiry_mailbox_poll`` fetches what is unseen (``BODY.PEEK``: fetching sets no flag),
files each mail (``mail_file``) in its own transaction, and only after that commit flags it
\\Seen: a crash in between leaves the mail unseen, and the next poll finds it again — the
inquiry's Message-ID (or the hash of the bytes) makes the second filing a no-op. A mail is
read under the intake's parse limits (``complaints.intake.reply_detection.inbound_read``);
bounces, auto-replies and mail from the desk itself are flagged and filed as nothing; an
answer to the desk's own mail on a billing or cancellation case (its reply token, or an
In-Reply-To of ours) threads onto that case instead of opening a new one.

Polls of one mailbox never overlap (a lock in the cache); refused connections and logins
are recorded on the mailbox, and the next poll is the retry. TLS certificates are verified;
plain IMAP only to a loopback address.
"""

from __future__ import annotations

import contextlib
import imaplib
import ipaddress
import logging
import re
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from billing.inquiries import InquiryIn, inquiry_file, raw_message_id
from billing.models import Inquiry, InquiryMailbox
from complaints.intake.imap import quote_folder
from complaints.intake.reply_detection import inbound_read
from complaints.mediation.inbound import InboundMail, inbound_thread
from complaints.mediation.outbound import reply_token_parse
from complaints.models import Message, Ticket
from trustsafety import crypto

logger = logging.getLogger(__name__)
MAX_MAIL_BYTES = 2 * 1024 * 1024  # an inquiry is a few lines; the rest of a bigger mail is cut
UID_ITEM = re.compile(rb"UID (\d+)")
BILLING_KINDS = (Ticket.Kind.BILLING, Ticket.Kind.CANCELLATION)


# Routers other apps register (``<app>/billing_routes.py``): each looks at a received mail
# and either takes it — returning what it filed — or returns None to leave it to the next.
MailRouter = Callable[[InboundMail], "tuple[str, object] | None"]
_ROUTERS: list[MailRouter] = []


def mail_router_register(router: MailRouter) -> MailRouter:
    if router not in _ROUTERS:
        _ROUTERS.append(router)
    return router


@dataclass
class PollOutcome:
    mailbox_id: int
    status: str = "ok"  # ok, error, busy, disabled, missing
    error: str = ""
    filed: int = 0
    threaded: int = 0
    routed: int = 0  # taken by another app's router (a request to cancel)
    skipped: int = 0
    inquiry_ids: list[int] = field(default_factory=list)


def _answers_our_billing_mail(mail: InboundMail) -> bool:
    for address in mail.recipients:
        parsed = reply_token_parse(address)
        if (
            parsed is not None
            and Ticket.objects.filter(pk=parsed[0], kind__in=BILLING_KINDS).exists()
        ):
            return True
    return (
        bool(mail.in_reply_to)
        and Message.objects.filter(message_id__in=mail.in_reply_to, ticket__kind__in=BILLING_KINDS)
        .exclude(direction=Message.Direction.INBOUND)
        .exists()
    )


def _from_the_desk(address: str) -> bool:
    return address.lower().rpartition("@")[2] == settings.DESK_MAIL_DOMAIN.lower()


def mail_file(raw: bytes) -> tuple[str, object]:
    """File one received mail: ("filed", inquiry), ("threaded", message), what a
    registered router made of it, or ("skipped", None) for bounces, auto-replies and the
    desk's own mail."""
    mail = inbound_read(raw)
    if mail.is_bounce or mail.is_auto_reply or _from_the_desk(mail.from_address):
        return "skipped", None
    if _answers_our_billing_mail(mail):
        return "threaded", inbound_thread(mail)
    if not mail.from_address:
        return "skipped", None
    for router in _ROUTERS:
        routed = router(mail)
        if routed is not None:
            return routed
    inquiry = inquiry_file(
        data=InquiryIn(
            channel=Inquiry.Channel.MAIL,
            sender_email=mail.from_address,
            subject=mail.subject,
            body=mail.body,
            message_id=raw_message_id(raw, mail.message_id),
        )
    )
    return "filed", inquiry


def mailbox_password_set(*, mailbox: InquiryMailbox, password: str) -> None:
    InquiryMailbox.objects.filter(pk=mailbox.pk).update(password_encrypted=crypto.encrypt(password))


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _connect(mailbox: InquiryMailbox) -> imaplib.IMAP4:
    timeout = settings.IMAP_TIMEOUT_SECONDS
    context = ssl.create_default_context(cafile=settings.IMAP_CA_FILE or None)
    if mailbox.security == InquiryMailbox.Security.TLS:
        return imaplib.IMAP4_SSL(mailbox.host, mailbox.port, ssl_context=context, timeout=timeout)
    conn = imaplib.IMAP4(mailbox.host, mailbox.port, timeout=timeout)
    if mailbox.security == InquiryMailbox.Security.STARTTLS:
        conn.starttls(ssl_context=context)
    elif not _loopback(mailbox.host):
        conn.shutdown()
        raise imaplib.IMAP4.error("plain IMAP is allowed to a loopback address only")
    return conn


def _ok(answer: tuple[str, list], what: str) -> list:
    typ, data = answer
    if typ != "OK":
        detail = b" ".join(d for d in data if isinstance(d, bytes)).decode("ascii", "replace")
        raise imaplib.IMAP4.error(f"{what} failed: {detail[:200]}")
    return data


def _fetch(conn: imaplib.IMAP4, uid: int) -> bytes | None:
    data = _ok(conn.uid("FETCH", str(uid), f"(UID BODY.PEEK[]<0.{MAX_MAIL_BYTES}>)"), "FETCH")
    for item in data:
        if isinstance(item, tuple) and UID_ITEM.search(item[0]):
            return bytes(item[1])
    return None


def inquiry_mailbox_poll(*, mailbox_id: int) -> PollOutcome:
    """Poll one billing mailbox once (module docstring)."""
    outcome = PollOutcome(mailbox_id=mailbox_id)
    mailbox = InquiryMailbox.objects.filter(pk=mailbox_id).first()
    if mailbox is None:
        outcome.status = "missing"
        return outcome
    if not mailbox.enabled:
        outcome.status = "disabled"
        return outcome
    lock = f"billing-mail-poll:{mailbox_id}"
    if not cache.add(lock, 1, timeout=settings.IMAP_POLL_SECONDS + 120):
        outcome.status = "busy"
        return outcome
    now = timezone.now()
    InquiryMailbox.objects.filter(pk=mailbox_id).update(last_poll_at=now)
    try:
        _poll(mailbox, outcome)
    except (imaplib.IMAP4.error, OSError, crypto.DecryptionFailed) as exc:
        outcome.status = "error"
        outcome.error = str(exc)[:500] or type(exc).__name__
        logger.warning("billing mailbox %s: %s", mailbox.name, outcome.error)
        InquiryMailbox.objects.filter(pk=mailbox_id).update(
            last_error=outcome.error, last_error_at=timezone.now()
        )
    else:
        InquiryMailbox.objects.filter(pk=mailbox_id).update(
            last_success_at=timezone.now(), last_error=""
        )
    finally:
        cache.delete(lock)
    return outcome


def _poll(mailbox: InquiryMailbox, outcome: PollOutcome) -> None:
    password = crypto.decrypt(mailbox.password_encrypted) if mailbox.password_encrypted else ""
    conn = _connect(mailbox)
    try:
        _ok(conn.login(mailbox.username, password), "LOGIN")
        _ok(conn.select(quote_folder(mailbox.folder)), "SELECT")
        found = _ok(conn.uid("SEARCH", "UNSEEN"), "SEARCH")
        uids = [int(u) for u in (found[0] or b"").split()][: mailbox.batch_size]
        for uid in uids:
            raw = _fetch(conn, uid)
            if raw is None:
                continue
            with transaction.atomic():
                what, row = mail_file(raw)
            if what == "filed" and isinstance(row, Inquiry):
                outcome.filed += 1
                outcome.inquiry_ids.append(row.pk)
            elif what == "skipped":
                outcome.skipped += 1
            elif what == "threaded":
                outcome.threaded += 1
            else:
                outcome.routed += 1
            # Only now, the inquiry committed: a crash before this line refetches the mail.
            _ok(conn.uid("STORE", str(uid), "+FLAGS", "(\\Seen)"), "STORE")
    finally:
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            conn.logout()


def inquiry_mailbox_ids_enabled() -> list[int]:
    return list(InquiryMailbox.objects.filter(enabled=True).values_list("pk", flat=True))
