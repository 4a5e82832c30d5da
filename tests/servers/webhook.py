"""A real HTTP provisioning endpoint on loopback for the actions' tests.

:class:`WebhookServer` is a threaded ``http.server`` that records every request (headers,
body, whether its HMAC signature verified) and answers by a script of behaviours, one per
request, the last repeated:

- ``"done"``: 200 ``{"status": "done", "result": {...}}``
- ``"failed"``: 200 ``{"status": "failed", "error": ...}`` (the receiver refused the change)
- ``"accept"``: 202 ``{"status": "accepted"}`` (the outcome follows by callback)
- ``"error500"`` / ``"error400"``: that HTTP status
- ``"timeout"``: sleeps ``sleep_seconds`` (past the client's timeout), then answers 200 done
- ``"done+callback"``: answers 200 done *and* posts a signed callback for the same action to
  the request's ``callback_url`` — the provider "answering twice".

:meth:`WebhookServer.callback` posts a signed callback on demand (optionally re-using a nonce,
to replay it). Signatures follow ``complaints.actions.provisioning``'s scheme but are computed here
independently, so a client bug cannot hide behind shared code.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import pytest

SECRET = "test-provisioning-secret-0123456789abcdef"


def sign(secret: str, timestamp: str, nonce: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.{nonce}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: bytes
    signature_ok: bool
    received_at: float

    @property
    def json(self) -> dict[str, Any]:
        return json.loads(self.body)

    @property
    def idempotency_key(self) -> str:
        return self.headers.get("Idempotency-Key", "")


@dataclass
class WebhookServer:
    secret: str = SECRET
    script: list[str] = field(default_factory=lambda: ["done"])
    sleep_seconds: float = 2.5
    port: int = 0  # 0: any free port; a fixed one lets a test start it where the desk points
    requests: list[Recorded] = field(default_factory=list)
    callbacks_sent: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _httpd: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._httpd is not None
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/provisioning/"

    def behave(self, *script: str) -> None:
        with self._lock:
            self.script = list(script)
            self.requests.clear()

    def _next(self) -> str:
        with self._lock:
            return self.script.pop(0) if len(self.script) > 1 else self.script[0]

    def record(self, handler: BaseHTTPRequestHandler, body: bytes) -> Recorded:
        headers = {k: v for k, v in handler.headers.items()}
        ts = headers.get("X-TSD-Timestamp", "")
        nonce = headers.get("X-TSD-Nonce", "")
        ok = bool(ts and nonce) and hmac.compare_digest(
            sign(self.secret, ts, nonce, body), headers.get("X-TSD-Signature", "")
        )
        entry = Recorded(handler.path, headers, body, ok, time.time())
        with self._lock:
            self.requests.append(entry)
        return entry

    def callback(
        self,
        url: str,
        payload: dict[str, Any],
        *,
        nonce: str | None = None,
        timestamp: int | None = None,
        secret: str | None = None,
    ) -> tuple[int, dict[str, Any], str]:
        """POST a signed callback; returns (status, JSON answer, nonce used)."""
        body = json.dumps(payload).encode()
        ts = str(int(time.time()) if timestamp is None else timestamp)
        nonce = nonce or secrets.token_hex(16)
        headers = {
            "Content-Type": "application/json",
            "X-TSD-Timestamp": ts,
            "X-TSD-Nonce": nonce,
            "X-TSD-Signature": sign(secret or self.secret, ts, nonce, body),
        }
        parts = urlsplit(url)
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        try:
            conn.request("POST", parts.path, body=body, headers=headers)
            response = conn.getresponse()
            answer = response.read()
        finally:
            conn.close()
        data = json.loads(answer) if answer else {}
        with self._lock:
            self.callbacks_sent.append((response.status, data))
        return response.status, data, nonce

    def start(self) -> None:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # quiet
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                entry = server.record(self, body)
                behaviour = server._next()
                if not entry.signature_ok:
                    self._answer(401, {"error": "bad signature"})
                    return
                if behaviour == "timeout":
                    time.sleep(server.sleep_seconds)
                    behaviour = "done"
                if behaviour == "error500":
                    self._answer(500, {"error": "internal error"})
                elif behaviour == "error400":
                    self._answer(400, {"error": "unknown service"})
                elif behaviour == "accept":
                    self._answer(202, {"status": "accepted"})
                elif behaviour == "failed":
                    self._answer(200, {"status": "failed", "error": "service is locked"})
                else:
                    payload = entry.json
                    self._answer(200, {"status": "done", "result": {
                        "operation": payload["operation"], "ticket": payload["ticket_id"],
                        "reference": f"PRV-{payload['action_id']}"}})  # fmt: skip
                    if behaviour == "done+callback":
                        threading.Thread(
                            target=server.callback,
                            args=(payload["callback_url"], {
                                "idempotency_key": payload["idempotency_key"],
                                "status": "failed", "error": "late duplicate answer"}),
                            daemon=True,
                        ).start()  # fmt: skip

            def _answer(self, status: int, data: dict[str, Any]) -> None:
                body = json.dumps(data).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout): what a real server sees too

        self._httpd = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._httpd.daemon_threads = True
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()

    def wait_for(self, count: int, timeout: float = 20.0) -> list[Recorded]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.requests) >= count:
                    return list(self.requests)
            time.sleep(0.05)
        raise AssertionError(f"expected {count} webhook requests, got {len(self.requests)}")


@pytest.fixture
def webhook_server(settings) -> Iterator[WebhookServer]:  # type: ignore[no-untyped-def]
    """A running provisioning endpoint; the desk's settings point at it."""
    server = WebhookServer()
    server.start()
    settings.PROVISIONING_WEBHOOK_URL = server.url
    settings.PROVISIONING_WEBHOOK_SECRET = server.secret
    settings.PROVISIONING_TIMEOUT_SECONDS = 1
    settings.PROVISIONING_RETRY_BASE_SECONDS = 0
    yield server
    server.stop()
