"""The neutral legal-hold badge the rest of the desk sees on a held customer's tickets and
customer page (``complaints.restriction.LEGAL_HOLD_BADGE``): that there is a hold, never
why (docs/architecture.md "Legal desk")."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from complaints.restriction import LEGAL_HOLD_BADGE
from customers.legal_holds import customer_under_legal_hold

register = template.Library()


@register.simple_tag
def legal_hold_badge(customer_id: int | None) -> SafeString | str:
    if not customer_under_legal_hold(customer_id):
        return ""
    return format_html(
        '<span class="badge legal-hold" id="legal-hold-badge">{}</span>', LEGAL_HOLD_BADGE
    )
