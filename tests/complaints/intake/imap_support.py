"""Helpers of the IMAP channel's tests: complaint messages (written by us, documentation
address ranges) and a Mailbox row pointing at the session's Dovecot, in a folder of its own.

Messages use CRLF line ends, as IMAP transmits them, so the bytes fetched are exactly the
bytes appended and their SHA-256 can be compared."""

from __future__ import annotations

import hashlib
import uuid

from complaints.intake.mailboxes import mailbox_create
from complaints.models import Mailbox
from tests.servers.dovecot import RunningDovecot


def complaint(ip: str = "192.0.2.10", *, tag: str | None = None) -> bytes:
    """A free-text phishing complaint about ``ip`` (unique unless ``tag`` is repeated)."""
    tag = tag or uuid.uuid4().hex
    text = (
        "From: SOC Team <soc@reporter.example.org>\r\n"
        "To: abuse@desk.example\r\n"
        f"Subject: Phishing site on your network [{tag}]\r\n"
        "Date: Sat, 11 May 2024 09:00:00 +0000\r\n"
        f"Message-ID: <{tag}@reporter.example.org>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "\r\n"
        "Hello,\r\n\r\n"
        f"we found a phishing page imitating a bank hosted on {ip}\r\n"
        "(seen 2024-05-11 08:12:00 UTC). Please take it down.\r\n\r\n"
        "Log excerpt:\r\n"
        '2024-05-11 08:12:00 GET /bank/ 200 "Mozilla/5.0"\r\n\r\n'
        "Regards,\r\nSOC Team\r\n"
    )
    return text.encode()


def sha256(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def folder_name(prefix: str = "t") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def make_mailbox(
    dovecot: RunningDovecot,
    *,
    folder: str | None = None,
    processed_folder: str = "",
    password: str | None = None,
    security: str = Mailbox.Security.PLAIN,
    port: int | None = None,
    batch_size: int = 200,
    create_folder: bool = True,
) -> Mailbox:
    folder = folder or folder_name()
    if create_folder:
        dovecot.create_folder(folder)
    return mailbox_create(
        name=f"abuse-{folder}",
        host=dovecot.host,
        port=port or dovecot.port,
        security=security,
        username=dovecot.user,
        password=dovecot.password if password is None else password,
        folder=folder,
        processed_folder=processed_folder,
        batch_size=batch_size,
    )


def seen(dovecot: RunningDovecot, folder: str) -> dict[int, bool]:
    """Each message's \\Seen state by UID."""
    return {uid: "\\Seen" in flags for uid, flags in dovecot.flags(folder).items()}
