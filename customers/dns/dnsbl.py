"""Blocklist (DNSBL / RHSBL) queries: zone self-tests and verdicts per address or domain.

Responsibility: given resources (IPv4/IPv6 addresses, domain names), zone specs and a
nameserver, say for each (resource, zone) whether it is listed, not listed, or whether the
check failed and why. Promise 7 (docs/architecture.md) lives here: a result is "listed" only when the
zone passed its RFC 5782 section 5 self-test in this run *and* the answer is a well-formed
A record in 127.0.0.0/8 that is not one of the zone's error codes. An unhealthy zone yields
"check-failed: unhealthy-zone" for every resource, without querying it.

Boundary: no ORM and no settings; listing state (new/active/delisted) is the caller's. The
packets are moved by :mod:`customers.dns.udp`.
"""

from __future__ import annotations

import asyncio
import ipaddress
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

from . import udp
from .nameserver import Nameserver, parse_nameserver
from .wire import (
    QTYPE_A,
    QTYPE_TXT,
    RCODE_NXDOMAIN,
    RCODE_REFUSED,
    RCODE_SERVFAIL,
    Answer,
    domain_prefix,
    ip_prefix,
    question_bytes,
    zone_suffix,
)

# Spamhaus answers these instead of listings when it refuses to answer (its "return codes"
# page): never a listing.
SPAMHAUS_ERROR_CODES: dict[str, str] = {
    "127.255.255.252": "typing error in the DNSBL name",
    "127.255.255.254": "query via a public/open resolver, or no DQS key",
    "127.255.255.255": "excessive number of queries",
}

_LOOPBACK_NET = ipaddress.ip_network("127.0.0.0/8")


class Status(StrEnum):
    LISTED = "listed"
    NOT_LISTED = "not-listed"
    CHECK_FAILED = "check-failed"


class FailReason(StrEnum):
    TIMEOUT = "timeout"
    SERVFAIL = "servfail"
    REFUSED = "refused"
    ERROR_CODE = "error-code"
    UNHEALTHY_ZONE = "unhealthy-zone"
    GARBAGE = "garbage"
    TRUNCATED = "truncated"
    INVALID = "invalid"  # the resource is not an address/name this zone can be asked about


@dataclass(frozen=True, slots=True)
class ZoneSpec:
    """One blocklist zone as queried.

    ``zone`` is the query suffix (``zen.spamhaus.org``, ``KEY.zen.dq.spamhaus.net``, a local
    rbldnsd mirror); ``label`` is what reports show instead (so a DQS key never reaches a
    page), defaulting to ``zone``. ``codes`` maps return codes to meanings; ``error_codes``
    are answers that mean "the list refused to answer", never a listing. ``self_test``
    overrides the RFC 5782 test points (listed, not listed), e.g. an IPv6-only zone's
    ``("::ffff:127.0.0.2", "::ffff:127.0.0.1")``.
    """

    zone: str
    lists: Literal["ip", "domain"] = "ip"
    codes: Mapping[str, str] = field(default_factory=dict)
    error_codes: Mapping[str, str] = field(default_factory=dict)
    rate_per_s: float | None = None
    label: str = ""
    self_test: tuple[str, str] | None = None

    @property
    def name(self) -> str:
        return self.label or self.zone

    @property
    def test_points(self) -> tuple[str, str]:
        if self.self_test:
            return self.self_test
        # RFC 5782 section 5: IP lists must list 127.0.0.2 and must not list 127.0.0.1;
        # domain lists must list "test" and must not list "invalid".
        return ("127.0.0.2", "127.0.0.1") if self.lists == "ip" else ("test", "invalid")


@dataclass(frozen=True, slots=True)
class ZoneHealth:
    zone: str
    healthy: bool
    reason: str  # "ok" or a short machine word, e.g. "lists-everything", "timeout"
    detail: str = ""


@dataclass(frozen=True, slots=True)
class DnsblResult:
    resource: str
    zone: str
    status: Status
    codes: tuple[str, ...] = ()
    meanings: tuple[str, ...] = ()
    txt: str | None = None
    reason: FailReason | None = None
    detail: str = ""

    @property
    def listed(self) -> bool:
        return self.status is Status.LISTED


@dataclass(slots=True)
class SweepSummary:
    zones: dict[str, ZoneHealth]
    counts: Counter[str]
    queries: int
    elapsed_s: float
    stats: udp.Stats


@dataclass(slots=True)
class CheckReport:
    zones: dict[str, ZoneHealth]
    results: list[DnsblResult]

    def listed(self) -> list[DnsblResult]:
        return [r for r in self.results if r.listed]


OnResult = Callable[[DnsblResult], None]


def sweep(
    resources: Iterable[str | ipaddress.IPv4Address | ipaddress.IPv6Address],
    zones: Sequence[ZoneSpec],
    *,
    nameserver: str | Nameserver,
    on_result: OnResult,
    concurrency: int = 128,
    timeout: float = 2.0,
    retries: int = 2,
    fetch_txt: bool = False,
    loopback_only: bool = False,
    sockets: int = 4,
) -> SweepSummary:
    """Self-test every zone, then ask each healthy zone about each resource it lists.

    ``on_result`` is called once per (resource, zone) pair, in no particular order, so
    memory stays bounded by ``concurrency`` whatever the number of resources. IP zones are
    asked about addresses, domain zones about names; a resource of the wrong kind for a
    zone is skipped for that zone. Never raises for DNS trouble: that is a result.
    """
    server = parse_nameserver(nameserver, loopback_only=loopback_only)
    started = time.monotonic()
    health, stats = _self_test(
        zones, server, concurrency=concurrency, timeout=timeout, retries=retries, sockets=sockets
    )
    targets = _prepare(resources)

    counts: Counter[str] = Counter()

    def emit(result: DnsblResult) -> None:
        counts[result.status.value] += 1
        on_result(result)

    lanes: list[udp.Lane] = []
    lane_zones: list[ZoneSpec] = []
    for spec in zones:
        state = health[spec.name]
        kind = "domain" if spec.lists == "domain" else "ip"
        if not state.healthy:
            for resource, target_kind, _ in targets:
                if target_kind == kind:
                    emit(_failed(resource, spec, FailReason.UNHEALTHY_ZONE, state.reason))
            continue
        lanes.append(udp.Lane(_jobs(targets, spec, kind, emit), rate_per_s=spec.rate_per_s))
        lane_zones.append(spec)

    listed: list[tuple[str, ZoneSpec, Answer]] = []

    def on_outcome(lane: int, tag: object, outcome: udp.Outcome) -> None:
        spec = lane_zones[lane]
        result = classify(str(tag), spec, outcome)
        if fetch_txt and result.listed and isinstance(outcome, Answer):
            listed.append((str(tag), spec, outcome))
        else:
            emit(result)

    main = udp.run_lanes(
        lanes,
        server=server,
        on_outcome=on_outcome,
        concurrency=concurrency,
        timeout=timeout,
        retries=retries,
        sockets=sockets,
    )
    _merge(stats, main)
    if listed:
        txt_stats = _with_txt(
            listed, server, emit, concurrency=concurrency, timeout=timeout, retries=retries
        )
        _merge(stats, txt_stats)
    stats.elapsed_s = time.monotonic() - started
    return SweepSummary(
        zones=health, counts=counts, queries=stats.sent, elapsed_s=stats.elapsed_s, stats=stats
    )


def check(
    resources: Iterable[str | ipaddress.IPv4Address | ipaddress.IPv6Address],
    zones: Sequence[ZoneSpec],
    *,
    nameserver: str | Nameserver,
    concurrency: int = 64,
    timeout: float = 2.0,
    retries: int = 1,
    fetch_txt: bool = True,
    loopback_only: bool = False,
) -> CheckReport:
    """:func:`sweep` for a handful of resources, results collected and sorted."""
    results: list[DnsblResult] = []
    summary = sweep(
        resources,
        zones,
        nameserver=nameserver,
        on_result=results.append,
        concurrency=concurrency,
        timeout=timeout,
        retries=retries,
        fetch_txt=fetch_txt,
        loopback_only=loopback_only,
        sockets=1,
    )
    order = {spec.name: i for i, spec in enumerate(zones)}
    results.sort(key=lambda r: (order.get(r.zone, 0), r.resource))
    return CheckReport(zones=summary.zones, results=results)


async def sweep_async(
    resources: Iterable[str | ipaddress.IPv4Address | ipaddress.IPv6Address],
    zones: Sequence[ZoneSpec],
    **kwargs: object,
) -> SweepSummary:
    """:func:`sweep` from an event loop: the engine runs in a worker thread because it
    drives its own sockets with epoll, which is what makes it fast."""
    return await asyncio.to_thread(sweep, resources, zones, **kwargs)  # type: ignore[arg-type]


def self_test(
    zones: Sequence[ZoneSpec],
    *,
    nameserver: str | Nameserver,
    timeout: float = 2.0,
    retries: int = 1,
    loopback_only: bool = False,
) -> dict[str, ZoneHealth]:
    """RFC 5782 section 5 test of each zone, keyed by :attr:`ZoneSpec.name`."""
    server = parse_nameserver(nameserver, loopback_only=loopback_only)
    health, _ = _self_test(zones, server, concurrency=64, timeout=timeout, retries=retries)
    return health


def classify(resource: str, spec: ZoneSpec, outcome: udp.Outcome) -> DnsblResult:
    """Turn one A answer (or failure) into a verdict, per RFC 5782 section 2.3."""
    if isinstance(outcome, str):
        reason = {
            udp.TIMEOUT: FailReason.TIMEOUT,
            udp.TRUNCATED: FailReason.TRUNCATED,
        }.get(outcome, FailReason.GARBAGE)
        return _failed(resource, spec, reason, outcome)
    if outcome.rcode == RCODE_NXDOMAIN:
        return DnsblResult(resource, spec.name, Status.NOT_LISTED)
    if outcome.rcode == RCODE_SERVFAIL:
        return _failed(resource, spec, FailReason.SERVFAIL, "SERVFAIL")
    if outcome.rcode == RCODE_REFUSED:
        return _failed(resource, spec, FailReason.REFUSED, "REFUSED")
    if outcome.rcode != 0:
        return _failed(resource, spec, FailReason.GARBAGE, f"rcode {outcome.rcode}")
    codes = tuple(sorted(set(outcome.addresses)))
    if not codes:
        # NOERROR without an A record (NODATA): nothing listed under this name.
        return DnsblResult(resource, spec.name, Status.NOT_LISTED)
    errors = [c for c in codes if c in spec.error_codes]
    if errors:
        detail = "; ".join(f"{c}: {spec.error_codes[c]}" for c in errors)
        return _failed(resource, spec, FailReason.ERROR_CODE, detail, codes)
    outside = [c for c in codes if ipaddress.ip_address(c) not in _LOOPBACK_NET]
    if outside:
        # A DNSBL answers in 127.0.0.0/8; anything else is a wildcard or a parked domain
        # (an expired list's name answering everything with a web server's address).
        return _failed(
            resource, spec, FailReason.GARBAGE, f"answer outside 127/8: {outside[0]}", codes
        )
    meanings = tuple(spec.codes.get(c, "listed") for c in codes)
    return DnsblResult(resource, spec.name, Status.LISTED, codes=codes, meanings=meanings)


def query_name(resource: str, spec: ZoneSpec) -> str:
    """The DNS name asked for ``resource`` on ``spec`` (for messages and debugging)."""
    if spec.lists == "domain":
        prefix = domain_prefix(resource)
    else:
        prefix = ip_prefix(ipaddress.ip_address(resource))
    return _wire_to_text(prefix + zone_suffix(spec.zone))


# --- internals -------------------------------------------------------------------------


def _failed(
    resource: str,
    spec: ZoneSpec,
    reason: FailReason,
    detail: str = "",
    codes: tuple[str, ...] = (),
) -> DnsblResult:
    return DnsblResult(
        resource, spec.name, Status.CHECK_FAILED, codes=codes, reason=reason, detail=detail
    )


def _prepare(
    resources: Iterable[str | ipaddress.IPv4Address | ipaddress.IPv6Address],
) -> list[tuple[str, str, bytes | None]]:
    """(resource text, "ip"|"domain", query-name prefix or None when invalid), deduplicated."""
    seen: set[str] = set()
    targets: list[tuple[str, str, bytes | None]] = []
    for item in resources:
        if isinstance(item, ipaddress.IPv4Address | ipaddress.IPv6Address):
            address: ipaddress.IPv4Address | ipaddress.IPv6Address | None = item
            text = str(item)
        else:
            text = item.strip()
            try:
                address = ipaddress.ip_address(text)
                text = str(address)
            except ValueError:
                address = None
        if text in seen:
            continue
        seen.add(text)
        if address is not None:
            targets.append((text, "ip", ip_prefix(address)))
            continue
        try:
            targets.append((text.rstrip(".").lower(), "domain", domain_prefix(text)))
        except ValueError:
            targets.append((text, "domain", None))
    return targets


def _jobs(
    targets: list[tuple[str, str, bytes | None]],
    spec: ZoneSpec,
    kind: str,
    emit: OnResult,
    qtype: int = QTYPE_A,
) -> Iterator[tuple[str, bytes]]:
    suffix = zone_suffix(spec.zone)
    for resource, target_kind, prefix in targets:
        if target_kind != kind:
            continue
        if prefix is None:
            emit(_failed(resource, spec, FailReason.INVALID, "not a domain name"))
            continue
        try:
            question = question_bytes(prefix, suffix, qtype)
        except ValueError:
            emit(_failed(resource, spec, FailReason.INVALID, "query name too long"))
            continue
        yield resource, question


def _self_test(
    zones: Sequence[ZoneSpec],
    server: Nameserver,
    *,
    concurrency: int,
    timeout: float,
    retries: int,
    sockets: int = 1,
) -> tuple[dict[str, ZoneHealth], udp.Stats]:
    names = [spec.name for spec in zones]
    if len(set(names)) != len(names):
        raise ValueError("zone specs must have distinct names")
    answers: dict[tuple[int, str], DnsblResult] = {}
    lanes: list[udp.Lane] = []
    for spec in zones:
        listed_point, unlisted_point = spec.test_points
        jobs: list[tuple[str, bytes]] = []
        for point in (listed_point, unlisted_point):
            kind = "ip" if spec.lists == "ip" else "domain"
            prefix = (
                ip_prefix(ipaddress.ip_address(point)) if kind == "ip" else domain_prefix(point)
            )
            jobs.append((point, question_bytes(prefix, zone_suffix(spec.zone), QTYPE_A)))
        # Unlimited here: two queries per zone are within any rate.
        lanes.append(udp.Lane(iter(jobs)))

    def on_outcome(lane: int, tag: object, outcome: udp.Outcome) -> None:
        answers[lane, str(tag)] = classify(str(tag), zones[lane], outcome)

    stats = udp.run_lanes(
        lanes,
        server=server,
        on_outcome=on_outcome,
        concurrency=concurrency,
        timeout=timeout,
        retries=retries,
        sockets=sockets,
    )
    health: dict[str, ZoneHealth] = {}
    for index, spec in enumerate(zones):
        listed_point, unlisted_point = spec.test_points
        health[spec.name] = _verdict(
            spec, answers[index, listed_point], answers[index, unlisted_point]
        )
    return health, stats


def _verdict(spec: ZoneSpec, positive: DnsblResult, negative: DnsblResult) -> ZoneHealth:
    listed_point, unlisted_point = spec.test_points
    if negative.status is Status.LISTED:
        # A zone listing its must-not-list test point lists everything (a wildcard, a
        # hijacked or expired domain): trusting it would list the whole network.
        return ZoneHealth(
            spec.name,
            False,
            "lists-everything",
            f"{unlisted_point} is listed ({', '.join(negative.codes)})",
        )
    for result, point in ((positive, listed_point), (negative, unlisted_point)):
        if result.status is Status.CHECK_FAILED:
            assert result.reason is not None
            return ZoneHealth(
                spec.name, False, result.reason.value, f"test point {point}: {result.detail}"
            )
    if positive.status is not Status.LISTED:
        return ZoneHealth(
            spec.name,
            False,
            "test-point-not-listed",
            f"{listed_point} is not listed: wrong query suffix, empty zone, or a resolver "
            "rewriting answers",
        )
    return ZoneHealth(spec.name, True, "ok")


def _with_txt(
    listed: list[tuple[str, ZoneSpec, Answer]],
    server: Nameserver,
    emit: OnResult,
    *,
    concurrency: int,
    timeout: float,
    retries: int,
) -> udp.Stats:
    """Fetch the TXT reason of each listing (RFC 5782 section 2.1); a TXT failure leaves
    the listing as it is, without text."""
    by_zone: dict[str, list[tuple[str, ZoneSpec, Answer]]] = {}
    for item in listed:
        by_zone.setdefault(item[1].name, []).append(item)
    lanes: list[udp.Lane] = []
    groups: list[list[tuple[str, ZoneSpec, Answer]]] = []
    for items in by_zone.values():
        spec = items[0][1]
        suffix = zone_suffix(spec.zone)
        jobs = [
            (str(i), question_bytes(_prefix(resource, spec), suffix, QTYPE_TXT))
            for i, (resource, _, _) in enumerate(items)
        ]
        lanes.append(udp.Lane(iter(jobs), rate_per_s=spec.rate_per_s))
        groups.append(items)

    def on_outcome(lane: int, tag: object, outcome: udp.Outcome) -> None:
        resource, spec, answer = groups[lane][int(str(tag))]
        result = classify(resource, spec, answer)
        if isinstance(outcome, Answer) and outcome.texts:
            result = DnsblResult(
                result.resource,
                result.zone,
                result.status,
                codes=result.codes,
                meanings=result.meanings,
                txt=" / ".join(outcome.texts),
            )
        emit(result)

    return udp.run_lanes(
        lanes,
        server=server,
        on_outcome=on_outcome,
        concurrency=concurrency,
        timeout=timeout,
        retries=retries,
        sockets=1,
    )


def _prefix(resource: str, spec: ZoneSpec) -> bytes:
    if spec.lists == "domain":
        return domain_prefix(resource)
    return ip_prefix(ipaddress.ip_address(resource))


def _merge(total: udp.Stats, part: udp.Stats) -> None:
    for name in ("sent", "answered", "timeouts", "retried", "dropped", "garbage", "tcp"):
        setattr(total, name, getattr(total, name) + getattr(part, name))


def _wire_to_text(wire: bytes) -> str:
    labels: list[str] = []
    offset = 0
    while offset < len(wire) and wire[offset]:
        size = wire[offset]
        labels.append(wire[offset + 1 : offset + 1 + size].decode("ascii", "replace"))
        offset += size + 1
    return ".".join(labels)
