"""What the deliverability doctor reports: findings with a severity and a fix.

Boundary: plain data, shared by the check modules (spf, dmarc, dkim, doctor) and read by
the ``check_domain`` command and the doctor page through ``DomainReport.as_dict()``, whose
shape is the stable interface in docs/architecture.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Check(StrEnum):
    MX = "mx"
    A = "a"
    SPF = "spf"
    DKIM = "dkim"
    DMARC = "dmarc"
    PTR = "ptr"
    FCRDNS = "fcrdns"
    BLOCKLIST = "blocklist"


class Severity(StrEnum):
    OK = "ok"
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class Finding:
    check: Check
    severity: Severity
    message: str  # what we saw, for the agent and the customer
    fix: str = ""  # what the customer should do, in plain English; empty when nothing

    def as_dict(self) -> dict[str, str]:
        return {
            "check": self.check.value,
            "severity": self.severity.value,
            "message": self.message,
            "fix": self.fix,
        }


@dataclass(slots=True)
class DomainReport:
    domain: str
    ip: str | None
    findings: list[Finding] = field(default_factory=list)
    elapsed_s: float = 0.0

    def add(self, check: Check, severity: Severity, message: str, fix: str = "") -> None:
        self.findings.append(Finding(check, severity, message, fix))

    def worst(self, check: Check | None = None) -> Severity:
        order = list(Severity)
        severities = [f.severity for f in self.findings if check is None or f.check is check]
        return max(severities, key=order.index, default=Severity.OK)

    def for_check(self, check: Check) -> list[Finding]:
        return [f for f in self.findings if f.check is check]

    def as_dict(self) -> dict[str, object]:
        return {
            "domain": self.domain,
            "ip": self.ip,
            "findings": [f.as_dict() for f in self.findings],
        }
