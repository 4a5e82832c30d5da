"""Batched DNS over UDP: many queries in flight on a few sockets, strictly matched answers.

Responsibility: move query packets to one nameserver and hand each question exactly one
outcome (a parsed :class:`~customers.dns.wire.Answer`, or a failure reason), at high rate
with bounded memory: only ``concurrency`` queries are ever in flight, and work is pulled
lazily from per-lane iterators. Each lane (one blocklist zone, one query type) has its own
token bucket, so a slow-rate zone does not hold back the others.

Anti-spoofing (RFC 5452 section 9.1): random transaction IDs from os.urandom, several
sockets on kernel-chosen source ports, ``connect()``-ed so the kernel drops datagrams from
any other address or port (checked again on receipt), and an answer counts only when its
ID, question name, type and class all match a query in flight; anything else is dropped
and counted. Truncated answers are retried over TCP (RFC 7766), after the UDP phase.

Boundary: no zone semantics (what an address means is the caller's business), no asyncio:
callers in an event loop run :func:`run_lanes` in a worker thread.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import socket
import time
from array import array
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .nameserver import Nameserver
from .wire import Answer, MalformedAnswer, Mismatch, build_query, parse_answer

# Outcome handed to the caller: an Answer, or one of these reasons.
TIMEOUT = "timeout"
GARBAGE = "garbage"
TRUNCATED = "truncated"

_RCVBUF = 4 * 1024 * 1024
_MAX_DATAGRAM = 65535


@dataclass(slots=True)
class Lane:
    """One stream of questions sharing a rate limit: ``jobs`` yields ``(tag, question)``."""

    jobs: Iterator[tuple[Any, bytes]]
    rate_per_s: float | None = None
    tokens: float = 0.0
    stamp: float = 0.0
    exhausted: bool = False

    def __post_init__(self) -> None:
        # Start with a small burst so a rate-limited lane begins at once.
        self.tokens = 1.0 if self.rate_per_s else 0.0
        self.stamp = time.monotonic()


@dataclass(slots=True)
class Stats:
    sent: int = 0
    answered: int = 0
    timeouts: int = 0
    retried: int = 0
    dropped: int = 0  # datagrams matching nothing in flight, or a mismatched question
    garbage: int = 0
    tcp: int = 0
    elapsed_s: float = 0.0
    extra: dict[str, int] = field(default_factory=dict)


Outcome = Answer | str
OnOutcome = Callable[[int, Any, Outcome], None]


class _Pending:
    __slots__ = ("attempt", "deadline", "done", "key", "lane", "question", "tag")

    def __init__(
        self, key: int, lane: int, tag: Any, question: bytes, attempt: int, deadline: float
    ) -> None:
        self.key = key
        self.lane = lane
        self.tag = tag
        self.question = question
        self.attempt = attempt
        self.deadline = deadline
        self.done = False


class _Ids:
    """Unpredictable 16-bit IDs drawn in bulk (one urandom call per 4,096 IDs)."""

    def __init__(self) -> None:
        self._buf = array("H")
        self._i = 0

    def next(self) -> int:
        if self._i >= len(self._buf):
            self._buf = array("H", os.urandom(8192))
            self._i = 0
        value = self._buf[self._i]
        self._i += 1
        return value


def run_lanes(
    lanes: list[Lane],
    *,
    server: Nameserver,
    on_outcome: OnOutcome,
    concurrency: int = 128,
    timeout: float = 2.0,
    retries: int = 2,
    sockets: int = 4,
    tcp_fallback: bool = True,
) -> Stats:
    """Send every lane's questions to ``server``; call ``on_outcome(lane, tag, outcome)`` once
    per question. ``retries`` extra attempts follow a timeout, each on a fresh ID."""
    stats = Stats()
    started = time.monotonic()
    family = socket.AF_INET6 if server.family_v6 else socket.AF_INET
    address = (server.host, server.port)
    socks: list[socket.socket] = []
    selector = selectors.DefaultSelector()
    truncated: list[_Pending] = []
    try:
        for index in range(max(1, sockets)):
            sock = socket.socket(family, socket.SOCK_DGRAM)
            socks.append(sock)
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, _RCVBUF)
            sock.setblocking(False)
            sock.connect(address)
            selector.register(sock, selectors.EVENT_READ, index)
        _loop(
            lanes, socks, selector, address, on_outcome, stats, truncated,
            max(1, concurrency), timeout, max(0, retries),
        )  # fmt: skip
    finally:
        selector.close()
        for sock in socks:
            sock.close()
    if truncated:
        _tcp_phase(truncated, server, family, on_outcome, stats, timeout, tcp_fallback)
    stats.elapsed_s = time.monotonic() - started
    return stats


def _loop(
    lanes: list[Lane],
    socks: list[socket.socket],
    selector: selectors.BaseSelector,
    address: tuple[str, int],
    on_outcome: OnOutcome,
    stats: Stats,
    truncated: list[_Pending],
    concurrency: int,
    timeout: float,
    retries: int,
) -> None:
    pending: dict[int, _Pending] = {}
    expiry: deque[_Pending] = deque()  # send order == deadline order (one fixed timeout)
    retry_queue: deque[_Pending] = deque()
    ids = _Ids()
    nsocks = len(socks)
    sock_turn = 0
    lane_turn = 0
    nlanes = len(lanes)
    live = nlanes
    monotonic = time.monotonic

    def next_job(now: float) -> tuple[int, Any, bytes] | float | None:
        """A job, None when every lane is exhausted, or seconds until a token is due."""
        nonlocal lane_turn, live
        wait = float("inf")
        for _ in range(nlanes):
            index = lane_turn
            lane_turn = lane_turn + 1 if lane_turn + 1 < nlanes else 0
            lane = lanes[index]
            if lane.exhausted:
                continue
            rate = lane.rate_per_s
            if rate:
                # Token bucket, burst of at most one second's worth.
                lane.tokens = min(rate, lane.tokens + (now - lane.stamp) * rate)
                lane.stamp = now
                if lane.tokens < 1.0:
                    wait = min(wait, (1.0 - lane.tokens) / rate)
                    continue
            job = next(lane.jobs, None)
            if job is None:
                lane.exhausted = True
                live -= 1
                continue
            if rate:
                lane.tokens -= 1.0
            return index, job[0], job[1]
        return None if wait == float("inf") else wait

    while True:
        now = monotonic()
        token_wait = None
        while len(pending) < concurrency:
            if retry_queue:
                old = retry_queue.popleft()
                lane_index, tag, question, attempt = old.lane, old.tag, old.question, old.attempt
            else:
                if not live:
                    break
                job = next_job(now)
                if job is None:
                    break
                if isinstance(job, float):
                    token_wait = job
                    break
                lane_index, tag, question = job
                attempt = 0
            sock_index = sock_turn
            sock_turn = sock_turn + 1 if sock_turn + 1 < nsocks else 0
            qid = ids.next()
            key = sock_index << 16 | qid
            while key in pending:
                qid = ids.next()
                key = sock_index << 16 | qid
            entry = _Pending(key, lane_index, tag, question, attempt, now + timeout)
            try:  # noqa: SIM105 - suppress() costs a context manager per packet
                socks[sock_index].send(build_query(qid, question))
            except (BlockingIOError, ConnectionRefusedError, InterruptedError):
                # Send buffer full, or an ICMP error from an earlier datagram surfaced
                # here: count the attempt as sent; its timeout will retry it.
                pass
            pending[key] = entry
            expiry.append(entry)
            stats.sent += 1
        if not pending:
            # The fill loop drains retry_queue first, so nothing is waiting to be resent.
            if not live:
                return
            if token_wait is not None:
                time.sleep(min(token_wait, 0.5))
            continue
        wait = expiry[0].deadline - now if expiry else 0.05
        if token_wait is not None:
            wait = min(wait, token_wait)
        for key_obj, _ in selector.select(max(0.0, wait)):
            _drain(key_obj.fileobj, key_obj.data, address, pending, on_outcome, stats, truncated)
        now = monotonic()
        while expiry and (expiry[0].done or expiry[0].deadline <= now):
            entry = expiry.popleft()
            if entry.done:
                continue
            entry.done = True
            del pending[entry.key]
            if entry.attempt < retries:
                stats.retried += 1
                retry_queue.append(
                    _Pending(0, entry.lane, entry.tag, entry.question, entry.attempt + 1, 0.0)
                )
            else:
                stats.timeouts += 1
                on_outcome(entry.lane, entry.tag, TIMEOUT)


def _drain(
    sock: Any,
    sock_index: int,
    address: tuple[str, int],
    pending: dict[int, _Pending],
    on_outcome: OnOutcome,
    stats: Stats,
    truncated: list[_Pending],
) -> None:
    recvfrom = sock.recvfrom
    base = sock_index << 16
    host, port = address
    while True:
        try:
            data, source = recvfrom(_MAX_DATAGRAM)
        except (BlockingIOError, InterruptedError):
            return
        except ConnectionRefusedError:
            continue  # ICMP port unreachable: nothing listens; timeouts will report it
        # connect() already makes the kernel filter sources; this keeps the promise even
        # if a platform does not.
        if source[1] != port or source[0] != host or len(data) < 12:
            stats.dropped += 1
            continue
        entry = pending.get(base | (data[0] << 8 | data[1]))
        if entry is None:
            stats.dropped += 1
            continue
        try:
            answer = parse_answer(data, entry.question)
        except Mismatch:
            stats.dropped += 1
            continue
        except MalformedAnswer:
            stats.garbage += 1
            outcome: Outcome = GARBAGE
        else:
            outcome = answer
        entry.done = True
        del pending[entry.key]
        stats.answered += 1
        if isinstance(outcome, Answer) and outcome.truncated:
            truncated.append(entry)
            continue
        on_outcome(entry.lane, entry.tag, outcome)


def _tcp_phase(
    entries: list[_Pending],
    server: Nameserver,
    family: int,
    on_outcome: OnOutcome,
    stats: Stats,
    timeout: float,
    enabled: bool,
) -> None:
    """Retry truncated answers over TCP, one at a time: they are rare for DNSBL A queries,
    and the whole phase is bounded by a few timeouts so a hostile server cannot stall us."""
    deadline = time.monotonic() + 3 * timeout
    for entry in entries:
        outcome: Outcome = TRUNCATED
        remaining = deadline - time.monotonic()
        if enabled and remaining > 0:
            outcome = _tcp_query(entry.question, server, family, min(timeout, remaining))
            stats.tcp += 1
        on_outcome(entry.lane, entry.tag, outcome)


def _tcp_query(question: bytes, server: Nameserver, family: int, timeout: float) -> Outcome:
    qid = int.from_bytes(os.urandom(2), "big")
    query = build_query(qid, question)
    try:
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            sock.connect((server.host, server.port))
            sock.sendall(len(query).to_bytes(2, "big") + query)
            size = int.from_bytes(_recv_exactly(sock, 2), "big")
            data = _recv_exactly(sock, size)
    except (OSError, EOFError):
        return TRUNCATED
    if data[:2] != query[:2]:
        return TRUNCATED
    try:
        answer = parse_answer(data, question)
    except (Mismatch, MalformedAnswer):
        return GARBAGE
    return TRUNCATED if answer.truncated else answer


def _recv_exactly(sock: socket.socket, size: int) -> bytes:
    chunks = bytearray()
    while len(chunks) < size:
        chunk = sock.recv(size - len(chunks))
        if not chunk:
            raise EOFError("connection closed mid-message")
        chunks += chunk
    return bytes(chunks)
