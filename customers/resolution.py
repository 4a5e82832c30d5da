"""Resolution: which allocation (and so which customer and service) held an IP at a moment.

The rule (docs/architecture.md): the most specific allocation valid at the observed time wins; nested
holdings fall back to the enclosing one outside their own time range.

The algorithm avoids a containment search per lookup. Only a handful of prefix lengths are
ever in use (say /22, /24, /28, /29, /32, /48, /64), so each (ip, time) pair expands to one
*exact* candidate network per length in use — ``network(set_masklen(ip, len))`` — and those
are equality-joined to the allocations (a hash join in bulk, a b-tree probe for one). The
lengths in use come from a loose index scan of ``(family, masklen)``: a few index descents,
never a scan of the table. 100,000 pairs resolve in one statement.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection

from complaints.parsers.util import normalize_ip
from customers.models import Domain
from trustsafety.pg_arrays import array_literal


@dataclass(frozen=True, slots=True)
class Holding:
    """The allocation that held an address at a moment, with its holder."""

    allocation_id: int
    network: str
    customer_id: int
    customer_external_id: str
    service_id: int | None
    shared: bool


_LENGTHS_IN_USE = """
WITH RECURSIVE lens(fam, len) AS (
    (SELECT family(network), masklen(network) FROM customers_ipallocation
      ORDER BY family(network), masklen(network) LIMIT 1)
  UNION ALL
    SELECT nxt.fam, nxt.len FROM lens CROSS JOIN LATERAL (
        SELECT family(a.network) AS fam, masklen(a.network) AS len
          FROM customers_ipallocation a
         WHERE (family(a.network), masklen(a.network)) > (lens.fam, lens.len)
         ORDER BY family(a.network), masklen(a.network) LIMIT 1) nxt
)
"""

_RESOLVE = (
    _LENGTHS_IN_USE  # noqa: S608 - two constant SQL fragments, no user text
    + """,
q AS (
    SELECT q.ip, q.at, q.ord
      FROM unnest(%s::inet[], %s::timestamptz[]) WITH ORDINALITY AS q(ip, at, ord)
),
cand AS (
    SELECT q.ord, q.at, network(set_masklen(q.ip, lens.len)) AS net, lens.len
      FROM q JOIN lens ON lens.fam = family(q.ip)
)
SELECT DISTINCT ON (cand.ord) cand.ord, a.id, a.network::text, a.customer_id, a.service_id,
       a.shared
  FROM cand
  JOIN customers_ipallocation a ON a.network = cand.net AND a.validity @> cand.at
 ORDER BY cand.ord, cand.len DESC
"""
)
# The same, probing the b-tree (network, valid_from) once per candidate: a LATERAL join is
# always a nested loop, and the half-open holding written as two comparisons keeps the
# planner off the exclusion constraint's GiST index, which is ten times slower per probe.
# Below some thousands of pairs the planner otherwise hashes the whole allocation table;
# above them the hash join is the faster plan, so ``holdings_at`` picks by size.
_RESOLVE_PROBING = _RESOLVE.replace(
    """  JOIN customers_ipallocation a ON a.network = cand.net AND a.validity @> cand.at
""",
    """  CROSS JOIN LATERAL (
        SELECT * FROM customers_ipallocation a
         WHERE a.network = cand.net AND a.valid_from <= cand.at
           AND (a.valid_to IS NULL OR a.valid_to > cand.at)
         ORDER BY a.valid_from DESC LIMIT 1) a
""",
)
assert _RESOLVE_PROBING != _RESOLVE, "the probing join no longer matches _RESOLVE's text"
PROBING_BELOW = 20_000


def _canonical_ip(ip: str | ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    text = normalize_ip(str(ip))
    if text is None:
        raise ValueError(f"{ip!r} is not an IP address")
    return text


def holdings_at(
    pairs: Sequence[tuple[str | ipaddress.IPv4Address | ipaddress.IPv6Address, datetime]],
    *,
    normalized: bool = False,
) -> list[Holding | None]:
    """Resolve many (ip, time) pairs in one query; result i answers pair i.

    IPv4-mapped IPv6 addresses are resolved as the IPv4 address they carry. Times must be
    timezone-aware. ``normalized``: the caller passes canonical text already (the intake
    does), so the addresses are not parsed a second time."""
    if not pairs:
        return []
    ips = [str(ip) for ip, _ in pairs] if normalized else [_canonical_ip(ip) for ip, _ in pairs]
    times = [at for _, at in pairs]
    if any(at.tzinfo is None for at in times):
        raise ValueError("resolution times must be timezone-aware")
    result: list[Holding | None] = [None] * len(pairs)
    with connection.cursor() as cursor:
        cursor.execute(
            _RESOLVE_PROBING if len(ips) < PROBING_BELOW else _RESOLVE,
            [array_literal(ips), array_literal(times)],
        )
        found = cursor.fetchall()
        external_ids = _external_ids(cursor, {row[3] for row in found})
    made: dict[int, Holding] = {}  # one per allocation: many events share one
    for ordinal, alloc_id, network, customer_id, service_id, shared in found:
        holding = made.get(alloc_id)
        if holding is None:
            holding = made[alloc_id] = Holding(
                allocation_id=alloc_id,
                network=network,
                customer_id=customer_id,
                customer_external_id=external_ids[customer_id],
                service_id=service_id,
                shared=shared,
            )
        result[ordinal - 1] = holding
    return result


def _external_ids(cursor: Any, customer_ids: set[int]) -> dict[int, str]:
    """The holders' external ids, by a query of their own: joined into the resolution,
    the customers were probed once per candidate allocation, which was half its time."""
    if not customer_ids:
        return {}
    cursor.execute(
        "SELECT id, external_id FROM customers_customer WHERE id = ANY(%s::bigint[])",
        [array_literal(customer_ids)],
    )
    return dict(cursor.fetchall())


def holding_at(
    ip: str | ipaddress.IPv4Address | ipaddress.IPv6Address, at: datetime
) -> Holding | None:
    """The most specific allocation holding ``ip`` at ``at``, or None."""
    return holdings_at([(ip, at)])[0]


_IN_OUR_NETWORKS = """
SELECT q.ord FROM unnest(%s::inet[]) WITH ORDINALITY AS q(ip, ord)
 WHERE EXISTS (SELECT 1 FROM customers_network n WHERE n.prefix >>= q.ip)
"""


def ips_in_our_networks(ips: Sequence[str], *, normalized: bool = False) -> list[bool]:
    """For each IP, whether it lies inside one of the provider's Networks."""
    if not ips:
        return []
    canonical = list(ips) if normalized else [_canonical_ip(ip) for ip in ips]
    inside = [False] * len(canonical)
    with connection.cursor() as cursor:
        cursor.execute(_IN_OUR_NETWORKS, [array_literal(canonical)])
        for (ordinal,) in cursor:
            inside[ordinal - 1] = True
    return inside


@dataclass(frozen=True, slots=True)
class DomainHolding:
    """The hosted Domain (matched by name or a parent name) valid at a moment."""

    domain_id: int
    name: str
    customer_id: int
    customer_external_id: str
    service_id: int | None


def _suffixes(name: str) -> list[str]:
    labels = name.split(".")
    return [".".join(labels[i:]) for i in range(len(labels) - 1)]


def domain_holdings_at(pairs: Sequence[tuple[str, datetime]]) -> list[DomainHolding | None]:
    """Resolve (host name, time) pairs to the hosted Domain covering them: the name itself
    or its nearest parent (``shop.blue.example`` is covered by ``blue.example``)."""
    if not pairs:
        return []
    candidates = {suffix for name, _ in pairs for suffix in _suffixes(name.lower().rstrip("."))}
    by_name: dict[str, list[tuple[datetime, datetime | None, DomainHolding]]] = {}
    rows = Domain.objects.filter(name__in=candidates).values_list(
        "id", "name", "customer_id", "customer__external_id", "service_id", "valid_from", "valid_to"
    )
    for domain_id, name, customer_id, external_id, service_id, valid_from, valid_to in rows:
        holding = DomainHolding(domain_id, name, customer_id, external_id, service_id)
        by_name.setdefault(name, []).append((valid_from, valid_to, holding))
    result: list[DomainHolding | None] = []
    for name, at in pairs:
        found = None
        for suffix in _suffixes(name.lower().rstrip(".")):  # most specific first
            for valid_from, valid_to, holding in by_name.get(suffix, ()):
                if valid_from <= at and (valid_to is None or at < valid_to):
                    found = holding
                    break
            if found:
                break
        result.append(found)
    return result
