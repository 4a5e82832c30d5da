"""Session-wide DNS servers on loopback: rbldnsd (blocklists), NSD (crafted domains) and the
misbehaving responder. A missing server binary fails the tests with the package to install.

No database: these tests never take the ``db`` fixture."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.customers.dns import data
from tests.customers.dns.servers import (
    MisbehavingResponder,
    MissingServer,
    RunningServer,
    nsd_server,
    rbldnsd_server,
)


@pytest.fixture(scope="session")
def blocklist_server() -> Iterator[RunningServer]:
    try:
        with rbldnsd_server(data.BLOCKLIST_ZONES) as server:
            yield server
    except MissingServer as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture(scope="session")
def authoritative_server() -> Iterator[RunningServer]:
    try:
        with nsd_server(data.authoritative_zones()) as server:
            yield server
    except MissingServer as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture(scope="session")
def bad_responder() -> Iterator[MisbehavingResponder]:
    with MisbehavingResponder() as responder:
        yield responder
