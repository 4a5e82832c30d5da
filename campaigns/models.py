"""Campaigns, their notices and what the feed says about the notices' hosts
(docs/architecture.md "campaigns/").

A Campaign notifies the holders of one vulnerability or feed type: a Shadowserver report
type (``feed_family``), narrowed by the row's tag and severity, perhaps one CVE. Each
customer whose hosts the feed shows gets one CampaignNotice, in one of three groups: most
are notified, a reproducible random hold-out is not (so the effect can be measured), and
the suppressed (own infrastructure, protected customers, the suppression list) are neither.

What the feed said is kept as facts, from which the states are derived:

- ``FeedDay``: a day on which the feed delivered a report (the "daily reports" that
  verification counts);
- ``NoticeSighting``: a day on which one of a notice's hosts was in the feed;
- ``NoticeHost``: each host with its first and last sighting and its latest evidence row.

``ConsumedReport`` says which intake reports a campaign has read, so reading is idempotent
and a report filed late is still read. ``NoticeMail`` links each mail (a
``complaints.Message``: the outbound queue is the only way out) to its notice with its own
signed self-service link; ``NoticeChange`` is each notice's history.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from customers.fields import CidrField


def _new_seed() -> str:
    return secrets.token_hex(8)


class Campaign(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        RUNNING = "running", "Running"
        STOPPED = "stopped", "Stopped"

    class Severity(models.TextChoices):
        ANY = "", "Any severity"
        INFO = "info", "info and above"
        LOW = "low", "low and above"
        MEDIUM = "medium", "medium and above"
        HIGH = "high", "high and above"
        CRITICAL = "critical", "critical only"

    name = models.CharField(max_length=200)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.DRAFT)
    # What is observed: the intake's Shadowserver events of this report type.
    feed_family = models.CharField(
        max_length=80, help_text="Shadowserver report type, e.g. scan_rdp"
    )
    type = models.CharField(max_length=40, help_text="Classification type of the report type")
    tag_contains = models.CharField(
        max_length=80, blank=True, help_text="Only rows whose tag contains this (blank: all)"
    )
    min_severity = models.CharField(
        max_length=8, choices=Severity.choices, default=Severity.ANY, blank=True
    )
    cve = models.CharField(max_length=20, blank=True, help_text="CVE identifier, if one")
    # What is said.
    subject_template = models.CharField(max_length=300)
    body_template = models.TextField()
    fix_steps = models.TextField(help_text="Plain text, shown in every notice")
    guidance = models.ForeignKey(
        "complaints.GuidanceArticle",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # How it is measured.
    holdout_percent = models.PositiveSmallIntegerField(
        default=10, validators=[MinValueValidator(0), MaxValueValidator(50)]
    )
    holdout_seed = models.CharField(max_length=32, default=_new_seed, editable=False)
    verify_reports = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
        help_text="Consecutive daily reports without the host that verify a fix",
    )
    lookback_days = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(0), MaxValueValidator(30)],
        help_text="At launch, hosts seen in the feed this many days back are recipients",
    )
    hold_type_notices = models.BooleanField(
        default=True,
        help_text="While it runs, hold the desk's automatic first notices for this type, so "
        "the hold-out gets no notice at all",
    )
    notice_policy_was = models.BooleanField(
        null=True, blank=True, editable=False, help_text="The type's notice policy at launch"
    )
    # How it is sent and escalated.
    send_rate_per_hour = models.PositiveIntegerField(
        default=120, validators=[MinValueValidator(1), MaxValueValidator(100_000)]
    )
    renotify_days = models.PositiveSmallIntegerField(
        default=7, validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    max_mails = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text="The first notice and re-notices, per customer",
    )
    escalate_ticket_days = models.PositiveSmallIntegerField(
        default=14, help_text="Days after the first notice; 0: never open a ticket"
    )
    escalate_action_days = models.PositiveSmallIntegerField(
        default=28, help_text="Days after the first notice; 0: never propose an action"
    )
    escalation_rule = models.ForeignKey(
        "complaints.PolicyRule",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The policy rule whose action is proposed (always for an agent to approve)",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    launched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    launched_at = models.DateTimeField(null=True, blank=True)
    observe_from = models.DateTimeField(
        null=True, blank=True, help_text="Events observed before this are not read"
    )
    stopped_at = models.DateTimeField(null=True, blank=True)
    advanced_at = models.DateTimeField(null=True, blank=True, help_text="Last periodic run")

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status"], name="campaign_status_idx")]

    def __str__(self) -> str:
        return self.name


class CampaignNotice(models.Model):
    """One customer in one campaign: their hosts, their mails, their state."""

    class Group(models.TextChoices):
        NOTIFY = "notify", "Notified"
        HOLDOUT = "holdout", "Hold-out (not notified)"
        SUPPRESSED = "suppressed", "Suppressed"

    class State(models.TextChoices):
        WAITING = "waiting", "Waiting to be sent"
        QUEUED = "queued", "Queued"
        SENT = "sent", "Sent"
        BOUNCED = "bounced", "Bounced"
        DELIVERED = "delivered", "Delivered"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        FIXED = "fixed", "Verified fixed"
        RECURRED = "recurred", "Recurred"
        HELD_OUT = "held_out", "Held out"
        SUPPRESSED = "suppressed", "Suppressed"

    class FixedBy(models.TextChoices):
        FEED = "feed", "Absent from the feed"
        RECHECK = "recheck", "Re-check"

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="notices")
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="+")
    group = models.CharField(max_length=10, choices=Group.choices)
    suppressed_reason = models.CharField(max_length=200, blank=True)
    state = models.CharField(max_length=12, choices=State.choices)
    assigned_at = models.DateTimeField(help_text="When the customer became a recipient")
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    host_count = models.PositiveIntegerField(default=0)
    # Mail.
    mails = models.PositiveSmallIntegerField(default=0)
    queued_at = models.DateTimeField(null=True, blank=True)
    last_mail_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    bounced_at = models.DateTimeField(null=True, blank=True)
    bounce_reason = models.CharField(max_length=500, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledgement = models.TextField(blank=True)
    customer_says_fixed = models.BooleanField(default=False)
    # Remediation.
    first_fixed_at = models.DateTimeField(null=True, blank=True)
    fixed_at = models.DateTimeField(null=True, blank=True, help_text="Current fix, if fixed")
    fixed_by = models.CharField(max_length=8, choices=FixedBy.choices, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    recurred_at = models.DateTimeField(null=True, blank=True, help_text="First recurrence")
    recheck_fixed_at = models.DateTimeField(null=True, blank=True)
    # Escalation.
    ticket = models.ForeignKey(
        "complaints.Ticket", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    escalated_at = models.DateTimeField(null=True, blank=True)
    action = models.ForeignKey(
        "complaints.Action", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action_proposed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["campaign", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "customer"], name="notice_one_per_customer")
        ]
        indexes = [
            models.Index(fields=["campaign", "group", "state"], name="notice_campaign_state_idx"),
            models.Index(fields=["customer"], name="notice_customer_idx"),
        ]

    def __str__(self) -> str:
        return f"notice {self.pk} of campaign {self.campaign_id}"


class NoticeHost(models.Model):
    notice = models.ForeignKey(CampaignNotice, on_delete=models.CASCADE, related_name="hosts")
    ip = models.GenericIPAddressField()
    port = models.PositiveIntegerField(null=True, blank=True)
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    sightings = models.PositiveIntegerField(default=0)
    evidence = models.TextField(blank=True, help_text="The latest feed row about the host")

    class Meta:
        ordering = ["ip"]
        constraints = [
            models.UniqueConstraint(fields=["notice", "ip"], name="noticehost_once_per_notice")
        ]

    def __str__(self) -> str:
        return self.ip


class NoticeSighting(models.Model):
    """A day on which the feed showed at least one of the notice's hosts."""

    notice = models.ForeignKey(CampaignNotice, on_delete=models.CASCADE, related_name="sightings")
    day = models.DateField()
    hosts = models.PositiveIntegerField(default=0)
    last_observed_at = models.DateTimeField()

    class Meta:
        ordering = ["notice", "day"]
        constraints = [
            models.UniqueConstraint(fields=["notice", "day"], name="sighting_once_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.notice_id} seen {self.day}"


class FeedDay(models.Model):
    """A day on which the campaign's feed delivered a report."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="feed_days")
    day = models.DateField()
    reports = models.PositiveIntegerField(default=0)
    events = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["campaign", "day"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "day"], name="feedday_once_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} feed {self.day}"


class ConsumedReport(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    report = models.ForeignKey("complaints.Report", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    events = models.PositiveIntegerField(default=0)
    read_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["campaign", "report"], name="consumed_once")]

    def __str__(self) -> str:
        return f"{self.campaign_id} read report {self.report_id}"


class NoticeMail(models.Model):
    """One mail of a notice (the first or a re-notice) and the signed link it carries."""

    notice = models.ForeignKey(CampaignNotice, on_delete=models.CASCADE, related_name="mail_rows")
    message = models.OneToOneField("complaints.Message", on_delete=models.CASCADE, related_name="+")
    number = models.PositiveSmallIntegerField()
    link_hash = models.CharField(max_length=64, unique=True)
    link_prefix = models.CharField(max_length=8)
    link_expires_at = models.DateTimeField()
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["notice", "number"]
        constraints = [
            models.UniqueConstraint(fields=["notice", "number"], name="noticemail_number_once")
        ]
        indexes = [models.Index(fields=["created_at"], name="noticemail_created_idx")]

    def __str__(self) -> str:
        return f"mail {self.number} of notice {self.notice_id}"


class NoticeChange(models.Model):
    """A notice's history: each state change, re-check and escalation step."""

    notice = models.ForeignKey(CampaignNotice, on_delete=models.CASCADE, related_name="changes")
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    old_state = models.CharField(max_length=12, blank=True)
    new_state = models.CharField(max_length=12, blank=True)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["notice", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.notice_id}: {self.old_state} -> {self.new_state}"


class Suppression(models.Model):
    """Who never gets campaign mail: a network (our own infrastructure, a partner's range)
    or a customer, for every campaign or one."""

    network = CidrField(null=True, blank=True)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, null=True, blank=True, related_name="suppressions"
    )
    reason = models.CharField(max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(network__isnull=False) & Q(customer__isnull=True))
                | (Q(network__isnull=True) & Q(customer__isnull=False)),
                name="suppression_network_or_customer",
            )
        ]

    def __str__(self) -> str:
        return str(self.network or self.customer_id)
