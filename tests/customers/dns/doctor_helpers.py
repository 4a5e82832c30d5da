"""Small helpers for the doctor tests: run a check against the NSD fixture, pick findings."""

from __future__ import annotations

from customers.dns.doctor import check_domain
from customers.dns.findings import Check, DomainReport, Finding, Severity


def run(server, name: str, **kwargs) -> DomainReport:
    domain = name if name.endswith(".test") else f"{name}.doctor.test"
    return check_domain(domain, nameserver=server.nameserver, loopback_only=True, **kwargs)


def findings(report: DomainReport, check: Check, severity: Severity | None = None) -> list[Finding]:
    return [
        f
        for f in report.findings
        if f.check is check and (severity is None or f.severity is severity)
    ]


def one(report: DomainReport, check: Check, severity: Severity, text: str) -> Finding:
    matches = [f for f in findings(report, check, severity) if text in f.message]
    assert matches, f"no {check}/{severity} finding containing {text!r} in {report.findings}"
    assert matches[0].fix or severity in (Severity.OK, Severity.INFO), "a problem needs a fix"
    return matches[0]
