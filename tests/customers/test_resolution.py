"""Resolution picks the most specific allocation valid at the observed time."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError, transaction

from customers.models import IPAllocation
from customers.resolution import holding_at, holdings_at, ips_in_our_networks
from tests.factories import AllocationFactory, CustomerFactory, NetworkFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2024, 1, 1, tzinfo=UTC)
T1 = datetime(2024, 6, 1, tzinfo=UTC)
T2 = datetime(2025, 1, 1, tzinfo=UTC)


def alloc(net: str, customer=None, frm=T0, to=None, **kw) -> IPAllocation:  # type: ignore[no-untyped-def]
    return AllocationFactory(
        network=ipaddress.ip_network(net),
        customer=customer or CustomerFactory(),
        valid_from=frm,
        valid_to=to,
        **kw,
    )


def test_nested_block_wins_over_the_reseller_block() -> None:
    reseller = alloc("203.0.113.0/24")
    end_customer = alloc("203.0.113.16/28")
    assert holding_at("203.0.113.20", T1).customer_id == end_customer.customer_id
    assert holding_at("203.0.113.40", T1).customer_id == reseller.customer_id


def test_three_levels_of_nesting_pick_the_most_specific() -> None:
    alloc("198.51.100.0/24")
    alloc("198.51.100.0/26")
    host = alloc("198.51.100.7/32")
    assert holding_at("198.51.100.7", T1).allocation_id == host.pk


def test_first_and_last_address_of_a_block_belong_to_it() -> None:
    block = alloc("192.0.2.64/29")
    assert holding_at("192.0.2.64", T1).allocation_id == block.pk
    assert holding_at("192.0.2.71", T1).allocation_id == block.pk
    assert holding_at("192.0.2.63", T1) is None
    assert holding_at("192.0.2.72", T1) is None


def test_ipv4_mapped_ipv6_resolves_as_ipv4() -> None:
    block = alloc("192.0.2.0/28")
    assert holding_at("::ffff:192.0.2.5", T1).allocation_id == block.pk


def test_ipv6_allocations_resolve() -> None:
    wide = alloc("2001:db8::/32")
    narrow = alloc("2001:db8:1::/48")
    assert holding_at("2001:db8:1::25", T1).allocation_id == narrow.pk
    assert holding_at("2001:db8:2::25", T1).allocation_id == wide.pk
    assert holding_at("2001:db9::1", T1) is None


def test_time_boundaries_are_half_open() -> None:
    first = alloc("192.0.2.128/28", frm=T0, to=T1)
    second = alloc("192.0.2.128/28", frm=T1, to=None)
    assert holding_at("192.0.2.130", T0).allocation_id == first.pk
    assert holding_at("192.0.2.130", T1 - timedelta(microseconds=1)).allocation_id == first.pk
    assert holding_at("192.0.2.130", T1).allocation_id == second.pk
    assert holding_at("192.0.2.130", T0 - timedelta(microseconds=1)) is None


def test_a_range_reassigned_twice_returns_the_holder_at_that_time() -> None:
    a, b, c = CustomerFactory(), CustomerFactory(), CustomerFactory()
    alloc("198.51.100.32/29", a, T0, T1)
    alloc("198.51.100.32/29", b, T1, T2)
    alloc("198.51.100.32/29", c, T2, None)
    ip = "198.51.100.33"
    assert holding_at(ip, T0 + timedelta(days=1)).customer_id == a.pk
    assert holding_at(ip, T1 + timedelta(days=1)).customer_id == b.pk
    assert holding_at(ip, T2 + timedelta(days=400)).customer_id == c.pk
    # Every holder's own external id, read in bulk after the resolution.
    answers = holdings_at([(ip, T0 + timedelta(days=1)), (ip, T1), (ip, T2), (ip, T0)])
    assert [(h.customer_id, h.customer_external_id, h.network) for h in answers] == [
        (a.pk, a.external_id, "198.51.100.32/29"),
        (b.pk, b.external_id, "198.51.100.32/29"),
        (c.pk, c.external_id, "198.51.100.32/29"),
        (a.pk, a.external_id, "198.51.100.32/29"),
    ]
    assert answers[0] is answers[3]  # one answer per allocation


def test_nested_block_outside_its_time_falls_back_to_the_parent() -> None:
    parent = alloc("203.0.113.0/24", frm=T0)
    alloc("203.0.113.0/28", frm=T1, to=T2)
    assert holding_at("203.0.113.1", T0 + timedelta(days=1)).allocation_id == parent.pk
    assert holding_at("203.0.113.1", T2).allocation_id == parent.pk


def test_bulk_answers_each_pair_in_order() -> None:
    a = alloc("192.0.2.0/29")
    b = alloc("2001:db8:5::/48")
    pairs = [
        ("192.0.2.1", T1),
        ("10.0.0.1", T1),
        ("2001:db8:5::1", T1),
        ("192.0.2.1", T0 - timedelta(1)),
    ]
    result = holdings_at(pairs)
    assert [h.allocation_id if h else None for h in result] == [a.pk, None, b.pk, None]
    assert holdings_at([]) == []


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone"):
        holding_at("192.0.2.1", datetime(2024, 1, 1))  # noqa: DTZ001


def test_overlapping_holdings_of_one_network_are_refused_by_the_database() -> None:
    alloc("192.0.2.200/29", frm=T0, to=T2)
    with pytest.raises(IntegrityError), transaction.atomic():
        alloc("192.0.2.200/29", frm=T1, to=None)


def test_our_networks_are_recognised() -> None:
    NetworkFactory(prefix=ipaddress.ip_network("198.18.0.0/15"))
    assert ips_in_our_networks(["198.19.255.255", "198.20.0.0", "::ffff:198.18.0.1"]) == [
        True,
        False,
        True,
    ]
