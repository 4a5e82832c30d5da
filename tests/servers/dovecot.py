"""A real Dovecot IMAP server on loopback for the IMAP channel's tests.

:func:`dovecot_server` writes a private configuration into a temp dir and runs
``dovecot -F -c <conf>`` in the foreground: plain IMAP (with STARTTLS) and IMAPS on free
127.0.0.1 ports, one passwd-file user, Maildir storage, base/state dirs and the log all under
the temp dir — the system's Dovecot and its configuration are never touched. The TLS
certificate is self-signed, generated here, for ``localhost`` and ``127.0.0.1``; clients
trust it through :attr:`RunningDovecot.ca_file`.

A missing binary fails the tests naming the Debian package (``dovecot-imapd``); they never
skip. Messages are put in with IMAP APPEND, as a mail server's delivery would.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import imaplib
import ipaddress
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

LOOPBACK = "127.0.0.1"
USER = "abuse"
PASSWORD = "imap-test-password-5e1f"


class MissingDovecot(RuntimeError):
    """The dovecot binary is not installed."""


@dataclass(frozen=True)
class RunningDovecot:
    host: str
    port: int  # plain IMAP, STARTTLS offered
    tls_port: int  # implicit TLS (IMAPS)
    user: str
    password: str
    ca_file: Path
    workdir: Path
    log_file: Path

    def connect(self) -> imaplib.IMAP4:
        """A logged-in client connection, as a mail server or a test would use."""
        conn = imaplib.IMAP4(self.host, self.port, timeout=10)
        conn.login(self.user, self.password)
        return conn

    def create_folder(self, name: str) -> None:
        with self.session() as conn:
            typ, data = conn.create(_quoted(name))
            assert typ == "OK", data

    def delete_folder(self, name: str) -> None:
        with self.session() as conn:
            typ, data = conn.delete(_quoted(name))
            assert typ == "OK", data

    def append(self, folder: str, *messages: bytes) -> None:
        with self.session() as conn:
            for raw in messages:
                typ, data = conn.append(_quoted(folder), None, None, raw)
                assert typ == "OK", data

    def uids(self, folder: str, criteria: str = "ALL") -> list[int]:
        with self.session() as conn:
            conn.select(_quoted(folder), readonly=True)
            typ, data = conn.uid("SEARCH", criteria)
            assert typ == "OK", data
            return [int(uid) for uid in data[0].split()]

    def uidvalidity(self, folder: str) -> int:
        with self.session() as conn:
            conn.select(_quoted(folder), readonly=True)
            _, data = conn.response("UIDVALIDITY")
            return int(data[0])

    def flags(self, folder: str) -> dict[int, set[str]]:
        """Each message's flags by UID (read-only: looking never changes them)."""
        with self.session() as conn:
            conn.select(_quoted(folder), readonly=True)
            typ, data = conn.uid("FETCH", "1:*", "(FLAGS)")
            assert typ == "OK", data
            found: dict[int, set[str]] = {}
            for item in data:
                if not item:
                    continue
                line = item if isinstance(item, bytes) else item[0]
                text = line.decode()
                uid = int(text.split("UID ", 1)[1].split()[0].rstrip(")"))
                flags = text.split("FLAGS (", 1)[1].split(")", 1)[0]
                found[uid] = set(flags.split())
            return found

    @contextlib.contextmanager
    def session(self) -> Iterator[imaplib.IMAP4]:
        conn = self.connect()
        try:
            yield conn
        finally:
            with contextlib.suppress(imaplib.IMAP4.error, OSError):
                conn.logout()


def _quoted(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def require_dovecot() -> str:
    path = shutil.which("dovecot") or shutil.which("dovecot", path="/usr/sbin:/sbin")
    if not path:
        raise MissingDovecot(
            "dovecot is not installed: install the Debian package 'dovecot-imapd' "
            "(apt-get install dovecot-imapd); the IMAP tests need a real server"
        )
    return path


def _self_signed(workdir: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(LOOPBACK))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file = workdir / "cert.pem"
    key_file = workdir / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_file.chmod(0o600)
    return cert_file, key_file


def _accounts() -> tuple[str, str, int, int]:
    """(internal user, login user, mail uid, mail gid) for the server's processes.

    Started as root, Dovecot drops to its own users and refuses uid 0 for mail; otherwise
    every process simply stays the user we are."""
    if os.geteuid() != 0:
        me = pwd.getpwuid(os.geteuid()).pw_name
        return me, me, os.geteuid(), os.getegid()
    internal = "dovecot" if _has_user("dovecot") else "nobody"
    login = "dovenull" if _has_user("dovenull") else internal
    mail = pwd.getpwnam("nobody")
    return internal, login, mail.pw_uid, mail.pw_gid


def _has_user(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


CONFIG = """\
# Generated for one test session; never the system configuration.
base_dir = {base}
state_dir = {state}
instance_name = tsd-test-{port}
protocols = imap
listen = {host}
log_path = {log}
info_log_path = {log}
default_internal_user = {internal}
default_login_user = {login}
first_valid_uid = {uid}
last_valid_uid = 0
first_valid_gid = 0
mail_location = maildir:{mail}/%u
mail_uid = {uid}
mail_gid = {gid}
auth_mechanisms = plain login
# Tests log in with wrong passwords on purpose: no failure delay, and no growing penalty per
# address (the anvil socket below is closed to the auth process, the documented switch).
auth_failure_delay = 0
disable_plaintext_auth = no
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
ssl_min_protocol = TLSv1.2
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {passwd}
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={mail}/%u
}}
service imap-login {{
  inet_listener imap {{
    address = {host}
    port = {port}
  }}
  inet_listener imaps {{
    address = {host}
    port = {tls_port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service stats {{
  chroot =
}}
namespace inbox {{
  inbox = yes
  separator = /
}}
"""


@contextlib.contextmanager
def dovecot_server() -> Iterator[RunningDovecot]:
    binary = require_dovecot()
    workdir = Path(tempfile.mkdtemp(prefix="tsd-dovecot-"))
    workdir.chmod(0o755)  # the server's own users must reach the run and mail dirs
    internal, login, uid, gid = _accounts()
    base, state, mail = workdir / "run", workdir / "state", workdir / "mail"
    for path in (base, state, mail):
        path.mkdir()
    if os.geteuid() == 0:
        os.chown(mail, uid, gid)
    cert, key = _self_signed(workdir)
    passwd = workdir / "passwd"
    passwd.write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n")
    log = workdir / "dovecot.log"
    port, tls_port = free_port(), free_port()
    conf = workdir / "dovecot.conf"
    conf.write_text(
        CONFIG.format(
            base=base, state=state, host=LOOPBACK, port=port, tls_port=tls_port, log=log,
            internal=internal, login=login, uid=uid, gid=gid, mail=mail, cert=cert, key=key,
            passwd=passwd,
        )
    )  # fmt: skip
    with open(workdir / "stdout.log", "wb") as out:
        process = subprocess.Popen(
            [binary, "-F", "-c", str(conf)], stdout=out, stderr=subprocess.STDOUT, cwd=workdir
        )
    server = RunningDovecot(
        host=LOOPBACK, port=port, tls_port=tls_port, user=USER, password=PASSWORD,
        ca_file=cert, workdir=workdir, log_file=log,
    )  # fmt: skip
    try:
        _wait_ready(server, process)
        yield server
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        shutil.rmtree(workdir, ignore_errors=True)


def _wait_ready(server: RunningDovecot, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 20
    last: Exception | None = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"dovecot exited with {process.returncode}: {_tail(server.workdir)}")
        try:
            with server.session():
                return
        except (OSError, imaplib.IMAP4.error) as exc:
            last = exc
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(
        f"dovecot did not accept a login within 20 s ({last}): {_tail(server.workdir)}"
    )


def _tail(workdir: Path) -> str:
    text = ""
    for name in ("stdout.log", "dovecot.log"):
        with contextlib.suppress(OSError):
            text += (workdir / name).read_text(errors="replace")[-1500:]
    return text


@pytest.fixture(scope="session")
def dovecot() -> Iterator[RunningDovecot]:
    """One Dovecot for the session; each test works in its own folders."""
    try:
        with dovecot_server() as server:
            yield server
    except MissingDovecot as exc:
        pytest.fail(str(exc), pytrace=False)
