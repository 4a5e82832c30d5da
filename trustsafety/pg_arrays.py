"""Array parameters for set-based SQL, written as one PostgreSQL array literal.

The intake passes whole batches as arrays (``unnest(%s::inet[], %s::timestamptz[])``).
Django's psycopg backend binds parameters on the client, and psycopg adapts a Python list
element by element through its dumpers: for a batch of 200 reports that was a sixth of a
worker's time. One string in the array input syntax (``{"a","b",NULL}``, see the
PostgreSQL manual, "Array Value Input") is adapted once, and the SQL cast (``::inet[]``)
parses it on the server, in C.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime


def _element(value: object) -> str:
    if type(value) is str:  # the common case first
        if "\\" in value or '"' in value:
            value = value.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{value}"'
    if value is None:
        return "NULL"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("array timestamps must be timezone-aware")
        return f'"{value.isoformat()}"'
    return _element(str(value))


def array_literal(values: Iterable[object]) -> str:
    """``values`` as the text of a one-dimensional array; cast it in SQL (``%s::text[]``).
    Strings must not hold NUL (PostgreSQL text cannot)."""
    values = values if isinstance(values, list) else list(values)
    if values and type(values[0]) is str:
        # Whole batches of plain strings (addresses, keys) are joined in one C call: when
        # the only quotes are the separators' and there is no backslash, no element
        # needed escaping.
        try:
            joined = '","'.join(values)  # type: ignore[arg-type]
        except TypeError:  # not all strings
            joined = None
        if joined is not None and joined.count('"') == 2 * len(values) - 2 and "\\" not in joined:
            return '{"' + joined + '"}'
    elif values and type(values[0]) is int and all(type(v) is int for v in values):
        return "{" + ",".join(map(str, values)) + "}"
    elif values and all(type(v) is datetime and v.tzinfo is not None for v in values):
        # The observed times of a whole feed: an ISO 8601 time needs no escaping.
        return '{"' + '","'.join([v.isoformat() for v in values]) + '"}'  # type: ignore[union-attr]
    return "{" + ",".join([_element(value) for value in values]) + "}"
