"""``report_format``: how a report came and what it is, in words ("entered in the web form",
"ARF feedback report"), wherever a report is listed (``complaints.parsers.registry``)."""

from __future__ import annotations

from django import template

from complaints.models import Receipt, Report
from complaints.parsers.registry import format_label

register = template.Library()


@register.filter
def report_format(report: Report) -> str:
    channel = getattr(report, "first_channel", None)
    if channel is None:  # not annotated by the caller: its first receipt
        channel = (
            Receipt.objects.filter(report_id=report.pk)
            .order_by("pk")
            .values_list("channel", flat=True)
            .first()
        )
    return format_label(report.format, channel or "")
