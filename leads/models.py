"""The dashboards' rollup tables and the leads' weekly digests (docs/architecture.md, "leads/").

Each figure table is a snapshot, rewritten whole by its rollup (``leads.rollups``) on beat:
the pages read a few hundred small rows instead of aggregating a million tickets.

Restricted cases never leak through a count: every row that counts tickets carries the
*visibility class* of those tickets (``kind``, ``restricted_group``), the two columns the
desk's one permission rule reads (``complaints.permissions.ticket_filter_for``), so the
same rule filters these rows for each reader. ``assignee_id`` is null on the team's rows and
names the agent on an agent's own rows: agents read only theirs.

Ids of users, customers, services and reporters are plain integers, not foreign keys: a
snapshot is derived data, replaced within minutes, and must not hold up a deletion.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class RollupState(models.Model):
    """When each rollup last ran, how long it took and how many rows it wrote."""

    name = models.CharField(max_length=40, primary_key=True)
    refreshed_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField()
    rows = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"{self.name} at {self.refreshed_at:%Y-%m-%d %H:%M}"


class VisibilityClass(models.Model):
    """The visibility class of the tickets a row counts (see the module docstring)."""

    kind = models.CharField(max_length=16)
    restricted_group = models.CharField(max_length=40, blank=True)

    class Meta:
        abstract = True


class SlaFigure(VisibilityClass):
    """Service levels of the tickets opened in the last ``window_days``: first response,
    first mail to the customer, mitigation (resolution or a blocking countermeasure done),
    as medians and 90th percentiles in seconds, per kind and classification ("queue")."""

    window_days = models.PositiveSmallIntegerField()
    type = models.CharField(max_length=40, null=True, help_text="Null: every classification")
    assignee_id = models.BigIntegerField(null=True, help_text="Null: the whole team")
    tickets = models.PositiveIntegerField()
    responded = models.PositiveIntegerField()
    first_response_p50_s = models.FloatField(null=True)
    first_response_p90_s = models.FloatField(null=True)
    noticed = models.PositiveIntegerField()
    notice_p50_s = models.FloatField(null=True)
    notice_p90_s = models.FloatField(null=True)
    mitigated = models.PositiveIntegerField()
    mitigation_p50_s = models.FloatField(null=True)
    mitigation_p90_s = models.FloatField(null=True)
    breached = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["window_days", "assignee_id"], name="leads_sla_scope_idx")]

    def __str__(self) -> str:
        return f"SLA {self.window_days} d {self.kind}/{self.type or '*'}"


class BacklogFigure(VisibilityClass):
    """Open tickets by age band (``AGE_BANDS`` of ``leads.rollups``)."""

    assignee_id = models.BigIntegerField(null=True, help_text="Null: the whole team")
    age_band = models.PositiveSmallIntegerField()
    tickets = models.PositiveIntegerField()
    breached = models.PositiveIntegerField()
    unassigned = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["assignee_id"], name="leads_backlog_scope_idx")]

    def __str__(self) -> str:
        return f"backlog {self.kind} band {self.age_band}: {self.tickets}"


class WorkloadFigure(VisibilityClass):
    """One agent's work over ``window_days``: open tickets assigned now, tickets touched
    (a change or a message of theirs), solved (set resolved or closed by them), and
    reopened (taken back from resolved or closed after they solved it)."""

    window_days = models.PositiveSmallIntegerField()
    user_id = models.BigIntegerField()
    username = models.CharField(max_length=150)
    assigned_open = models.PositiveIntegerField()
    touched = models.PositiveIntegerField()
    solved = models.PositiveIntegerField()
    reopened = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["window_days", "user_id"], name="leads_workload_scope_idx")]

    def __str__(self) -> str:
        return f"workload {self.username} {self.window_days} d"


class TrendFigure(VisibilityClass):
    """Tickets opened per classification and reporter in the last ``window_days`` and in
    the same length of time before, and how many of them a person worked (a message,
    change or countermeasure request of someone on the desk)."""

    window_days = models.PositiveSmallIntegerField()
    type = models.CharField(max_length=40)
    reporter_id = models.BigIntegerField(null=True, help_text="Null: no reporter (web form, desk)")
    reporter_label = models.CharField(max_length=320, blank=True)
    assignee_id = models.BigIntegerField(null=True, help_text="Null: the whole team")
    tickets = models.PositiveIntegerField()
    worked = models.PositiveIntegerField()
    tickets_before = models.PositiveIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["window_days", "assignee_id"], name="leads_trend_scope_idx")
        ]

    def __str__(self) -> str:
        return f"trend {self.window_days} d {self.type} from {self.reporter_label or '-'}"


class TrendDay(VisibilityClass):
    """Tickets opened per day and classification over the last 90 days (the trend chart)."""

    day = models.DateField()
    type = models.CharField(max_length=40)
    assignee_id = models.BigIntegerField(null=True, help_text="Null: the whole team")
    tickets = models.PositiveIntegerField()
    worked = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["assignee_id", "day"], name="leads_trendday_scope_idx")]

    def __str__(self) -> str:
        return f"{self.day} {self.type}: {self.tickets}"


class WorstFigure(models.Model):
    """A ranked row of a "worst" table: customers, services, IPv4 /24s and IPv6 /48s by
    abuse tickets of the last 90 days per 1,000 active allocated addresses (IPv6: per
    1,000 /64s). Only unrestricted abuse, listing and deliverability tickets are counted,
    so the ranking reads the same for every lead and moves with no escalation."""

    class Entity(models.TextChoices):
        CUSTOMER = "customer", "Customers"
        SERVICE = "service", "Services"
        NET24 = "net24", "IPv4 /24 networks"
        NET48 = "net48", "IPv6 /48 networks"

    entity = models.CharField(max_length=10, choices=Entity.choices)
    rank = models.PositiveIntegerField()
    label = models.CharField(max_length=420)
    customer_id = models.BigIntegerField(null=True)
    customer_external_id = models.CharField(max_length=64, blank=True)
    service_id = models.BigIntegerField(null=True)
    network = models.CharField(max_length=50, blank=True)
    tickets = models.PositiveIntegerField()
    repeats = models.PositiveIntegerField()
    open_tickets = models.PositiveIntegerField()
    remediate_p50_s = models.FloatField(null=True)
    addresses = models.BigIntegerField()
    services = models.PositiveIntegerField()
    per_1k_addresses = models.FloatField(null=True)
    per_service = models.FloatField(null=True)
    listings = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["entity", "rank"], name="leads_worst_rank_idx")]

    def __str__(self) -> str:
        return f"{self.entity} #{self.rank} {self.label}"


class LeadDigest(models.Model):
    """One lead's weekly digest: written once per lead and week (the unique constraint makes
    the weekly task idempotent), then sent by a task after the commit."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    week_start = models.DateField(help_text="Monday of the week the digest reports")
    to_address = models.CharField(max_length=320)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "week_start"], name="leaddigest_once_per_week")
        ]

    def __str__(self) -> str:
        return f"digest for {self.user_id}, week of {self.week_start}"
