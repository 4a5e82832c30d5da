"""Fixtures for the reputation tests: a small allocated network, blocklist zones in the
registry, and real DNS servers on loopback (rbldnsd, NSD, the misbehaving responder) from
``tests/customers/dns/servers.py``.

The allocations (RFC 5737) and what the blocklist server says about them:

* 192.0.2.8/29  — customer "Listed Ltd": 192.0.2.10 listed on bl.rep.test with an XBL-like
  code (127.0.0.4), 192.0.2.11 listed with 127.0.0.2;
* 192.0.2.16/29 — customer "Other GmbH": 192.0.2.20 listed (127.0.0.2);
* 192.0.2.96/29 — customer "Error BV": 192.0.2.99 answers the error code 127.255.255.255;
* hosted domain spam-site.example (Listed Ltd) listed on dbl.rep.test.

Zone ``all.rep.test`` lists everything (fails its self-test), ``err.rep.test`` answers an
error code for everything.
"""

from __future__ import annotations

import contextlib
import ipaddress
from collections.abc import Callable, Iterator

import pytest

from customers.models import BlocklistZone
from tests.customers.dns import data as dns_data
from tests.customers.dns.servers import (
    MisbehavingResponder,
    MissingServer,
    RunningServer,
    free_port,
    nsd_server,
    rbldnsd_server,
)
from tests.customers.reputation.helpers import make_zone
from tests.factories import AllocationFactory, CustomerFactory, DomainFactory, ServiceFactory

BL_DATA = (
    ":127.0.0.2:Listed on bl.rep.test: $\n"
    "127.0.0.2\n"
    "192.0.2.10 :127.0.0.4:Exploited host $\n"
    "192.0.2.11\n"
    "192.0.2.20\n"
    "192.0.2.99 :127.255.255.255:Excessive queries\n"
)
BL_CLEAN = ":127.0.0.2:Listed\n127.0.0.2\n192.0.2.99 :127.255.255.255:Excessive queries\n"
DBL_DATA = ":127.0.1.2:Spam domain $\ntest\nspam-site.example\n"

ZONES = {
    "bl.rep.test": ("ip4set", BL_DATA),
    "dbl.rep.test": ("dnset", DBL_DATA),
    "all.rep.test": ("ip4trie", ":127.0.0.2:Listed\n0.0.0.0/0\n"),
    "err.rep.test": ("ip4trie", ":127.255.255.254:Public resolver\n0.0.0.0/0\n"),
}


@pytest.fixture
def start_rbldnsd() -> Iterator[Callable[[dict[str, tuple[str, str]]], RunningServer]]:
    """Start rbldnsd servers with given zones; all stopped at teardown."""
    with contextlib.ExitStack() as stack:

        def start(zones: dict[str, tuple[str, str]]) -> RunningServer:
            try:
                return stack.enter_context(rbldnsd_server(zones))
            except MissingServer as exc:
                pytest.fail(str(exc), pytrace=False)

        yield start


@pytest.fixture
def blocklists(start_rbldnsd) -> RunningServer:  # type: ignore[no-untyped-def]
    return start_rbldnsd(ZONES)


@pytest.fixture(scope="session")
def authoritative_server() -> Iterator[RunningServer]:
    """NSD serving the crafted doctor.test domains of the DNS layer's tests."""
    try:
        with nsd_server(dns_data.authoritative_zones()) as server:
            yield server
    except MissingServer as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture
def silent_server() -> Iterator[MisbehavingResponder]:
    with MisbehavingResponder() as responder:
        yield responder


@pytest.fixture
def dead_nameserver() -> str:
    """A loopback port nobody answers on: every query times out."""
    return f"127.0.0.1:{free_port()}"


@pytest.fixture(autouse=True)
def _fast_dns(settings) -> None:  # type: ignore[no-untyped-def]
    settings.DNSBL_TIMEOUT_SECONDS = 1
    settings.DNSBL_CONCURRENCY = 64


@pytest.fixture
def network(db: None) -> dict[str, object]:
    listed = CustomerFactory(
        external_id="C-LISTED", name="Listed Ltd", abuse_email="abuse@listed.example"
    )
    other = CustomerFactory(external_id="C-OTHER", name="Other GmbH")
    error = CustomerFactory(external_id="C-ERROR", name="Error BV")
    listed_service = ServiceFactory(customer=listed, label="mail.listed.example")
    other_service = ServiceFactory(customer=other, label="vps.other.example")
    AllocationFactory(
        network=ipaddress.ip_network("192.0.2.8/29"), customer=listed, service=listed_service
    )
    AllocationFactory(
        network=ipaddress.ip_network("192.0.2.16/29"), customer=other, service=other_service
    )
    AllocationFactory(network=ipaddress.ip_network("192.0.2.96/29"), customer=error)
    DomainFactory(name="spam-site.example", customer=listed, service=listed_service)
    return {
        "listed": listed,
        "other": other,
        "error": error,
        "listed_service": listed_service,
        "other_service": other_service,
    }


@pytest.fixture
def zones(blocklists, network) -> dict[str, BlocklistZone]:  # type: ignore[no-untyped-def]
    """The seeded default zones stay disabled; our test zones point at the rbldnsd."""
    ns = blocklists.nameserver
    return {
        "bl": make_zone(
            "bl.rep.test",
            ns,
            codes={"127.0.0.2": "spam source", "127.0.0.4": "exploited host (XBL-like)"},
            attack_codes=["127.0.0.4"],
        ),
        "dbl": make_zone("dbl.rep.test", ns, lists="domain", codes={"127.0.1.2": "spam domain"}),
        "all": make_zone("all.rep.test", ns),
        "err": make_zone("err.rep.test", ns),
    }
