"""SPF findings of the deliverability doctor against crafted domains served by NSD."""

from __future__ import annotations

from customers.dns.findings import Check, Severity
from tests.customers.dns.data import GOOD_MX_IP, INCLUDED_IP, UNAUTHORIZED_IP
from tests.customers.dns.doctor_helpers import findings, one, run


def test_good_policy_counts_lookups_and_authorizes_mx_address(authoritative_server):
    report = run(authoritative_server, "good", ip=GOOD_MX_IP)
    one(report, Check.SPF, Severity.OK, "2 of 10 DNS lookups")
    one(report, Check.SPF, Severity.OK, f"SPF authorizes {GOOD_MX_IP}")
    assert report.worst(Check.SPF) is Severity.OK


def test_address_authorized_through_include(authoritative_server):
    report = run(authoritative_server, "good", ip=INCLUDED_IP)
    assert (
        "include:_spf.good.doctor.test" in one(report, Check.SPF, Severity.OK, "authorizes").message
    )


def test_unlisted_address_fails_with_a_fix_naming_it(authoritative_server):
    report = run(authoritative_server, "good", ip=UNAUTHORIZED_IP)
    finding = one(report, Check.SPF, Severity.ERROR, "does not authorize")
    assert "fail" in finding.message
    assert f"ip4:{UNAUTHORIZED_IP}" in finding.fix


def test_two_spf_records_are_an_error(authoritative_server):
    finding = one(run(authoritative_server, "twospf"), Check.SPF, Severity.ERROR, "2 SPF records")
    assert "Merge" in finding.fix


def test_plus_all_is_an_error_and_question_all_a_warning(authoritative_server):
    one(run(authoritative_server, "plusall"), Check.SPF, Severity.ERROR, '"+all"')
    one(run(authoritative_server, "qall"), Check.SPF, Severity.WARNING, '"?all"')


def test_include_loop_is_detected(authoritative_server):
    finding = one(run(authoritative_server, "loop"), Check.SPF, Severity.ERROR, "include loop")
    assert "loop.doctor.test -> loop2.doctor.test -> loop.doctor.test" in finding.message


def test_more_than_ten_lookups_is_a_permerror(authoritative_server):
    finding = one(run(authoritative_server, "toomany"), Check.SPF, Severity.ERROR, "more than 10")
    assert "include:i11.doctor.test" in finding.message


def test_more_than_two_void_lookups_is_a_permerror(authoritative_server):
    one(
        run(authoritative_server, "void"),
        Check.SPF,
        Severity.ERROR,
        "more than 2 lookups found nothing",
    )


def test_syntax_errors_are_named(authoritative_server):
    one(run(authoritative_server, "badspf"), Check.SPF, Severity.ERROR, "'ip4:999.1.1.1'")


def test_missing_spf_is_an_error(authoritative_server):
    finding = one(run(authoritative_server, "nospf"), Check.SPF, Severity.ERROR, "no SPF record")
    assert "v=spf1" in finding.fix


def test_no_finding_claims_ok_for_a_broken_policy(authoritative_server):
    for name in ("twospf", "loop", "toomany", "void", "badspf"):
        assert not findings(run(authoritative_server, name), Check.SPF, Severity.OK), name
