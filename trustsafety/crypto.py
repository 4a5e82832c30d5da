"""Encryption at rest for secrets the desk must read back (mailbox passwords).

Fernet (AES-128-CBC + HMAC-SHA256, authenticated) under the keys of the
``FIELD_ENCRYPTION_KEY`` setting: a comma-separated list, newest first. Tokens are
encrypted with the first key and decrypted with any of them (``MultiFernet``), so a key is
rotated by putting the new one in front, re-encrypting (:func:`reencrypt`) and then dropping
the old one.

With no key configured, development derives one from ``SECRET_KEY`` with HKDF, so a fresh
clone works; production (``DEBUG`` off) refuses to start without an explicit key, because
a secret derived from another secret would rotate by accident with it. Hashes are not an
option here: the desk has to present the password to the IMAP server.
"""

from __future__ import annotations

import base64
import functools

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

__all__ = ["DecryptionFailed", "decrypt", "encrypt", "reencrypt"]

_HKDF_SALT = b"trustsafety.field-encryption.v1"


class DecryptionFailed(Exception):
    """The token was not made by any configured key (or was altered)."""


def encrypt(text: str) -> bytes:
    return _fernet().encrypt(text.encode("utf-8"))


def decrypt(token: bytes | memoryview) -> str:
    try:
        return _fernet().decrypt(bytes(token)).decode("utf-8")
    except InvalidToken as exc:
        raise DecryptionFailed(
            "no configured FIELD_ENCRYPTION_KEY decrypts this value (was a key dropped?)"
        ) from exc


def reencrypt(token: bytes | memoryview) -> bytes:
    """The same secret under the newest key (for key rotation)."""
    try:
        return _fernet().rotate(bytes(token))
    except InvalidToken as exc:
        raise DecryptionFailed("no configured FIELD_ENCRYPTION_KEY decrypts this value") from exc


def derived_key(secret_key: str) -> bytes:
    """A Fernet key derived from ``SECRET_KEY`` (development only)."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=_HKDF_SALT, info=b"fernet")
    return base64.urlsafe_b64encode(hkdf.derive(secret_key.encode("utf-8")))


def _fernet() -> MultiFernet:
    keys = tuple(settings.FIELD_ENCRYPTION_KEY)
    if not keys:
        # settings.py refuses to start without a key when DEBUG is off; DEBUG itself is not
        # consulted here because the test runner turns it off at run time.
        keys = (derived_key(settings.SECRET_KEY).decode("ascii"),)
    return _multi(keys)


@functools.lru_cache(maxsize=8)
def _multi(keys: tuple[str, ...]) -> MultiFernet:
    fernets = []
    for position, key in enumerate(keys, start=1):
        try:
            fernets.append(Fernet(key.encode("ascii")))
        except (ValueError, UnicodeEncodeError) as exc:
            raise ImproperlyConfigured(
                f"FIELD_ENCRYPTION_KEY: key {position} is not a Fernet key "
                "(32 url-safe base64-encoded bytes; make one with "
                "`python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'`)"
            ) from exc
    return MultiFernet(fernets)
