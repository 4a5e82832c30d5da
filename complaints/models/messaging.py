"""Messaging: parties of a ticket, the messages exchanged with them, and the stored
templates outbound mail is written from.

A Message is both the record of what was said and the outbound queue: an outbound message
is created ``queued`` inside the state change that causes it, and a task sends it over SMTP
after the commit (never inside a transaction); the row then records ``sent`` or ``failed``.
Every outbound message has a unique Message-ID, which is what replies thread by.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class Party(models.Model):
    """Someone a ticket's messages go to or come from."""

    class Role(models.TextChoices):
        REPORTER = "reporter", "Reporter"
        CUSTOMER = "customer", "Customer"
        THIRD_PARTY = "third_party", "Third party"

    ticket = models.ForeignKey(
        "complaints.Ticket", on_delete=models.CASCADE, related_name="parties"
    )
    role = models.CharField(max_length=12, choices=Role.choices)
    name = models.CharField(max_length=200, blank=True)
    email = models.EmailField(max_length=320)
    reporter = models.ForeignKey(
        "complaints.Reporter", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "role", "email"], name="party_once_per_ticket"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.name or self.email}"


class ResponseTemplate(models.Model):
    """A stored mail template. Subject and body use Django template syntax with the
    variables documented on the template page (customer, resources, evidence, deadline...);
    they are rendered with autoescape off into text/plain only, from a sandboxed context."""

    class Purpose(models.TextChoices):
        ACKNOWLEDGEMENT = "acknowledgement", "Acknowledgement to the reporter"
        NOTICE = "notice", "First notice to the customer"
        REPLY = "reply", "Reply"
        EVIDENCE_REQUEST = "evidence_request", "Request for evidence"
        REMINDER = "reminder", "Reminder"
        CLOSED = "closed", "Case closed (to the reporter)"

    class Audience(models.TextChoices):
        REPORTER = "reporter", "Reporter"
        CUSTOMER = "customer", "Customer"

    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=200)
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    audience = models.CharField(max_length=10, choices=Audience.choices)
    type = models.CharField(
        max_length=40, blank=True, help_text="RSIT classification type; blank = any"
    )
    subject = models.CharField(max_length=300)
    body = models.TextField()
    active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["purpose", "type", "name"]

    def __str__(self) -> str:
        return self.name


class Message(models.Model):
    class Direction(models.TextChoices):
        INBOUND = "in", "Inbound"
        OUTBOUND = "out", "Outbound"
        NOTE = "note", "Internal note"

    class Visibility(models.TextChoices):
        INTERNAL = "internal", "Internal note"
        CUSTOMER = "customer", "With the customer"
        REPORTER = "reporter", "With the reporter"

    class Kind(models.TextChoices):
        ACKNOWLEDGEMENT = "acknowledgement", "Acknowledgement"
        NOTICE = "notice", "Notice"
        REPLY = "reply", "Reply"
        NOTE = "note", "Note"
        REMINDER = "reminder", "Reminder"
        CLOSED = "closed", "Closing notice"
        EVIDENCE_REQUEST = "evidence_request", "Evidence request"
        INBOUND = "inbound", "Received message"
        BOUNCE = "bounce", "Bounce"
        DIGEST = "digest", "Digest"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        BOUNCED = "bounced", "Bounced"
        RECEIVED = "received", "Received"
        PENDING = "pending", "Waiting for an agent to confirm the thread"
        RECORDED = "recorded", "Recorded (not mailed)"

    ticket = models.ForeignKey(
        "complaints.Ticket",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="messages",
    )
    report = models.ForeignKey(
        "complaints.Report",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="messages",
    )
    party = models.ForeignKey(
        Party, on_delete=models.SET_NULL, null=True, blank=True, related_name="messages"
    )
    direction = models.CharField(max_length=4, choices=Direction.choices)
    visibility = models.CharField(max_length=10, choices=Visibility.choices)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices)
    from_address = models.CharField(max_length=320, blank=True)
    to_address = models.CharField(max_length=320, blank=True)
    subject = models.CharField(max_length=998, blank=True)
    body = models.TextField(blank=True)
    message_id = models.CharField(max_length=250, unique=True, null=True, blank=True)
    in_reply_to = models.CharField(max_length=250, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    template = models.ForeignKey(
        ResponseTemplate, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [
            models.Index(fields=["ticket", "created_at"], name="message_ticket_idx"),
            models.Index(
                fields=["created_at"], condition=Q(status="queued"), name="message_queued_idx"
            ),
        ]
        constraints = [
            # Promise: at most one acknowledgement per report, whatever retries happen.
            models.UniqueConstraint(
                fields=["report"],
                condition=Q(kind="acknowledgement"),
                name="message_one_ack_per_report",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.subject[:60]}"
