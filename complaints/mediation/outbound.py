"""Outbound mail: queueing ``Message`` rows and sending them over SMTP.

The life of an outbound message:

1. ``message_queue`` creates the row ``queued`` inside the caller's transaction, with its
   Message-ID already assigned (a retried send reuses it, so a receiver can de-duplicate),
   and asks for the send with ``transaction.on_commit``: nothing is sent for work that
   rolls back, and nothing is sent inside a transaction (an SMTP wait would hold locks, and
   a rollback cannot unsend mail).
2. ``message_send`` (task ``complaints.message_send``) claims the row and sends it.
   Two workers never send one message at the same time: the sender holds a PostgreSQL
   *session* advisory lock on the message for the duration of the SMTP conversation (the
   database releases it when a worker dies, so no lease or "sending" state is needed), and
   every transition is a conditional update from ``queued``. The one duplicate left is the
   unavoidable one: a worker killed after the server accepted the mail but before the row
   said ``sent``; the repeat carries the same Message-ID.
3. Temporary SMTP trouble (4xx, connection refused, timeouts, our own auth setup) is
   retried with exponential backoff; a permanent refusal (5xx, an invalid address) or
   ``MAIL_SEND_MAX_ATTEMPTS`` exhausted marks the row ``failed`` with the reason.
4. ``messages_requeue_stuck`` (beat) queues again messages left ``queued`` by a lost task.

Headers (docs/architecture.md promise 8): every header value taken from data is reduced to one line
(``complaints.mediation.templating.single_line``) and every address validated, so nothing can inject
headers. Mail written by the desk rather than by a person carries ``Auto-Submitted``
(RFC 3834: ``auto-replied`` for acknowledgements, which answer a message;
``auto-generated`` otherwise) and ``X-Auto-Response-Suppress: All``; every message carries
``X-Loop: <DESK_MAIL_DOMAIN>`` so our own mail coming back is recognised. ``Precedence:
bulk`` is never used: it is non-standard (RFC 3834 section 3.1.8) and files notices as bulk.
Replies come back to ``DESK_REPLY_LOCALPART+<token>@DESK_MAIL_DOMAIN``, where the token
names the ticket and the party's role and is signed (``reply_address``/``reply_token_parse``).
"""

from __future__ import annotations

import logging
import re
import smtplib
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from email.utils import formataddr, getaddresses

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.mail import BadHeaderError, EmailMessage, get_connection
from django.core.validators import validate_email
from django.db import DatabaseError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from complaints.mediation.tasks import message_send_task
from complaints.mediation.templating import plain_body, single_line
from complaints.models import Message, Party, Report, ResponseTemplate, Ticket
from complaints.restriction import customer_mail_refusal

logger = logging.getLogger(__name__)

ROLE_CODES = {
    Party.Role.REPORTER.value: "r",
    Party.Role.CUSTOMER.value: "c",
    Party.Role.THIRD_PARTY.value: "t",
}
_ROLE_OF_CODE = {code: role for role, code in ROLE_CODES.items()}
_TOKEN_SALT = "complaints.outbound.reply_token"  # noqa: S105 - an HMAC salt, not a secret
_TOKEN = re.compile(r"^(?P<ticket>[1-9][0-9]{0,17})-(?P<role>[a-z])-(?P<mac>[0-9a-f]{20})$")
# No control characters: a NUL cannot be stored, a CR or LF would start a header.
_MSGID = re.compile(r"^<[^<>\s@\x00-\x1f\x7f]+@[^<>\s@\x00-\x1f\x7f]+>$")
MAX_RETRY_DELAY = 1800  # below the broker's visibility timeout, or a waiting retry is redelivered


class InvalidAddress(ValueError):
    """An address that is not exactly one valid addr-spec."""


class SendError(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TemporarySendError(SendError):
    """Try again later: the server or the network said so."""


class PermanentSendError(SendError):
    """Never going to work for this message: record it as failed."""


class MailWithheld(ValueError):
    """Mail to the customer of a restricted case that nobody on the case wrote by hand
    (``complaints.restriction.customer_mail_refusal``): refused, with the reason."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# --- addresses and tokens ----------------------------------------------------------------


def address_validate(address: str) -> str:
    """The addr-spec of ``address`` ("Name <a@b>" or "a@b"); refuses line breaks, lists and
    anything Django's validator refuses. The domain is lower-cased."""
    if not address or _has_line_break(address):
        raise InvalidAddress("empty address or a line break in it")
    parsed = getaddresses([address])
    if len(parsed) != 1 or not parsed[0][1]:
        raise InvalidAddress(f"not a single address: {address[:100]!r}")
    spec = parsed[0][1]
    try:
        validate_email(spec)
    except ValidationError as exc:
        raise InvalidAddress(f"invalid address: {spec[:100]!r}") from exc
    local, _, domain = spec.rpartition("@")
    return f"{local}@{domain.lower()}"


_BREAK_OR_NUL = re.compile(r"[\r\n\x00\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")


def _has_line_break(text: str) -> bool:
    return bool(_BREAK_OR_NUL.search(text))


def _reply_mac(ticket_id: int, role_code: str) -> str:
    return salted_hmac(_TOKEN_SALT, f"{ticket_id}:{role_code}", algorithm="sha256").hexdigest()[:20]


def reply_address(ticket_id: int, party_role: str) -> str:
    """The Reply-To address that threads an answer back to ``ticket_id`` as ``party_role``
    (a ``Party.Role``): ``DESK_REPLY_LOCALPART+<ticket>-<role>-<hmac>@DESK_MAIL_DOMAIN``.

    Lower-case only, because some mail servers fold the case of local parts."""
    code = ROLE_CODES[party_role]
    token = f"{int(ticket_id)}-{code}-{_reply_mac(int(ticket_id), code)}"
    return f"{settings.DESK_REPLY_LOCALPART}+{token}@{settings.DESK_MAIL_DOMAIN}".lower()


def reply_token_parse(address: str) -> tuple[int, str] | None:
    """(ticket id, party role) of a reply address made by ``reply_address``; None for any
    other address, or a token whose signature does not verify."""
    try:
        spec = address_validate(address)
    except InvalidAddress:
        return None
    local, _, domain = spec.lower().rpartition("@")
    if domain != settings.DESK_MAIL_DOMAIN.lower():
        return None
    prefix = settings.DESK_REPLY_LOCALPART.lower() + "+"
    if not local.startswith(prefix):
        return None
    match = _TOKEN.match(local[len(prefix) :])
    if match is None or match["role"] not in _ROLE_OF_CODE:
        return None
    ticket_id = int(match["ticket"])
    if not constant_time_compare(match["mac"], _reply_mac(ticket_id, match["role"])):
        return None
    return ticket_id, _ROLE_OF_CODE[match["role"]]


def message_id_new() -> str:
    """A new, globally unique Message-ID, angle brackets included (as stored on the row)."""
    return f"<{uuid.uuid4().hex}@{settings.DESK_MAIL_DOMAIN}>"


def msgid_clean(value: str) -> str:
    """A Message-ID taken from data, or "" when it is not one (no header can be smuggled)."""
    value = (value or "").strip()
    return value if len(value) <= 250 and _MSGID.match(value) else ""


# --- queueing -----------------------------------------------------------------------------


@transaction.atomic
def message_queue(
    *,
    kind: str,
    visibility: str,
    to_address: str,
    subject: str,
    body: str,
    ticket: Ticket | None = None,
    report: Report | None = None,
    party: Party | None = None,
    template: ResponseTemplate | None = None,
    in_reply_to: str = "",
    author_id: int | None = None,
) -> Message:
    """Create an outbound message ``queued`` and send it once the caller's transaction
    commits. Raises ``InvalidAddress`` for a recipient that is not one valid address, and
    ``MailWithheld`` for mail to the customer of a restricted case that is not written by
    hand by someone on the case (the one choke point of ``complaints.restriction``)."""
    refusal = customer_mail_refusal(
        ticket=ticket, visibility=visibility, party=party, to_address=to_address,
        author_id=author_id,
    )  # fmt: skip
    if refusal:
        raise MailWithheld(refusal)
    message = Message.objects.create(
        ticket=ticket,
        report=report,
        party=party,
        direction=Message.Direction.OUTBOUND,
        visibility=visibility,
        kind=kind,
        status=Message.Status.QUEUED,
        from_address=settings.DESK_FROM_ADDRESS,
        to_address=address_validate(to_address),
        subject=single_line(subject),
        body=plain_body(body),
        message_id=message_id_new(),
        in_reply_to=msgid_clean(in_reply_to),
        author_id=author_id,
        template=template,
    )
    message_id = message.pk
    # robust: a broker hiccup must not fail the caller after its commit; the sweeper
    # queues the message again.
    transaction.on_commit(lambda: messages_enqueue([message_id]), robust=True)
    return message


def _inflight_key(message_id: int) -> str:
    return f"mail-inflight:{message_id}"


def messages_enqueue(message_ids: list[int], *, delay: int = 0) -> None:
    """Hand messages to the ``complaints.message_send`` task, marking them in flight so the
    sweeper leaves them alone while a task (or a delayed retry) is pending."""
    timeout = delay + settings.MAIL_STUCK_AFTER_SECONDS
    cache.set_many({_inflight_key(pk): 1 for pk in message_ids}, timeout=timeout)
    for pk in message_ids:
        message_send_task.delay(pk)


def message_retry_marked(message_id: int, delay: int) -> None:
    cache.set(_inflight_key(message_id), 1, timeout=delay + settings.MAIL_STUCK_AFTER_SECONDS)


def retry_delay(retries: int) -> int:
    """Seconds before retry number ``retries + 1``: exponential, capped."""
    base = settings.MAIL_RETRY_BACKOFF_SECONDS
    return int(min(base * (2 ** min(retries, 16)), MAX_RETRY_DELAY))


def messages_requeue_stuck(*, limit: int = 5000) -> int:
    """Queue again the outbound messages still ``queued`` after ``MAIL_STUCK_AFTER_SECONDS``
    with no task pending for them (a task lost with its worker or broker). One task per
    message; sending claims rows, so a needless extra task changes nothing."""
    cut = timezone.now() - timedelta(seconds=settings.MAIL_STUCK_AFTER_SECONDS)
    ids = list(
        Message.objects.filter(
            status=Message.Status.QUEUED,
            direction=Message.Direction.OUTBOUND,
            created_at__lt=cut,
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    if not ids:
        return 0
    pending = cache.get_many([_inflight_key(pk) for pk in ids])
    stuck = [pk for pk in ids if _inflight_key(pk) not in pending]
    if stuck:
        messages_enqueue(stuck)
    return len(stuck)


# --- sending ------------------------------------------------------------------------------


@contextmanager
def _send_lock(message_id: int) -> Iterator[bool]:
    """A session-level advisory lock on one message: held across the SMTP conversation
    without holding a transaction open; released by PostgreSQL if the worker dies."""
    key = f"complaints.message_send:{message_id}"
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(hashtextextended(%s, 0))", [key])
        locked = bool(cursor.fetchone()[0])
    try:
        yield locked
    finally:
        if locked:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", [key])
            except DatabaseError:  # the connection is gone, and the lock with it
                logger.warning("could not release the send lock of message %s", message_id)


def message_send(*, message_id: int) -> str:
    """Send one queued message. Returns "sent", "failed" (permanently, reason recorded),
    "withheld" (to the customer of a case restricted since it was queued: recorded as
    failed with the reason), "skipped" (not queued any more) or "busy" (another worker is
    sending it); raises ``TemporarySendError`` when the task should retry later."""
    if connection.in_atomic_block:
        raise RuntimeError("message_send must not run inside a transaction")
    with _send_lock(message_id) as locked:
        if not locked:
            return "busy"
        claimed = Message.objects.filter(
            pk=message_id, status=Message.Status.QUEUED, direction=Message.Direction.OUTBOUND
        ).update(attempts=F("attempts") + 1)
        if not claimed:
            return "skipped"
        message = Message.objects.select_related("party", "ticket__customer").get(pk=message_id)
        refusal = customer_mail_refusal(
            ticket=message.ticket, visibility=message.visibility, party=message.party,
            to_address=message.to_address, author_id=message.author_id,
        )  # fmt: skip
        if refusal:
            _fail(message_id, refusal)
            return "withheld"
        if not message.message_id:  # a row queued without one by other code
            Message.objects.filter(pk=message_id, message_id__isnull=True).update(
                message_id=message_id_new()
            )
            message.refresh_from_db(fields=["message_id"])
        try:
            _deliver(_email_of(message))
        except PermanentSendError as exc:
            _fail(message_id, exc.reason)
            return "failed"
        except TemporarySendError as exc:
            if message.attempts >= settings.MAIL_SEND_MAX_ATTEMPTS:
                _fail(message_id, f"gave up after {message.attempts} attempts: {exc.reason}")
                return "failed"
            Message.objects.filter(pk=message_id, status=Message.Status.QUEUED).update(
                error=f"attempt {message.attempts}: {exc.reason}"[:2000]
            )
            raise
        now = timezone.now()
        Message.objects.filter(pk=message_id, status=Message.Status.QUEUED).update(
            status=Message.Status.SENT, sent_at=now, error=""
        )
        if message.kind == Message.Kind.ACKNOWLEDGEMENT and message.report_id:
            Report.objects.filter(pk=message.report_id, acknowledged_at__isnull=True).update(
                acknowledged_at=now
            )
        logger.info("message %s sent to %s", message_id, message.to_address)
        return "sent"


def _fail(message_id: int, reason: str) -> None:
    Message.objects.filter(pk=message_id, status=Message.Status.QUEUED).update(
        status=Message.Status.FAILED, error=reason[:2000]
    )
    logger.warning("message %s failed: %s", message_id, reason)


def is_automatic(message: Message) -> bool:
    """Written by the desk, not typed by a person."""
    return message.author_id is None


def _email_of(message: Message) -> EmailMessage:
    try:
        to = address_validate(message.to_address)
    except InvalidAddress as exc:
        raise PermanentSendError(str(exc)) from exc
    headers = {"Message-ID": msgid_clean(message.message_id or "") or message_id_new()}
    headers["X-Loop"] = settings.DESK_MAIL_DOMAIN
    if is_automatic(message):
        auto = "auto-replied" if message.kind == Message.Kind.ACKNOWLEDGEMENT else "auto-generated"
        headers["Auto-Submitted"] = auto
        headers["X-Auto-Response-Suppress"] = "All"
    in_reply_to = msgid_clean(message.in_reply_to)
    if in_reply_to:
        headers["In-Reply-To"] = in_reply_to
        headers["References"] = in_reply_to
    reply_to = settings.DESK_FROM_ADDRESS
    if message.ticket_id and message.party is not None and message.party.role in ROLE_CODES:
        reply_to = reply_address(message.ticket_id, message.party.role)
    display = single_line(f"{settings.PROVIDER_NAME} Abuse Desk", limit=100)
    return EmailMessage(
        subject=single_line(message.subject),
        body=plain_body(message.body),
        from_email=formataddr((display, settings.DESK_FROM_ADDRESS)),
        to=[to],
        reply_to=[reply_to],
        headers=headers,
    )


def _deliver(email: EmailMessage) -> None:
    """One SMTP conversation; smtplib's exceptions translated to temporary or permanent."""
    try:
        smtp = get_connection(fail_silently=False)
        sent = smtp.send_messages([email])
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        detail = "; ".join(f"{code} {text!r}" for code, text in exc.recipients.values())
        if codes and all(code >= 500 for code in codes):
            raise PermanentSendError(f"recipient refused: {detail}") from exc
        raise TemporarySendError(f"recipient deferred: {detail}") from exc
    except smtplib.SMTPAuthenticationError as exc:
        # Our credentials, not the message: a setup error to fix, then the mail goes out.
        raise TemporarySendError(f"SMTP authentication failed: {exc.smtp_code}") from exc
    except smtplib.SMTPResponseException as exc:
        text = (
            exc.smtp_error.decode(errors="replace")
            if isinstance(exc.smtp_error, bytes)
            else str(exc.smtp_error)
        )
        reason = f"{exc.smtp_code} {text}"[:500]
        if exc.smtp_code >= 500:
            raise PermanentSendError(f"refused: {reason}") from exc
        raise TemporarySendError(f"deferred: {reason}") from exc
    except (BadHeaderError, ValueError) as exc:  # an address or header Django refuses
        raise PermanentSendError(f"cannot be written as mail: {exc}") from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise TemporarySendError(f"{type(exc).__name__}: {exc}"[:500]) from exc
    if not sent:
        raise TemporarySendError("the mail backend sent nothing")
