"""The legal desk's records (docs/architecture.md "Legal desk"): legal requests from
authorities and data subjects, their scope and what the registry answered, the reminders
of their deadlines, the production packages, and the history of every transition.

Visible to the legal role only, through every path: the legal app's pages, API, admin and
downloads check the role on the server, and nothing else in the desk reads these tables.
What the rest of the desk learns is a customer's legal hold (``customers.CustomerLegalHold``,
placed by ``legal.services``), which says that there is one and never why.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q


class RequestType(models.TextChoices):
    SUBPOENA = "subpoena", "Subpoena"
    COURT_ORDER = "court_order", "Court order"
    SEARCH_WARRANT = "search_warrant", "Search warrant"
    PRESERVATION = "preservation", "Preservation request (18 U.S.C. 2703(f))"
    EMERGENCY = "emergency", "Emergency disclosure request"
    MLAT = "mlat", "MLAT / foreign request"
    CIVIL_SUBPOENA = "civil_subpoena", "Civil subpoena"
    EU_PRODUCTION = "eu_production", "EU production order (Reg. 2023/1543)"
    EU_PRESERVATION = "eu_preservation", "EU preservation order (Reg. 2023/1543)"
    DSA_ORDER = "dsa_order", "DSA Art. 9/10 order"
    GDPR_ACCESS = "gdpr_access", "Data subject request: access (GDPR Art. 15)"
    GDPR_RECTIFICATION = "gdpr_rectification", "Data subject request: rectification (Art. 16)"
    GDPR_ERASURE = "gdpr_erasure", "Data subject request: erasure (GDPR Art. 17)"
    GDPR_PORTABILITY = "gdpr_portability", "Data subject request: portability (GDPR Art. 20)"
    DSA_ART18 = "dsa_art18", "DSA Art. 18 report of a threat to life (outbound)"
    UNCLASSIFIED = "unclassified", "Not classified yet (legal mailbox)"


DATA_SUBJECT_TYPES = frozenset(
    {
        RequestType.GDPR_ACCESS,
        RequestType.GDPR_RECTIFICATION,
        RequestType.GDPR_ERASURE,
        RequestType.GDPR_PORTABILITY,
    }
)
PRESERVATION_TYPES = frozenset({RequestType.PRESERVATION, RequestType.EU_PRESERVATION})
OUTBOUND_TYPES = frozenset({RequestType.DSA_ART18})
# Types a request may be classified as at triage (everything but "not classified yet").
CLASSIFIED_TYPES = [
    (value, label) for value, label in RequestType.choices if value != "unclassified"
]


class State(models.TextChoices):
    RECEIVED = "received", "Received"
    TRIAGED = "triaged", "Triaged"
    VERIFIED = "verified", "Authenticity verified"
    LEGAL_REVIEW = "legal_review", "Legal review"
    NARROWED = "narrowed", "Narrowed"
    REJECTED = "rejected", "Rejected as deficient"
    APPROVED = "approved", "Approved"
    COLLECTING = "collecting", "Collecting"
    PRODUCED = "produced", "Produced"
    NO_RECORDS = "no_records", "No records"
    NOTICE_DELAYED = "notice_delayed", "Customer notice delayed (gag)"
    CUSTOMER_NOTIFIED = "customer_notified", "Customer notified"
    CLOSED = "closed", "Closed"


OPEN_STATES = frozenset(set(State) - {State.CLOSED})


class PreservationState(models.TextChoices):
    NONE = "", "—"
    ACTIVE = "active", "Active"
    EXTENDED = "extended", "Extended"
    CONVERTED = "converted", "Converted to a production request"
    LAPSED = "lapsed", "Lapsed"


class Outcome(models.TextChoices):
    NONE = "", "—"
    PRODUCED = "produced", "Produced"
    PARTIAL = "partial", "Partially produced"
    NO_RECORDS = "no_records", "No records"
    REJECTED = "rejected", "Rejected"


class DataCategory(models.TextChoices):
    SUBSCRIBER = "subscriber", "Subscriber data"
    TRANSACTIONAL = "transactional", "Transactional / traffic data"
    CONTENT = "content", "Content data"


class LegalRequest(models.Model):
    """One request from an authority or a data subject (or, for DSA Art. 18, one report we
    make). Its deadlines are computed by ``legal.deadlines`` from its type and receipt,
    never typed; its state changes only through ``legal.services``."""

    type = models.CharField(max_length=24, choices=RequestType.choices)
    state = models.CharField(max_length=20, choices=State.choices, default=State.RECEIVED)
    outcome = models.CharField(max_length=12, choices=Outcome.choices, blank=True, default="")
    channel = models.CharField(
        max_length=12,
        choices=[("form", "Web form"), ("api", "API"), ("mailbox", "Legal mailbox")],
        default="form",
    )
    # the requester
    authority = models.CharField(max_length=200, help_text="Requesting authority or person")
    jurisdiction = models.CharField(max_length=2, help_text="ISO 3166 country code")
    officer_name = models.CharField(max_length=200, blank=True)
    officer_email = models.EmailField(blank=True)
    officer_phone = models.CharField(max_length=40, blank=True, help_text="Callback contact")
    case_number = models.CharField(max_length=120, blank=True)
    legal_basis = models.CharField(max_length=300, blank=True)
    description = models.TextField(blank=True)
    data_categories = ArrayField(
        models.CharField(max_length=16, choices=DataCategory.choices), default=list, blank=True
    )
    # clocks (computed by legal.deadlines, in time_zone)
    time_zone = models.CharField(max_length=64, help_text="IANA zone the periods are counted in")
    received_at = models.DateTimeField()
    stated_due_at = models.DateTimeField(
        null=True, blank=True, help_text="The return date the document states, if any"
    )
    due_at = models.DateTimeField(null=True, blank=True)
    extended_due_at = models.DateTimeField(null=True, blank=True)
    extension_notice_sent_at = models.DateTimeField(null=True, blank=True)
    emergency = models.BooleanField(default=False)
    # non-disclosure (gag) and delayed customer notice
    nondisclosure_until = models.DateTimeField(null=True, blank=True)
    nondisclosure_indefinite = models.BooleanField(default=False)
    customer_notice_due_at = models.DateTimeField(null=True, blank=True)
    customer_notified_at = models.DateTimeField(null=True, blank=True)
    # preservation
    preservation_state = models.CharField(
        max_length=10, choices=PreservationState.choices, blank=True, default=""
    )
    preserve_until = models.DateTimeField(null=True, blank=True)
    preservation_extensions = models.PositiveSmallIntegerField(default=0)
    converted_to = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="converted_from"
    )
    # authenticity (the request) and identity (the data subject)
    verification_method = models.CharField(max_length=300, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    # emergency vetting (item 4)
    harm_description = models.TextField(blank=True)
    callback_number = models.CharField(max_length=40, blank=True)
    callback_source = models.CharField(
        max_length=300, blank=True, help_text="Where the number came from (never the request)"
    )
    callback_note = models.TextField(blank=True)
    callback_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    callback_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    second_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    second_approved_at = models.DateTimeField(null=True, blank=True)
    # data subject requests (item 7)
    subject_name = models.CharField(max_length=200, blank=True)
    subject_email = models.EmailField(blank=True)
    subject_customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    erasure_report = models.JSONField(default=dict, blank=True)
    # production (item 1)
    produced_what = models.TextField(blank=True)
    produced_sha256 = models.CharField(max_length=64, blank=True)
    production_channel = models.CharField(max_length=120, blank=True)
    production_recipient = models.CharField(max_length=300, blank=True)
    produced_at = models.DateTimeField(null=True, blank=True)
    # bookkeeping
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    source_sha256 = models.CharField(
        max_length=64, blank=True, help_text="SHA-256 of the document or mail it came in"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_at", "pk"]
        indexes = [
            models.Index(fields=["state", "due_at"], name="legalrequest_queue_idx"),
            models.Index(fields=["received_at"], name="legalrequest_received_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(second_approved_by__isnull=True)
                | ~Q(second_approved_by=F("approved_by")),
                name="legalrequest_four_eyes",
            ),
            models.UniqueConstraint(
                fields=["source_sha256"],
                condition=~Q(source_sha256=""),
                name="legalrequest_one_per_document",
            ),
        ]

    def __str__(self) -> str:
        return f"LR-{self.pk}"

    @property
    def reference(self) -> str:
        return f"LR-{self.pk}"

    @property
    def hold_reference(self) -> str:
        """What the customer hold rows carry: opaque to the rest of the desk."""
        return f"legal-request:{self.pk}"

    @property
    def is_data_subject(self) -> bool:
        return self.type in DATA_SUBJECT_TYPES

    @property
    def is_preservation(self) -> bool:
        return self.type in PRESERVATION_TYPES

    @property
    def current_due_at(self):  # type: ignore[no-untyped-def]
        return self.extended_due_at or self.due_at


class ScopeItem(models.Model):
    """One identifier the request names: an IP over a time range, a domain, a customer or a
    service. What the registry answered for it is in ``ScopeMatch``."""

    class Kind(models.TextChoices):
        IP = "ip", "IP address (and time range)"
        DOMAIN = "domain", "Domain"
        CUSTOMER = "customer", "Customer (external id)"
        SERVICE = "service", "Service (label)"

    request = models.ForeignKey(LegalRequest, on_delete=models.CASCADE, related_name="scope")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    value = models.CharField(max_length=253)
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True)
                | Q(starts_at__isnull=True)
                | Q(ends_at__gt=F("starts_at")),
                name="scopeitem_valid_range",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.value}"


class ScopeMatch(models.Model):
    """Who the registry says a scope item covers: a customer (and service) and the part of
    the item's time range they held it."""

    item = models.ForeignKey(ScopeItem, on_delete=models.CASCADE, related_name="matches")
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="+")
    service = models.ForeignKey(
        "customers.Service", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    holding = models.CharField(max_length=120, blank=True, help_text="Allocation or domain")
    held_from = models.DateTimeField(null=True, blank=True)
    held_to = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["item", "held_from"]

    def __str__(self) -> str:
        return f"{self.item} → customer {self.customer_id}"


class Reminder(models.Model):
    """A deadline's reminder, fired by beat (``legal.reminders_fire``) and shown on the legal
    queue until someone marks it done."""

    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", "Response due soon"
        EXTENSION_NOTICE = "extension_notice", "Send the GDPR extension notice (day 25)"
        PRESERVATION_ENDING = "preservation_ending", "Preservation ends soon: extend or convert"
        GAG_ENDING = "gag_ending", "Non-disclosure ends soon: renew or prepare the notice"
        NOTIFY_CUSTOMER = "notify_customer", "Notify the customer now: the gag has ended"

    request = models.ForeignKey(LegalRequest, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    due_at = models.DateTimeField()
    fired_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["due_at"]
        indexes = [
            models.Index(
                fields=["due_at"],
                name="legalreminder_unfired_idx",
                condition=Q(fired_at__isnull=True),
            )
        ]
        constraints = [
            models.UniqueConstraint(fields=["request", "kind"], name="legalreminder_one_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.kind} of {self.request_id} at {self.due_at:%Y-%m-%d %H:%M}"


class Package(models.Model):
    """A production package (or a data subject's export): a zip with a manifest and the
    SHA-256 of every file, built by a task (``legal.package_build``) and downloadable by the
    legal role only, every download audited."""

    class Kind(models.TextChoices):
        PRODUCTION = "production", "Production package"
        SUBJECT_EXPORT = "subject_export", "Data subject export"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        BUILDING = "building", "Building"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    request = models.ForeignKey(LegalRequest, on_delete=models.CASCADE, related_name="packages")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    content = models.BinaryField(null=True, blank=True, editable=False)
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveIntegerField(default=0)
    manifest = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    built_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} package {self.pk} of LR-{self.request_id}"


class RequestEvent(models.Model):
    """The request's history: every transition and recorded fact, who and why. (Each is
    also in the desk's audit trail, ``complaints.audit``.)"""

    request = models.ForeignKey(LegalRequest, on_delete=models.CASCADE, related_name="history")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True)
    verb = models.CharField(max_length=40)
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20, blank=True)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.verb} on LR-{self.request_id}"


class LegalMailbox(models.Model):
    """An IMAP mailbox (``complaints.Mailbox``: host, credentials, folders) whose purpose is
    legal: the legal desk polls it (``legal.intake``), each mail becomes a legal request,
    and none of it ever becomes a report, a ticket or an acknowledgement. Designated by
    ``legal.intake.legal_mailbox_designate``, which also takes it off the abuse poll."""

    mailbox = models.OneToOneField(
        "complaints.Mailbox", on_delete=models.CASCADE, related_name="legal_purpose"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"legal mailbox {self.mailbox_id}"


class LegalMail(models.Model):
    """One mail received by a legal mailbox: its bytes, committed before the IMAP server is
    told (as the intake's reports are), and the request it became."""

    mailbox = models.ForeignKey(
        "complaints.Mailbox", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uidvalidity = models.BigIntegerField(null=True, blank=True)
    uid = models.BigIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, unique=True)
    raw = models.BinaryField()
    size = models.PositiveIntegerField()
    truncated = models.BooleanField(default=False)
    sender = models.CharField(max_length=320, blank=True)
    sender_authenticated = models.BooleanField(default=False)
    subject = models.CharField(max_length=998, blank=True)
    request = models.OneToOneField(
        LegalRequest, on_delete=models.SET_NULL, null=True, blank=True, related_name="mail"
    )
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["mailbox", "uidvalidity", "uid"], name="legalmail_once_per_message"
            )
        ]

    def __str__(self) -> str:
        return f"legal mail {self.pk}"
