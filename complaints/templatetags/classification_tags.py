"""``type_label``: a classification type's one human-readable name
(``complaints.classification``), for every page that shows a type."""

from __future__ import annotations

from django import template

from complaints.classification import type_label as _label

register = template.Library()


@register.filter
def type_label(value: str | None) -> str:
    """ "brute-force" -> "Brute-force attack"; "" stays "" (the template says "—")."""
    return _label(value) if value else ""
