"""A registry to run campaigns on, and a played calendar of daily Shadowserver feeds filed
through the real intake (``campaigns.demo.feed_mail`` → ``reports_receive`` →
``reports_process``)."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import pytest

from campaigns.demo import FeedRow, feed_file, feed_mail
from customers.models import Customer, IPAllocation, Network

T0 = datetime(2024, 1, 1, tzinfo=UTC)
LAUNCH_DAY = date(2026, 3, 2)  # day 0 of the played calendar


def day(k: int) -> date:
    return LAUNCH_DAY + timedelta(days=k)


def at(k: int, hour: int = 9) -> datetime:
    return datetime.combine(day(k), time(hour), tzinfo=UTC)


@dataclass
class World:
    customers: list[Customer]
    hosts: dict[int, list[str]]  # customer id -> its vulnerable hosts
    provider: Customer
    protected: Customer
    extra: dict[str, Customer] = field(default_factory=dict)

    def rows(self, customer_ids: Iterable[int]) -> list[FeedRow]:
        return [FeedRow(ip=ip) for cid in customer_ids for ip in self.hosts[cid]]


def make_world(count: int = 40) -> World:
    Network.objects.get_or_create(prefix=ipaddress.ip_network("198.18.0.0/15"))
    customers = []
    hosts: dict[int, list[str]] = {}
    for i in range(count + 2):
        customer = Customer.objects.create(
            external_id=f"CAMP{i:04d}", name=f"Campaign Customer {i}",
            abuse_email=f"abuse@camp{i}.example",
        )  # fmt: skip
        block = ipaddress.ip_network(f"198.18.{i // 32}.{(i % 32) * 8}/29")
        IPAllocation.objects.create(network=block, customer=customer, valid_from=T0)
        hosts[customer.pk] = [str(block.network_address + 1)]
        if i % 10 == 3:  # some customers have two vulnerable hosts
            hosts[customer.pk].append(str(block.network_address + 2))
        customers.append(customer)
    provider, protected = customers[-2], customers[-1]
    Customer.objects.filter(pk=provider.pk).update(external_id="PROVIDER")
    Customer.objects.filter(pk=protected.pk).update(protected=True)
    provider.refresh_from_db()
    protected.refresh_from_db()
    return World(customers[:-2], hosts, provider, protected)


@pytest.fixture
def world(db: None) -> World:
    return make_world()


FeedFiler = Callable[[int, Iterable[FeedRow]], list[int]]


@pytest.fixture
def file_feed() -> FeedFiler:
    """File day k's report of ``scan_exchange`` with these rows through the intake."""

    def file(k: int, rows: Iterable[FeedRow], family: str = "scan_exchange") -> list[int]:
        return feed_file(feed_mail(family, day(k), list(rows)), path=f"test-feed/{family}/{k}")

    return file


def campaign_values(**overrides: object) -> dict[str, object]:
    values: dict[str, object] = {
        "name": "Exchange ProxyLogon", "feed_family": "scan_exchange",
        "tag_contains": "cve-2021-26855", "min_severity": "high", "cve": "CVE-2021-26855",
        "fix_steps": "Install the security update KB5000871.", "holdout_percent": 0,
        "verify_reports": 3, "lookback_days": 3,
    }  # fmt: skip
    values.update(overrides)
    return values


@pytest.fixture
def lead(make_user):  # type: ignore[no-untyped-def]
    return make_user("lead-campaigns", "lead")
