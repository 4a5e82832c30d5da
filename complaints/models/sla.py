"""Service-level targets: per ticket kind and classification, counted on business hours
where a policy says so, and the notifications sent to leads when a ticket breaches.

The clocks themselves are fields of the Ticket (``first_response_due_at`` and friends); the
arithmetic lives in ``complaints.tickets.clocks`` and the breach sweep in ``complaints.actions.sla``.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models


def _default_weekdays() -> list[int]:
    return [0, 1, 2, 3, 4]  # Monday..Friday (datetime.weekday())


class BusinessHours(models.Model):
    """A working-hours calendar: the same opening hours on the listed weekdays, in one time
    zone, minus holidays (ISO dates)."""

    name = models.CharField(max_length=80, unique=True)
    time_zone = models.CharField(max_length=64, default="UTC")
    weekdays = models.JSONField(default=_default_weekdays, help_text="0 = Monday … 6 = Sunday")
    opens_at = models.TimeField(default=dt.time(9, 0))
    closes_at = models.TimeField(default=dt.time(17, 0))
    holidays = models.JSONField(default=list, blank=True, help_text="ISO dates, e.g. 2025-12-25")

    class Meta:
        verbose_name_plural = "business hours"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_at__gt=models.F("opens_at")),
                name="businesshours_opens_before_closing",
            )
        ]

    def __str__(self) -> str:
        return self.name


class SlaPolicy(models.Model):
    """Targets for tickets of one kind (and optionally one classification type). The most
    specific enabled policy wins: kind + type before kind alone."""

    kind = models.CharField(max_length=16, help_text="Ticket kind (abuse, listing, ...)")
    type = models.CharField(
        max_length=40, blank=True, help_text="RSIT classification type; blank = any"
    )
    first_response_minutes = models.PositiveIntegerField()
    resolution_minutes = models.PositiveIntegerField()
    business_hours = models.ForeignKey(
        BusinessHours,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        help_text="Count only these hours; empty = around the clock",
    )
    enabled = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "type"]
        verbose_name_plural = "SLA policies"
        constraints = [
            models.UniqueConstraint(fields=["kind", "type"], name="slapolicy_one_per_kind_type")
        ]

    def __str__(self) -> str:
        return f"{self.kind}/{self.type or '*'}"


class Notification(models.Model):
    """Something a desk user must look at (an SLA breach escalated to leads)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    ticket = models.ForeignKey(
        "complaints.Ticket", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    verb = models.CharField(max_length=40)
    text = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_recipient_idx")
        ]
        constraints = [
            # One escalation per ticket and lead, however often the sweep runs.
            models.UniqueConstraint(
                fields=["recipient", "ticket", "verb"], name="notification_once_per_ticket_verb"
            )
        ]

    def __str__(self) -> str:
        return f"{self.verb}: {self.text[:60]}"
