"""Mailbox services: creating and configuring the polled mailboxes, and the poll's record.

Every write to a Mailbox row goes through here — the admin, the poll (``complaints.intake.imap``),
the tasks and the management command call these functions. The password is only ever
stored encrypted (``trustsafety.crypto``) and read back by :func:`mailbox_password`, at
the moment of logging in; nothing else decrypts it.

The network side of polling lives in ``complaints.intake.imap``; this module holds no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from complaints.intake.filing.rows import clean
from complaints.intake.tasks import mailbox_poll_task
from complaints.models import Mailbox, Report
from trustsafety import crypto

MAX_ERROR_CHARS = 500


@transaction.atomic
def mailbox_create(
    *,
    name: str,
    host: str,
    username: str,
    password: str,
    port: int = 993,
    security: str = Mailbox.Security.TLS,
    folder: str = "INBOX",
    processed_folder: str = "",
    batch_size: int = 200,
    enabled: bool = True,
) -> Mailbox:
    mailbox = Mailbox(
        name=name,
        host=host,
        port=port,
        security=security,
        username=username,
        password_encrypted=crypto.encrypt(password),
        folder=folder,
        processed_folder=processed_folder,
        batch_size=batch_size,
        enabled=enabled,
    )
    mailbox.full_clean()
    mailbox.save()
    return mailbox


MAILBOX_EDITABLE_FIELDS = frozenset(
    {"name", "host", "port", "security", "username", "folder", "processed_folder",
     "batch_size", "enabled"}
)  # fmt: skip


@transaction.atomic
def mailbox_update(*, mailbox: Mailbox, **fields: object) -> Mailbox:
    """Change a mailbox's settings (not its password: :func:`mailbox_set_password`).

    A new host, user or folder is another message store: UIDVALIDITY is forgotten so the
    next poll records the new one instead of reporting a change."""
    unknown = set(fields) - MAILBOX_EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"not editable here: {sorted(unknown)}")
    store_changed = any(
        key in fields and fields[key] != getattr(mailbox, key)
        for key in ("host", "port", "username", "folder")
    )
    for key, value in fields.items():
        setattr(mailbox, key, value)
    if store_changed:
        mailbox.uidvalidity = None
    mailbox.full_clean()
    mailbox.save(update_fields=[*fields, "uidvalidity"])
    return mailbox


@transaction.atomic
def mailbox_set_password(*, mailbox: Mailbox, password: str) -> None:
    mailbox.password_encrypted = crypto.encrypt(password)
    Mailbox.objects.filter(pk=mailbox.pk).update(password_encrypted=mailbox.password_encrypted)


def mailbox_password(mailbox: Mailbox) -> str:
    """The mailbox's password in clear, for the IMAP login only."""
    return crypto.decrypt(mailbox.password_encrypted)


def mailboxes_reencrypt_passwords() -> int:
    """Re-encrypt every stored password under the newest FIELD_ENCRYPTION_KEY (rotation)."""
    count = 0
    for pk in Mailbox.objects.values_list("pk", flat=True):
        with transaction.atomic():
            mailbox = Mailbox.objects.select_for_update().get(pk=pk)
            Mailbox.objects.filter(pk=pk).update(
                password_encrypted=crypto.reencrypt(mailbox.password_encrypted)
            )
            count += 1
    return count


# --- the poll's record ---------------------------------------------------------------------


# --- mailboxes another desk owns ------------------------------------------------------------
# A desk that reads a Mailbox with its own receiver (the legal desk's) claims it here, from
# its AppConfig.ready, so the intake needs no import of it. The abuse poll never reads a
# claimed mailbox, whatever its ``enabled`` switch says: a switch turned back on in the
# admin must not pour a gagged subpoena into the abuse queue.
_CLAIMS: dict[str, Callable[[], Iterable[int]]] = {}


def mailbox_claims_register(owner: str, claimed_ids: Callable[[], Iterable[int]]) -> None:
    """``claimed_ids`` answers, when asked, the ids of the mailboxes ``owner`` reads."""
    _CLAIMS[owner] = claimed_ids


def mailbox_owner(mailbox_id: int) -> str | None:
    """The desk that claims the mailbox, or None when it is the intake's."""
    return next((owner for owner, ids in _CLAIMS.items() if mailbox_id in set(ids())), None)


def mailbox_ids_enabled() -> list[int]:
    """The mailboxes the abuse poll reads: enabled, and claimed by no other desk."""
    claimed = {pk for ids in _CLAIMS.values() for pk in ids()}
    enabled = Mailbox.objects.filter(enabled=True).exclude(pk__in=claimed)
    return list(enabled.order_by("pk").values_list("pk", flat=True))


def mailboxes_poll_queue(mailbox_ids: Iterable[int]) -> int:
    """Queue one poll task per mailbox once the current transaction commits.

    A poll that waits longer than a minute in the queue is dropped by the broker
    (``expires``): the next minute's fan-out queues a fresh one, so a slow worker never
    accumulates a backlog of polls of the same mailbox."""
    ids = list(mailbox_ids)

    def send() -> None:
        for mailbox_id in ids:
            mailbox_poll_task.apply_async((mailbox_id,), expires=120)

    transaction.on_commit(send)
    return len(ids)


def mailbox_poll_started(*, mailbox_id: int, at: datetime | None = None) -> None:
    Mailbox.objects.filter(pk=mailbox_id).update(last_poll_at=at or timezone.now())


def mailbox_poll_succeeded(*, mailbox_id: int, at: datetime | None = None) -> None:
    Mailbox.objects.filter(pk=mailbox_id).update(last_success_at=at or timezone.now())


def mailbox_poll_failed(*, mailbox_id: int, reason: str, at: datetime | None = None) -> None:
    """Record why a poll failed: one line the admin list shows as it is."""
    line = " ".join(reason.split())[:MAX_ERROR_CHARS] or "unknown error"
    Mailbox.objects.filter(pk=mailbox_id).update(
        last_error=line, last_error_at=at or timezone.now()
    )


def mailbox_uidvalidity_record(*, mailbox_id: int, uidvalidity: int) -> int | None:
    """Store the folder's UIDVALIDITY; returns the previous value (None: first poll)."""
    with transaction.atomic():
        mailbox = Mailbox.objects.select_for_update().only("uidvalidity").get(pk=mailbox_id)
        previous = mailbox.uidvalidity
        if previous != uidvalidity:
            Mailbox.objects.filter(pk=mailbox_id).update(uidvalidity=uidvalidity)
    return previous


@transaction.atomic
def reports_quarantine_too_large(*, report_ids: Iterable[int], detail: str) -> int:
    """Quarantine reports that hold only the prefix of an oversized message.

    Only reports still "received" change, so a repeated call (a redelivered poll) is a
    no-op. They are never queued for processing: a prefix is not the report."""
    return Report.objects.filter(pk__in=list(report_ids), status=Report.Status.RECEIVED).update(
        status=Report.Status.QUARANTINED,
        quarantine_reason="too-large",
        quarantine_detail=clean(detail, 2000),
        processed_at=timezone.now(),
    )
