"""The address a request came from: the client's, not our reverse proxy's.

Behind the TLS-terminating proxy (``settings.BEHIND_TLS_PROXY``) every request reaches us
from the proxy's address, so a login lockout keyed on ``REMOTE_ADDR`` would lock out every
user of an account at once after one attacker's guesses (and count everybody's failures
together). The proxy appends the address it saw to ``X-Forwarded-For``; everything to the
left of that was written by the client and may be anything.

So ``X-Forwarded-For`` is read only when we are configured to sit behind a proxy *and* the
request comes from one of ``settings.TRUSTED_PROXIES`` (someone reaching the app server
directly, around the proxy, cannot choose their address). It is read from the right: the
first hop that is not a trusted proxy is the client. A malformed hop means nothing to its
left can be trusted: the last proxy of ours before it stands for the client.

Used by django-axes (``AXES_CLIENT_IP_CALLABLE``).
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

MAX_FORWARDED_CHARS = 2048
MAX_HOPS = 20

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def client_address(request: HttpRequest) -> str | None:
    remote = request.META.get("REMOTE_ADDR") or None
    peer = _parse(remote or "")
    if not settings.BEHIND_TLS_PROXY or peer is None or not _is_trusted_proxy(peer):
        return remote
    forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR", ""))[:MAX_FORWARDED_CHARS]
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()][-MAX_HOPS:]
    client = peer
    for hop in reversed(hops):
        address = _parse(hop)
        if address is None:  # written by ``client``, a proxy of ours: nothing left of it counts
            break
        client = address
        if not _is_trusted_proxy(address):
            break
    return str(client)


def _parse(text: str) -> Address | None:
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _is_trusted_proxy(address: Address) -> bool:
    return any(address in network for network in _trusted_networks(tuple(settings.TRUSTED_PROXIES)))


@lru_cache(maxsize=8)
def _trusted_networks(cidrs: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(cidr, strict=False) for cidr in cidrs)
