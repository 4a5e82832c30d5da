"""Attribution: who held each event's resource at its observed time (pipeline step 3).

Works on a whole batch at once: one resolution query for every (IP, time) pair, one for
the provider's Networks, one for hosted domains. Rules (docs/architecture.md):
- an IP on a normal allocation belongs to its holder;
- an IP on a *shared* allocation (shared hosting, relays) is attributed through the event's
  domain or URL host to the hosted Domain, else held for triage — never to whoever holds
  the address;
- an IP inside our Networks that nobody holds is held for triage (our own unallocated space);
- anything else may still be ours through a hosted domain; otherwise it is not ours.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from complaints.models import Event
from complaints.parsers.util import normalize_domain, normalize_ip
from customers.resolution import domain_holdings_at, holdings_at, ips_in_our_networks


@dataclass(slots=True)
class Subject:
    """What attribution needs of one event."""

    ip: str | None
    host: str | None  # the event's domain, or its URL's host name
    observed_at: datetime


@dataclass(slots=True)
class Attributed:
    attribution: str
    customer_id: int | None = None
    customer_external_id: str | None = None
    service_id: int | None = None
    allocation_id: int | None = None
    hosted_domain_id: int | None = None
    in_our_network: bool = False


def url_host(url: str | None) -> tuple[str | None, str | None]:
    """(ip, domain) of a URL's host; either may be None."""
    if not url:
        return None, None
    try:
        host = urlsplit(url if "://" in url else f"http://{url}").hostname
    except ValueError:
        return None, None
    if not host:
        return None, None
    ip = normalize_ip(host)
    return (ip, None) if ip else (None, normalize_domain(host))


def attribute(subjects: Sequence[Subject]) -> list[Attributed]:
    ips = {i: s.ip for i, s in enumerate(subjects) if s.ip}
    holdings = holdings_at(
        [(ip, subjects[i].observed_at) for i, ip in ips.items()], normalized=True
    )
    holding_of = dict(zip(ips, holdings, strict=True))
    unheld = [i for i in ips if holding_of[i] is None]
    inside = ips_in_our_networks([ips[i] for i in unheld], normalized=True)
    ours = dict(zip(unheld, inside, strict=True))

    # Domains are needed for events without an IP, on shared space, or outside our space.
    hosts: dict[int, str] = {}
    for i, s in enumerate(subjects):
        holding = holding_of.get(i)
        if s.host and (holding is None or holding.shared):
            hosts[i] = s.host
    covering = domain_holdings_at([(host, subjects[i].observed_at) for i, host in hosts.items()])
    domain_of = dict(zip(hosts, covering, strict=True))

    answers: list[Attributed] = []
    for index, subject in enumerate(subjects):
        holding = holding_of.get(index)
        hosted = domain_of.get(index)
        if holding is not None and not holding.shared:
            answers.append(
                Attributed(
                    Event.Attribution.CUSTOMER,
                    holding.customer_id,
                    holding.customer_external_id,
                    holding.service_id,
                    holding.allocation_id,
                    in_our_network=True,
                )
            )
        elif hosted is not None:
            answers.append(
                Attributed(
                    Event.Attribution.CUSTOMER,
                    hosted.customer_id,
                    hosted.customer_external_id,
                    hosted.service_id,
                    holding.allocation_id if holding else None,
                    hosted.domain_id,
                    in_our_network=holding is not None or bool(ours.get(index)),
                )
            )
        elif holding is not None:  # shared space, no hosted domain to go by
            answers.append(
                Attributed(
                    Event.Attribution.SHARED_HELD,
                    allocation_id=holding.allocation_id,
                    in_our_network=True,
                )
            )
        elif ours.get(index):
            answers.append(Attributed(Event.Attribution.UNALLOCATED, in_our_network=True))
        elif subject.ip:
            answers.append(Attributed(Event.Attribution.NOT_OURS))
        else:
            answers.append(Attributed(Event.Attribution.NO_RESOURCE))
    return answers
