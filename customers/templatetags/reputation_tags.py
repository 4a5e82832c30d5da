"""``compromise_rules_runnable``: whether the viewer may open the compromise rules page, so
the reputation pages offer the link only to those it opens for
(``customers.reputation.permissions``)."""

from __future__ import annotations

from typing import Any

from django import template

from customers.reputation.permissions import can_run_compromise_rules

register = template.Library()


@register.simple_tag(takes_context=True)
def compromise_rules_runnable(context: Any) -> bool:
    user = context.get("user")
    return user is not None and can_run_compromise_rules(user)
