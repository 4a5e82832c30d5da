"""Sweeps against rbldnsd on loopback: listings, their states, listing tickets, and the
promise that a failed check (timeout, unhealthy zone, error code) never lists or delists."""

from __future__ import annotations

import ipaddress

import pytest

from complaints.models import Message, Ticket
from customers.models import Listing, ListingHistory
from customers.reputation import targets
from customers.reputation.sweep import sweep_batch, sweep_resources
from customers.reputation.zones import zones_for_sweep
from tests.customers.reputation.conftest import BL_CLEAN, DBL_DATA
from tests.customers.reputation.helpers import make_zone

pytestmark = pytest.mark.django_db


def _sweep():  # type: ignore[no-untyped-def]
    return sweep_resources(targets.all_resources(), zones_for_sweep())


def _states() -> dict[tuple[str, str], str]:
    return {(x.resource, x.zone.name): x.state for x in Listing.objects.select_related("zone")}


def test_targets_cover_held_ipv4_and_hosted_domains(network) -> None:
    assert [str(n) for n in targets.allocated_ipv4()] == [
        "192.0.2.8/29",
        "192.0.2.16/29",
        "192.0.2.96/29",
    ]
    resources = list(targets.all_resources())
    assert len([r for r in resources if "." in r and r[0].isdigit()]) == 24
    assert "spam-site.example" in resources


def test_batches_split_and_pack_to_the_batch_size() -> None:
    networks = [ipaddress.ip_network(n) for n in ("10.0.0.0/22", "10.1.0.0/29", "10.2.0.0/30")]
    batches = list(targets.ipv4_batches(networks, 512))
    assert batches == [["10.0.0.0/23"], ["10.0.2.0/23"], ["10.1.0.0/29", "10.2.0.0/30"]]
    assert list(targets.expand(["10.2.0.0/30", "2001:db8::1"])) == [
        "10.2.0.0",
        "10.2.0.1",
        "10.2.0.2",
        "10.2.0.3",
        "2001:db8::1",
    ]


def test_first_sweep_creates_new_listings_and_one_ticket_per_customer_and_zone(
    zones, network
) -> None:
    report = _sweep()
    assert report.zones["bl.rep.test"].healthy and report.zones["dbl.rep.test"].healthy
    assert not report.zones["all.rep.test"].healthy
    assert report.zones["all.rep.test"].reason == "lists-everything"
    assert report.zones["err.rep.test"].reason == "error-code"
    assert _states() == {
        ("192.0.2.10", "bl.rep.test"): "new",
        ("192.0.2.11", "bl.rep.test"): "new",
        ("192.0.2.20", "bl.rep.test"): "new",
        ("spam-site.example", "dbl.rep.test"): "new",
    }
    ten = Listing.objects.get(resource="192.0.2.10")
    assert ten.customer == network["listed"] and ten.service == network["listed_service"]
    assert ten.codes == ["127.0.0.4"] and ten.meanings == ["exploited host (XBL-like)"]
    assert ten.txt == "Exploited host 192.0.2.10"
    # 192.0.2.10 and .11 share the customer and zone: one ticket; .20 its own; the domain its own.
    tickets = Ticket.objects.filter(kind="listing").order_by("aggregation_key")
    assert [t.aggregation_key for t in tickets] == [
        f"listing:{network['listed'].pk}:bl.rep.test",
        f"listing:{network['listed'].pk}:dbl.rep.test",
        f"listing:{network['other'].pk}:bl.rep.test",
    ]
    bl_ticket = tickets[0]
    assert bl_ticket.customer == network["listed"] and bl_ticket.type == "blacklist"
    assert bl_ticket.event_count == 2
    assert set(Listing.objects.filter(ticket=bl_ticket).values_list("resource", flat=True)) == {
        "192.0.2.10",
        "192.0.2.11",
    }
    notes = list(bl_ticket.messages.order_by("pk"))
    assert all(m.direction == "note" and m.visibility == "internal" for m in notes)
    assert "Ask bl.rep.test to remove the address." in notes[0].body
    assert "https://bl.rep.test/remove" in notes[0].body
    assert "192.0.2.10" in notes[1].body and "192.0.2.11" in notes[1].body


def test_second_sweep_makes_listings_active_and_updates_last_seen(zones, network) -> None:
    _sweep()
    first = Listing.objects.get(resource="192.0.2.20")
    _sweep()
    again = Listing.objects.get(resource="192.0.2.20")
    assert again.state == "active"
    assert again.last_seen > first.last_seen and again.first_seen == first.first_seen
    assert Ticket.objects.filter(kind="listing").count() == 3  # joined, not reopened
    assert list(again.history.values_list("old_state", "new_state")) == [
        ("", "new"),
        ("new", "active"),
    ]


def test_not_listed_answer_delists_with_history(zones, network, start_rbldnsd) -> None:
    _sweep()
    _sweep()
    clean = start_rbldnsd(
        {"bl.rep.test": ("ip4set", BL_CLEAN), "dbl.rep.test": ("dnset", DBL_DATA)}
    )
    make_zone("bl.rep.test", clean.nameserver)
    make_zone("dbl.rep.test", clean.nameserver, lists="domain")
    _sweep()
    states = _states()
    assert states[("192.0.2.10", "bl.rep.test")] == "delisted"
    assert states[("192.0.2.20", "bl.rep.test")] == "delisted"
    assert states[("spam-site.example", "dbl.rep.test")] == "active"
    gone = Listing.objects.get(resource="192.0.2.20")
    assert gone.delisted_at is not None
    assert gone.history.last().old_state == "active" and gone.history.last().new_state == "delisted"


def test_timeouts_never_delist_and_never_list(zones, network, dead_nameserver) -> None:
    _sweep()
    before = _states()
    make_zone("bl.rep.test", dead_nameserver)
    make_zone("dbl.rep.test", dead_nameserver, lists="domain")
    report = _sweep()
    assert report.zones["bl.rep.test"].healthy is False
    assert report.zones["bl.rep.test"].reason == "timeout"
    assert _states() == before
    assert ListingHistory.objects.filter(new_state="delisted").count() == 0
    zones["bl"].refresh_from_db()
    assert zones["bl"].self_test_healthy is False and "timeout" in zones["bl"].self_test_reason


def test_unhealthy_or_error_code_zone_never_lists(zones, network) -> None:
    report = _sweep()
    assert not Listing.objects.filter(zone__name__in=["all.rep.test", "err.rep.test"]).exists()
    assert report.counts["check-failed"] > 0
    # 192.0.2.99 answers 127.255.255.255 on a healthy zone: a failed check, not a listing.
    assert not Listing.objects.filter(resource="192.0.2.99").exists()
    assert report.failures["bl.rep.test: error-code"] == 1


def test_error_code_answer_never_delists_an_existing_listing(zones, network) -> None:
    from django.utils import timezone

    now = timezone.now()
    Listing.objects.create(
        resource="192.0.2.99",
        ip="192.0.2.99",
        zone=zones["bl"],
        state="active",
        codes=["127.0.0.2"],
        first_seen=now,
        last_seen=now,
        listed_since=now,
    )
    _sweep()
    assert Listing.objects.get(resource="192.0.2.99").state == "active"


def test_silent_zone_server_is_a_failed_self_test(zones, network, silent_server) -> None:
    make_zone("silent.bad.test", silent_server.nameserver)
    report = _sweep()
    assert report.zones["silent.bad.test"].reason == "timeout"
    assert not Listing.objects.filter(zone__name="silent.bad.test").exists()


def test_batch_sweeps_only_its_block(zones, network) -> None:
    report = sweep_batch(["192.0.2.16/29"])
    assert {x.resource for x in Listing.objects.all()} == {"192.0.2.20"}
    assert report.counts["listed"] == 1


def test_relisting_after_delisting_is_a_new_episode(zones, network, start_rbldnsd) -> None:
    _sweep()
    clean = start_rbldnsd({"bl.rep.test": ("ip4set", BL_CLEAN)})
    make_zone("bl.rep.test", clean.nameserver)
    _sweep()
    ticket = Listing.objects.get(resource="192.0.2.20").ticket
    Ticket.objects.filter(pk=ticket.pk).update(status="resolved")
    make_zone("bl.rep.test", zones["bl"].nameserver)
    _sweep()
    listing = Listing.objects.get(resource="192.0.2.20")
    assert listing.state == "new" and listing.delisted_at is None
    assert listing.ticket_id != ticket.pk  # the old ticket was resolved: a new one opened
    assert Message.objects.filter(ticket=listing.ticket, subject__startswith="Blocklist").exists()
