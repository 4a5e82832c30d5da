"""DKIM findings of the deliverability doctor against crafted domains served by NSD."""

from __future__ import annotations

from customers.dns.findings import Check, Severity
from tests.customers.dns.doctor_helpers import findings, one, run


def test_2048_bit_key_found_under_common_selector(authoritative_server):
    report = run(authoritative_server, "good")
    one(
        report,
        Check.DKIM,
        Severity.OK,
        "selector1._domainkey.good.doctor.test: RSA key of 2048 bits",
    )
    assert report.worst(Check.DKIM) is Severity.OK


def test_given_selector_is_the_only_one_tried(authoritative_server):
    report = run(authoritative_server, "good", dkim_selectors=["s2024"])
    one(report, Check.DKIM, Severity.ERROR, "No DKIM key at s2024._domainkey.good.doctor.test")
    assert not findings(report, Check.DKIM, Severity.OK)


def test_512_bit_key_is_an_error(authoritative_server):
    one(run(authoritative_server, "weak512"), Check.DKIM, Severity.ERROR, "only 512 bits")


def test_1024_bit_key_is_a_warning(authoritative_server):
    one(run(authoritative_server, "weak1024"), Check.DKIM, Severity.WARNING, "1024 bits")


def test_testing_flag_is_flagged(authoritative_server):
    report = run(authoritative_server, "testing")
    one(report, Check.DKIM, Severity.OK, "2048 bits")
    one(report, Check.DKIM, Severity.WARNING, "t=y")


def test_revoked_key_is_flagged(authoritative_server):
    one(run(authoritative_server, "revoked"), Check.DKIM, Severity.WARNING, "revoked")


def test_key_that_is_not_a_key_is_an_error(authoritative_server):
    one(run(authoritative_server, "junkkey"), Check.DKIM, Severity.ERROR, "not a valid public key")


def test_no_key_under_common_selectors_explains_where_to_find_one(authoritative_server):
    finding = one(
        run(authoritative_server, "nodmarc"), Check.DKIM, Severity.WARNING, "No DKIM key found"
    )
    assert "DKIM-Signature" in finding.fix
