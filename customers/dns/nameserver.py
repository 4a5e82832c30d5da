"""Nameserver addresses and dnspython resolvers pointed at exactly one of them.

Responsibility: turn an operator's ``HOST[:PORT]`` / ``[V6]:PORT`` string into ``(host,
port)``, refuse non-loopback servers when asked (the test suite's guarantee that nothing
queries beyond loopback), and build dnspython resolvers that never read
``/etc/resolv.conf``. Boundary: no queries are made here.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

import dns.asyncresolver
import dns.resolver

DEFAULT_PORT = 53


class NameserverError(ValueError):
    """The nameserver string is malformed or not allowed."""


@dataclass(frozen=True, slots=True)
class Nameserver:
    """One DNS server: an IP literal and a UDP/TCP port."""

    host: str
    port: int = DEFAULT_PORT

    @property
    def family_v6(self) -> bool:
        return ":" in self.host

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if self.family_v6 else f"{self.host}:{self.port}"


def parse_nameserver(
    value: str | Nameserver | tuple[str, int], *, loopback_only: bool = False
) -> Nameserver:
    """Parse ``HOST``, ``HOST:PORT``, ``V6``, ``[V6]`` or ``[V6]:PORT``.

    HOST must be an IP literal: resolving a nameserver's own name would need another
    nameserver, and would make ``loopback_only`` checkable only after a query.
    ``localhost`` is accepted as 127.0.0.1 for convenience.
    """
    if isinstance(value, Nameserver):
        host, port = value.host, value.port
    elif isinstance(value, tuple):
        host, port = value
    else:
        host, port = _split(value.strip())
    if host.lower() == "localhost":
        host = "127.0.0.1"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise NameserverError(f"nameserver must be an IP address, got {host!r}") from None
    if not 0 < port < 65536:
        raise NameserverError(f"nameserver port out of range: {port}")
    if loopback_only and not address.is_loopback:
        raise NameserverError(f"only loopback nameservers are allowed here, got {address}")
    return Nameserver(host=str(address), port=port)


def _split(value: str) -> tuple[str, int]:
    if not value:
        raise NameserverError("empty nameserver")
    if value.startswith("["):
        end = value.find("]")
        if end < 0:
            raise NameserverError(f"unclosed '[' in nameserver {value!r}")
        host, rest = value[1:end], value[end + 1 :]
        if not rest:
            return host, DEFAULT_PORT
        if not rest.startswith(":"):
            raise NameserverError(f"junk after ']' in nameserver {value!r}")
        return host, _port(rest[1:], value)
    if value.count(":") > 1:  # a bare IPv6 literal carries no port
        return value, DEFAULT_PORT
    host, sep, port = value.partition(":")
    return host, _port(port, value) if sep else DEFAULT_PORT


def _port(text: str, value: str) -> int:
    if not text.isdigit():
        raise NameserverError(f"bad port in nameserver {value!r}")
    return int(text)


def make_resolver(
    nameserver: str | Nameserver,
    *,
    timeout: float = 2.0,
    lifetime: float = 5.0,
    loopback_only: bool = False,
) -> dns.resolver.Resolver:
    """A synchronous resolver asking only ``nameserver``, with bounded time per lookup.

    ``timeout`` bounds one attempt, ``lifetime`` the whole lookup including retries and the
    TCP fallback dnspython makes on a truncated answer.
    """
    server = parse_nameserver(nameserver, loopback_only=loopback_only)
    resolver = dns.resolver.Resolver(configure=False)
    _point(resolver, server, timeout, lifetime)
    return resolver


def make_async_resolver(
    nameserver: str | Nameserver,
    *,
    timeout: float = 2.0,
    lifetime: float = 5.0,
    loopback_only: bool = False,
) -> dns.asyncresolver.Resolver:
    """The asyncio twin of :func:`make_resolver`."""
    server = parse_nameserver(nameserver, loopback_only=loopback_only)
    resolver = dns.asyncresolver.Resolver(configure=False)
    _point(resolver, server, timeout, lifetime)
    return resolver


def _point(
    resolver: dns.resolver.BaseResolver, server: Nameserver, timeout: float, lifetime: float
) -> None:
    resolver.nameservers = [server.host]
    resolver.port = server.port
    resolver.timeout = timeout
    resolver.lifetime = lifetime
    # A cache would hide a zone that changed between a sweep's self-test and its queries.
    resolver.cache = None
    # Retrying SERVFAIL would turn a broken zone into a slow broken zone.
    resolver.retry_servfail = False
