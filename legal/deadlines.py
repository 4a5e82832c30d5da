"""The legal desk's deadlines, computed from a request's type and receipt, never typed
(issue 14 item 3; docs/architecture.md "Legal desk"). Pure: datetimes in, datetimes out.

How periods are counted, after Regulation (EEC, Euratom) No 1182/71 on periods, dates and
time limits, which the EU instruments below use:

- A period in **days or months** starts the day after the receipt and ends at the end of
  its last day (23:59:59.999999) *in the request's time zone*: wall-clock days, so a
  deadline across a DST change still ends at local midnight. A period in months ends on the
  same date of the last month, or on that month's last day when it has none (received
  31 January, one month: 28 or 29 February).
- A period in **hours** is elapsed time: eight hours are eight hours, DST or not.

The periods:

| type | response due | other clocks |
|---|---|---|
| GDPR Art. 15/16/17/20 | 1 month (Art. 12(3)) | extension notice reminder on day 25; extended by up to 2 more months (3 in all) |
| EU production order | 10 days; 8 hours in an emergency (Reg. 2023/1543 Art. 10(2), 10(4)) | |
| EU preservation order | 24 hours (desk policy: "without undue delay") | preserved 60 days, + 30 on request (Art. 11(1)) |
| US preservation request | 24 hours (desk policy) | preserved 90 days, + 90 on a renewed request (18 U.S.C. 2703(f)(2)) |
| emergency disclosure | 1 hour (desk policy) | |
| DSA Art. 18 report (ours) | 1 hour: "promptly" | |
| subpoena, court order, warrant, MLAT, civil subpoena, DSA Art. 9/10 order | the return date the document states, else 14 days (desk policy), whichever is first | |
| not classified yet (a mail to the legal mailbox) | 24 hours to triage and classify it (desk policy) | its own clocks once classified |

A delayed-notice (non-disclosure) order runs 90 days and is renewed in 90-day steps
(18 U.S.C. 2705(a)(1)(A), (a)(4)) unless the order states its own end; when it ends, the
customer is to be notified at once.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

GDPR_MONTHS = 1
GDPR_EXTENDED_MONTHS = 3  # one month plus "two further months" (Art. 12(3))
GDPR_EXTENSION_REMINDER_DAY = 25
EU_PRODUCTION_DAYS = 10
EU_PRODUCTION_EMERGENCY_HOURS = 8
EU_PRESERVATION_DAYS = 60
EU_PRESERVATION_EXTENSION_DAYS = 30
US_PRESERVATION_DAYS = 90
US_PRESERVATION_EXTENSION_DAYS = 90
PRESERVATION_ACT_HOURS = 24
EMERGENCY_HOURS = 1
DSA_ART18_HOURS = 1
DEFAULT_RESPONSE_DAYS = 14
UNCLASSIFIED_TRIAGE_HOURS = 24
DELAYED_NOTICE_DAYS = 90
PRESERVATION_REMINDER_DAYS = 14
GAG_REMINDER_DAYS = 7

GDPR_TYPES = frozenset({"gdpr_access", "gdpr_rectification", "gdpr_erasure", "gdpr_portability"})
PERIOD_TYPES = frozenset(
    {"subpoena", "court_order", "search_warrant", "mlat", "civil_subpoena", "dsa_order"}
)


def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name or "UTC")


def end_of_day(day: date, tz: str) -> datetime:
    """The last moment of ``day`` in ``tz`` (in UTC: every result here is, so that adding
    and subtracting is elapsed time — Python adds to a zoned datetime by the wall clock)."""
    return datetime.combine(day, time(23, 59, 59, 999999), tzinfo=_zone(tz)).astimezone(UTC)


def start_of_day(day: date, tz: str) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=_zone(tz)).astimezone(UTC)


def local_date(moment: datetime, tz: str) -> date:
    if moment.tzinfo is None:
        raise ValueError("deadline arithmetic needs timezone-aware datetimes")
    return moment.astimezone(_zone(tz)).date()


def add_months(day: date, months: int) -> date:
    """The same date ``months`` later, or the last day of that month when it has none."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def days_after(moment: datetime, days: int, tz: str) -> datetime:
    """End of the ``days``-th day after ``moment``'s local date."""
    return end_of_day(local_date(moment, tz) + timedelta(days=days), tz)


def months_after(moment: datetime, months: int, tz: str) -> datetime:
    return end_of_day(add_months(local_date(moment, tz), months), tz)


def hours_after(moment: datetime, hours: int) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("deadline arithmetic needs timezone-aware datetimes")
    return moment.astimezone(UTC) + timedelta(hours=hours)  # elapsed, whatever the zone


def local_days_before(moment: datetime, days: int, tz: str) -> datetime:
    """The same local wall-clock time ``days`` earlier (DST-safe)."""
    local = moment.astimezone(_zone(tz))
    naive = local.replace(tzinfo=None) - timedelta(days=days)
    return naive.replace(tzinfo=_zone(tz)).astimezone(UTC)


@dataclass(frozen=True)
class Clocks:
    due_at: datetime
    extended_due_at: datetime | None = None
    preserve_until: datetime | None = None
    reminders: dict[str, datetime] = field(default_factory=dict)


def response_due(
    *, type_: str, received_at: datetime, emergency: bool, tz: str, stated_due: datetime | None
) -> datetime:
    """When the answer is due (see the module's table)."""
    if type_ in GDPR_TYPES:
        return months_after(received_at, GDPR_MONTHS, tz)
    if type_ == "eu_production":
        if emergency:
            return hours_after(received_at, EU_PRODUCTION_EMERGENCY_HOURS)
        return days_after(received_at, EU_PRODUCTION_DAYS, tz)
    if type_ in ("eu_preservation", "preservation"):
        return hours_after(received_at, PRESERVATION_ACT_HOURS)
    if type_ == "emergency":
        return hours_after(received_at, EMERGENCY_HOURS)
    if type_ == "dsa_art18":
        return hours_after(received_at, DSA_ART18_HOURS)
    if type_ == "unclassified":
        return hours_after(received_at, UNCLASSIFIED_TRIAGE_HOURS)
    policy = days_after(received_at, DEFAULT_RESPONSE_DAYS, tz)
    if emergency:
        policy = hours_after(received_at, EMERGENCY_HOURS)
    return min(policy, stated_due) if stated_due is not None else policy


def preservation_until(*, type_: str, received_at: datetime, extensions: int, tz: str) -> datetime:
    """The end of the preservation: the base period, plus each extension granted."""
    if type_ == "eu_preservation":
        days = EU_PRESERVATION_DAYS + EU_PRESERVATION_EXTENSION_DAYS * min(extensions, 1)
    else:
        days = US_PRESERVATION_DAYS + US_PRESERVATION_EXTENSION_DAYS * min(extensions, 1)
    return days_after(received_at, days, tz)


def max_preservation_extensions(type_: str) -> int:
    return 1  # both 2703(f)(2) and Art. 11(1) allow one extension


def nondisclosure_end(*, starts_at: datetime, steps: int, tz: str) -> datetime:
    """The end of a delayed-notice order of ``steps`` 90-day periods from ``starts_at``."""
    return days_after(starts_at, DELAYED_NOTICE_DAYS * steps, tz)


def nondisclosure_renewed(*, current_end: datetime, tz: str) -> datetime:
    """One more 90-day step after the current end."""
    return days_after(current_end, DELAYED_NOTICE_DAYS, tz)


def request_clocks(
    *,
    type_: str,
    received_at: datetime,
    emergency: bool,
    tz: str,
    stated_due: datetime | None = None,
    extended: bool = False,
    preservation_extensions: int = 0,
    nondisclosure_until: datetime | None = None,
) -> Clocks:
    """Every clock of a request, and when each reminder fires."""
    due = response_due(
        type_=type_, received_at=received_at, emergency=emergency, tz=tz, stated_due=stated_due
    )
    reminders: dict[str, datetime] = {}
    window = due - received_at
    reminders["due_soon"] = due - min(timedelta(hours=48), window / 4)
    extended_due = None
    if type_ in GDPR_TYPES:
        reminders["extension_notice"] = start_of_day(
            local_date(received_at, tz) + timedelta(days=GDPR_EXTENSION_REMINDER_DAY), tz
        )
        if extended:
            extended_due = months_after(received_at, GDPR_EXTENDED_MONTHS, tz)
            reminders["due_soon"] = extended_due - timedelta(hours=48)
            del reminders["extension_notice"]
    preserve = None
    if type_ in ("eu_preservation", "preservation"):
        preserve = preservation_until(
            type_=type_, received_at=received_at, extensions=preservation_extensions, tz=tz
        )
        reminders["preservation_ending"] = local_days_before(
            preserve, PRESERVATION_REMINDER_DAYS, tz
        )
    if nondisclosure_until is not None:
        reminders["gag_ending"] = local_days_before(nondisclosure_until, GAG_REMINDER_DAYS, tz)
        reminders["notify_customer"] = nondisclosure_until
    return Clocks(
        due_at=due, extended_due_at=extended_due, preserve_until=preserve, reminders=reminders
    )
