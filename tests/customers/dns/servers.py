"""Real DNS servers on loopback for the DNS tests and the benchmark.

Three kinds, each a context manager that starts in a private temp dir on a free port and
cleans up (process killed, dir removed) on exit:

* :func:`rbldnsd_server` — rbldnsd (Debian package ``rbldnsd``) serving blocklist zones
  written by the caller (ip4set, ip4trie, ip6trie, dnset data).
* :func:`nsd_server` — NSD (Debian package ``nsd``) serving authoritative zone files.
* :class:`MisbehavingResponder` — our own UDP/TCP responder for what real servers will not
  do on demand: SERVFAIL, REFUSED, silence, noise, garbage, spoofed answers, TC.

A missing binary raises :class:`MissingServer` naming the package: the tests fail, they
never skip. Nothing here listens beyond 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdatatype
import dns.rrset

LOOPBACK = "127.0.0.1"


class MissingServer(RuntimeError):
    """A DNS server binary is not installed."""


@dataclass(frozen=True)
class RunningServer:
    host: str
    port: int
    workdir: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def nameserver(self) -> str:
        return f"{self.host}:{self.port}"


def require_binary(name: str, package: str) -> str:
    path = shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin:/usr/local/sbin")
    if not path:
        raise MissingServer(
            f"{name} is not installed: install the Debian package {package!r} "
            f"(apt-get install {package}); the DNS tests need a real server"
        )
    return path


def free_port() -> int:
    """A port free for both UDP and TCP on loopback right now."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind((LOOPBACK, 0))
            port = udp.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
                try:
                    tcp.bind((LOOPBACK, port))
                except OSError:
                    continue
                return port
    raise RuntimeError("no free loopback port")


def wait_until_answering(port: int, qname: str, *, timeout: float = 10.0) -> None:
    """Poll with a real query until the server answers (any RCODE)."""
    deadline = time.monotonic() + timeout
    query = dns.message.make_query(qname, "SOA").to_wire()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(0.1)
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                sock.sendto(query, (LOOPBACK, port))
                data, _ = sock.recvfrom(4096)
                if data[:2] == query[:2]:
                    return
            time.sleep(0.02)
    raise RuntimeError(f"DNS server on port {port} did not answer within {timeout}s")


def _workdir(prefix: str) -> Path:
    path = Path(tempfile.mkdtemp(prefix=prefix))
    # Servers drop root privileges to their own user: they must still read their data.
    path.chmod(0o755)
    return path


def _unprivileged_user(preferred: str) -> str | None:
    """The user a root-started server should switch to (None when we are not root)."""
    if os.geteuid() != 0:
        return None
    for name in (preferred, "nobody"):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    return "nobody"


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def _log_tail(path: Path) -> str:
    with contextlib.suppress(OSError):
        return path.read_text(errors="replace")[-2000:]
    return ""


# --- rbldnsd ---------------------------------------------------------------------------


@contextlib.contextmanager
def rbldnsd_server(zones: dict[str, tuple[str, str]]) -> Iterator[RunningServer]:
    """rbldnsd serving ``{zone: (dataset type, data text)}`` on 127.0.0.1:free port.

    Dataset types are rbldnsd's (``ip4set``, ``ip4trie``, ``ip6trie``, ``dnset``, ...).
    """
    binary = require_binary("rbldnsd", "rbldnsd")
    workdir = _workdir("rbldnsd-")
    specs: list[str] = []
    for index, (zone, (dataset, data)) in enumerate(zones.items()):
        name = f"zone{index}.data"
        (workdir / name).write_text(data)
        (workdir / name).chmod(0o644)
        specs.append(f"{zone}:{dataset}:{name}")
    port = free_port()
    log = workdir / "rbldnsd.log"
    command = [binary, "-n", "-b", f"{LOOPBACK}/{port}", "-w", str(workdir), "-t", "60"]
    user = _unprivileged_user("rbldns")
    if user:
        command += ["-u", user]
    with log.open("wb") as out:
        process = subprocess.Popen(command + specs, stdout=out, stderr=subprocess.STDOUT)
    try:
        try:
            wait_until_answering(port, next(iter(zones)) if zones else "test.")
        except RuntimeError as exc:
            raise RuntimeError(f"{exc}\nrbldnsd log:\n{_log_tail(log)}") from None
        yield RunningServer(LOOPBACK, port, workdir, process)
    finally:
        _stop(process)
        shutil.rmtree(workdir, ignore_errors=True)


# --- NSD -------------------------------------------------------------------------------


@contextlib.contextmanager
def nsd_server(zones: dict[str, str]) -> Iterator[RunningServer]:
    """NSD serving ``{origin: zone file text}`` authoritatively on 127.0.0.1:free port."""
    binary = require_binary("nsd", "nsd")
    workdir = _workdir("nsd-")
    port = free_port()
    lines = [
        "server:",
        f"    ip-address: {LOOPBACK}",
        f"    port: {port}",
        "    do-ip6: no",
        "    server-count: 1",
        "    reuseport: no",
        '    database: ""',
        '    chroot: ""',
        # Stay the user we are: the temp dir is ours, and nothing here is privileged.
        '    username: ""',
        f'    zonesdir: "{workdir}"',
        f'    zonelistfile: "{workdir}/zone.list"',
        f'    xfrdfile: "{workdir}/xfrd.state"',
        f'    xfrdir: "{workdir}"',
        f'    pidfile: "{workdir}/nsd.pid"',
        f'    logfile: "{workdir}/nsd.log"',
        "    verbosity: 1",
        "    hide-version: yes",
        # Response rate limiting would drop the doctor's bursts of queries from 127.0.0.1.
        "    rrl-ratelimit: 0",
        "    rrl-whitelist-ratelimit: 0",
        "remote-control:",
        "    control-enable: no",
    ]
    for index, (origin, text) in enumerate(zones.items()):
        filename = f"zone{index}.zone"
        (workdir / filename).write_text(text)
        lines += ["zone:", f"    name: {origin}", f'    zonefile: "{filename}"']
    config = workdir / "nsd.conf"
    config.write_text("\n".join(lines) + "\n")
    check = subprocess.run(
        [shutil.which("nsd-checkconf") or "/usr/sbin/nsd-checkconf", str(config)],
        capture_output=True,
        text=True,
        check=False,
    )
    if check.returncode != 0:
        shutil.rmtree(workdir, ignore_errors=True)
        raise RuntimeError(f"nsd.conf rejected: {check.stderr or check.stdout}")
    process = subprocess.Popen(
        [binary, "-d", "-c", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=(workdir / "stderr.log").open("wb"),
    )
    try:
        try:
            wait_until_answering(port, next(iter(zones)) if zones else "test.")
        except RuntimeError as exc:
            logs = _log_tail(workdir / "nsd.log") + _log_tail(workdir / "stderr.log")
            raise RuntimeError(f"{exc}\nnsd log:\n{logs}") from None
        yield RunningServer(LOOPBACK, port, workdir, process)
    finally:
        _stop(process)
        shutil.rmtree(workdir, ignore_errors=True)


# --- misbehaving responder -------------------------------------------------------------

BAD_SUFFIX = dns.name.from_text("bad.test.")
MODES = (
    "ok",  # a healthy little DNSBL: 127.0.0.2 and "test" listed, the rest NXDOMAIN
    "servfail",
    "refused",
    "silent",  # never answers
    "noise",  # random bytes: must be ignored (so it times out)
    "garbage",  # our ID and question, then a broken answer section
    "spoof",  # like "ok", preceded by forged "listed" answers that must be ignored
    "tc",  # TC over UDP, a real answer over TCP
    "tcfail",  # TC over UDP, TCP connection closed
    "badaddr",  # answers everything with 198.51.100.7, like a parked expired list
    "notimp",
)


def mode_of(qname: dns.name.Name) -> str:
    """``<anything>.<mode>.bad.test`` → mode; unknown names behave as "ok"."""
    if not qname.is_subdomain(BAD_SUFFIX):
        return "ok"
    relative = qname.relativize(BAD_SUFFIX).labels
    return relative[-1].decode().lower() if relative else "ok"


class MisbehavingResponder:
    """A DNS responder on 127.0.0.1 (UDP and TCP, same port) whose behaviour is picked by
    the zone asked: ``<mode>.bad.test`` (see :data:`MODES`). Run as a context manager."""

    def __init__(self) -> None:
        self.port = 0
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.udp: socket.socket | None = None
        self.tcp: socket.socket | None = None
        self.spoofer: socket.socket | None = None

    @property
    def nameserver(self) -> str:
        return f"{LOOPBACK}:{self.port}"

    def __enter__(self) -> MisbehavingResponder:
        self.port = free_port()
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind((LOOPBACK, self.port))
        self.udp.settimeout(0.1)
        self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.tcp.bind((LOOPBACK, self.port))
        self.tcp.listen(16)
        self.tcp.settimeout(0.1)
        self.spoofer = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.spoofer.bind((LOOPBACK, 0))
        for target in (self._serve_udp, self._serve_tcp):
            thread = threading.Thread(target=target, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=2)
        for sock in (self.udp, self.tcp, self.spoofer):
            if sock is not None:
                sock.close()

    # The answers ------------------------------------------------------------------------

    @staticmethod
    def healthy_answer(query: dns.message.Message) -> dns.message.Message:
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        question = query.question[0]
        first = question.name.labels[0].lower() if question.name.labels else b""
        listed = question.name.to_text().lower().startswith("2.0.0.127.") or first in (
            b"test",
            b"listed",
        )
        apex_tc = question.name.labels[0] == b"tc" and mode_of(question.name) == "tc"
        if apex_tc:
            # A domain that exists, with something worth truncating: its SPF record.
            if question.rdtype == dns.rdatatype.TXT:
                response.answer.append(
                    dns.rrset.from_text(question.name, 60, "IN", "TXT", '"v=spf1 -all"')
                )
        elif listed and question.rdtype == dns.rdatatype.A:
            response.answer.append(dns.rrset.from_text(question.name, 60, "IN", "A", "127.0.0.2"))
        elif listed and question.rdtype == dns.rdatatype.TXT:
            response.answer.append(
                dns.rrset.from_text(question.name, 60, "IN", "TXT", '"listed for testing"')
            )
        else:
            response.set_rcode(dns.rcode.NXDOMAIN)
        return response

    def _udp_replies(self, data: bytes) -> list[tuple[socket.socket, bytes]]:
        assert self.udp is not None and self.spoofer is not None
        try:
            query = dns.message.from_wire(data)
            question = query.question[0]
        except (dns.exception.DNSException, IndexError, ValueError):
            return []
        mode = mode_of(question.name)
        if mode == "silent":
            return []
        if mode == "noise":
            return [(self.udp, secrets.token_bytes(40))]
        response = dns.message.make_response(query)
        if mode in ("servfail", "refused", "notimp"):
            response.set_rcode(
                {"servfail": dns.rcode.SERVFAIL, "refused": dns.rcode.REFUSED}.get(
                    mode, dns.rcode.NOTIMP
                )
            )
            return [(self.udp, response.to_wire())]
        if mode == "garbage":
            wire = bytearray(response.to_wire())
            wire[7] = 1  # ANCOUNT=1, then a record cut off after its owner name
            return [(self.udp, bytes(wire) + b"\xc0\x0c\x00\x01")]
        if mode == "badaddr":
            if question.rdtype == dns.rdatatype.A:
                response.answer.append(
                    dns.rrset.from_text(question.name, 60, "IN", "A", "198.51.100.7")
                )
            return [(self.udp, response.to_wire())]
        if mode in ("tc", "tcfail"):
            response.flags |= dns.flags.TC
            return [(self.udp, response.to_wire())]
        real = self.healthy_answer(query)
        replies: list[tuple[socket.socket, bytes]] = []
        if mode == "spoof":
            forged = dns.message.make_response(query)
            forged.answer.append(dns.rrset.from_text(question.name, 60, "IN", "A", "127.0.0.2"))
            wire = forged.to_wire()
            wrong_id = bytes([wire[0] ^ 0xFF, wire[1]]) + wire[2:]
            other = dns.message.make_query("2.0.0.127.spoof.bad.test", "A")
            other.id = query.id
            wrong_question = dns.message.make_response(other)
            wrong_question.answer.append(
                dns.rrset.from_text(other.question[0].name, 60, "IN", "A", "127.0.0.2")
            )
            replies += [
                (self.udp, wrong_id),
                (self.udp, wrong_question.to_wire()),
                (self.spoofer, wire),  # right ID and question, wrong source port
            ]
        replies.append((self.udp, real.to_wire()))
        return replies

    def _serve_udp(self) -> None:
        assert self.udp is not None
        while not self._stop.is_set():
            try:
                data, peer = self.udp.recvfrom(4096)
            except (TimeoutError, OSError):
                continue
            for sock, reply in self._udp_replies(data):
                with contextlib.suppress(OSError):
                    sock.sendto(reply, peer)

    def _serve_tcp(self) -> None:
        assert self.tcp is not None
        while not self._stop.is_set():
            try:
                conn, _ = self.tcp.accept()
            except (TimeoutError, OSError):
                continue
            threading.Thread(target=self._tcp_conn, args=(conn,), daemon=True).start()

    def _tcp_conn(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(2)
            try:
                size = int.from_bytes(conn.recv(2), "big")
                data = b""
                while len(data) < size:
                    chunk = conn.recv(size - len(data))
                    if not chunk:
                        return
                    data += chunk
                query = dns.message.from_wire(data)
            except (dns.exception.DNSException, OSError, ValueError):
                return
            mode = mode_of(query.question[0].name)
            if mode == "tcfail" or mode == "silent":
                return
            if mode in ("tc", "ok", "spoof"):
                wire = self.healthy_answer(query).to_wire()
            else:
                replies = self._udp_replies(data)
                if not replies:
                    return
                wire = replies[-1][1]
            with contextlib.suppress(OSError):
                conn.sendall(len(wire).to_bytes(2, "big") + wire)
