"""A statement run by a helper thread belongs to the caller's transaction, and its error
reaches the caller as Django raises database errors."""

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
            "INSERT INTO bg_probe SELECT g FROM generate_series(1, %s) g RETURNING n", [3]
        ) as statement:
            pass
        assert sorted(row[0] for row in statement.result()) == [1, 2, 3]
        assert _count() == 3  # seen by the caller: the same transaction
        raise RuntimeError("roll back")
    assert _count() == 0  # rolled back with it


def test_an_error_is_raised_as_a_django_database_error() -> None:
    _table()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("INSERT INTO bg_probe VALUES (1)")
        with in_background("INSERT INTO bg_probe VALUES (%s)", [1]) as statement:
            pass
        with pytest.raises(DatabaseError) as raised:
            statement.result()
        assert isinstance(raised.value.__cause__, errors.UniqueViolation)
        transaction.set_rollback(True)
