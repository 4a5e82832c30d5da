"""Time stamps in the styles abuse reports use, all read as aware UTC datetimes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from complaints.parsers.util import parse_time

AT = datetime(2024, 5, 6, 3, 12, 45, tzinfo=UTC)


@pytest.mark.parametrize(
    "text",
    [
        "2024-05-06 03:12:45",  # a feed row: no offset means UTC
        "2024-05-06T03:12:45",
        " 2024-05-06T03:12:45Z ",
        "2024-05-06T05:12:45+02:00",
        "2024-05-06 03:12:45 UTC",
        "Mon, 06 May 2024 03:12:45 +0000",
        "1714965165",
    ],
)
def test_each_style_is_the_same_moment(text: str) -> None:
    parsed = parse_time(text)
    assert parsed == AT and parsed.tzinfo is not None


@pytest.mark.parametrize("text", ["2024-02-30 10:00:00", "2024-05-06 3:12:45x", "", None, "x" * 80])
def test_impossible_or_foreign_text_is_none(text: str | None) -> None:
    assert parse_time(text) is None
