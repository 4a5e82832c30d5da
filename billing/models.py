"""Billing's tables (docs/architecture.md "billing/").

- ``BillingSource``: where the ledger comes from (the WHMCS API or import files), with its
  secrets encrypted like mailbox passwords (``trustsafety.crypto``) and its sync state.
- The ledger mirror (``LedgerService``, ``LedgerInvoice``, ``LedgerInvoiceItem``,
  ``LedgerTransaction``, ``LedgerCredit``, ``LedgerCancellation``): read-only copies of what
  the source said at the last sync. Only ``billing.sync`` writes them; the desk keeps no ledger
  of its own. Rows carry the billing system's ids and the client id, and point at the
  registry's customer whose ``external_id`` is that client id (never matched by e-mail).
- ``SyncRun``: one sync's outcome.
- ``Inquiry``: a customer's payment question (channel, reason code, how the customer was
  matched), joined to its billing ticket.
- ``Adjustment``: a refund or credit request with its four-eyes state and the billing system's
  answer.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q


class BillingSource(models.Model):
    class Kind(models.TextChoices):
        IMPORT = "import", "CSV/JSON import"
        WHMCS = "whmcs", "WHMCS API"

    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    enabled = models.BooleanField(default=True)
    import_path = models.CharField(
        max_length=500, blank=True, help_text="Import: a directory of CSV/JSON files, or one file"
    )
    outbox_path = models.CharField(
        max_length=500,
        blank=True,
        help_text="Import: a JSON-lines file requests are appended to; blank = by hand",
    )
    # A CharField: the connector checks the URL (https, or http to loopback only).
    api_url = models.CharField(
        max_length=500, blank=True, help_text="WHMCS: https://billing.example/includes/api.php"
    )
    identifier = models.CharField(max_length=200, blank=True, help_text="WHMCS API identifier")
    secret_encrypted = models.BinaryField(editable=False, default=b"")
    access_key_encrypted = models.BinaryField(editable=False, default=b"")
    date_order = models.CharField(
        max_length=3,
        default="dmy",
        choices=[("dmy", "DD/MM/YYYY"), ("mdy", "MM/DD/YYYY"), ("ymd", "YYYY-MM-DD")],
        help_text="WHMCS: the date format of invoice lines' billed periods",
    )
    page_size = models.PositiveIntegerField(default=100)
    timeout_seconds = models.PositiveIntegerField(default=20)
    sync_minutes = models.PositiveIntegerField(
        default=60, help_text="Beat syncs the whole ledger this often"
    )
    last_sync_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    last_digest = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class _LedgerRow(models.Model):
    source = models.ForeignKey(BillingSource, on_delete=models.CASCADE, related_name="+")
    remote_id = models.CharField(max_length=64)
    client_id = models.CharField(max_length=64)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    synced_at = models.DateTimeField()

    class Meta:
        abstract = True


class LedgerService(_LedgerRow):
    product = models.CharField(max_length=200, blank=True)
    label = models.CharField(max_length=253, blank=True)
    service = models.ForeignKey(
        "customers.Service",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The registry's service of the same label",
    )
    cycle = models.CharField(max_length=16)
    recurring_amount = models.DecimalField(max_digits=12, decimal_places=2)
    first_payment_amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, blank=True)
    registered_on = models.DateField(null=True, blank=True)
    next_due_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=20)
    payment_method = models.CharField(max_length=64, blank=True)
    subscription_id = models.CharField(max_length=128, blank=True)

    class Meta:
        ordering = ["label", "remote_id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "remote_id"], name="ledger_service_once")
        ]
        indexes = [models.Index(fields=["customer", "label"], name="ledger_service_customer_idx")]

    def __str__(self) -> str:
        return f"{self.product} {self.label}".strip()


class LedgerInvoice(_LedgerRow):
    number = models.CharField(max_length=64, blank=True)
    issued_on = models.DateField()
    due_on = models.DateField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    subtotal = models.DecimalField(max_digits=12, decimal_places=2)
    tax = models.DecimalField(max_digits=12, decimal_places=2)
    credit = models.DecimalField(max_digits=12, decimal_places=2)
    total = models.DecimalField(max_digits=12, decimal_places=2)
    status = models.CharField(max_length=20)
    currency = models.CharField(max_length=3, blank=True)
    payment_method = models.CharField(max_length=64, blank=True)
    fingerprint = models.CharField(max_length=200, blank=True, editable=False)

    class Meta:
        ordering = ["-issued_on", "-remote_id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "remote_id"], name="ledger_invoice_once")
        ]
        indexes = [
            models.Index(fields=["customer", "-issued_on"], name="ledger_invoice_customer_idx"),
            models.Index(fields=["source", "number"], name="ledger_invoice_number_idx"),
        ]

    def __str__(self) -> str:
        return f"invoice {self.number or self.remote_id}"

    @property
    def label(self) -> str:
        return self.number or self.remote_id


class LedgerInvoiceItem(models.Model):
    invoice = models.ForeignKey(LedgerInvoice, on_delete=models.CASCADE, related_name="items")
    remote_id = models.CharField(max_length=64)
    kind = models.CharField(max_length=20, blank=True)
    service_remote_id = models.CharField(max_length=64, blank=True)
    description = models.CharField(max_length=500, blank=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    taxed = models.BooleanField(default=False)

    class Meta:
        ordering = ["invoice", "remote_id"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "remote_id"], name="ledger_item_once")
        ]

    def __str__(self) -> str:
        return self.description or self.remote_id


class LedgerTransaction(_LedgerRow):
    invoice_remote_id = models.CharField(max_length=64, blank=True)
    occurred_at = models.DateTimeField()
    gateway = models.CharField(max_length=64, blank=True)
    reference = models.CharField(max_length=128, blank=True)
    amount_in = models.DecimalField(max_digits=12, decimal_places=2)
    amount_out = models.DecimalField(max_digits=12, decimal_places=2)
    fees = models.DecimalField(max_digits=12, decimal_places=2)
    description = models.CharField(max_length=500, blank=True)
    currency = models.CharField(max_length=3, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-remote_id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "remote_id"], name="ledger_transaction_once")
        ]
        indexes = [
            models.Index(fields=["customer", "-occurred_at"], name="ledger_tx_customer_idx"),
        ]

    def __str__(self) -> str:
        return f"transaction {self.remote_id}"


class LedgerCredit(_LedgerRow):
    on = models.DateField()
    description = models.CharField(max_length=500, blank=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    invoice_remote_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-on", "-remote_id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "remote_id"], name="ledger_credit_once")
        ]
        indexes = [models.Index(fields=["customer", "-on"], name="ledger_credit_customer_idx")]

    def __str__(self) -> str:
        return f"credit {self.remote_id}"


class LedgerCancellation(models.Model):
    """A cancellation request the billing system knows of: imported with the ledger
    (``origin`` billing), or sent by the desk through the connector (``origin`` desk, kept
    by syncs that do not list cancellations)."""

    class Origin(models.TextChoices):
        BILLING = "billing", "Billing system"
        DESK = "desk", "Sent by the desk"

    source = models.ForeignKey(BillingSource, on_delete=models.CASCADE, related_name="+")
    service_remote_id = models.CharField(max_length=64)
    client_id = models.CharField(max_length=64)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField()
    type = models.CharField(max_length=16)
    reason = models.CharField(max_length=500, blank=True)
    origin = models.CharField(max_length=8, choices=Origin.choices)
    synced_at = models.DateTimeField()

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "service_remote_id", "requested_at"],
                name="ledger_cancellation_once",
            )
        ]

    def __str__(self) -> str:
        return f"cancellation of {self.service_remote_id} ({self.type})"


class SyncRun(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        OK = "ok", "Done"
        UNCHANGED = "unchanged", "Unchanged"
        FAILED = "failed", "Failed"
        BUSY = "busy", "Skipped: another sync was writing"

    source = models.ForeignKey(BillingSource, on_delete=models.CASCADE, related_name="runs")
    client_id = models.CharField(max_length=64, blank=True, help_text="Blank: the whole ledger")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    counts = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["source", "-started_at"], name="syncrun_source_idx")]

    def __str__(self) -> str:
        return f"sync of {self.source_id} {self.status}"


class InquiryReason(models.TextChoices):
    DUPLICATE_CHARGE = "duplicate_charge", "Duplicate charge"
    UNEXPECTED_RENEWAL = "unexpected_renewal", "Unexpected renewal"
    CHARGED_AFTER_CANCELLATION = "charged_after_cancellation", "Charged after cancellation"
    WRONG_AMOUNT = "wrong_amount", "Wrong amount"
    VAT = "vat", "VAT"
    UNRECOGNISED_CHARGE = "unrecognised_charge", "Unrecognised charge"
    REFUND_STATUS = "refund_status", "Refund status"
    CHARGEBACK = "chargeback", "Chargeback"
    CHARGED_WHILE_SUSPENDED = "charged_while_suspended", "Charged while suspended"
    OTHER = "other", "Other"


class Inquiry(models.Model):
    """One payment question as it arrived. Several may join one open ticket (the same
    customer asking again about the same thing)."""

    class Channel(models.TextChoices):
        MAIL = "mail", "Mail"
        WEB = "web", "Web form"
        API = "api", "API"
        AGENT = "agent", "Entered by staff"

    class Match(models.TextChoices):
        EXTERNAL_ID = "external_id", "Customer number"
        INVOICE = "invoice", "Invoice number"
        BOTH = "both", "Customer and invoice number"
        NONE = "", "Not matched"

    ticket = models.ForeignKey(
        "complaints.Ticket", on_delete=models.CASCADE, related_name="billing_inquiries"
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    channel = models.CharField(max_length=8, choices=Channel.choices)
    reason = models.CharField(max_length=32, choices=InquiryReason.choices)
    match = models.CharField(max_length=12, choices=Match.choices, blank=True)
    given_customer_number = models.CharField(max_length=64, blank=True)
    given_invoice_number = models.CharField(max_length=64, blank=True)
    sender_email = models.CharField(max_length=320, blank=True)
    sender_name = models.CharField(max_length=200, blank=True)
    sender_is_contact = models.BooleanField(
        default=False, help_text="The sender is a contact of the matched customer"
    )
    subject = models.CharField(max_length=300, blank=True)
    body = models.TextField(blank=True)
    message_id = models.CharField(max_length=250, null=True, blank=True, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "inquiries"
        indexes = [models.Index(fields=["ticket", "created_at"], name="inquiry_ticket_idx")]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} ({self.get_channel_display()})"


class Adjustment(models.Model):
    """A refund or credit the desk asks the billing system for. Above
    ``BILLING_FOUR_EYES_ABOVE`` a second person of the billing role approves it before it
    is sent; every step is in the audit trail."""

    class Kind(models.TextChoices):
        REFUND = "refund", "Refund"
        CREDIT = "credit", "Credit"

    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested (awaiting a second person)"
        APPROVED = "approved", "Approved (being sent)"
        DONE = "done", "Done in the billing system"
        BY_HAND = "by_hand", "To carry out by hand in the billing system"
        FAILED = "failed", "Failed"
        REJECTED = "rejected", "Rejected"

    kind = models.CharField(max_length=8, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REQUESTED)
    source = models.ForeignKey(BillingSource, on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="+")
    client_id = models.CharField(max_length=64)
    ticket = models.ForeignKey(
        "complaints.Ticket",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="billing_adjustments",
    )
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, blank=True)
    invoice_remote_id = models.CharField(max_length=64, blank=True)
    transaction_remote_id = models.CharField(max_length=64, blank=True)
    reason = models.TextField()
    finding = models.CharField(max_length=40, blank=True, help_text="The verifier's check")
    evidence = models.TextField(blank=True, help_text="The finding as the verifier stated it")
    needs_second_person = models.BooleanField(default=False)
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=500, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    remote_reference = models.CharField(max_length=200, blank=True)
    answer = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at"]
        indexes = [
            models.Index(fields=["customer", "-requested_at"], name="adjustment_customer_idx"),
            models.Index(
                fields=["requested_at"], condition=Q(status="requested"), name="adjustment_open_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="adjustment_positive"),
            # The second person is a second person.
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True)
                | Q(requested_by__isnull=True)
                | ~Q(decided_by=F("requested_by"))
                | Q(needs_second_person=False),
                name="adjustment_four_eyes",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} {self.currency} ({self.status})"


class InquiryMailbox(models.Model):
    """The billing mailbox (``billing@``), polled over IMAP; each mail becomes an inquiry
    (``billing.mail``). The password is stored encrypted (``trustsafety.crypto``)."""

    class Security(models.TextChoices):
        TLS = "tls", "Implicit TLS (IMAPS)"
        STARTTLS = "starttls", "STARTTLS"
        PLAIN = "plain", "Plain (loopback and tests only)"

    name = models.CharField(max_length=100, unique=True)
    host = models.CharField(max_length=253)
    port = models.PositiveIntegerField(default=993)
    security = models.CharField(max_length=10, choices=Security.choices, default=Security.TLS)
    username = models.CharField(max_length=200)
    password_encrypted = models.BinaryField(editable=False, default=b"")
    folder = models.CharField(max_length=200, default="INBOX")
    enabled = models.BooleanField(default=True)
    batch_size = models.PositiveIntegerField(default=100)
    last_poll_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "inquiry mailboxes"

    def __str__(self) -> str:
        return self.name
