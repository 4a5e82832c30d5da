"""The transparency report (issue 14 item 9; docs/architecture.md "Legal desk"): counts of
legal requests per half-year, by type, jurisdiction and outcome (produced, partially, no
records, rejected), and the accounts affected — the customers whose data was produced.

A request counts in the half-year it was received (in UTC). Outbound DSA Art. 18 reports
are ours, not requests we received, and are counted apart. Figures are for the legal role
only (the report is published by counsel, not read off the desk by anyone else).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.db.models import Count

from accounts.roles import AnyUser
from legal.models import OUTBOUND_TYPES, Outcome, RequestType, ScopeMatch
from legal.selectors import requests_visible_to

OUTCOMES = [Outcome.PRODUCED, Outcome.PARTIAL, Outcome.NO_RECORDS, Outcome.REJECTED]


@dataclass(frozen=True)
class Half:
    year: int
    half: int  # 1: January-June, 2: July-December

    @property
    def start(self) -> datetime:
        return datetime(self.year, 1 if self.half == 1 else 7, 1, tzinfo=UTC)

    @property
    def end(self) -> datetime:
        if self.half == 1:
            return datetime(self.year, 7, 1, tzinfo=UTC)
        return datetime(self.year + 1, 1, 1, tzinfo=UTC)

    @property
    def label(self) -> str:
        return f"{self.year} H{self.half}"

    @classmethod
    def of(cls, moment: datetime) -> Half:
        moment = moment.astimezone(UTC)
        return cls(moment.year, 1 if moment.month <= 6 else 2)

    @classmethod
    def parse(cls, text: str) -> Half | None:
        """ "2025-H1" (or "2025H2"); None when it is not one."""
        cleaned = text.strip().upper().replace("-", "")
        if len(cleaned) != 6 or cleaned[4] != "H" or cleaned[5] not in "12":
            return None
        if not cleaned[:4].isdigit():
            return None
        return cls(int(cleaned[:4]), int(cleaned[5]))


@dataclass
class Row:
    type: str
    type_label: str
    jurisdiction: str
    received: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    pending: int = 0
    accounts_affected: int = 0


@dataclass
class Report:
    half: Half
    rows: list[Row]
    totals: Row
    outbound_reports: int


def transparency_report(user: AnyUser, half: Half) -> Report:
    requests = requests_visible_to(user).filter(
        received_at__gte=half.start, received_at__lt=half.end
    )
    inbound = requests.exclude(type__in=sorted(OUTBOUND_TYPES))
    counted = (
        inbound.values("type", "jurisdiction", "outcome")
        .annotate(n=Count("pk"))
        .order_by("type", "jurisdiction", "outcome")
    )
    labels = dict(RequestType.choices)
    rows: dict[tuple[str, str], Row] = {}
    for line in counted:
        key = (line["type"], line["jurisdiction"])
        row = rows.setdefault(key, Row(key[0], labels.get(key[0], key[0]), key[1]))
        row.received += line["n"]
        if line["outcome"]:
            row.outcomes[line["outcome"]] = row.outcomes.get(line["outcome"], 0) + line["n"]
        else:
            row.pending += line["n"]
    produced = [Outcome.PRODUCED, Outcome.PARTIAL]
    affected = (
        ScopeMatch.objects.filter(item__request__in=inbound.filter(outcome__in=produced))
        .values("item__request__type", "item__request__jurisdiction")
        .annotate(n=Count("customer_id", distinct=True))
    )
    for found in affected:
        key = (found["item__request__type"], found["item__request__jurisdiction"])
        if key in rows:
            rows[key].accounts_affected = found["n"]
    totals = Row("", "All requests", "")
    for row in rows.values():
        totals.received += row.received
        totals.pending += row.pending
        for outcome, n in row.outcomes.items():
            totals.outcomes[outcome] = totals.outcomes.get(outcome, 0) + n
    totals.accounts_affected = (
        ScopeMatch.objects.filter(item__request__in=inbound.filter(outcome__in=produced))
        .values("customer_id")
        .distinct()
        .count()
    )
    return Report(
        half=half,
        rows=sorted(rows.values(), key=lambda r: (r.type_label, r.jurisdiction)),
        totals=totals,
        outbound_reports=requests.filter(type__in=sorted(OUTBOUND_TYPES)).count(),
    )


def transparency_csv(report: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["half_year", "type", "jurisdiction", "received", *OUTCOMES, "pending",
                     "accounts_affected"])  # fmt: skip
    for row in [*report.rows, report.totals]:
        writer.writerow([report.half.label, row.type or "all", row.jurisdiction or "all",
                         row.received, *[row.outcomes.get(o, 0) for o in OUTCOMES], row.pending,
                         row.accounts_affected])  # fmt: skip
    writer.writerow([report.half.label, "dsa_art18 (outbound)", "all", report.outbound_reports,
                     "", "", "", "", "", ""])  # fmt: skip
    return out.getvalue()
