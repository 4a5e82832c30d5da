"""Reputation pages: who may open what (server-side role checks), and what they show."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from accounts import roles
from customers.models import BlocklistZone, DelistingRequest, Listing
from customers.reputation.delisting import delisting_request_create

pytestmark = pytest.mark.django_db

READERS = {roles.AGENT, roles.LEAD, roles.ADMIN}
LEADS = {roles.LEAD, roles.ADMIN}
ALL = [*roles.ALL_ROLES, "none"]


@pytest.fixture
def listing(network) -> Listing:  # type: ignore[no-untyped-def]
    now = timezone.now()
    zone = BlocklistZone.objects.get(name="zen.spamhaus.org")
    return Listing.objects.create(
        resource="192.0.2.10", ip="192.0.2.10", zone=zone, state="active", codes=["127.0.0.4"],
        meanings=["XBL"], txt="<script>alert(1)</script>", first_seen=now, last_seen=now,
        listed_since=now, customer=network["listed"],
    )  # fmt: skip


def _client(users: dict, role: str) -> Client:
    client = Client()
    client.force_login(users[role])
    return client


@pytest.mark.parametrize("role", ALL)
def test_read_pages_by_role(users, listing, role) -> None:  # type: ignore[no-untyped-def]
    request = delisting_request_create(provider="spamhaus", user_id=None, listing_id=listing.pk)
    client = _client(users, role)
    for url in (
        "/reputation/",
        "/reputation/listings/",
        f"/reputation/listings/{listing.pk}/",
        "/reputation/delisting/",
        f"/reputation/delisting/{request.pk}/",
    ):
        expected = 200 if role in READERS else 403
        assert client.get(url).status_code == expected, (role, url)


@pytest.mark.parametrize("role", ALL)
def test_work_pages_by_role(users, listing, role) -> None:  # type: ignore[no-untyped-def]
    client = _client(users, role)
    expected = 200 if role in READERS else 403
    assert client.get("/reputation/doctor/").status_code == expected
    assert client.get(f"/reputation/delisting/new/?listing={listing.pk}").status_code == expected
    created = client.post(
        f"/reputation/delisting/new/?listing={listing.pk}",
        {"provider": "spamhaus", "status": "submitted", "reference": "SR-1", "note": "fixed"},
    )
    assert created.status_code == (302 if role in READERS else 403)
    assert DelistingRequest.objects.filter(reference="SR-1").exists() == (role in READERS)


@pytest.mark.parametrize("role", ALL)
def test_compromise_and_zone_pages_by_role(users, network, role) -> None:  # type: ignore[no-untyped-def]
    client = _client(users, role)
    assert client.get("/reputation/compromise/").status_code == (200 if role in LEADS else 403)
    assert client.post("/reputation/compromise/").status_code == (302 if role in LEADS else 403)
    zone = BlocklistZone.objects.get(name="psbl.surriel.com")
    assert client.get(f"/reputation/zones/{zone.pk}/").status_code == (
        200 if role == roles.ADMIN else 403
    )


def test_anonymous_is_sent_to_login() -> None:
    response = Client().get("/reputation/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_overview_shows_listings_and_escapes_list_text(users, listing) -> None:  # type: ignore[no-untyped-def]
    page = _client(users, roles.LEAD).get("/reputation/").content.decode()
    assert "192.0.2.10" in page and "Listed Ltd" in page and "192.0.2.0/24" in page
    detail = _client(users, roles.AGENT).get(f"/reputation/listings/{listing.pk}/").content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in detail and "<script>alert" not in detail


def test_agent_nav_shows_reputation_billing_does_not(users) -> None:  # type: ignore[no-untyped-def]
    assert ">Reputation<" in _client(users, roles.AGENT).get("/").content.decode()
    assert ">Reputation<" not in _client(users, roles.BILLING).get("/").content.decode()


def test_admin_configures_a_zone_and_an_enabled_zone_needs_a_suffix(users) -> None:  # type: ignore[no-untyped-def]
    zone = BlocklistZone.objects.get(name="psbl.surriel.com")
    client = _client(users, roles.ADMIN)
    refused = client.post(f"/reputation/zones/{zone.pk}/", {"enabled": "on", "query_suffix": ""})
    assert refused.status_code == 200 and "needs a query suffix" in refused.content.decode()
    saved = client.post(
        f"/reputation/zones/{zone.pk}/",
        {"enabled": "on", "query_suffix": "psbl.mirror.test", "nameserver": "127.0.0.1:5353"},
    )
    assert saved.status_code == 302
    zone.refresh_from_db()
    assert (
        zone.enabled
        and zone.query_suffix == "psbl.mirror.test"
        and zone.nameserver == "127.0.0.1:5353"
    )


def test_default_zones_are_seeded_disabled_and_unconfigured() -> None:
    names = set(BlocklistZone.objects.values_list("name", flat=True))
    assert {
        "zen.spamhaus.org", "dbl.spamhaus.org", "bl.spamcop.net", "b.barracudacentral.org",
        "dnsbl-1.uceprotect.net", "dnsbl-2.uceprotect.net", "dnsbl-3.uceprotect.net",
        "psbl.surriel.com", "bl.mailspike.net",
    } <= names  # fmt: skip
    assert not BlocklistZone.objects.filter(enabled=True).exists()
    zen = BlocklistZone.objects.get(name="zen.spamhaus.org")
    assert zen.query_suffix == "" and "127.255.255.254" in zen.error_codes
    assert zen.codes["127.0.0.10"].startswith("PBL") and "127.0.0.4" in zen.attack_codes
