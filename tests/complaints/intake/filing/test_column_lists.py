"""A set-based statement's columns are written once (``bulk_sql.Column``: name, cast and
value together): the column list, the ``unnest()`` and the parameters are generated from
that one list, so a column cannot be paired with another column's array."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection

from complaints.intake.filing import pipeline, ticket_opening
from complaints.intake.filing.bulk_sql import (
    Column,
    arrays,
    insert_columns,
    select_list,
    set_list,
    unnest_sql,
)

COLUMNS: tuple[Column[dict], ...] = (
    Column("id", "bigint", lambda r: r["id"], stored=False),
    Column("name", "text", lambda r: r["name"]),
    Column("seen", "timestamptz", lambda r: r["seen"]),
    Column("tags", "text", lambda r: r["tags"], sql="u.tags::jsonb"),
)
ROWS = [
    {"id": 1, "name": 'a "quoted", name', "seen": datetime(2025, 1, 2, tzinfo=UTC), "tags": "[]"},
    {"id": 2, "name": None, "seen": datetime(2025, 1, 3, tzinfo=UTC), "tags": '["x"]'},
]


def test_the_sql_is_written_from_the_one_list() -> None:
    assert unnest_sql(COLUMNS) == (
        "unnest(%s::bigint[], %s::text[], %s::timestamptz[], %s::text[]) AS u(id, name, seen, tags)"
    )
    assert insert_columns(COLUMNS) == ["name", "seen", "tags"]
    assert select_list(COLUMNS) == "u.name, u.seen, u.tags::jsonb"
    assert set_list(COLUMNS) == "name = u.name, seen = u.seen, tags = u.tags::jsonb"


@pytest.mark.django_db
def test_each_column_gets_its_own_values_back() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT u.id, {select_list(COLUMNS)} FROM {unnest_sql(COLUMNS)} ORDER BY u.id",
            arrays(COLUMNS, ROWS),
        )
        back = cursor.fetchall()
    assert back == [
        (1, 'a "quoted", name', datetime(2025, 1, 2, tzinfo=UTC), "[]"),
        (2, None, datetime(2025, 1, 3, tzinfo=UTC), '["x"]'),
    ]


def test_the_filing_statements_take_kind_and_status_from_the_models() -> None:
    """No literal status in the reports' UPDATE; the new tickets' kind and status are
    parameters too (the ON CONFLICT clause must spell the open statuses: it names the
    partial index's predicate)."""
    assert "'filed'" not in pipeline._MARK_FILED
    names = [column.name for column in ticket_opening._NEW_TICKET_COLUMNS]
    assert len(names) == len(set(names))
    assert "kind" not in names and "status" not in names
