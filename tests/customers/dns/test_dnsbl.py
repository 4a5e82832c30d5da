"""Blocklist engine against rbldnsd on loopback: self-tests, verdicts, codes, IPv6, domains."""

from __future__ import annotations

import ipaddress
import time

import dns.reversename
import pytest

from customers.dns import dnsbl
from customers.dns.dnsbl import FailReason, Status, ZoneSpec
from customers.dns.nameserver import NameserverError, parse_nameserver

BL = ZoneSpec(
    "bl.test",
    codes={"127.0.0.2": "test point", "127.0.0.3": "dynamic range", "127.0.0.4": "spam source"},
    error_codes=dnsbl.SPAMHAUS_ERROR_CODES,
)
V6 = ZoneSpec("v6.test", self_test=("::ffff:127.0.0.2", "::ffff:127.0.0.1"))
DBL = ZoneSpec("dbl.test", lists="domain", codes={"127.0.1.2": "spam domain"})
ALL = ZoneSpec("all.test")
ERR = ZoneSpec("err.test", error_codes=dnsbl.SPAMHAUS_ERROR_CODES)
EMPTY = ZoneSpec("empty.test")


def _one(report: dnsbl.CheckReport, resource: str, zone: str) -> dnsbl.DnsblResult:
    [result] = [r for r in report.results if r.resource == resource and r.zone == zone]
    return result


def test_healthy_zones_pass_the_rfc5782_self_test(blocklist_server):
    health = dnsbl.self_test([BL, V6, DBL], nameserver=blocklist_server.nameserver)
    assert {name: h.healthy for name, h in health.items()} == {
        "bl.test": True,
        "v6.test": True,
        "dbl.test": True,
    }


def test_broken_zones_fail_the_self_test_with_a_reason(blocklist_server):
    health = dnsbl.self_test([ALL, ERR, EMPTY], nameserver=blocklist_server.nameserver)
    assert health["all.test"].reason == "lists-everything"
    assert health["err.test"].reason == "error-code"
    assert "127.255.255.254" in health["err.test"].detail
    assert health["empty.test"].reason == "test-point-not-listed"
    assert not any(h.healthy for h in health.values())


def test_listed_address_carries_code_meaning_and_txt(blocklist_server):
    report = dnsbl.check(["192.0.2.26"], [BL], nameserver=blocklist_server.nameserver)
    result = _one(report, "192.0.2.26", "bl.test")
    assert result.status is Status.LISTED
    assert result.codes == ("127.0.0.4",)
    assert result.meanings == ("spam source",)
    assert result.txt == "Spam source 192.0.2.26"


def test_range_listing_and_unlisted_neighbour(blocklist_server):
    report = dnsbl.check(
        ["198.51.100.7", "198.51.100.16"], [BL], nameserver=blocklist_server.nameserver
    )
    assert _one(report, "198.51.100.7", "bl.test").meanings == ("dynamic range",)
    assert _one(report, "198.51.100.16", "bl.test").status is Status.NOT_LISTED


def test_error_code_answer_is_a_failed_check_not_a_listing(blocklist_server):
    report = dnsbl.check(["192.0.2.99"], [BL], nameserver=blocklist_server.nameserver)
    result = _one(report, "192.0.2.99", "bl.test")
    assert result.status is Status.CHECK_FAILED
    assert result.reason is FailReason.ERROR_CODE
    assert "excessive" in result.detail


def test_zone_listing_everything_never_yields_listed(blocklist_server):
    resources = ["192.0.2.1", "192.0.2.26", "10.0.0.1"]
    report = dnsbl.check(resources, [ALL, ERR, EMPTY], nameserver=blocklist_server.nameserver)
    assert len(report.results) == 9
    assert report.listed() == []
    assert {r.reason for r in report.results} == {FailReason.UNHEALTHY_ZONE}


def test_ipv6_is_queried_by_reversed_nibbles(blocklist_server):
    name = dnsbl.query_name("2001:db8::25", V6)
    expected = dns.reversename.from_address("2001:db8::25").to_text()
    assert name == expected.replace("ip6.arpa.", "v6.test")
    report = dnsbl.check(
        ["2001:db8::25", "2001:db8:bad::1", "2001:db8::26"],
        [V6],
        nameserver=blocklist_server.nameserver,
    )
    assert _one(report, "2001:db8::25", "v6.test").status is Status.LISTED
    assert _one(report, "2001:db8:bad::1", "v6.test").status is Status.LISTED
    assert _one(report, "2001:db8::26", "v6.test").status is Status.NOT_LISTED


def test_domain_zone_lists_names_and_ignores_addresses(blocklist_server):
    report = dnsbl.check(
        ["spammer.example", "login.phish.example", "good.example", "192.0.2.26"],
        [DBL],
        nameserver=blocklist_server.nameserver,
    )
    assert _one(report, "spammer.example", "dbl.test").meanings == ("spam domain",)
    assert _one(report, "login.phish.example", "dbl.test").listed
    assert _one(report, "good.example", "dbl.test").status is Status.NOT_LISTED
    assert not [r for r in report.results if r.resource == "192.0.2.26"]


def test_mixed_zones_in_one_sweep_stream_every_pair_once(blocklist_server):
    seen: list[tuple[str, str]] = []
    network = ipaddress.ip_network("198.51.100.0/26")
    summary = dnsbl.sweep(
        network,
        [BL, ALL, DBL],
        nameserver=blocklist_server.nameserver,
        on_result=lambda r: seen.append((r.resource, r.zone)),
        loopback_only=True,
    )
    assert len(seen) == len(set(seen)) == 64 * 2  # the domain zone has nothing to ask
    assert summary.counts["listed"] == 16
    assert summary.zones["all.test"].healthy is False


def test_rate_limit_spaces_out_queries(blocklist_server):
    slow = ZoneSpec("bl.test", rate_per_s=40)
    started = time.monotonic()
    report = dnsbl.check(
        [f"10.1.0.{i}" for i in range(80)], [slow], nameserver=blocklist_server.nameserver
    )
    elapsed = time.monotonic() - started
    assert len(report.results) == 80
    # 80 queries at 40/s with at most one second's burst take at least about a second.
    assert elapsed >= 0.9


def test_invalid_resources_are_reported_not_raised(blocklist_server):
    report = dnsbl.check(
        ["not a domain!", "a" * 300 + ".example"], [DBL], nameserver=blocklist_server.nameserver
    )
    assert {r.reason for r in report.results} == {FailReason.INVALID}


def test_loopback_only_refuses_outside_nameservers():
    with pytest.raises(NameserverError):
        dnsbl.check(["192.0.2.1"], [BL], nameserver="192.0.2.53", loopback_only=True)


@pytest.mark.parametrize(
    ("text", "host", "port"),
    [
        ("127.0.0.1", "127.0.0.1", 53),
        ("127.0.0.1:5353", "127.0.0.1", 5353),
        ("::1", "::1", 53),
        ("[::1]", "::1", 53),
        ("[::1]:5353", "::1", 5353),
        ("localhost:99", "127.0.0.1", 99),
    ],
)
def test_nameserver_strings_parse(text, host, port):
    server = parse_nameserver(text, loopback_only=True)
    assert (server.host, server.port) == (host, port)


@pytest.mark.parametrize(
    "text", ["", "ns.example", "127.0.0.1:0", "127.0.0.1:x", "[::1", "1.2.3.4"]
)
def test_bad_or_outside_nameservers_are_refused(text):
    with pytest.raises(NameserverError):
        parse_nameserver(text, loopback_only=True)
