"""Login lockouts are keyed on the client's address behind our TLS proxy, not the proxy's:
one attacker guessing a password must not lock the account for everyone who comes through
the same proxy, and X-Forwarded-For is believed only from the configured proxy."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.test import Client, RequestFactory
from rest_framework.throttling import AnonRateThrottle

from accounts.client_address import client_address
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.2"
ATTACKER = "203.0.113.9"
COLLEAGUE = "198.51.100.7"


@pytest.fixture(autouse=True)
def _fresh_lockouts() -> Iterator[None]:
    cache.clear()  # axes keeps its counters in this run's own Redis database
    yield
    cache.clear()


def login(client: Client, password: str, forwarded_for: str) -> int:
    response = client.post(
        "/accounts/login/",
        {"username": "user-agent", "password": password},
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )
    return response.status_code


def test_an_attacker_behind_the_proxy_locks_out_only_themself(users: dict, settings) -> None:
    settings.BEHIND_TLS_PROXY = True
    via_proxy = Client(REMOTE_ADDR=PROXY)
    for _ in range(5):
        login(via_proxy, "wrong", ATTACKER)
    assert login(via_proxy, PASSWORD, ATTACKER) == 429  # the attacker is locked out
    # ...and the account's owner, through the same proxy, is not
    assert login(Client(REMOTE_ADDR=PROXY), PASSWORD, COLLEAGUE) == 302


def test_a_forged_forwarded_for_prefix_does_not_move_the_attacker(users: dict, settings) -> None:
    """The proxy appends what it saw; whatever the client wrote is to the left of it."""
    settings.BEHIND_TLS_PROXY = True
    via_proxy = Client(REMOTE_ADDR=PROXY)
    for n in range(5):
        login(via_proxy, "wrong", f"192.0.2.{n}, {ATTACKER}")
    assert login(via_proxy, PASSWORD, f"192.0.2.99, {ATTACKER}") == 429


def test_without_a_proxy_forwarded_for_is_ignored(users: dict, settings) -> None:
    """Not behind a proxy (or reached around it): the header is the client's own words, so
    rotating it does not escape the lockout."""
    settings.BEHIND_TLS_PROXY = False
    direct = Client(REMOTE_ADDR=ATTACKER)
    for n in range(5):
        login(direct, "wrong", f"192.0.2.{n}")
    assert login(direct, PASSWORD, "192.0.2.200") == 429


def test_forwarded_for_is_read_only_from_a_trusted_proxy(settings) -> None:
    settings.BEHIND_TLS_PROXY = True
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    make = RequestFactory().get
    assert client_address(make("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=ATTACKER)) == ATTACKER
    # around the proxy, straight to the app server: the peer is the client
    assert (
        client_address(make("/", REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_FOR="192.0.2.1"))
        == ATTACKER
    )
    # two proxies of ours in a row; the client is the first hop that is not ours
    chained = make("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"192.0.2.1, {COLLEAGUE}, 10.0.0.7")
    assert client_address(chained) == COLLEAGUE
    # garbage where the proxy writes, or nothing: the proxy stands for the client
    assert client_address(make("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="<script>")) == PROXY
    assert client_address(make("/", REMOTE_ADDR=PROXY)) == PROXY
    assert (
        client_address(make("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="::ffff:" + ATTACKER))
        == ATTACKER
    )


def test_api_throttles_do_not_take_a_forwarded_for_written_by_the_client() -> None:
    request = RequestFactory().get("/", REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_FOR="192.0.2.1")
    assert AnonRateThrottle().get_ident(request) == ATTACKER
