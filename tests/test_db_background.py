"""Statements run by a helper thread belong to the caller's transaction, run in order,
and an error reaches the caller as Django raises database errors."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from psycopg import errors

from trustsafety.db_background import in_background

pytestmark = pytest.mark.django_db(transaction=True)


def _table() -> None:
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE IF NOT EXISTS bg_probe (n int PRIMARY KEY)")
        cursor.execute("TRUNCATE bg_probe")


def _count() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM bg_probe")
        return cursor.fetchone()[0]


def test_runs_in_the_callers_transaction() -> None:
    _table()
    with pytest.raises(RuntimeError), transaction.atomic():
        with in_background(
            [
                ("INSERT INTO bg_probe SELECT g FROM generate_series(1, %s) g RETURNING n", [3]),
                ("DELETE FROM bg_probe WHERE n = %s", [2]),
                ("SELECT n FROM bg_probe ORDER BY n", []),
            ]
        ) as statements:
            pass
        inserted, deleted, left = statements.results()
        assert sorted(row[0] for row in inserted) == [1, 2, 3]
        assert (deleted, left) == ([], [(1,), (3,)])  # in order
        assert _count() == 2  # seen by the caller: the same transaction
        raise RuntimeError("roll back")
    assert _count() == 0  # rolled back with it


def test_an_error_is_raised_as_a_django_database_error() -> None:
    _table()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("INSERT INTO bg_probe VALUES (1)")
        with in_background(
            [("INSERT INTO bg_probe VALUES (%s)", [1]), ("INSERT INTO bg_probe VALUES (2)", [])]
        ) as statements:
            pass
        with pytest.raises(DatabaseError) as raised:
            statements.results()
        assert isinstance(raised.value.__cause__, errors.UniqueViolation)
        transaction.set_rollback(True)


def test_no_statements_need_no_helper() -> None:
    with in_background([]) as statements:
        pass
    assert statements.results() == []
