"""What a sweep asks about: the allocated IPv4 space, known IPv6 hosts, hosted domains.

IPv4: the networks of every allocation held now, collapsed (a reseller's /22 and the /28s
nested in it are swept once), every address in them. IPv6 space cannot be enumerated, so
only known host addresses are asked: /128 allocations held now and addresses seen in
events on our network recently. Domains: every hosted domain held now (for domain zones).

Batches are described by text (CIDR blocks, addresses, names) so a task's argument is small
and the batch is the same whenever it is re-run: that is what makes the sweep task
idempotent under redelivery.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Sequence
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

IPv4Network = ipaddress.IPv4Network

_HELD_V4 = """
SELECT DISTINCT network FROM customers_ipallocation
 WHERE family(network) = 4 AND validity @> now()
"""
_HELD_V6_HOSTS = """
SELECT DISTINCT host(network) FROM customers_ipallocation
 WHERE family(network) = 6 AND masklen(network) = 128 AND validity @> now()
"""
_EVENT_V6_HOSTS = """
SELECT DISTINCT host(e.ip) FROM complaints_event e
 WHERE family(e.ip) = 6 AND e.observed_at >= %s
   AND EXISTS (SELECT 1 FROM customers_network n WHERE n.prefix >>= e.ip)
"""
_HELD_DOMAINS = """
SELECT DISTINCT name FROM customers_domain WHERE validity @> now() ORDER BY name
"""


def allocated_ipv4() -> list[IPv4Network]:
    """The IPv4 space held now, collapsed into the fewest networks."""
    with connection.cursor() as cursor:
        cursor.execute(_HELD_V4)
        networks = [ipaddress.ip_network(str(row[0])) for row in cursor]
    return list(ipaddress.collapse_addresses(n for n in networks if n.version == 4))


def known_ipv6_hosts() -> list[str]:
    since = timezone.now() - timedelta(days=settings.DNSBL_IPV6_EVENT_DAYS)
    with connection.cursor() as cursor:
        cursor.execute(_HELD_V6_HOSTS)
        hosts = {row[0] for row in cursor}
        cursor.execute(_EVENT_V6_HOSTS, [since])
        hosts.update(row[0] for row in cursor)
    return sorted(hosts, key=ipaddress.ip_address)


def hosted_domains() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(_HELD_DOMAINS)
        return [row[0] for row in cursor]


def ipv4_batches(networks: Sequence[IPv4Network], size: int) -> Iterator[list[str]]:
    """Blocks of at most ``size`` addresses (``size`` a power of two): big networks are cut
    into subnets of that size, small ones packed together until the batch is full."""
    if size < 1 or size & (size - 1):
        raise ValueError("batch size must be a power of two")
    max_prefix = 32 - size.bit_length() + 1
    batch: list[str] = []
    count = 0
    for network in networks:
        parts = (
            network.subnets(new_prefix=max_prefix) if network.prefixlen < max_prefix else [network]
        )
        for part in parts:
            if count + part.num_addresses > size and batch:
                yield batch
                batch, count = [], 0
            batch.append(str(part))
            count += part.num_addresses
    if batch:
        yield batch


def chunks(items: Sequence[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def all_batches(size: int) -> Iterator[list[str]]:
    """Every batch of one full sweep: IPv4 blocks, then IPv6 hosts, then domains."""
    yield from ipv4_batches(allocated_ipv4(), size)
    yield from chunks(known_ipv6_hosts(), size)
    yield from chunks(hosted_domains(), size)


def expand(targets: Sequence[str]) -> Iterator[str]:
    """A batch's text back to resources: every address of each block, names as they are."""
    for item in targets:
        if "/" in item:
            network = ipaddress.ip_network(item, strict=False)
            for address in network:
                yield str(address)
        else:
            yield item


def all_resources() -> Iterator[str]:
    """Every resource of one full sweep, for the in-process command."""
    for network in allocated_ipv4():
        for address in network:
            yield str(address)
    yield from known_ipv6_hosts()
    yield from hosted_domains()
