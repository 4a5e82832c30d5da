"""Array literals read back by PostgreSQL exactly as the values went in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from django.db import connection

from trustsafety.pg_arrays import array_literal

pytestmark = pytest.mark.django_db

HOSTILE = [
    "plain", "", "NULL", 'say "hi"', "back\\slash", "a,b", "{braces}", " spaced ",
    "line\nbreak\ttab", "x\\\"y", "ünïcødé ✓", "'); DROP TABLE complaints_report; --",
]  # fmt: skip


def _read(sql: str, value: str) -> list:
    with connection.cursor() as cursor:
        cursor.execute(sql, [value])
        return cursor.fetchone()[0]


def test_strings_and_null_round_trip():
    assert _read("SELECT %s::text[]", array_literal([*HOSTILE, None])) == [*HOSTILE, None]


def test_numbers_booleans_addresses_and_times():
    assert _read("SELECT %s::bigint[]", array_literal([1, -2, 2**40, None])) == [1, -2, 2**40, None]
    assert _read("SELECT %s::boolean[]", array_literal([True, False, None])) == [True, False, None]
    assert _read("SELECT %s::inet[]::text[]", array_literal(["192.0.2.1", "2001:db8::1"])) == [
        "192.0.2.1/32",
        "2001:db8::1/128",
    ]
    times = [
        datetime(2025, 6, 1, 12, 30, 15, 123456, tzinfo=UTC),
        datetime(2025, 6, 1, 14, 0, tzinfo=timezone(timedelta(hours=2))),
    ]
    assert _read("SELECT %s::timestamptz[]", array_literal(times)) == times


def test_empty_and_naive_times():
    assert _read("SELECT %s::text[]", array_literal([])) == []
    with pytest.raises(ValueError, match="timezone-aware"):
        array_literal([datetime(2025, 6, 1)])  # noqa: DTZ001 - naive on purpose


@pytest.mark.parametrize("hostile", HOSTILE)
def test_whole_batches_of_strings_with_one_hostile_value(hostile: str):
    """Plain strings take a joined fast path; one value that needs escaping anywhere in
    the batch must not slip through it."""
    for values in ([hostile, "plain", "192.0.2.1"], ["plain", hostile], [hostile]):
        assert _read("SELECT %s::text[]", array_literal(values)) == values
        assert _read("SELECT %s::text[]", array_literal(iter(values))) == values
    assert _read("SELECT %s::text[]", array_literal(["plain", None, hostile])) == [
        "plain",
        None,
        hostile,
    ]


def test_whole_batches_of_integers():
    assert _read("SELECT %s::bigint[]", array_literal(range(5))) == [0, 1, 2, 3, 4]
    assert _read("SELECT %s::bigint[]", array_literal([1, None, 3])) == [1, None, 3]


def test_whole_batches_of_times():
    """Aware times take a joined fast path; a naive one or a None anywhere does not."""
    times = [
        datetime(2025, 6, 1, tzinfo=UTC) + timedelta(seconds=n, microseconds=n) for n in range(3)
    ]
    assert _read("SELECT %s::timestamptz[]", array_literal(times)) == times
    assert _read("SELECT %s::timestamptz[]", array_literal([*times, None])) == [*times, None]
    with pytest.raises(ValueError, match="timezone-aware"):
        array_literal([*times, datetime(2025, 6, 1)])  # noqa: DTZ001 - naive on purpose
