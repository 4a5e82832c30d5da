"""Set-based INSERTs (``INSERT ... SELECT ... FROM unnest(...)``) that name only the
columns the intake fills: every other NOT NULL column takes the model's default, so a field
added later by another feature keeps the bulk statements working."""

from __future__ import annotations

import json
from typing import Any

from django.db import connection, models


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


def json_text(data: object) -> str:
    """``data`` as JSON text a ``jsonb`` cast accepts: PostgreSQL refuses the NUL escape,
    which attacker-controlled reports may carry; unserialisable data becomes ``{}``."""
    try:
        return json.dumps(data, default=str).replace("\\u0000", "\\ufffd")
    except (TypeError, ValueError):
        return "{}"
