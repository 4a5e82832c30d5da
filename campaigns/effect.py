"""The measured effect of a campaign: notified customers against the hold-out.

Both groups are counted by assignment ("intention to treat"): a notified customer whose
mail bounced is still in the notified group, so the comparison stays the random one. The
suppressed are in neither. Time runs from when each customer became a recipient (the
launch, or the day a later feed first showed them), so customers who arrive later are
compared fairly.

- **Fixed within 7 / 14 / 30 days**: of the customers who have been recipients at least
  that long, the share whose first verified fix came within that many days.
- **Median time to fix**: Kaplan-Meier: a customer not fixed yet counts as "not fixed
  after this many days", not as never fixed nor left out; "not reached" while fewer than
  half are fixed.
- **Recurred within 90 days**: of the fixed, the share seen again within 90 days of the
  fix (a fix younger than 90 days counts as "not recurred so far").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

WINDOWS = (7, 14, 30)
RECURRENCE_DAYS = 90
DAY = timedelta(days=1)


@dataclass(frozen=True)
class Recipient:
    group: str
    assigned_at: datetime
    first_fixed_at: datetime | None
    recurred_at: datetime | None


@dataclass(frozen=True)
class Window:
    days: int
    eligible: int
    fixed: int

    @property
    def share(self) -> float | None:
        return self.fixed / self.eligible if self.eligible else None


@dataclass(frozen=True)
class GroupEffect:
    group: str
    recipients: int
    fixed: int
    windows: list[Window]
    median_days_to_fix: float | None
    recurred: int
    recurrence_share: float | None


@dataclass(frozen=True)
class Effect:
    notified: GroupEffect
    holdout: GroupEffect
    # window days -> notified share minus hold-out share, in percentage points
    difference_points: dict[int, float | None] = field(default_factory=dict)


def kaplan_meier_median(durations: list[tuple[float, bool]]) -> float | None:
    """Median of (days, fixed?) pairs, unfixed ones censored at their days so far."""
    at_risk = len(durations)
    survival = 1.0
    for days, fixed in sorted(durations, key=lambda d: (d[0], not d[1])):
        if fixed:
            survival *= (at_risk - 1) / at_risk
            if survival <= 0.5:
                return days
        at_risk -= 1
    return None


def group_effect(group: str, rows: list[Recipient], now: datetime) -> GroupEffect:
    windows = []
    for days in WINDOWS:
        eligible = [r for r in rows if r.assigned_at + days * DAY <= now]
        fixed = [
            r
            for r in eligible
            if r.first_fixed_at is not None and r.first_fixed_at - r.assigned_at <= days * DAY
        ]
        windows.append(Window(days, len(eligible), len(fixed)))
    durations = [
        (
            ((r.first_fixed_at if r.first_fixed_at else now) - r.assigned_at) / DAY,
            r.first_fixed_at is not None,
        )
        for r in rows
    ]
    fixed_rows = [r for r in rows if r.first_fixed_at is not None]
    recurred = [
        r
        for r in fixed_rows
        if r.recurred_at is not None
        and r.first_fixed_at is not None
        and r.recurred_at - r.first_fixed_at <= RECURRENCE_DAYS * DAY
    ]
    return GroupEffect(
        group=group,
        recipients=len(rows),
        fixed=len(fixed_rows),
        windows=windows,
        median_days_to_fix=kaplan_meier_median(durations),
        recurred=len(recurred),
        recurrence_share=len(recurred) / len(fixed_rows) if fixed_rows else None,
    )


def effect(rows: Iterable[Recipient], now: datetime) -> Effect:
    rows = list(rows)
    notified = group_effect("notify", [r for r in rows if r.group == "notify"], now)
    holdout = group_effect("holdout", [r for r in rows if r.group == "holdout"], now)
    difference: dict[int, float | None] = {}
    for a, b in zip(notified.windows, holdout.windows, strict=True):
        difference[a.days] = (
            round((a.share - b.share) * 100, 1)
            if a.share is not None and b.share is not None
            else None
        )
    return Effect(notified, holdout, difference)
