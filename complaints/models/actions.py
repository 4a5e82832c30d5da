"""Countermeasures against a customer (warn, suspend, unsuspend, terminate, null-route), the
policy rules that propose them, and the one switch that stops every automatic action.

An Action is carried out by the provisioning webhook (``complaints.actions.provisioning``); its
``idempotency_key`` is sent with every attempt, so the provisioning side applies a retried
request once. The lifecycle lives in ``complaints.actions.services``: requested -> approved ->
running -> done | failed, running <-> retrying (the provisioning system did not answer),
approved | retrying -> cancelled (a person), done -> reverted; a request can also be rejected.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


class ActionKind(models.TextChoices):
    WARN = "warn", "Warn"
    SUSPEND = "suspend", "Suspend service"
    UNSUSPEND = "unsuspend", "Unsuspend service"
    TERMINATE = "terminate", "Terminate service"
    NULL_ROUTE = "null_route", "Null-route"


# Kinds that need a second person's approval (four-eyes rule). Any action against a
# customer marked ``protected`` needs one too (``Action.needs_second_person``).
FOUR_EYES_KINDS = frozenset({ActionKind.TERMINATE, ActionKind.NULL_ROUTE})
# Kinds that can be undone through the provisioning hook.
REVERTIBLE_KINDS = frozenset({ActionKind.SUSPEND, ActionKind.NULL_ROUTE})


class PolicyRule(models.Model):
    """A rule stored as data: when ``condition`` holds for an open ticket of ``type``,
    propose ``proposes``. Only rules marked ``automatic`` act without an agent."""

    class Condition(models.TextChoices):
        NO_CUSTOMER_ANSWER_DAYS = (
            "no_customer_answer_days",
            "Days awaiting the customer without an answer",
        )
        REPEAT_COUNT = "repeat_count", "Tickets of this type for the customer within the window"
        EVENT_COUNT = "event_count", "Events on the ticket"

    name = models.CharField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    type = models.CharField(
        max_length=40, blank=True, help_text="RSIT classification type; blank = any"
    )
    condition = models.CharField(max_length=32, choices=Condition.choices)
    threshold = models.PositiveIntegerField(help_text="Days, tickets or events (see condition)")
    window_days = models.PositiveIntegerField(
        default=90, help_text="Look-back window for repeat counts"
    )
    proposes = models.CharField(max_length=12, choices=ActionKind.choices)
    automatic = models.BooleanField(
        default=False, help_text="Act without an agent (never for terminate or null-route)"
    )
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["type", "name"]
        constraints = [
            # Four-eyes kinds always need a person: a rule may propose them, never do them.
            models.CheckConstraint(
                condition=~Q(automatic=True, proposes__in=["terminate", "null_route"]),
                name="policyrule_no_automatic_four_eyes",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Action(models.Model):
    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested (awaiting approval)"
        APPROVED = "approved", "Approved (queued)"
        RUNNING = "running", "Running"
        RETRYING = "retrying", "Retrying (the provisioning system did not answer)"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"
        REVERTED = "reverted", "Reverted"
        REJECTED = "rejected", "Rejected"
        CANCELLED = "cancelled", "Cancelled"

    ticket = models.ForeignKey(
        "complaints.Ticket", on_delete=models.CASCADE, related_name="actions"
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="actions"
    )
    service = models.ForeignKey(
        "customers.Service", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=12, choices=ActionKind.choices)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.REQUESTED)
    reason = models.TextField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reverted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    automatic = models.BooleanField(default=False)
    rule = models.ForeignKey(
        PolicyRule, on_delete=models.SET_NULL, null=True, blank=True, related_name="actions"
    )
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    attempts = models.PositiveSmallIntegerField(default=0)
    queued_at = models.DateTimeField(
        null=True, blank=True, help_text="When its execution was last queued (approved, not taken)"
    )
    claimed_by = models.CharField(
        max_length=64,
        blank=True,
        default="",
        help_text="Task carrying it out (its retries resume it)",
    )
    attempted_at = models.DateTimeField(
        null=True, blank=True, help_text="When the last attempt started (a dead one is resumed)"
    )
    retry_at = models.DateTimeField(
        null=True, blank=True, help_text="When the next attempt is due (status retrying)"
    )
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True, help_text="Why it failed or is retried, in plain words")
    error_detail = models.TextField(blank=True, help_text="The technical text behind ``error``")
    revert_reason = models.TextField(blank=True)
    requested_at = models.DateTimeField(auto_now_add=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    reverted_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-requested_at"]
        indexes = [
            models.Index(fields=["ticket", "-requested_at"], name="action_ticket_idx"),
            models.Index(fields=["customer", "-requested_at"], name="action_customer_idx"),
            # The rate cap counts automatic actions of the last hour.
            models.Index(
                fields=["requested_at"], condition=Q(automatic=True), name="action_automatic_idx"
            ),
            # The sweeper reads the approved actions no task has taken.
            models.Index(
                fields=["queued_at"], condition=Q(status="approved"), name="action_queued_idx"
            ),
            # ... and the attempts whose task died or whose retry was lost.
            models.Index(
                fields=["attempted_at"],
                condition=Q(status__in=["running", "retrying"]),
                name="action_in_flight_idx",
            ),
        ]
        constraints = [
            # A rule proposes one open action per ticket and kind, however often it runs.
            models.UniqueConstraint(
                fields=["ticket", "kind", "rule"],
                condition=Q(
                    rule__isnull=False,
                    status__in=["requested", "approved", "running", "retrying"],
                ),
                name="action_one_open_per_rule_ticket",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.status})"

    @property
    def needs_second_person(self) -> bool:
        """Terminate and null-route always; any action against a protected customer."""
        return self.kind in FOUR_EYES_KINDS or self.customer.protected

    @property
    def can_be_cancelled(self) -> bool:
        return self.status in (self.Status.APPROVED, self.Status.RETRYING)

    @property
    def can_be_retried(self) -> bool:
        return self.status in (self.Status.RETRYING, self.Status.FAILED)


class AutomationSwitch(models.Model):
    """The one switch that stops every automatic action. A single row (pk=1), read on every
    decision, so an admin's change takes effect at once without a restart."""

    automatic_actions_enabled = models.BooleanField(default=False)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return "automatic actions " + ("on" if self.automatic_actions_enabled else "off")
