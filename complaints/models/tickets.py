"""Tickets (cases): the unit of work. Events join the open ticket of their aggregation key.

A partial unique index keeps at most one *open* ticket per aggregation key, so concurrent
workers filing events for the same key can never open two (docs/architecture.md promise 2).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Case, ExpressionWrapper, F, Q, Value, When
from django.db.models.functions import Cast, Coalesce, Least

OPEN_STATUSES = ("new", "open", "awaiting_customer", "awaiting_reporter")
# The queue's default order: latest activity first; a ticket with no event yet counts from
# its creation (a non-null key is what keyset pagination needs).
QUEUE_ACTIVITY = Coalesce(F("last_event_at"), F("created_at"))
# The next SLA deadline: first response while none was given, then resolution; tickets
# without a clock sort last ('infinity' keeps the key non-null for keyset pagination).
QUEUE_SLA_DUE = Coalesce(
    Least(
        Case(When(first_responded_at__isnull=True, then=F("first_response_due_at"))),
        F("resolution_due_at"),
    ),
    Cast(Value("infinity"), models.DateTimeField()),
)


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
        db_index=False,  # covered by ticket_q_*_idx
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
        db_index=False,  # covered by ticket_q_*_idx
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
    # SLA clocks (complaints.tickets.clocks): set when the ticket's policy is applied, shifted on resume.
    first_response_due_at = models.DateTimeField(null=True, blank=True)
    resolution_due_at = models.DateTimeField(null=True, blank=True)
    first_responded_at = models.DateTimeField(null=True, blank=True)
    sla_paused_since = models.DateTimeField(
        null=True, blank=True, help_text="Set while awaiting the customer"
    )
    sla_paused_seconds = models.PositiveIntegerField(default=0)
    sla_breached = models.BooleanField(default=False, help_text="A target was missed (escalated)")
    # Derived columns kept by database triggers (complaints/search_sql.py, installed by the
    # migration "saved_views"): every writer of events and messages, the bulk intake's raw
    # SQL included, keeps them current, and an ORM save() of a stale Ticket cannot undo
    # them. Do not set them from Python.
    last_customer_reply_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="Last message received from the customer"
    )
    last_agent_reply_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="Last message sent to the customer"
    )
    customer_replied = models.GeneratedField(
        expression=ExpressionWrapper(
            Q(last_customer_reply_at__isnull=False)
            & (
                Q(last_agent_reply_at__isnull=True)
                | Q(last_customer_reply_at__gt=F("last_agent_reply_at"))
            ),
            output_field=models.BooleanField(),
        ),
        output_field=models.BooleanField(),
        db_persist=True,
    )
    reporter_ids = ArrayField(
        models.BigIntegerField(), default=list, blank=True, editable=False,
        help_text="Reporters of the ticket's events (for the queue's reporter filter)",
    )  # fmt: skip
    search_vector = SearchVectorField(
        null=True, editable=False, help_text="Subject, resource, evidence and messages"
    )

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
            # (status|customer|assignee, activity, id) are the queue's keyset indexes below;
            # every index here is rewritten whenever events touch a ticket, so none twice.
            models.Index(
                fields=["resolution_due_at"],
                condition=Q(status__in=OPEN_STATUSES),
                name="ticket_open_resolution_due_idx",
            ),
            # The queue's keyset orders (complaints/tickets/selectors.py): (sort key, id), alone and
            # behind each equality filter, so any page of any filter is one index range.
            models.Index(QUEUE_ACTIVITY, "id", name="ticket_q_activity_idx"),
            models.Index("status", QUEUE_ACTIVITY, "id", name="ticket_q_status_idx"),
            models.Index("kind", QUEUE_ACTIVITY, "id", name="ticket_q_kind_idx"),
            models.Index("type", QUEUE_ACTIVITY, "id", name="ticket_q_type_idx"),
            models.Index("customer", QUEUE_ACTIVITY, "id", name="ticket_q_customer_idx"),
            models.Index("assignee", QUEUE_ACTIVITY, "id", name="ticket_q_assignee_idx"),
            models.Index(
                QUEUE_ACTIVITY, "id", condition=Q(customer_replied=True),
                name="ticket_q_replied_idx",
            ),
            models.Index(
                QUEUE_ACTIVITY, "id", condition=Q(sla_breached=True), name="ticket_q_breached_idx"
            ),
            models.Index(QUEUE_SLA_DUE, "id", name="ticket_q_sla_due_idx"),
            models.Index("created_at", "id", name="ticket_q_created_idx"),
            # No index holds event_count (the "most events" order reads TicketTally's):
            # adding events to a ticket then leaves every index as it was, a HOT update.
            GinIndex(fields=["search_vector"], name="ticket_search_gin"),
            GinIndex(fields=["reporter_ids"], name="ticket_reporters_gin"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class TicketTally(models.Model):
    """A ticket's event count once more, in a narrow row of its own, for the queue's "most
    events" order. On the ticket row, an index on the count would turn every filing into a
    rewrite of all the ticket's indexes; here a filing rewrites two small ones. Kept by
    database triggers on the ticket (complaints/search_sql.py), like the other derived
    columns: every ticket has one, equal to its ``event_count``."""

    ticket = models.OneToOneField(
        Ticket,
        on_delete=models.DO_NOTHING,  # the ticket's delete trigger removes it
        db_constraint=False,
        primary_key=True,
        related_name="tally",
    )
    event_count = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index("event_count", "ticket", name="tally_events_idx")]

    def __str__(self) -> str:
        return f"{self.event_count} events on ticket {self.ticket_id}"


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
