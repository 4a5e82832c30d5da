"""IMAP polling of one abuse mailbox: fetch, commit the raw reports, only then acknowledge.

``mailbox_poll(mailbox_id)`` is the whole channel (docs/architecture.md "The path of a report", step 1):

1. Take the mailbox's lock in Redis, so two polls of one mailbox never overlap (a slow poll
   and the next minute's task, two workers, the admin's "Poll now").
2. Connect (implicit TLS, STARTTLS or — on loopback only — plain; certificates are always
   verified), log in with the password decrypted at this moment, SELECT the folder and
   record its UIDVALIDITY. A changed UIDVALIDITY means every UID was renumbered: the
   receipts' unique key (mailbox, UIDVALIDITY, UID) then no longer recognises old messages,
   but their bytes do — ``reports_receive`` files known bytes as a duplicate receipt.
3. UID SEARCH what is not processed yet: messages without our ``$TSDFiled`` keyword (UNSEEN
   on servers that take no keywords) when filed messages are flagged, everything
   undeleted when they are moved to ``processed_folder``.
4. Per batch: RFC822.SIZE first; messages over ``REPORT_MAX_BYTES`` are fetched only as a
   bounded prefix and stored as a report quarantined "too-large" (never silently dropped);
   the rest with ``BODY.PEEK[]``, which never sets \\Seen by itself. Then
   ``reports_receive`` commits the batch — and only after it returned are the messages
   flagged \\Seen or moved. A crash anywhere before that leaves them unacknowledged on the
   server; the next poll fetches them again and the receipt key makes that a no-op.
5. Record the outcome on the row: ``last_poll_at``, ``last_success_at`` or a one-line
   ``last_error`` (refused connection, failed login, TLS, timeout...). Those failures are
   expected and are not raised: the next minute's poll is the retry.

No transaction is open while the network is used: each batch commits on its own.

Where the arrivals go is the poll's ``Receiver``: the intake's reports by default; a desk
that owns a mailbox (the legal desk's, docs/architecture.md "Legal desk") passes its own,
and its mail then never becomes a report, a ticket or an acknowledgement. The receiver's
``receive`` commits the bytes before the poll acknowledges them, as ``reports_receive``
does, so promise 1 holds for every receiver.
"""

from __future__ import annotations

import base64
import contextlib
import imaplib
import ipaddress
import logging
import re
import socket
import ssl
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any

import redis
from django.conf import settings
from django.db import DatabaseError, transaction

from complaints.intake.mailboxes import (
    mailbox_owner,
    mailbox_password,
    mailbox_poll_failed,
    mailbox_poll_started,
    mailbox_poll_succeeded,
    mailbox_uidvalidity_record,
    reports_quarantine_too_large,
)
from complaints.intake.receiving import Arrival, Received, reports_receive
from complaints.models import Mailbox

logger = logging.getLogger(__name__)

_UID = re.compile(rb"UID (\d+)")
_SIZE = re.compile(rb"RFC822\.SIZE (\d+)")


@dataclass
class PollResult:
    """What one poll did; ``status`` is ok, error, busy (another poll holds the lock),
    disabled, claimed (another desk reads the mailbox) or missing."""

    mailbox_id: int
    status: str = "ok"
    error: str = ""
    uidvalidity: int | None = None
    uidvalidity_changed: bool = False
    fetched: int = 0
    new: int = 0
    duplicates: int = 0
    refetched: int = 0  # already received earlier (the acknowledgement was lost)
    too_large: int = 0
    acknowledged: int = 0
    more: bool = False  # stopped at IMAP_POLL_SECONDS with messages left for the next poll
    new_report_ids: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class PollError(Exception):
    """An expected failure, with the one-line reason recorded on the mailbox."""


@dataclass(frozen=True)
class Receiver:
    """Where a poll's arrivals go. ``receive(arrivals, queue)`` commits them and answers one
    ``Received`` per arrival ("new", "duplicate" or "refetch"); ``too_large(arrivals,
    answers)`` records, in the same transaction, that the new ones are bounded prefixes of
    messages over ``REPORT_MAX_BYTES``."""

    receive: Callable[[Sequence[Arrival], bool], list[Received]]
    too_large: Callable[[Sequence[Arrival], list[Received]], None]


def _reports_too_large(arrivals: Sequence[Arrival], answers: list[Received]) -> None:
    for arrival, answer in zip(arrivals, answers, strict=True):
        if answer.outcome == "new":
            reports_quarantine_too_large(
                report_ids=[answer.report_id],
                detail=(
                    f"{arrival.data['size']} bytes is over the limit of "
                    f"{settings.REPORT_MAX_BYTES}; the first {arrival.data['kept_bytes']} "
                    "bytes are kept"
                ),
            )


REPORTS = Receiver(
    receive=lambda arrivals, queue: reports_receive(arrivals, queue=queue),
    too_large=_reports_too_large,
)


# --- the poll ---------------------------------------------------------------------------


def mailbox_poll(
    mailbox_id: int,
    *,
    queue: bool = True,
    include_disabled: bool = False,
    receiver: Receiver = REPORTS,
) -> PollResult:
    """Poll one mailbox once; see the module docstring. ``queue=False`` leaves processing
    of the new reports to the caller (the ``poll_mailboxes`` command runs it in-process);
    ``receiver`` says where the arrivals go (the intake's reports unless a desk owns the
    mailbox)."""
    result = PollResult(mailbox_id=mailbox_id)
    mailbox = Mailbox.objects.filter(pk=mailbox_id).first()
    if mailbox is None:
        result.status = "missing"
        return result
    if not mailbox.enabled and not include_disabled:
        result.status = "disabled"
        return result
    if receiver is REPORTS and (owner := mailbox_owner(mailbox_id)) is not None:
        result.status = "claimed"  # another desk's mailbox: never the abuse intake's
        result.error = f"read by the {owner} desk"
        return result
    lock = mailbox_lock(mailbox_id)
    if not lock.acquire(blocking=False):
        result.status = "busy"
        return result
    try:
        mailbox_poll_started(mailbox_id=mailbox_id)
        try:
            _poll(mailbox, result, queue=queue, lock=lock, receiver=receiver)
        except (PollError, imaplib.IMAP4.error, OSError) as exc:
            result.status = "error"
            result.error = describe_error(exc, mailbox)
            logger.warning("mailbox %s: %s", mailbox.name, result.error)
            mailbox_poll_failed(mailbox_id=mailbox_id, reason=result.error)
            return result
        except Exception as exc:
            # Not an expected mailbox failure (a bug, the database gone): keep the reason
            # visible on the row, and let the caller see the exception.
            with contextlib.suppress(DatabaseError):
                mailbox_poll_failed(
                    mailbox_id=mailbox_id, reason=f"internal error: {type(exc).__name__}: {exc}"
                )
            raise
        mailbox_poll_succeeded(mailbox_id=mailbox_id)
        return result
    finally:
        with contextlib.suppress(redis.exceptions.LockError, redis.exceptions.RedisError):
            lock.release()


def _poll(
    mailbox: Mailbox, result: PollResult, *, queue: bool, lock: Any, receiver: Receiver
) -> None:
    conn = _connect(mailbox)
    try:
        _login(conn, mailbox)
        capabilities = _capabilities(conn)
        uidvalidity = _select(conn, mailbox.folder)
        result.uidvalidity = uidvalidity
        previous = mailbox_uidvalidity_record(mailbox_id=mailbox.pk, uidvalidity=uidvalidity)
        if previous is not None and previous != uidvalidity:
            result.uidvalidity_changed = True
            logger.warning(
                "mailbox %s: UIDVALIDITY changed from %s to %s; known messages will be "
                "recognised by their bytes",
                mailbox.name, previous, uidvalidity,
            )  # fmt: skip
        if _keywords_allowed(conn):
            # Not a server capability: our note that this folder takes our keyword.
            capabilities = capabilities | {_KEYWORDS}
        if mailbox.processed_folder:
            criteria = "UNDELETED"
        elif _KEYWORDS in capabilities:
            # Our own keyword, not \Seen: a message a person has already read in the
            # mailbox is still a report we have not filed.
            criteria = f"UNKEYWORD {FILED_KEYWORD} UNDELETED"
        else:
            criteria = "UNSEEN UNDELETED"
        uids = _search(conn, criteria)
        deadline = time.monotonic() + settings.IMAP_POLL_SECONDS
        batch_size = max(1, mailbox.batch_size)
        for start in range(0, len(uids), batch_size):
            if time.monotonic() > deadline:
                result.more = True
                break
            _keep_lock(lock)
            _poll_batch(conn, mailbox, uidvalidity, uids[start : start + batch_size],
                        capabilities, result, queue=queue, receiver=receiver)  # fmt: skip
    finally:
        _logout(conn)


def _poll_batch(
    conn: imaplib.IMAP4,
    mailbox: Mailbox,
    uidvalidity: int,
    uids: list[int],
    capabilities: frozenset[str],
    result: PollResult,
    *,
    queue: bool,
    receiver: Receiver,
) -> None:
    sizes = _fetch_sizes(conn, uids)
    limit = settings.REPORT_MAX_BYTES
    oversize = [uid for uid in uids if uid in sizes and sizes[uid] > limit]
    fitting = [uid for uid in uids if uid in sizes and sizes[uid] <= limit]
    if oversize:
        _receive_oversize(conn, mailbox, uidvalidity, oversize, sizes, capabilities, result,
                          receiver=receiver)  # fmt: skip
    for unit in _units(fitting, sizes, settings.IMAP_FETCH_BYTES):
        bodies = _fetch_bodies(conn, unit, "BODY.PEEK[]")
        arrivals: list[Arrival] = []
        truncated: dict[int, int] = {}
        for uid in unit:
            raw = bodies.get(uid)
            if raw is None:  # expunged by another client since the SEARCH
                continue
            if len(raw) > limit:  # the server under-stated RFC822.SIZE
                truncated[uid] = len(raw)
                continue
            arrivals.append(_arrival(mailbox, uidvalidity, uid, raw))
        if truncated:
            _receive_oversize(conn, mailbox, uidvalidity, list(truncated), truncated,
                              capabilities, result, receiver=receiver)  # fmt: skip
        if not arrivals:
            continue
        result.fetched += len(arrivals)
        answers = receiver.receive(arrivals, queue)
        # The raw reports are committed: only now may the server forget them.
        _count(result, answers)
        _acknowledge(conn, mailbox, [a.uid for a in arrivals if a.uid is not None], capabilities)
        result.acknowledged += len(arrivals)


def _receive_oversize(
    conn: imaplib.IMAP4,
    mailbox: Mailbox,
    uidvalidity: int,
    uids: list[int],
    sizes: dict[int, int],
    capabilities: frozenset[str],
    result: PollResult,
    *,
    receiver: Receiver,
) -> None:
    """Keep a bounded prefix of each oversized message as a quarantined report (or what
    the receiver keeps of it)."""
    keep = settings.IMAP_OVERSIZE_PREFIX_BYTES
    prefixes = _fetch_bodies(conn, uids, f"BODY.PEEK[]<0.{keep}>")
    arrivals = []
    for uid in uids:
        if uid in prefixes:
            facts = {"truncated": True, "size": sizes[uid], "kept_bytes": len(prefixes[uid][:keep])}
            arrivals.append(_arrival(mailbox, uidvalidity, uid, prefixes[uid][:keep], facts))
    if not arrivals:
        return
    result.fetched += len(arrivals)
    with transaction.atomic():
        answers = receiver.receive(arrivals, False)
        receiver.too_large(arrivals, answers)
    _count(result, answers, quarantined=True)
    _acknowledge(conn, mailbox, [a.uid for a in arrivals if a.uid is not None], capabilities)
    result.acknowledged += len(arrivals)


def _arrival(
    mailbox: Mailbox, uidvalidity: int, uid: int, raw: bytes, facts: dict | None = None
) -> Arrival:
    return Arrival(
        raw=raw,
        channel="imap",
        mailbox=mailbox,
        uidvalidity=uidvalidity,
        uid=uid,
        path=f"imap://{mailbox.name}/{mailbox.folder};UIDVALIDITY={uidvalidity}/;UID={uid}",
        data={"imap": {"mailbox": mailbox.name, "folder": mailbox.folder}, **(facts or {})},
    )


def _count(result: PollResult, answers: list, *, quarantined: bool = False) -> None:
    for answer in answers:
        if answer.outcome == "new" and quarantined:
            result.too_large += 1
        elif answer.outcome == "new":
            result.new += 1
            result.new_report_ids.append(answer.report_id)
        elif answer.outcome == "duplicate":
            result.duplicates += 1
        else:
            result.refetched += 1


def _units(uids: list[int], sizes: dict[int, int], max_bytes: int) -> Iterator[list[int]]:
    """Split a batch so one fetch never holds more than ``max_bytes`` of messages."""
    unit: list[int] = []
    total = 0
    for uid in uids:
        if unit and total + sizes[uid] > max_bytes:
            yield unit
            unit, total = [], 0
        unit.append(uid)
        total += sizes[uid]
    if unit:
        yield unit


# --- the lock ---------------------------------------------------------------------------


def lock_seconds() -> int:
    """How long a poll's lock lives without renewal: beyond the task's hard time limit, so a
    killed worker's lock expires only after its poll can no longer be running."""
    return settings.IMAP_POLL_SECONDS + 2 * settings.IMAP_TIMEOUT_SECONDS + 120


@lru_cache(maxsize=4)
def _redis(url: str) -> redis.Redis:
    return redis.Redis.from_url(url)


def mailbox_lock(mailbox_id: int) -> Any:
    prefix = settings.CACHES["default"]["KEY_PREFIX"]
    return _redis(settings.REDIS_URL).lock(
        f"{prefix}:imap-poll:{mailbox_id}", timeout=lock_seconds(), blocking=False
    )


def _keep_lock(lock: Any) -> None:
    try:
        lock.reacquire()
    except redis.exceptions.LockNotOwnedError as exc:
        raise PollError("the mailbox lock expired during the poll; stopped") from exc


# --- IMAP conversation ------------------------------------------------------------------


def _tls_context() -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=settings.IMAP_CA_FILE or None)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _connect(mailbox: Mailbox) -> imaplib.IMAP4:
    timeout = settings.IMAP_TIMEOUT_SECONDS
    if mailbox.security == Mailbox.Security.TLS:
        return imaplib.IMAP4_SSL(
            mailbox.host, mailbox.port, ssl_context=_tls_context(), timeout=timeout
        )
    if mailbox.security == Mailbox.Security.PLAIN and not _is_loopback(mailbox.host):
        raise PollError(f"plain IMAP is refused to {mailbox.host}: use TLS or STARTTLS")
    conn = imaplib.IMAP4(mailbox.host, mailbox.port, timeout=timeout)
    if mailbox.security == Mailbox.Security.STARTTLS:
        try:
            if "STARTTLS" not in conn.capabilities:
                raise PollError(f"{mailbox.host}:{mailbox.port} does not offer STARTTLS")
            conn.starttls(ssl_context=_tls_context())
        except BaseException:
            _logout(conn)
            raise
    return conn


def _login(conn: imaplib.IMAP4, mailbox: Mailbox) -> None:
    try:
        conn.login(mailbox.username, mailbox_password(mailbox))
    except imaplib.IMAP4.abort:
        raise
    except imaplib.IMAP4.error as exc:
        raise PollError(f"login refused for {mailbox.username}: {_text(exc)}") from exc


def _capabilities(conn: imaplib.IMAP4) -> frozenset[str]:
    # The pre-login list imaplib keeps may omit MOVE and UIDPLUS; ask again.
    typ, data = conn.capability()
    if typ == "OK" and data and data[0]:
        return frozenset(data[0].decode("ascii", "replace").upper().split())
    return frozenset(conn.capabilities)


FILED_KEYWORD = "$TSDFiled"
_KEYWORDS = "+KEYWORDS"


def _keywords_allowed(conn: imaplib.IMAP4) -> bool:
    """Whether the selected folder accepts new keywords (PERMANENTFLAGS holds ``\\*``,
    RFC 3501 section 7.1)."""
    _, values = conn.response("PERMANENTFLAGS")
    return any(b"\\*" in value for value in values if isinstance(value, bytes))


def _select(conn: imaplib.IMAP4, folder: str) -> int:
    typ, data = conn.select(quote_folder(folder))
    if typ != "OK":
        raise PollError(f"folder {folder!r} cannot be opened: {_text(data)}")
    _, values = conn.response("UIDVALIDITY")
    if not values or not values[0]:
        raise PollError(f"the server gave no UIDVALIDITY for folder {folder!r}")
    return int(values[0])


def _search(conn: imaplib.IMAP4, criteria: str) -> list[int]:
    typ, data = conn.uid("SEARCH", criteria)
    if typ != "OK":
        raise PollError(f"UID SEARCH failed: {_text(data)}")
    return sorted(int(uid) for uid in (data[0] or b"").split())


def _uid_set(uids: list[int]) -> str:
    return ",".join(str(uid) for uid in uids)


def _fetch_sizes(conn: imaplib.IMAP4, uids: list[int]) -> dict[int, int]:
    typ, data = conn.uid("FETCH", _uid_set(uids), "(RFC822.SIZE)")
    if typ != "OK":
        raise PollError(f"UID FETCH RFC822.SIZE failed: {_text(data)}")
    sizes: dict[int, int] = {}
    for item in data:
        line = item[0] if isinstance(item, tuple) else item
        if not line:
            continue
        uid, size = _UID.search(line), _SIZE.search(line)
        if uid and size:
            sizes[int(uid.group(1))] = int(size.group(1))
    return sizes


def _fetch_bodies(conn: imaplib.IMAP4, uids: list[int], item: str) -> dict[int, bytes]:
    typ, data = conn.uid("FETCH", _uid_set(uids), f"({item})")
    if typ != "OK":
        raise PollError(f"UID FETCH failed: {_text(data)}")
    bodies: dict[int, bytes] = {}
    pending: bytes | None = None  # a literal whose UID comes after it (server's choice)
    for element in data:
        if isinstance(element, tuple):
            header, literal = element
            match = _UID.search(header)
            if match:
                bodies[int(match.group(1))] = bytes(literal)
                pending = None
            else:
                pending = bytes(literal)
        elif element and pending is not None:
            match = _UID.search(element)
            if match:
                bodies[int(match.group(1))] = pending
            pending = None
    wanted = set(uids)
    return {uid: raw for uid, raw in bodies.items() if uid in wanted}


def _acknowledge(
    conn: imaplib.IMAP4, mailbox: Mailbox, uids: list[int], capabilities: frozenset[str]
) -> None:
    """Flag the committed messages \\Seen, or move them to the processed folder."""
    if not uids:
        return
    uid_set = _uid_set(uids)
    flags = f"(\\Seen {FILED_KEYWORD})" if _KEYWORDS in capabilities else r"(\Seen)"
    _ok(conn.uid("STORE", uid_set, "+FLAGS.SILENT", flags), "flagging \\Seen")
    if not mailbox.processed_folder:
        return
    target = quote_folder(mailbox.processed_folder)
    if can_move(capabilities):
        _with_trycreate(conn, target, lambda: conn.uid("MOVE", uid_set, target), "UID MOVE")
        return
    # RFC 6851's fallback. Without UIDPLUS, EXPUNGE also removes messages someone else
    # marked \Deleted in this folder, as any client's expunge would.
    _with_trycreate(conn, target, lambda: conn.uid("COPY", uid_set, target), "UID COPY")
    _ok(conn.uid("STORE", uid_set, "+FLAGS.SILENT", r"(\Deleted)"), "flagging \\Deleted")
    if "UIDPLUS" in capabilities:
        _ok(conn.uid("EXPUNGE", uid_set), "UID EXPUNGE")
    else:
        _ok(conn.expunge(), "EXPUNGE")


def can_move(capabilities: frozenset[str]) -> bool:
    return "MOVE" in capabilities


def _with_trycreate(conn: imaplib.IMAP4, target: str, command: Any, what: str) -> None:
    typ, data = command()
    if typ != "OK" and b"TRYCREATE" in b" ".join(d for d in data if isinstance(d, bytes)):
        conn.create(target)
        typ, data = command()
    _ok((typ, data), what)


def _ok(answer: tuple[str, Any], what: str) -> None:
    typ, data = answer
    if typ != "OK":
        raise PollError(f"{what} failed: {_text(data)}")


def _logout(conn: imaplib.IMAP4) -> None:
    with contextlib.suppress(imaplib.IMAP4.error, OSError, ValueError):
        conn.logout()
    with contextlib.suppress(OSError, ValueError):
        conn.shutdown()


def _text(value: object) -> str:
    """Server text for a reason line (bytes decoded, lists joined, never huge)."""
    if isinstance(value, BaseException):
        value = value.args[0] if value.args else str(value)
    if isinstance(value, list | tuple):
        value = b" ".join(v for v in value if isinstance(v, bytes)) or str(value)
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    text = str(value)
    if text.startswith(("b'", 'b"')) and text.endswith(("'", '"')):
        text = text[2:-1]  # imaplib formats some server answers with repr()
    return " ".join(text.split())[:300]


def describe_error(exc: BaseException, mailbox: Mailbox) -> str:
    """A clear one-line reason for the admin list."""
    where = f"{mailbox.host}:{mailbox.port}"
    timeout = settings.IMAP_TIMEOUT_SECONDS
    if isinstance(exc, PollError):
        return str(exc)
    if isinstance(exc, ConnectionRefusedError):
        return f"connection refused by {where}"
    if isinstance(exc, TimeoutError):
        return f"no answer from {where} within {timeout} s (timeout)"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"TLS certificate of {where} not trusted: {exc.verify_message or exc.reason}"
    if isinstance(exc, ssl.SSLError):
        return f"TLS failed with {where}: {exc.reason or exc}"
    if isinstance(exc, socket.gaierror):
        return f"host name {mailbox.host!r} does not resolve: {exc.strerror or exc}"
    if isinstance(exc, imaplib.IMAP4.abort):
        return f"connection to {where} lost: {_text(exc)}"
    if isinstance(exc, imaplib.IMAP4.error):
        return f"IMAP error from {where}: {_text(exc)}"
    if isinstance(exc, OSError):
        return f"network error with {where}: {exc.strerror or exc}"
    return f"{type(exc).__name__}: {exc}"


# --- folder names -----------------------------------------------------------------------


def quote_folder(name: str) -> str:
    """A folder name as an IMAP quoted string, non-ASCII in modified UTF-7 (RFC 3501 5.1.3)."""
    encoded = _modified_utf7(name)
    return '"' + encoded.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _modified_utf7(name: str) -> str:
    out: list[str] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            packed = base64.b64encode("".join(run).encode("utf-16-be")).decode("ascii")
            out.append("&" + packed.rstrip("=").replace("/", ",") + "-")
            run.clear()

    for char in name:
        if 0x20 <= ord(char) <= 0x7E:
            flush()
            out.append("&-" if char == "&" else char)
        else:
            run.append(char)
    flush()
    return "".join(out)
