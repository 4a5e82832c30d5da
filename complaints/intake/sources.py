"""Enumerate the messages held by files on disk: .eml files, folders of them, Maildir
folders, mbox files, and bare report documents (CSV, JSON, XML, zip, gzip).

Yields (label, bytes) pairs lazily so a large mbox is never held in memory at once."""

from __future__ import annotations

import mailbox
from collections.abc import Iterator
from pathlib import Path

MAX_FILE_BYTES = 200 * 1024 * 1024  # a path larger than this is not read at all


def _is_maildir(path: Path) -> bool:
    return all((path / sub).is_dir() for sub in ("cur", "new", "tmp"))


def _is_mbox(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            head = handle.read(5)
    except OSError:
        return False
    # An mbox starts with a "From " separator line; one mail file never does.
    return head == b"From " and path.suffix.lower() in ("", ".mbox", ".mbx", ".txt", ".mail")


def iter_messages(path: Path) -> Iterator[tuple[str, bytes]]:
    if path.is_dir():
        if _is_maildir(path):
            for sub in ("new", "cur"):
                for item in sorted((path / sub).iterdir()):
                    if item.is_file():
                        yield str(item), item.read_bytes()
            return
        for item in sorted(path.rglob("*")):
            if item.is_file() and not any(
                part.startswith(".") for part in item.relative_to(path).parts
            ):
                yield from iter_messages(item)
        return
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ValueError(f"{path}: larger than {MAX_FILE_BYTES} bytes")
    if _is_mbox(path):
        box = mailbox.mbox(str(path), create=False)
        try:
            for index, key in enumerate(box.iterkeys()):
                yield f"{path}#{index + 1}", box.get_bytes(key)
        finally:
            box.close()
        return
    yield str(path), path.read_bytes()
