"""The provisioning webhook: how an approved Action reaches the systems that suspend,
terminate or null-route. No ORM here — this module signs, sends and verifies; the lifecycle
around it is ``complaints.actions.services``.

Request: ``POST settings.PROVISIONING_WEBHOOK_URL`` with a JSON body and

- ``X-TSD-Timestamp`` (Unix seconds), ``X-TSD-Nonce`` (random, single use),
- ``X-TSD-Signature: sha256=<hex>`` = HMAC-SHA256(secret, timestamp + "." + nonce + "." + body),
- ``Idempotency-Key``: the action's key, the same on every retry, so the receiver applies the
  request once.

Answer: 2xx with ``{"status": "done"|"failed", "result": {...}, "error": "..."}`` completes
the action at once; 202 (or ``"status": "accepted"``) means the outcome comes later through
the signed callback ``POST /api/v1/provisioning/callback/``, which is verified here with the
same scheme plus a timestamp window and a nonce that may be used only once (kept in Redis).
Timeouts, connection errors and 5xx are temporary (the Celery task retries); other 4xx are
permanent. Each error carries a ``reason`` an agent can read ("The provisioning system did not
answer (connection refused)") and a ``detail`` with the technical text, kept for whoever runs
the provisioning side.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import secrets
import socket
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache

SIGNATURE_HEADER = "X-TSD-Signature"
TIMESTAMP_HEADER = "X-TSD-Timestamp"
NONCE_HEADER = "X-TSD-Nonce"
IDEMPOTENCY_HEADER = "Idempotency-Key"
_MAX_ANSWER_BYTES = 64 * 1024


class ProvisioningError(Exception):
    """A call that did not work: ``reason`` in plain words for the ticket page (its
    ``str()``), ``detail`` the technical text (the socket error, the answer's start)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail or reason


class ProvisioningTemporaryError(ProvisioningError):
    """Worth retrying: timeout, refused connection, 5xx."""


class ProvisioningPermanentError(ProvisioningError):
    """Not worth retrying: the receiver refused the request (4xx) or answered nonsense."""


class CallbackRejected(Exception):
    """A callback whose signature, timestamp or nonce does not hold."""


@dataclass(frozen=True)
class Outcome:
    status: str  # "done" | "failed" | "accepted"
    result: dict[str, Any] = field(default_factory=dict)
    error: str = ""
    http_status: int = 0


def signature(secret: str, timestamp: str, nonce: str, body: bytes) -> str:
    message = timestamp.encode() + b"." + nonce.encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signed_headers(body: bytes, *, secret: str | None = None) -> dict[str, str]:
    timestamp = str(int(time.time()))
    nonce = secrets.token_hex(16)
    key = secret if secret is not None else settings.PROVISIONING_WEBHOOK_SECRET
    return {
        TIMESTAMP_HEADER: timestamp,
        NONCE_HEADER: nonce,
        SIGNATURE_HEADER: signature(key, timestamp, nonce, body),
    }


def webhook_send(payload: dict[str, Any], *, idempotency_key: str) -> Outcome:
    """POST ``payload``; raises ProvisioningTemporaryError / ProvisioningPermanentError."""
    body = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    url = urlsplit(settings.PROVISIONING_WEBHOOK_URL)
    if url.scheme not in ("http", "https") or not url.hostname:
        raise ProvisioningPermanentError(
            "The provisioning system's address is not set up (PROVISIONING_WEBHOOK_URL)",
            f"bad PROVISIONING_WEBHOOK_URL scheme {url.scheme!r}",
        )
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "trustsafety-desk/1",
        IDEMPOTENCY_HEADER: idempotency_key,
        **signed_headers(body),
    }
    connection_class = (
        http.client.HTTPSConnection if url.scheme == "https" else http.client.HTTPConnection
    )
    connection = connection_class(
        url.hostname, url.port, timeout=settings.PROVISIONING_TIMEOUT_SECONDS
    )
    path = url.path or "/"
    if url.query:
        path += "?" + url.query
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        answer = response.read(_MAX_ANSWER_BYTES)
    except (OSError, http.client.HTTPException) as exc:
        raise ProvisioningTemporaryError(_unreachable(exc), f"{type(exc).__name__}: {exc}") from exc
    finally:
        connection.close()
    return _outcome(response.status, answer)


def _unreachable(exc: BaseException) -> str:
    """What a failed connection means, in the words an agent uses."""
    if isinstance(exc, TimeoutError):
        return (
            "The provisioning system did not answer within "
            f"{settings.PROVISIONING_TIMEOUT_SECONDS} s (timeout)"
        )
    if isinstance(exc, ConnectionRefusedError):
        return "The provisioning system did not answer (connection refused)"
    if isinstance(exc, ConnectionError | http.client.HTTPException):
        # RemoteDisconnected, BadStatusLine, a reset: it took the request and then broke off.
        return "The provisioning system broke off the connection before answering"
    if isinstance(exc, socket.gaierror):
        return "The provisioning system's host name could not be resolved"
    why = (getattr(exc, "strerror", None) or type(exc).__name__).lower()
    return f"The provisioning system could not be reached ({why})"


def _outcome(status: int, answer: bytes) -> Outcome:
    text = answer.decode("utf-8", "replace")[:500]
    detail = f"HTTP {status}: {text}"
    if status in (408, 429):
        raise ProvisioningTemporaryError(f"The provisioning system is busy (HTTP {status})", detail)
    if status >= 500:
        raise ProvisioningTemporaryError(f"The provisioning system failed (HTTP {status})", detail)
    if status >= 400:
        raise ProvisioningPermanentError(
            f"The provisioning system refused the request (HTTP {status})", detail
        )
    unreadable = "The provisioning system's answer could not be read"
    if status < 200 or status >= 300:
        raise ProvisioningPermanentError(f"{unreadable} (HTTP {status})", detail)
    try:
        data = json.loads(answer) if answer.strip() else {}
    except ValueError as exc:
        raise ProvisioningPermanentError(unreadable, f"answer is not JSON: {text[:200]}") from exc
    if not isinstance(data, dict):
        raise ProvisioningPermanentError(unreadable, "answer is not a JSON object")
    verdict = str(data.get("status") or ("accepted" if status == 202 else "done"))
    if verdict not in ("done", "failed", "accepted"):
        raise ProvisioningPermanentError(unreadable, f"unknown status {verdict!r} in answer")
    result = data.get("result") if isinstance(data.get("result"), dict) else {}
    return Outcome(verdict, result or {}, str(data.get("error") or "")[:2000], status)


def callback_verify(headers: dict[str, str], body: bytes, *, now: float | None = None) -> None:
    """Check a callback's signature, timestamp window and nonce (single use, in Redis)."""
    timestamp = headers.get(TIMESTAMP_HEADER, "")
    nonce = headers.get(NONCE_HEADER, "")
    given = headers.get(SIGNATURE_HEADER, "")
    if not (timestamp.isdigit() and 16 <= len(nonce) <= 128 and given):
        raise CallbackRejected("missing or malformed signature headers")
    expected = signature(settings.PROVISIONING_WEBHOOK_SECRET, timestamp, nonce, body)
    if not hmac.compare_digest(expected, given):
        raise CallbackRejected("bad signature")
    window = settings.PROVISIONING_CALLBACK_WINDOW_SECONDS
    moment = time.time() if now is None else now
    if abs(moment - int(timestamp)) > window:
        raise CallbackRejected("timestamp outside the accepted window")
    # The nonce is remembered for twice the window: any replay inside the window is refused,
    # and one outside it fails the timestamp check.
    if not cache.add(f"provisioning-nonce:{nonce}", 1, timeout=2 * window):
        raise CallbackRejected("nonce already used (replay)")
