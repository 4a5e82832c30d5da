"""Deadline arithmetic (issue 14 item 3): computed from the type and the receipt, counted
in the request's time zone; month ends, leap years and DST changes. Every expectation is
worked out by hand from the calendar (see the comments), not from the code."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from legal import deadlines as d

BERLIN = "Europe/Berlin"
NEW_YORK = "America/New_York"
END = (59, 59, 999999)  # the last moment of an hour


def local(tz: str, *parts: int) -> datetime:
    return datetime(*parts, tzinfo=ZoneInfo(tz))  # type: ignore[misc]


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def due(type_: str, received: datetime, tz: str = BERLIN, **kw) -> datetime:  # type: ignore[no-untyped-def]
    return d.request_clocks(type_=type_, received_at=received, emergency=kw.pop("emergency", False),
                            tz=tz, **kw).due_at  # fmt: skip


@pytest.mark.parametrize(
    ("received", "expected"),
    [
        # 31 January + one month: February has no 31st -> its last day (28th in 2025)
        (local(BERLIN, 2025, 1, 31, 10, 0), utc(2025, 2, 28, 22, *END)),  # CET, UTC+1
        # ... the 29th in a leap year
        (local(BERLIN, 2024, 1, 31, 10, 0), utc(2024, 2, 29, 22, *END)),
        # 31 March + one month -> 30 April, by then summer time (UTC+2)
        (local(BERLIN, 2025, 3, 31, 9, 0), utc(2025, 4, 30, 21, *END)),
        # 23:30 UTC on 30 June is already 1 July in Berlin: the period starts from 1 July
        (utc(2025, 6, 30, 23, 30), utc(2025, 8, 1, 21, *END)),
    ],
)
def test_gdpr_one_month_ends_at_local_midnight_of_the_same_date_or_the_months_last_day(
    received: datetime, expected: datetime
) -> None:
    assert due("gdpr_access", received) == expected


def test_gdpr_extension_is_three_months_in_all_and_the_reminder_falls_on_day_25() -> None:
    received = local(BERLIN, 2024, 11, 30, 16, 0)
    clocks = d.request_clocks(
        type_="gdpr_erasure", received_at=received, emergency=False, tz=BERLIN
    )
    assert clocks.due_at == utc(2024, 12, 30, 22, *END)  # 30 December, CET
    # day 25 after 30 November is 25 December, from its first moment
    assert clocks.reminders["extension_notice"] == local(BERLIN, 2024, 12, 25, 0, 0)
    extended = d.request_clocks(type_="gdpr_erasure", received_at=received, emergency=False,
                                tz=BERLIN, extended=True)  # fmt: skip
    # 30 November + 3 months: 30 February does not exist -> 28 February 2025
    assert extended.extended_due_at == utc(2025, 2, 28, 22, *END)
    assert "extension_notice" not in extended.reminders


def test_the_day_25_reminder_across_the_spring_change() -> None:
    received = local(BERLIN, 2025, 3, 10, 14, 0)
    reminder = d.request_clocks(type_="gdpr_access", received_at=received, emergency=False,
                                tz=BERLIN).reminders["extension_notice"]  # fmt: skip
    assert reminder == utc(2025, 4, 3, 22, 0)  # 4 April 00:00 CEST


def test_eu_production_order_ten_days_ends_at_local_midnight_across_dst() -> None:
    # received Thursday 20 March 2025 10:00 CET; day 10 is Sunday 30 March, the day the
    # clocks go forward: it ends at 23:59:59 CEST = 21:59:59 UTC (not 22:59:59)
    assert due("eu_production", local(BERLIN, 2025, 3, 20, 10, 0)) == utc(2025, 3, 30, 21, *END)
    # autumn: 25 October 12:00 CEST + 10 days = 4 November, CET again
    assert due("eu_production", local(BERLIN, 2025, 10, 25, 12, 0)) == utc(2025, 11, 4, 22, *END)


def test_eu_production_emergency_is_eight_elapsed_hours_across_dst() -> None:
    received = local(BERLIN, 2025, 3, 30, 0, 30)  # 23:30 UTC on the 29th, before the change
    deadline = due("eu_production", received, emergency=True)
    assert deadline == utc(2025, 3, 30, 7, 30)
    # the wall clock shows nine hours later: the hour 02:00-03:00 did not exist
    assert deadline.astimezone(ZoneInfo(BERLIN)).hour == 9


def test_us_preservation_is_ninety_days_plus_ninety_on_renewal() -> None:
    received = local(NEW_YORK, 2025, 1, 15, 9, 0)
    first = d.request_clocks(
        type_="preservation", received_at=received, emergency=False, tz=NEW_YORK
    )
    # 15 January + 90 days = 15 April (16 + 28 + 31 + 15), end of day EDT (UTC-4)
    assert first.preserve_until == utc(2025, 4, 16, 3, *END)
    # ... two weeks before, same wall-clock time: 1 April 23:59:59 EDT
    assert first.reminders["preservation_ending"] == local(NEW_YORK, 2025, 4, 1, 23, *END)
    renewed = d.request_clocks(type_="preservation", received_at=received, emergency=False,
                               tz=NEW_YORK, preservation_extensions=1)  # fmt: skip
    # + 90 more from 15 April = 14 July (15 + 31 + 30 + 14)
    assert renewed.preserve_until == utc(2025, 7, 15, 3, *END)
    # one extension only: a second one counts like the first
    again = d.request_clocks(type_="preservation", received_at=received, emergency=False,
                             tz=NEW_YORK, preservation_extensions=2)  # fmt: skip
    assert again.preserve_until == renewed.preserve_until


def test_eu_preservation_is_sixty_days_plus_thirty() -> None:
    received = local(BERLIN, 2025, 1, 1, 12, 0)
    clocks = d.request_clocks(
        type_="eu_preservation", received_at=received, emergency=False, tz=BERLIN
    )
    assert clocks.preserve_until == utc(2025, 3, 2, 22, *END)  # 1 Jan + 60 days = 2 March
    assert clocks.due_at == utc(2025, 1, 2, 11, 0)  # act within 24 hours


def test_delayed_notice_runs_ninety_days_and_renews_in_ninety_day_steps() -> None:
    start = utc(2025, 2, 1, 10, 0)
    end = d.nondisclosure_end(starts_at=start, steps=1, tz="UTC")
    assert end == utc(2025, 5, 2, 23, *END)  # 27 + 31 + 30 + 2 = 90
    assert d.nondisclosure_renewed(current_end=end, tz="UTC") == utc(
        2025, 7, 31, 23, *END
    )  # 29+30+31
    clocks = d.request_clocks(type_="subpoena", received_at=start, emergency=False, tz="UTC",
                              nondisclosure_until=end)  # fmt: skip
    assert clocks.reminders["notify_customer"] == end
    assert clocks.reminders["gag_ending"] == utc(2025, 4, 25, 23, *END)


def test_a_stated_return_date_earlier_than_the_policy_wins() -> None:
    received = utc(2025, 5, 5, 12, 0)
    assert due("subpoena", received, tz="UTC") == utc(2025, 5, 19, 23, *END)  # 14 days
    earlier = utc(2025, 5, 12, 17, 0)
    assert due("court_order", received, tz="UTC", stated_due=earlier) == earlier
    later = utc(2025, 6, 30, 17, 0)
    assert due("court_order", received, tz="UTC", stated_due=later) == utc(2025, 5, 19, 23, *END)


def test_emergencies_and_our_own_threat_to_life_reports_are_due_within_the_hour() -> None:
    received = utc(2025, 5, 5, 12, 0)
    assert due("emergency", received, emergency=True) == utc(2025, 5, 5, 13, 0)
    assert due("dsa_art18", received) == utc(2025, 5, 5, 13, 0)


def test_due_soon_fires_before_the_deadline() -> None:
    received = utc(2025, 5, 5, 12, 0)
    clocks = d.request_clocks(type_="emergency", received_at=received, emergency=True, tz="UTC")
    assert clocks.reminders["due_soon"] == utc(2025, 5, 5, 12, 45)  # a quarter of the hour left
    gdpr = d.request_clocks(type_="gdpr_access", received_at=received, emergency=False, tz="UTC")
    assert gdpr.due_at - gdpr.reminders["due_soon"] == d.timedelta(hours=48)


def test_add_months_clamps_to_the_months_last_day() -> None:
    assert d.add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert d.add_months(date(2025, 12, 31), 2) == date(2026, 2, 28)
    assert d.add_months(date(2024, 8, 31), 6) == date(2025, 2, 28)
    assert d.add_months(date(2025, 5, 15), 1) == date(2025, 6, 15)


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError):
        d.request_clocks(type_="gdpr_access", received_at=datetime(2025, 1, 1), emergency=False,  # noqa: DTZ001
                         tz=BERLIN)  # fmt: skip
