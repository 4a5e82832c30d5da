"""JSON text for jsonb columns: a hostile NUL escape and a self-referencing value do not
stop a bulk insert."""

from __future__ import annotations

import json

import pytest
from django.db import connection

from complaints.intake.storable import json_text

pytestmark = pytest.mark.django_db


def _as_jsonb(text: str) -> object:
    with connection.cursor() as cursor:
        cursor.execute("SELECT (%s::jsonb)::text", [text])
        return json.loads(cursor.fetchone()[0])


def test_a_nul_character_is_replaced_not_refused() -> None:
    assert _as_jsonb(json_text({"subject": "a\x00b"})) == {"subject": "a\ufffdb"}


def test_a_value_json_cannot_write_becomes_an_empty_object() -> None:
    loop: dict = {}
    loop["self"] = loop
    assert _as_jsonb(json_text(loop)) == {}
    assert _as_jsonb(json_text({"when": object()}))["when"].startswith("<object")
