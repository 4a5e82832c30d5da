"""The filing's set-based SQL: one statement for a whole batch, each column passed as one
array parameter and taken apart by ``unnest()``.

- ``Column`` keeps what a statement needs of one column together: its name (the column it
  fills, and its name in ``unnest``), the element type its array is cast to, and how its
  value is taken from a row. ``unnest_sql``, ``insert_columns``, ``select_list`` and
  ``set_list`` write the SQL from a list of them and ``arrays`` the parameters, so a column
  is named once and no list of positional arrays has to be kept in step with a list of
  aliases by hand.
- ``copy_binary``: a binary COPY, the events' way in (``event_copy``), with the dumpers of
  the two types psycopg would otherwise send as text (fingerprints as uuid, addresses as
  inet).
- ``defaults_sql``: INSERTs name only the columns the intake fills; every other NOT NULL
  column takes the model's default, so a field added later by another feature keeps the
  bulk statements working.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import connection, models
from psycopg import postgres, pq
from psycopg.adapt import Dumper

from trustsafety.pg_arrays import array_literal

Row = TypeVar("Row")


@dataclass(frozen=True)
class Column(Generic[Row]):
    """One column of a set-based statement."""

    name: str  # the column it fills, and its name among unnest()'s columns
    cast: str  # the element type of its array parameter ("bigint", "text", ...)
    value: Callable[[Row], Any]  # its value for one row
    sql: str = ""  # what it stores when not the unnest column itself (a cast, ...)
    stored: bool = True  # False: read by the statement's other expressions only


def unnest_sql(columns: Sequence[Column[Any]], alias: str = "u") -> str:
    """``unnest(%s::bigint[], %s::text[], ...) AS u(id, key, ...)``."""
    arrays = ", ".join(f"%s::{column.cast}[]" for column in columns)
    return f"unnest({arrays}) AS {alias}({', '.join(column.name for column in columns)})"


def insert_columns(columns: Sequence[Column[Any]]) -> list[str]:
    """The names of the stored columns, for an INSERT's column list."""
    return [column.name for column in columns if column.stored]


def select_list(columns: Sequence[Column[Any]], alias: str = "u") -> str:
    """What an INSERT ... SELECT stores, in ``insert_columns`` order."""
    return ", ".join(column.sql or f"{alias}.{column.name}" for column in columns if column.stored)


def set_list(columns: Sequence[Column[Any]], alias: str = "u") -> str:
    """An UPDATE's ``SET`` assignments of the stored columns."""
    return ", ".join(
        f"{column.name} = {column.sql or f'{alias}.{column.name}'}"
        for column in columns
        if column.stored
    )


def arrays(columns: Sequence[Column[Row]], rows: Sequence[Row]) -> list[str]:
    """The array parameters of ``unnest_sql(columns)``, one literal per column."""
    return [array_literal([column.value(row) for row in rows]) for column in columns]


def column_defaults(model: type[models.Model], explicit: set[str]) -> list[tuple[str, Any]]:
    """(column, value ready for the database) of every NOT NULL column of ``model`` that is
    not in ``explicit``, the primary key and generated columns aside."""
    found: list[tuple[str, Any]] = []
    for model_field in model._meta.concrete_fields:
        column = str(model_field.column)
        if column in explicit or model_field.primary_key or model_field.null:
            continue
        if getattr(model_field, "generated", False):
            continue
        default = model_field.get_default()  # "" for text fields without a default
        if default is None:
            continue
        found.append((column, model_field.get_db_prep_save(default, connection)))
    return found


def defaults_sql(model: type[models.Model], explicit: set[str]) -> tuple[str, str, list[Any]]:
    """(", col_a, col_b", ", %s, %s", [value_a, value_b]) to append to an INSERT's column
    list and SELECT list; the values' placeholders come before the statement's others."""
    defaults = column_defaults(model, explicit)
    columns = "".join(f", {column}" for column, _ in defaults)
    values = "".join(", %s" for _ in defaults)
    return columns, values, [value for _, value in defaults]


class _FingerprintDumper(Dumper):
    """A fingerprint's 16 bytes, which are the binary form of a uuid."""

    format = pq.Format.BINARY
    oid = postgres.types["uuid"].oid

    def dump(self, obj: bytes) -> bytes:
        return obj


class _AddressDumper(Dumper):
    """An address in canonical text (``normalize_ip``) in the binary form of an inet:
    PostgreSQL's family (2 or 3), prefix length, "is cidr", length, then the bytes."""

    format = pq.Format.BINARY
    oid = postgres.types["inet"].oid

    def dump(self, obj: str) -> bytes:
        if ":" in obj:
            packed = socket.inet_pton(socket.AF_INET6, obj)
            return b"\x03\x80\x00\x10" + packed
        return b"\x02\x20\x00\x04" + socket.inet_pton(socket.AF_INET, obj)


def copy_binary(
    cursor: Any, table: str, columns: Sequence[tuple[str, str]], records: Iterator[tuple]
) -> None:
    """COPY the records into ``columns`` (name, binary type) of ``table``, sent from this
    thread as psycopg formats them. (psycopg's writer thread was slower: it needs the GIL
    for each block, which the formatting loop only yields every few milliseconds, so most
    of the data reached the server after the loop, 0.3 s later for 100,000 events.)"""
    names = ", ".join(name for name, _ in columns)
    sql = f"COPY {table} ({names}) FROM STDIN (FORMAT BINARY)"
    cursor.adapters.register_dumper(None, _FingerprintDumper)
    cursor.adapters.register_dumper(None, _AddressDumper)
    with cursor.copy(sql) as copy:
        copy.set_types([type_ for _, type_ in columns])
        for record in records:
            copy.write_row(record)
