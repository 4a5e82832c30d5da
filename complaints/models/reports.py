"""What was received: reporters, mailboxes, reports (raw bytes, immutable) and receipts.

A Report is one distinct thing received, identified by the SHA-256 of its bytes: the same
bytes twice are one report. Every arrival is a Receipt; a second receipt of known bytes is
the outcome "duplicate". A message fetched twice from one mailbox (same UIDVALIDITY and UID)
is one receipt (unique constraint), which is what makes IMAP refetches harmless.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class Reporter(models.Model):
    """Who sends complaints: an address or organisation, with a trust level.

    Trust weighs a reporter's complaints in compromise detection and decides whether an
    acknowledgement may be sent (never to an unknown, unauthenticated sender)."""

    class Trust(models.IntegerChoices):
        BLOCKED = 0, "Blocked (ignored)"
        UNKNOWN = 1, "Unknown"
        KNOWN = 2, "Known"
        TRUSTED = 3, "Trusted"

    class Kind(models.TextChoices):
        PERSON = "person", "Person or organisation"
        FEEDBACK_LOOP = "feedback_loop", "Feedback loop"
        FEED = "feed", "Automated feed"
        INTERNAL = "internal", "Internal (agent entered)"

    address = models.CharField(
        max_length=320, unique=True, help_text="Lower-case e-mail address or feed id"
    )
    name = models.CharField(max_length=200, blank=True)
    organisation = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.PERSON)
    trust = models.PositiveSmallIntegerField(choices=Trust.choices, default=Trust.UNKNOWN)
    acknowledge = models.BooleanField(default=True, help_text="Send acknowledgements when allowed")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["address"]

    def __str__(self) -> str:
        return self.organisation or self.name or self.address


class ReporterToken(models.Model):
    """A reporter's API token for ``POST /api/v1/reports/``; only the SHA-256 is stored."""

    reporter = models.ForeignKey(Reporter, on_delete=models.CASCADE, related_name="tokens")
    prefix = models.CharField(max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.reporter} ({self.prefix}…)"


class Mailbox(models.Model):
    """An abuse mailbox polled over IMAP. The password is stored encrypted (Fernet)."""

    class Security(models.TextChoices):
        TLS = "tls", "Implicit TLS (IMAPS)"
        STARTTLS = "starttls", "STARTTLS"
        PLAIN = "plain", "Plain (loopback and tests only)"

    name = models.CharField(max_length=100, unique=True)
    host = models.CharField(max_length=253)
    port = models.PositiveIntegerField(default=993)
    security = models.CharField(max_length=10, choices=Security.choices, default=Security.TLS)
    username = models.CharField(max_length=200)
    password_encrypted = models.BinaryField(editable=False)
    folder = models.CharField(max_length=200, default="INBOX")
    processed_folder = models.CharField(
        max_length=200,
        blank=True,
        help_text="Move filed messages here; blank: only flag them \\Seen",
    )
    enabled = models.BooleanField(default=True)
    batch_size = models.PositiveIntegerField(default=200)
    uidvalidity = models.BigIntegerField(null=True, blank=True)
    last_poll_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "mailboxes"

    def __str__(self) -> str:
        return self.name


class Report(models.Model):
    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        FILED = "filed", "Filed"
        QUARANTINED = "quarantined", "Quarantined"

    class Evidence(models.TextChoices):
        PENDING = "pending", "Not checked yet"
        COMPLETE = "complete", "Complete"
        INSUFFICIENT = "insufficient", "Insufficient"
        NOT_APPLICABLE = "n/a", "Not a complaint"

    sha256 = models.CharField(max_length=64, unique=True)
    size = models.PositiveIntegerField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.RECEIVED)
    quarantine_reason = models.CharField(max_length=64, blank=True)
    quarantine_detail = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0, help_text="Processing attempts started")
    claimed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the last attempt started"
    )
    claimed_by = models.CharField(
        max_length=64, blank=True, default="", help_text="Task that started the last attempt"
    )
    requeued_at = models.DateTimeField(
        null=True, blank=True, help_text="When the sweeper last queued its pending work again"
    )
    format = models.CharField(max_length=32, blank=True, help_text="Parser that read it")
    kind = models.CharField(max_length=32, blank=True, help_text="complaint, dmarc-aggregate, ...")
    reporter = models.ForeignKey(
        Reporter, on_delete=models.SET_NULL, null=True, blank=True, related_name="reports"
    )
    sender = models.CharField(max_length=320, blank=True, help_text="From address as received")
    sender_authenticated = models.BooleanField(default=False)
    subject = models.CharField(max_length=998, blank=True)
    summary = models.TextField(blank=True)
    evidence = models.TextField(blank=True, help_text="Bounded excerpt of the report's evidence")
    evidence_status = models.CharField(
        max_length=12, choices=Evidence.choices, default=Evidence.PENDING
    )
    evidence_reasons = models.JSONField(default=list, blank=True)
    not_our_network = models.BooleanField(default=False)
    event_count = models.PositiveIntegerField(default=0)
    data = models.JSONField(default=dict, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    reacted_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When its reactions (threading, acknowledgement, notices) ran",
    )
    react_claimed_at = models.DateTimeField(
        null=True, blank=True, help_text="When a reaction task last took it"
    )

    class Meta:
        ordering = ["-received_at"]
        indexes = [
            # The sweeper and the quarantine list read only the rows in those states.
            models.Index(
                fields=["received_at"], condition=Q(status="received"), name="report_received_idx"
            ),
            models.Index(
                fields=["-received_at"],
                condition=Q(status="quarantined"),
                name="report_quarantine_idx",
            ),
            models.Index(fields=["reporter", "-received_at"], name="report_reporter_idx"),
            # The sweeper reads the filed reports whose reactions have not run.
            models.Index(
                fields=["processed_at"],
                condition=Q(status="filed", reacted_at__isnull=True),
                name="report_unreacted_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Report {self.pk} ({self.format or self.status})"


class ReportRaw(models.Model):
    """The bytes exactly as received, kept apart so lists of reports stay light."""

    report = models.OneToOneField(
        Report, on_delete=models.CASCADE, primary_key=True, related_name="raw"
    )
    content = models.BinaryField()
    filename = models.CharField(max_length=255, blank=True)

    def __str__(self) -> str:
        return f"Raw bytes of report {self.report_id}"


class Receipt(models.Model):
    """One arrival of a report through a channel."""

    class Channel(models.TextChoices):
        IMAP = "imap", "IMAP mailbox"
        FILE = "file", "File (ingest command)"
        API = "api", "REST API"
        WEB = "web", "Web form"

    class Outcome(models.TextChoices):
        NEW = "new", "New report"
        DUPLICATE = "duplicate", "Duplicate of a known report"

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="receipts")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    mailbox = models.ForeignKey(
        Mailbox, on_delete=models.SET_NULL, null=True, blank=True, related_name="receipts"
    )
    uidvalidity = models.BigIntegerField(null=True, blank=True)
    uid = models.BigIntegerField(null=True, blank=True)
    path = models.CharField(max_length=1024, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reporter_token = models.ForeignKey(
        ReporterToken, on_delete=models.SET_NULL, null=True, blank=True
    )
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["received_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["mailbox", "uidvalidity", "uid"],
                condition=Q(mailbox__isnull=False),
                name="receipt_one_per_imap_message",
            )
        ]
        indexes = [models.Index(fields=["report"], name="receipt_report_idx")]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} receipt of report {self.report_id} ({self.outcome})"
