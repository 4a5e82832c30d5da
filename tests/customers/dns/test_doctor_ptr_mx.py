"""MX, A, PTR, FCrDNS and blocklist findings against NSD and rbldnsd on loopback."""

from __future__ import annotations

import json

from customers.dns import dnsbl
from customers.dns.findings import Check, Severity
from tests.customers.dns.data import GOOD_MX_IP, INCLUDED_IP, NO_PTR_IP
from tests.customers.dns.doctor_helpers import findings, one, run


def test_good_domain_has_mx_and_addresses(authoritative_server):
    report = run(authoritative_server, "good")
    one(report, Check.MX, Severity.OK, "10 mx.good.doctor.test")
    one(report, Check.A, Severity.OK, "2001:db8::80")


def test_no_mx_falls_back_to_address_with_a_warning(authoritative_server):
    one(run(authoritative_server, "nomx"), Check.MX, Severity.WARNING, "no MX record")


def test_null_mx_is_reported(authoritative_server):
    one(run(authoritative_server, "nullmx"), Check.MX, Severity.INFO, "null MX")


def test_mx_host_without_address_is_an_error(authoritative_server):
    one(run(authoritative_server, "mxbroken"), Check.MX, Severity.ERROR, "nowhere.doctor.test")


def test_missing_domain_is_one_clear_error(authoritative_server):
    report = run(authoritative_server, "missing")
    assert [(f.check, f.severity) for f in report.findings] == [(Check.MX, Severity.ERROR)]
    assert "does not exist" in report.findings[0].message


def test_fcrdns_passes_when_ptr_resolves_back(authoritative_server):
    report = run(authoritative_server, "good", ip=GOOD_MX_IP)
    one(report, Check.PTR, Severity.OK, "mx.good.doctor.test")
    one(report, Check.FCRDNS, Severity.OK, f"{GOOD_MX_IP} -> mx.good.doctor.test")


def test_fcrdns_fails_when_ptr_name_points_elsewhere(authoritative_server):
    report = run(authoritative_server, "good", ip=INCLUDED_IP)
    one(report, Check.PTR, Severity.OK, "nomatch.doctor.test")
    one(report, Check.FCRDNS, Severity.ERROR, "does not resolve back")


def test_missing_ptr_is_an_error(authoritative_server):
    report = run(authoritative_server, "good", ip=NO_PTR_IP)
    one(report, Check.PTR, Severity.ERROR, "no reverse DNS")
    one(report, Check.FCRDNS, Severity.ERROR, "no PTR name")


def test_blocklisted_ip_is_an_error_and_broken_zones_only_info(
    authoritative_server, blocklist_server
):
    zones = [
        dnsbl.ZoneSpec("bl.test", codes={"127.0.0.4": "spam source"}),
        dnsbl.ZoneSpec("all.test"),
    ]
    report = run(
        authoritative_server,
        "good",
        ip=INCLUDED_IP,
        blocklist_zones=zones,
        blocklist_nameserver=blocklist_server.nameserver,
    )
    one(report, Check.BLOCKLIST, Severity.ERROR, "listed on bl.test: 127.0.0.4 (spam source)")
    one(report, Check.BLOCKLIST, Severity.INFO, "all.test could not be checked")
    assert len(findings(report, Check.BLOCKLIST, Severity.ERROR)) == 1


def test_report_serializes_to_the_stable_json_shape(authoritative_server):
    data = json.loads(json.dumps(run(authoritative_server, "good", ip=GOOD_MX_IP).as_dict()))
    assert set(data) == {"domain", "ip", "findings"}
    assert data["ip"] == GOOD_MX_IP
    assert {tuple(sorted(f)) for f in data["findings"]} == {("check", "fix", "message", "severity")}
    allowed = {"mx", "a", "spf", "dkim", "dmarc", "ptr", "fcrdns", "blocklist"}
    assert {f["check"] for f in data["findings"]} <= allowed


def test_invalid_input_is_a_finding_not_an_exception(authoritative_server):
    report = run(authoritative_server, "not a domain.test")
    assert report.findings[0].severity is Severity.ERROR
    report = run(authoritative_server, "good", ip="999.1.1.1")
    one(report, Check.PTR, Severity.ERROR, "not an IP address")
