"""Retention's tables (docs/architecture.md "retention/").

- ``SaveOffer``: what a customer about to cancel may take instead (pause, downgrade,
  discount, migration help); offered, never in the way.
- ``Cancellation``: one service's cancellation: who asked and how (self-service, mail, API,
  staff), immediate or at the end of the period, the reason and comment, the offers shown
  and the one taken, the billing system's answer to ``AddCancelRequest``. ``kind`` keeps
  the customer's own cancellations (voluntary) apart from the desk's terminations for abuse
  (involuntary).
- ``CancelLink``: the signed, expiring link to a customer's cancellation page (only the
  keyed hash of its token is stored, as for the self-service links).
- ``SurveyInvitation`` / ``SurveyResponse``: the one-question satisfaction survey after a
  solved ticket (CSAT) and the exit survey with a cancellation, each answered through its
  own signed link.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q


class CancelReason(models.TextChoices):
    TOO_EXPENSIVE = "too_expensive", "Too expensive"
    MISSING_FEATURES = "missing_features", "Missing features"
    SWITCHED_PROVIDER = "switched_provider", "Switched provider"
    UNUSED = "unused", "Not used any more"
    SUPPORT = "support", "Support"
    PERFORMANCE = "performance", "Performance or outages"
    MIGRATION = "migration", "Migration"
    PROJECT_ENDED = "project_ended", "Project ended"
    SUSPENDED_FOR_ABUSE = "suspended_for_abuse", "Suspended for abuse"
    PAYMENT_FAILURE = "payment_failure", "Payment failure"
    OTHER = "other", "Other"


class SaveOffer(models.Model):
    class Kind(models.TextChoices):
        PAUSE = "pause", "Pause"
        DOWNGRADE = "downgrade", "Downgrade"
        DISCOUNT = "discount", "Discount"
        MIGRATION_HELP = "migration_help", "Migration help"

    code = models.SlugField(max_length=40, unique=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    title = models.CharField(max_length=120)
    description = models.CharField(max_length=400)
    reasons = ArrayField(
        models.CharField(max_length=24, choices=CancelReason.choices),
        default=list,
        blank=True,
        help_text="Offered for these reasons; empty: for every reason",
    )
    active = models.BooleanField(default=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.title


class CancelLink(models.Model):
    """A customer's way to the cancellation page. Issued by staff or in answer to a mail
    asking to cancel, always to the account's registered contact."""

    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    channel = models.CharField(max_length=12, default="selfservice")
    ticket = models.ForeignKey(
        "complaints.Ticket", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"cancellation link {self.prefix}… for {self.customer_id}"


class Cancellation(models.Model):
    class Type(models.TextChoices):
        IMMEDIATE = "immediate", "Immediately"
        END_OF_PERIOD = "end_of_period", "At the end of the billing period"

    class Channel(models.TextChoices):
        SELFSERVICE = "selfservice", "Self-service page"
        MAIL = "mail", "Mail"
        API = "api", "API"
        AGENT = "agent", "Staff"
        DESK = "desk", "The desk (termination)"

    class Kind(models.TextChoices):
        VOLUNTARY = "voluntary", "Voluntary"
        INVOLUNTARY = "involuntary", "Involuntary (terminated by us)"

    class Status(models.TextChoices):
        SENDING = "sending", "Being sent to billing"
        SENT = "sent", "Sent to billing"
        BY_HAND = "by_hand", "To enter by hand in the billing system"
        FAILED = "failed", "Failed"
        SAVED = "saved", "Not cancelled: took an offer"

    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="+")
    source = models.ForeignKey(
        "billing.BillingSource", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    service_remote_id = models.CharField(max_length=64, blank=True)
    service_label = models.CharField(max_length=300, blank=True)
    ticket = models.ForeignKey(
        "complaints.Ticket", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="cancellations",
    )  # fmt: skip
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.VOLUNTARY)
    channel = models.CharField(max_length=12, choices=Channel.choices)
    type = models.CharField(max_length=16, choices=Type.choices)
    reason = models.CharField(max_length=24, choices=CancelReason.choices)
    comment = models.TextField(blank=True)
    offers_shown = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    offer_taken = models.ForeignKey(
        SaveOffer, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SENDING)
    action = models.ForeignKey(
        "complaints.Action", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        help_text="The termination an involuntary cancellation records",
    )  # fmt: skip
    link = models.ForeignKey(
        CancelLink, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    remote_reference = models.CharField(max_length=200, blank=True)
    answer = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    confirmation = models.ForeignKey(
        "complaints.Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["created_at", "kind"], name="cancellation_created_idx"),
            models.Index(fields=["customer", "-created_at"], name="cancellation_customer_idx"),
        ]
        constraints = [
            # One live cancellation per service: a second request is the same request.
            models.UniqueConstraint(
                fields=["source", "service_remote_id"],
                condition=Q(status__in=["sending", "sent", "by_hand"]) & ~Q(service_remote_id=""),
                name="cancellation_one_live_per_service",
            ),
            # The desk records each termination once.
            models.UniqueConstraint(
                fields=["action", "service_remote_id"],
                condition=Q(action__isnull=False),
                name="cancellation_once_per_termination",
            ),
        ]

    def __str__(self) -> str:
        return f"cancellation of {self.service_label or self.service_remote_id} ({self.status})"


class SurveyInvitation(models.Model):
    class Kind(models.TextChoices):
        CSAT = "csat", "Satisfaction after a solved ticket"
        EXIT = "exit", "Exit survey"

    class Status(models.TextChoices):
        SENT = "sent", "Sent"
        OPEN = "open", "Open (shown on the page)"
        WITHHELD = "withheld", "Withheld"
        ANSWERED = "answered", "Answered"

    kind = models.CharField(max_length=6, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices)
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey(
        "complaints.Ticket", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    ticket_kind = models.CharField(max_length=16, blank=True)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        help_text="Who had the ticket when it was solved",
    )  # fmt: skip
    cancellation = models.ForeignKey(
        Cancellation, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    prefix = models.CharField(max_length=8, blank=True)
    withheld_reason = models.CharField(max_length=200, blank=True)
    message = models.ForeignKey(
        "complaints.Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One CSAT per solved ticket, however often the beat runs.
            models.UniqueConstraint(
                fields=["ticket"], condition=Q(kind="csat"), name="survey_one_csat_per_ticket"
            ),
            models.UniqueConstraint(
                fields=["cancellation"], condition=Q(kind="exit"), name="survey_one_exit"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.prefix}…"


class SurveyResponse(models.Model):
    invitation = models.OneToOneField(
        SurveyInvitation, on_delete=models.CASCADE, related_name="response"
    )
    rating = models.PositiveSmallIntegerField()
    comment = models.TextField(blank=True)
    followup_ticket = models.ForeignKey(
        "complaints.Ticket", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="rating_1_to_5")
        ]

    def __str__(self) -> str:
        return f"{self.rating}/5"
