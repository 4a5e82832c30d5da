"""Bad DNS: SERVFAIL, REFUSED, silence, noise, garbage, spoofed and truncated answers, an
unreachable server. Each gives a named failure in bounded time, never "listed", never a crash."""

from __future__ import annotations

import pytest

from customers.dns import dnsbl
from customers.dns.dnsbl import FailReason, Status, ZoneSpec
from tests.customers.dns.servers import free_port

FAST = {"timeout": 0.3, "retries": 0}


def _zone(mode: str) -> ZoneSpec:
    return ZoneSpec(f"{mode}.bad.test")


@pytest.mark.parametrize(
    ("mode", "reason"),
    [
        ("servfail", "servfail"),
        ("refused", "refused"),
        ("silent", "timeout"),
        ("noise", "timeout"),  # random bytes match no query: ignored, so we time out
        ("garbage", "garbage"),
        ("badaddr", "garbage"),  # 198.51.100.7 for everything: a parked, expired list
        ("notimp", "garbage"),
        ("tcfail", "truncated"),
    ],
)
def test_misbehaving_zone_is_unhealthy_and_lists_nothing(bad_responder, mode, reason):
    report = dnsbl.check(
        ["192.0.2.1", "192.0.2.2"], [_zone(mode)], nameserver=bad_responder.nameserver, **FAST
    )
    health = report.zones[f"{mode}.bad.test"]
    assert not health.healthy
    assert health.reason == reason
    assert report.listed() == []
    assert {r.reason for r in report.results} == {FailReason.UNHEALTHY_ZONE}


def test_spoofed_answers_are_dropped(bad_responder):
    # Each query draws three forgeries claiming "listed": wrong ID, wrong question, and
    # right ID and question from the wrong source port. Only the real NXDOMAIN counts.
    results: list[dnsbl.DnsblResult] = []
    summary = dnsbl.sweep(
        ["192.0.2.1", "192.0.2.2"],
        [_zone("spoof")],
        nameserver=bad_responder.nameserver,
        on_result=results.append,
        timeout=1.0,
        retries=0,
        sockets=1,
    )
    assert summary.zones["spoof.bad.test"].healthy
    assert [r.status for r in results] == [Status.NOT_LISTED, Status.NOT_LISTED]
    assert summary.stats.dropped >= 4  # 2 self-test + 2 queries, at least 1 dropped each


def test_truncated_answers_are_retried_over_tcp(bad_responder):
    report = dnsbl.check(
        ["192.0.2.1"], [_zone("tc")], nameserver=bad_responder.nameserver, timeout=1.0
    )
    assert report.zones["tc.bad.test"].healthy
    assert report.results[0].status is Status.NOT_LISTED


def test_timeouts_are_retried_then_reported(bad_responder):
    results: list[dnsbl.DnsblResult] = []
    summary = dnsbl.sweep(
        ["192.0.2.1"],
        [_zone("silent")],
        nameserver=bad_responder.nameserver,
        on_result=results.append,
        timeout=0.2,
        retries=2,
    )
    assert summary.stats.retried == 4  # two test points, two retries each
    assert summary.zones["silent.bad.test"].reason == "timeout"
    assert results[0].reason is FailReason.UNHEALTHY_ZONE


def test_unreachable_nameserver_is_a_timeout_not_a_crash():
    report = dnsbl.check(
        ["192.0.2.1"], [ZoneSpec("bl.test")], nameserver=f"127.0.0.1:{free_port()}", **FAST
    )
    assert report.zones["bl.test"].reason == "timeout"
    assert report.results[0].status is Status.CHECK_FAILED


# --- the deliverability doctor against bad DNS ---------------------------------------------


def _doctor(nameserver: str, domain: str, **kwargs):
    from customers.dns.doctor import check_domain

    return check_domain(
        domain, nameserver=nameserver, loopback_only=True, timeout=0.3, budget=3.0, **kwargs
    )


@pytest.mark.parametrize("mode", ["servfail", "silent", "refused", "garbage", "noise"])
def test_doctor_turns_broken_nameservers_into_findings(bad_responder, mode):
    from customers.dns.findings import Check, Severity

    report = _doctor(bad_responder.nameserver, f"{mode}.bad.test", ip="192.0.2.25")
    mx = [f for f in report.findings if f.check is Check.MX]
    assert mx and mx[0].severity is Severity.ERROR
    assert "could not be checked" in mx[0].message
    assert all(f.severity is not Severity.OK for f in report.findings)
    # Bounded by the budget (3 s) plus at most one attempt's timeout, however many lookups.
    assert report.elapsed_s < 5


def test_doctor_with_unreachable_nameserver_is_bounded():
    from customers.dns.findings import Severity

    report = _doctor(f"127.0.0.1:{free_port()}", "example.test", dkim_selectors=["a", "b"])
    assert report.findings and report.findings[0].severity is Severity.ERROR
    assert report.elapsed_s < 5


def test_doctor_follows_truncated_answers_over_tcp(bad_responder):
    from customers.dns.findings import Check, Severity

    report = _doctor(bad_responder.nameserver, "tc.bad.test")
    spf = [f for f in report.findings if f.check is Check.SPF]
    assert spf[0].severity is Severity.OK and "v=spf1 -all" in spf[0].message
