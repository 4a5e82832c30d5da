"""``guidance_readable``: whether the viewer may open the knowledge base pages, so a page
offers the link only to those it opens for (``complaints.mediation.guidance``)."""

from __future__ import annotations

from typing import Any

from django import template

from complaints.mediation.guidance import can_read_guidance

register = template.Library()


@register.simple_tag(takes_context=True)
def guidance_readable(context: Any) -> bool:
    user = context.get("user")
    return user is not None and can_read_guidance(user)
