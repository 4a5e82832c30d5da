"""Helpers for the parser tests: read our own fixtures and load them as Documents."""

from __future__ import annotations

import base64
import gzip
import io
import zipfile
from pathlib import Path

from complaints.parsers.base import Limits
from complaints.parsers.mime import Document, load

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "reports"


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def fixture_doc(name: str, limits: Limits | None = None) -> Document:
    return load(fixture_bytes(name), limits=limits or Limits(), filename=Path(name).name)


def zipped(member_name: str, data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(member_name, data)
    return buffer.getvalue()


def gzipped(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


def fill_template(name: str, placeholder: str, binary: bytes) -> bytes:
    """A mail fixture whose base64 attachment is built at test time (no binary fixtures)."""
    encoded = base64.encodebytes(binary).decode("ascii").strip()
    return fixture_bytes(name).replace(placeholder.encode(), encoded.encode())
