"""A failing mailbox leaves a clear one-line reason on its row and never raises: wrong
password, refused connection, a server that never answers, an untrusted certificate, plain
IMAP off loopback, a missing folder. TLS (implicit and STARTTLS) works with a trusted CA."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from complaints.intake.imap import mailbox_poll
from complaints.models import Mailbox, Report
from tests.complaints.intake.imap_support import complaint, folder_name, make_mailbox, seen, sha256
from tests.servers.dovecot import free_port

pytestmark = pytest.mark.django_db


def _error_of(mailbox: Mailbox) -> str:
    row = Mailbox.objects.get(pk=mailbox.pk)
    assert row.last_error_at is not None and row.last_poll_at is not None
    assert row.last_success_at is None
    assert "\n" not in row.last_error
    return row.last_error


def test_a_wrong_password_is_recorded_on_the_mailbox_and_nothing_is_fetched(dovecot) -> None:
    mailbox = make_mailbox(dovecot, password="not-the-password")
    dovecot.append(mailbox.folder, complaint())

    result = mailbox_poll(mailbox.pk, queue=False)

    assert result.status == "error"
    error = _error_of(mailbox)
    assert error == result.error
    assert error.startswith(f"login refused for {dovecot.user}: ")
    assert "AUTHENTICATIONFAILED" in error or "Authentication failed" in error
    assert "not-the-password" not in error
    assert not any(seen(dovecot, mailbox.folder).values())


def test_a_refused_connection_is_recorded(dovecot) -> None:
    port = free_port()  # nothing listens there
    mailbox = make_mailbox(dovecot, port=port)

    result = mailbox_poll(mailbox.pk, queue=False)

    assert result.status == "error"
    assert _error_of(mailbox) == f"connection refused by 127.0.0.1:{port}"


@pytest.fixture
def silent_server() -> Iterator[int]:
    """Accepts connections (the kernel's backlog) and never sends a greeting."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield sock.getsockname()[1]


def test_a_server_that_never_answers_times_out(dovecot, silent_server, settings) -> None:
    settings.IMAP_TIMEOUT_SECONDS = 1
    mailbox = make_mailbox(dovecot, port=silent_server)

    result = mailbox_poll(mailbox.pk, queue=False)

    assert result.status == "error"
    assert _error_of(mailbox) == f"no answer from 127.0.0.1:{silent_server} within 1 s (timeout)"


def test_an_untrusted_certificate_is_refused(dovecot, settings) -> None:
    settings.IMAP_CA_FILE = ""  # the system's CAs do not know the test server's certificate
    mailbox = make_mailbox(dovecot, security=Mailbox.Security.TLS, port=dovecot.tls_port)

    result = mailbox_poll(mailbox.pk, queue=False)

    assert result.status == "error"
    assert _error_of(mailbox).startswith(
        f"TLS certificate of 127.0.0.1:{dovecot.tls_port} not trusted"
    )


def test_a_tls_handshake_against_a_plain_port_is_a_tls_error(dovecot, settings) -> None:
    settings.IMAP_CA_FILE = str(dovecot.ca_file)
    settings.IMAP_TIMEOUT_SECONDS = 5
    mailbox = make_mailbox(dovecot, security=Mailbox.Security.TLS, port=dovecot.port)

    result = mailbox_poll(mailbox.pk, queue=False)

    assert result.status == "error"
    assert _error_of(mailbox).startswith(f"TLS failed with 127.0.0.1:{dovecot.port}")


@pytest.mark.parametrize(
    ("security", "port_of"),
    [(Mailbox.Security.TLS, "tls_port"), (Mailbox.Security.STARTTLS, "port")],
)
def test_tls_and_starttls_polls_with_a_trusted_certificate(
    dovecot, settings, security: str, port_of: str
) -> None:
    settings.IMAP_CA_FILE = str(dovecot.ca_file)
    mailbox = make_mailbox(dovecot, security=security, port=getattr(dovecot, port_of))
    raw = complaint()
    dovecot.append(mailbox.folder, raw)
    log_before = len(dovecot.log_file.read_bytes())

    result = mailbox_poll(mailbox.pk, queue=False)

    assert result.status == "ok", result.error
    assert result.new == 1
    assert Report.objects.filter(sha256=sha256(raw)).exists()
    logins = [
        line
        for line in dovecot.log_file.read_bytes()[log_before:].decode().splitlines()
        if "Login: user=<abuse>" in line
    ]
    assert len(logins) == 1 and ", TLS," in logins[0]  # the server saw an encrypted session


def test_plain_imap_is_refused_to_a_host_off_loopback(dovecot) -> None:
    from complaints.intake.mailboxes import mailbox_update

    mailbox = make_mailbox(dovecot)
    mailbox_update(mailbox=mailbox, host="imap.example.net")

    result = mailbox_poll(mailbox.pk, queue=False)

    assert result.status == "error"
    assert _error_of(mailbox) == "plain IMAP is refused to imap.example.net: use TLS or STARTTLS"


def test_a_missing_folder_is_recorded(dovecot) -> None:
    mailbox = make_mailbox(dovecot, folder=folder_name("absent"), create_folder=False)

    result = mailbox_poll(mailbox.pk, queue=False)

    assert result.status == "error"
    assert _error_of(mailbox).startswith(f"folder {mailbox.folder!r} cannot be opened")


def test_a_success_after_an_error_keeps_the_error_but_records_the_success(dovecot) -> None:
    from complaints.intake.mailboxes import mailbox_set_password

    mailbox = make_mailbox(dovecot, password="wrong")
    assert mailbox_poll(mailbox.pk, queue=False).status == "error"
    mailbox_set_password(mailbox=mailbox, password=dovecot.password)

    assert mailbox_poll(mailbox.pk, queue=False).status == "ok"
    row = Mailbox.objects.get(pk=mailbox.pk)
    assert row.last_success_at is not None and row.last_error_at is not None
    assert row.last_success_at > row.last_error_at
