"""A real SMTP server (aiosmtpd) on loopback that collects what the desk sends.

:func:`smtp_server` starts one per test on a free 127.0.0.1 port and points the desk at it:
``settings.EMAIL_HOST``/``EMAIL_PORT`` for the test process, and the same names in the
environment for processes the test starts afterwards (a Celery worker reads its settings
from the environment). Each accepted message is kept with its envelope and parsed.

The server can be told to refuse recipients (``refuse_rcpt = "550 5.1.1 ..."`` or a 4xx
code) to exercise permanent and temporary failures; :func:`closed_port` gives a port on
which nothing listens ("server down").
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

LOOPBACK = "127.0.0.1"


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    message: EmailMessage


@dataclass
class SmtpSink:
    """What the server received, and how it should answer."""

    host: str = LOOPBACK
    port: int = 0
    messages: list[Received] = field(default_factory=list)
    refuse_rcpt: str | None = None  # e.g. "550 5.1.1 <x>: user unknown"
    data_delay: float = 0.0  # seconds to wait before accepting DATA (a slow server)
    _arrived: threading.Condition = field(default_factory=threading.Condition)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # type: ignore[no-untyped-def]
        if self.refuse_rcpt:
            return self.refuse_rcpt
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        if self.data_delay:
            await asyncio.sleep(self.data_delay)
        raw = bytes(envelope.original_content or envelope.content)
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        with self._arrived:
            self.messages.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), raw, parsed)  # type: ignore[arg-type]
            )
            self._arrived.notify_all()
        return "250 2.0.0 queued"

    def wait_for(self, count: int, timeout: float = 20.0) -> list[Received]:
        """Block until ``count`` messages arrived (or fail the test after ``timeout``)."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(self.messages) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"expected {count} messages at the SMTP server, got {len(self.messages)}"
                    )
                self._arrived.wait(left)
            return list(self.messages)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def closed_port() -> int:
    """A loopback port nobody listens on (connections are refused)."""
    return free_port()


@pytest.fixture
def smtp_server(settings, monkeypatch) -> Iterator[SmtpSink]:  # type: ignore[no-untyped-def]
    sink = SmtpSink()
    controller = None
    for _ in range(5):  # a port picked free may be taken before we bind it
        sink.port = free_port()
        controller = Controller(sink, hostname=LOOPBACK, port=sink.port, ready_timeout=10)
        try:
            controller.start()
            break
        except (OSError, RuntimeError):
            controller = None
    if controller is None:
        raise RuntimeError("could not start aiosmtpd on a loopback port")
    # pytest-django swaps in the in-memory backend; these tests want the real one.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = LOOPBACK
    settings.EMAIL_PORT = sink.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 5
    monkeypatch.setenv("EMAIL_HOST", LOOPBACK)
    monkeypatch.setenv("EMAIL_PORT", str(sink.port))
    monkeypatch.setenv("EMAIL_USE_TLS", "0")
    yield sink
    controller.stop()
