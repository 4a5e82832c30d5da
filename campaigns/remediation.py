"""The pure rules of a campaign: who is held out, when a notice counts as fixed or
recurred, and which state a notice is in. No database here: the observation and the
tests feed these functions facts and read the answer.

- **Hold-out**: a customer is held out when the SHA-256 of the campaign's seed and the
  customer's id, read as a number in [0, 1), falls below the hold-out share. The draw is
  reproducible (the same seed and customer always give the same group, whatever order
  customers arrive in) and independent of anything about the customer.
- **Verified fixed**: after the last sighting of any of the notice's hosts, the feed
  delivered N daily reports (``Campaign.verify_reports``) without them; the fix dates
  from the first of those reports (not before the customer became a recipient). Or a
  person re-checked and found it fixed. **Recurred**: a host is seen again after a fix.
  A recurred notice is fixed again by the same rule; ``first_fixed_at`` and the first
  ``recurred_at`` are what the measurement uses.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, time


def holdout_draw(seed: str, customer_id: int) -> float:
    digest = hashlib.sha256(f"{seed}:{customer_id}".encode()).hexdigest()
    return int(digest[:13], 16) / float(16**13)


def is_held_out(seed: str, customer_id: int, percent: int) -> bool:
    return holdout_draw(seed, customer_id) < percent / 100.0


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


@dataclass(frozen=True)
class Remediation:
    first_fixed_at: datetime | None = None
    fixed_at: datetime | None = None  # the current fix (None when not fixed now)
    fixed_by: str = ""  # "feed" | "recheck"
    verified_at: datetime | None = None
    recurred_at: datetime | None = None  # the first recurrence after the first fix


def remediation(
    *,
    sightings: dict[date, datetime],
    feed_days: list[date],
    assigned_at: datetime,
    verify_reports: int,
    recheck_fixed_at: datetime | None = None,
) -> Remediation:
    """Walk the feed day by day. ``sightings``: day -> the last observation of any of the
    notice's hosts that day; ``feed_days``: the days the feed delivered a report."""
    days = sorted(set(feed_days) | set(sightings))
    fixed = False
    fixed_at: datetime | None = None
    fixed_by = ""
    verified_at: datetime | None = None
    first_fixed_at: datetime | None = None
    recurred_at: datetime | None = None
    absent = 0
    run_start: date | None = None
    seen_once = False
    recheck_pending = recheck_fixed_at

    def fix(at: datetime, by: str, verified: datetime) -> None:
        nonlocal fixed, fixed_at, fixed_by, verified_at, first_fixed_at
        fixed, fixed_at, fixed_by, verified_at = True, max(at, assigned_at), by, verified
        first_fixed_at = first_fixed_at or fixed_at

    def recheck_apply() -> None:
        nonlocal recheck_pending, absent, run_start
        assert recheck_pending is not None
        if not fixed:
            fix(recheck_pending, "recheck", recheck_pending)
            absent, run_start = 0, None
        recheck_pending = None

    for day in days:
        seen_at = sightings.get(day)
        # A re-check before this day, or earlier this day than the day's observation.
        if recheck_pending is not None and (
            recheck_pending.date() < day
            or (
                recheck_pending.date() == day and seen_at is not None and recheck_pending <= seen_at
            )
        ):
            recheck_apply()
        if seen_at is not None:
            seen_once = True
            if fixed:
                fixed, fixed_at, fixed_by, verified_at = False, None, "", None
                if recurred_at is None and first_fixed_at is not None:
                    recurred_at = max(seen_at, first_fixed_at)
            absent, run_start = 0, None
        elif seen_once and not fixed:
            absent += 1
            run_start = run_start or day
            if absent >= verify_reports:
                fix(day_start(run_start), "feed", day_start(day))
        if recheck_pending is not None and recheck_pending.date() == day:
            recheck_apply()  # later the same day than what the feed saw
    if recheck_pending is not None:
        recheck_apply()
    return Remediation(first_fixed_at, fixed_at, fixed_by, verified_at, recurred_at)


def notice_state(
    *,
    group: str,
    queued_at: datetime | None,
    sent_at: datetime | None,
    delivered_at: datetime | None,
    bounced_at: datetime | None,
    acknowledged_at: datetime | None,
    fixed_at: datetime | None,
    recurred_at: datetime | None,
) -> str:
    """The one state a notice shows: how far its mail got, unless the feed says more
    (verified fixed, or recurred after a fix)."""
    if fixed_at is not None:
        return "fixed"
    if recurred_at is not None:
        return "recurred"
    if group == "holdout":
        return "held_out"
    if group == "suppressed":
        return "suppressed"
    state = "waiting"
    for stamp, name in (
        (queued_at, "queued"),
        (sent_at, "sent"),
        (delivered_at, "delivered"),
        (bounced_at, "bounced"),
        (acknowledged_at, "acknowledged"),
    ):
        if stamp is not None:
            state = name
    return state
