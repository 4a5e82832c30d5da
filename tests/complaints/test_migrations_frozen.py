"""The migration history is frozen: each migration carries the SQL of its own time
(``complaints/migrations/_sql_NNNN.py``), so replaying an old one never installs today's
triggers, and the live module (``complaints.search_sql``, used by the intake's statements)
agrees with what the last of them installed — a change to it needs its own migration."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.db import connection

from complaints import search_sql

MIGRATIONS = Path(__file__).resolve().parents[2] / "complaints" / "migrations"


def test_no_migration_imports_the_apps_live_code() -> None:
    """Only Django, the frozen modules beside the migrations, and model modules named by
    generated code (a callable default)."""
    offenders = []
    for path in sorted(MIGRATIONS.glob("[0-9]*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                if name.startswith("complaints") and not name.startswith(
                    ("complaints.migrations", "complaints.models")
                ):
                    offenders.append(f"{path.name}: {name}")
    assert offenders == []


def _definitions() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_functiondef(p.oid) FROM pg_proc p "
            "JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE n.nspname = 'public' AND p.proname LIKE 'tsd%%' ORDER BY p.proname"
        )
        functions = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT pg_get_triggerdef(t.oid) FROM pg_trigger t "
            "WHERE NOT t.tgisinternal ORDER BY t.tgname"
        )
        return functions + [row[0] for row in cursor.fetchall()]


@pytest.mark.django_db
def test_the_live_triggers_are_those_the_migrations_installed() -> None:
    migrated = _definitions()
    assert migrated, "the migrations installed no tsd_ function"
    with connection.cursor() as cursor:  # rolled back with the test's transaction
        cursor.execute(search_sql.INSTALL)
        cursor.execute(search_sql.TALLY_INSTALL)
    assert _definitions() == migrated
