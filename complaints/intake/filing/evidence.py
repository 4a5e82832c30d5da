"""The evidence check: is a complaint complete enough to act on?

A complete report names a resource in our space, says when the abuse happened, and carries
evidence beyond a bare claim (log lines, message headers, a machine-readable record).
Reasons are stable slugs the ticket page explains and the "please send evidence" reply uses.
"""

from __future__ import annotations

from dataclasses import dataclass

REASON_TEXT = {
    "not-our-network": "No reported resource is in our network or hosted here.",
    "no-timestamp": "The report does not say when the abuse happened.",
    "no-evidence": "The report has no logs, message headers or other evidence.",
    "no-resource": "The report names no IP address, domain or URL.",
}


@dataclass(frozen=True)
class Verdict:
    status: str  # "complete" | "insufficient" | "n/a"
    reasons: list[str]


def evidence_verdict(
    *, is_complaint: bool, event_count: int, ours_count: int, timed_count: int, has_evidence: bool
) -> Verdict:
    if not is_complaint:
        return Verdict("n/a", [])
    reasons = []
    if event_count == 0:
        reasons.append("no-resource")
    elif ours_count == 0:
        reasons.append("not-our-network")
    if event_count and timed_count == 0:
        reasons.append("no-timestamp")
    if not has_evidence:
        reasons.append("no-evidence")
    return Verdict("insufficient" if reasons else "complete", reasons)
