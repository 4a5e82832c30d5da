"""DMARC findings of the deliverability doctor against crafted domains served by NSD."""

from __future__ import annotations

from customers.dns.findings import Check, Severity
from tests.customers.dns.doctor_helpers import findings, one, run


def test_reject_policy_with_reports_is_ok(authoritative_server):
    report = run(authoritative_server, "good")
    one(report, Check.DMARC, Severity.OK, "p=reject")
    one(report, Check.DMARC, Severity.INFO, "adkim=s")
    assert report.worst(Check.DMARC) in (Severity.OK, Severity.INFO)


def test_missing_record_is_a_warning_with_a_record_to_publish(authoritative_server):
    finding = one(
        run(authoritative_server, "nodmarc"), Check.DMARC, Severity.WARNING, "No DMARC record"
    )
    assert "_dmarc.nodmarc.doctor.test" in finding.fix


def test_p_none_is_monitoring_only(authoritative_server):
    report = run(authoritative_server, "pnone")
    one(report, Check.DMARC, Severity.WARNING, "p=none")
    one(report, Check.DMARC, Severity.INFO, "No rua=")


def test_pct_below_100_is_flagged(authoritative_server):
    one(run(authoritative_server, "pct50"), Check.DMARC, Severity.WARNING, "pct=50")


def test_malformed_record_names_each_problem(authoritative_server):
    finding = one(run(authoritative_server, "baddmarc"), Check.DMARC, Severity.ERROR, "p=sometimes")
    assert "adkim=x" in finding.message


def test_two_records_are_an_error(authoritative_server):
    report = run(authoritative_server, "twodmarc")
    one(report, Check.DMARC, Severity.ERROR, "2 DMARC records")
    assert not findings(report, Check.DMARC, Severity.OK)


def test_external_report_destination_needs_authorization(authoritative_server):
    report = run(authoritative_server, "extrua")
    one(report, Check.DMARC, Severity.WARNING, "reports.other.test")
    one(report, Check.DMARC, Severity.OK, "authorized.doctor.test accepts reports")
