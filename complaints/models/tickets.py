"""Tickets (cases): the unit of work. Events join the open ticket of their aggregation key.

A partial unique index keeps at most one *open* ticket per aggregation key, so concurrent
workers filing events for the same key can never open two (DESIGN.md promise 2).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

OPEN_STATUSES = ("new", "open", "awaiting_customer", "awaiting_reporter")


class Ticket(models.Model):
    class Kind(models.TextChoices):
        ABUSE = "abuse", "Abuse"
        LISTING = "listing", "Blocklist listing"
        DELIVERABILITY = "deliverability", "Deliverability"
        LEGAL = "legal", "Legal request"
        INVESTIGATION = "investigation", "Investigation"
        BILLING = "billing", "Billing"
        CANCELLATION = "cancellation", "Cancellation"

    class Status(models.TextChoices):
        NEW = "new", "New"
        OPEN = "open", "Open"
        AWAITING_CUSTOMER = "awaiting_customer", "Awaiting customer"
        AWAITING_REPORTER = "awaiting_reporter", "Awaiting reporter"
        RESOLVED = "resolved", "Resolved"
        CLOSED = "closed", "Closed"

    class Evidence(models.TextChoices):
        COMPLETE = "complete", "Complete"
        INSUFFICIENT = "insufficient", "Insufficient"

    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.ABUSE)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW)
    aggregation_key = models.CharField(max_length=600)
    subject = models.CharField(max_length=300)
    taxonomy = models.CharField(max_length=40, blank=True)
    type = models.CharField(max_length=40, blank=True, help_text="RSIT classification type")
    resource = models.CharField(
        max_length=300, blank=True, help_text="IP, domain or URL; blank for per-customer tickets"
    )
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
    )
    service = models.ForeignKey(
        "customers.Service",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
    )
    needs_triage = models.BooleanField(default=False, help_text="No customer could be attributed")
    evidence_status = models.CharField(
        max_length=12, choices=Evidence.choices, default=Evidence.COMPLETE
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tickets",
    )
    restricted_group = models.CharField(
        max_length=40,
        blank=True,
        help_text="Only this role sees the ticket (investigations, legal)",
    )
    first_event_at = models.DateTimeField(null=True, blank=True)
    last_event_at = models.DateTimeField(null=True, blank=True)
    event_count = models.PositiveIntegerField(default=0)
    report_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    # SLA clocks (complaints.sla): set when the ticket's policy is applied, shifted on resume.
    first_response_due_at = models.DateTimeField(null=True, blank=True)
    resolution_due_at = models.DateTimeField(null=True, blank=True)
    first_responded_at = models.DateTimeField(null=True, blank=True)
    sla_paused_since = models.DateTimeField(
        null=True, blank=True, help_text="Set while awaiting the customer"
    )
    sla_paused_seconds = models.PositiveIntegerField(default=0)
    sla_breached = models.BooleanField(default=False, help_text="A target was missed (escalated)")

    class Meta:
        ordering = ["-last_event_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["aggregation_key"],
                condition=Q(status__in=OPEN_STATUSES),
                name="ticket_one_open_per_key",
            )
        ]
        indexes = [
            models.Index(fields=["status", "-last_event_at"], name="ticket_status_idx"),
            models.Index(fields=["customer", "-last_event_at"], name="ticket_customer_idx"),
            models.Index(
                fields=["resolution_due_at"],
                condition=Q(status__in=OPEN_STATUSES),
                name="ticket_open_resolution_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class TicketChange(models.Model):
    """The ticket's history: who changed what, when (the timeline's non-message entries)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="changes")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    field = models.CharField(max_length=40)
    old_value = models.CharField(max_length=300, blank=True)
    new_value = models.CharField(max_length=300, blank=True)
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="ticketchange_ticket_idx")]

    def __str__(self) -> str:
        return f"#{self.ticket_id} {self.field}: {self.old_value} → {self.new_value}"
