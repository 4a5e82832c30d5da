"""Reputation watch: blocklist zones, listings found on them, delisting requests, stored
deliverability checks and compromise-detection rules (docs/architecture.md "Listing", "Domain check").

Imported at the bottom of ``customers.models`` so these are models of the ``customers`` app.
The DNS work itself lives in ``customers.dns`` (no ORM); the state changes in
``customers.reputation`` services. Models reference the registry and the tickets by string
so this module never imports ``customers.models`` (which imports it).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

__all__ = [
    "BlocklistZone",
    "CompromiseRule",
    "DelistingEvent",
    "DelistingRequest",
    "DomainCheck",
    "Listing",
    "ListingHistory",
    "ServiceCompromise",
]


class BlocklistZone(models.Model):
    """One DNS blocklist as configured here.

    ``name`` is what people see (``zen.spamhaus.org``); ``query_suffix`` is what is asked,
    which is configuration: public mirrors refuse a provider's volume and queries through
    public resolvers, so it is a Spamhaus DQS key-prefixed suffix
    (``KEY.zen.dq.spamhaus.net``) or the name a local rbldnsd mirror serves. A blank suffix
    means the zone is not configured and is never queried.
    """

    class Lists(models.TextChoices):
        IP = "ip", "IP addresses"
        DOMAIN = "domain", "Domain names"

    name = models.CharField(max_length=120, unique=True)
    query_suffix = models.CharField(
        max_length=253,
        blank=True,
        help_text="DNS suffix to query (DQS key suffix or local mirror); blank: not configured",
    )
    lists = models.CharField(max_length=8, choices=Lists.choices, default=Lists.IP)
    codes = models.JSONField(default=dict, blank=True, help_text="Return code → meaning")
    error_codes = models.JSONField(
        default=dict, blank=True, help_text="Return codes that mean 'refused', never a listing"
    )
    attack_codes = models.JSONField(
        default=list,
        blank=True,
        help_text="Codes that mean a compromised or infected host (e.g. XBL, CSS)",
    )
    test_listed = models.CharField(
        max_length=253, blank=True, help_text="Self-test point that must be listed; blank: RFC 5782"
    )
    test_unlisted = models.CharField(
        max_length=253,
        blank=True,
        help_text="Self-test point that must not be listed; blank: RFC 5782",
    )
    delisting_url = models.URLField(max_length=300, blank=True)
    delisting_instructions = models.TextField(blank=True)
    description = models.TextField(blank=True, help_text="What the list is, and its caveats")
    rate_per_second = models.PositiveIntegerField(
        null=True, blank=True, help_text="Query rate limit per sweep task; blank: unlimited"
    )
    enabled = models.BooleanField(default=False)
    nameserver = models.CharField(
        max_length=64, blank=True, help_text="HOST[:PORT] overriding DNSBL_NAMESERVER"
    )
    self_test_healthy = models.BooleanField(null=True, blank=True)
    self_test_reason = models.CharField(max_length=300, blank=True)
    self_test_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def configured(self) -> bool:
        return bool(self.query_suffix)


class Listing(models.Model):
    """A resource (IP address or domain) seen on one zone: one row per (resource, zone),
    whose state moves new → active → delisted (and back to new when listed again)."""

    class State(models.TextChoices):
        NEW = "new", "New"
        ACTIVE = "active", "Active"
        DELISTED = "delisted", "Delisted"

    resource = models.CharField(max_length=253, help_text="IP address or domain, canonical text")
    ip = models.GenericIPAddressField(null=True, blank=True)
    zone = models.ForeignKey(BlocklistZone, on_delete=models.PROTECT, related_name="listings")
    state = models.CharField(max_length=10, choices=State.choices, default=State.NEW)
    codes = models.JSONField(default=list, blank=True)
    meanings = models.JSONField(default=list, blank=True)
    txt = models.CharField(max_length=500, blank=True)
    first_seen = models.DateTimeField()
    last_seen = models.DateTimeField()
    listed_since = models.DateTimeField(help_text="Start of the current listing episode")
    delisted_at = models.DateTimeField(null=True, blank=True)
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="listings",
        help_text="Holder at the first sighting of this episode; empty: our unallocated space",
    )
    service = models.ForeignKey(
        "customers.Service", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    allocation = models.ForeignKey(
        "customers.IPAllocation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    hosted_domain = models.ForeignKey(
        "customers.Domain", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ticket = models.ForeignKey(
        "complaints.Ticket",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="listings",
    )

    class Meta:
        ordering = ["-last_seen"]
        constraints = [
            models.UniqueConstraint(fields=["resource", "zone"], name="listing_one_per_zone")
        ]
        indexes = [
            models.Index(fields=["state", "-first_seen"], name="listing_state_idx"),
            models.Index(fields=["customer", "state"], name="listing_customer_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.resource} on {self.zone_id} ({self.state})"

    @property
    def is_current(self) -> bool:
        return self.state != self.State.DELISTED


class ListingHistory(models.Model):
    """One state change of a listing (the listing's timeline)."""

    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="history")
    old_state = models.CharField(max_length=10, blank=True)
    new_state = models.CharField(max_length=10)
    codes = models.JSONField(default=list, blank=True)
    note = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "pk"]
        verbose_name_plural = "listing history"

    def __str__(self) -> str:
        return f"{self.listing_id}: {self.old_state or '-'} → {self.new_state}"


class DelistingRequest(models.Model):
    """An ask to a blocklist or a mailbox provider to stop blocking us, and how it went."""

    class Provider(models.TextChoices):
        SPAMHAUS = "spamhaus", "Spamhaus"
        GMAIL = "gmail", "Gmail / Postmaster Tools"
        OUTLOOK = "outlook", "Outlook.com (SNDS / JMRP)"
        YAHOO = "yahoo", "Yahoo / AOL"
        ICLOUD = "icloud", "Apple iCloud Mail"
        BARRACUDA = "barracuda", "Barracuda"
        SPAMCOP = "spamcop", "SpamCop"
        UCEPROTECT = "uceprotect", "UCEPROTECT"
        MAILSPIKE = "mailspike", "Mailspike"
        PSBL = "psbl", "PSBL"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        OPEN = "open", "Open (to be sent)"
        SUBMITTED = "submitted", "Submitted"
        GRANTED = "granted", "Granted"
        REFUSED = "refused", "Refused"
        CLOSED = "closed", "Closed"

    listing = models.ForeignKey(
        Listing,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="delisting_requests",
    )
    provider = models.CharField(max_length=16, choices=Provider.choices)
    resource = models.CharField(max_length=253, blank=True, help_text="IP, range or domain")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reference = models.CharField(max_length=200, blank=True, help_text="Provider's ticket number")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    outcome = models.TextField(blank=True)
    next_reminder_at = models.DateTimeField(null=True, blank=True)
    last_reminded_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-requested_at"]
        indexes = [
            models.Index(
                fields=["next_reminder_at"],
                condition=Q(status__in=["open", "submitted"]),
                name="delisting_pending_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_provider_display()} {self.resource} ({self.status})"

    @property
    def pending(self) -> bool:
        return self.status in (self.Status.OPEN, self.Status.SUBMITTED)


class DelistingEvent(models.Model):
    """The follow-ups of a delisting request: status changes, notes and reminders."""

    class Kind(models.TextChoices):
        CREATED = "created", "Created"
        STATUS = "status", "Status change"
        NOTE = "note", "Follow-up"
        REMINDER = "reminder", "Reminder"

    request = models.ForeignKey(DelistingRequest, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    old_status = models.CharField(max_length=10, blank=True)
    new_status = models.CharField(max_length=10, blank=True)
    text = models.TextField(blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.request_id} {self.kind}"


class DomainCheck(models.Model):
    """A stored run of the deliverability doctor (``customers.dns.doctor.check_domain``)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    class Severity(models.TextChoices):
        OK = "ok", "OK"
        INFO = "info", "Info"
        WARNING = "warning", "Warning"
        ERROR = "error", "Error"

    domain = models.CharField(max_length=253)
    ip = models.GenericIPAddressField(null=True, blank=True)
    selectors = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    findings = models.JSONField(default=list, blank=True)
    worst_severity = models.CharField(max_length=8, choices=Severity.choices, blank=True)
    error = models.TextField(blank=True)
    elapsed_s = models.FloatField(null=True, blank=True)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    checked_at = models.DateTimeField()
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ticket = models.ForeignKey(
        "complaints.Ticket",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="domain_checks",
    )
    sent_message = models.ForeignKey(
        "complaints.Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-checked_at"]
        indexes = [models.Index(fields=["domain", "-checked_at"], name="domaincheck_domain_idx")]

    def __str__(self) -> str:
        return f"{self.domain} ({self.worst_severity or self.status})"


class CompromiseRule(models.Model):
    """A rule that marks a service as likely compromised.

    * ``reporters``: spam events for one IP within ``window_minutes`` from distinct
      reporters, each counted by its trust weight (``params["trust_weights"]``, keyed by
      ``Reporter.Trust`` value); fires when the weighted sum reaches ``threshold``. A few
      made-up unknown reporters therefore cannot reach it where two trusted ones do.
    * ``fbl_surge``: feedback-loop (ARF/JMRP) events for one IP within the window reach
      ``threshold``.
    * ``listing``: a listing first seen within the window on a zone whose returned codes
      include one of the zone's attack codes (XBL/CSS-like): ``threshold`` is unused.
    """

    class Kind(models.TextChoices):
        REPORTERS = "reporters", "Distinct reporters in a window (trust-weighted)"
        FBL_SURGE = "fbl_surge", "Feedback-loop surge"
        LISTING = "listing", "New listing on a compromised-host zone"

    name = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    threshold = models.FloatField(default=3.0)
    window_minutes = models.PositiveIntegerField(default=60)
    weight = models.FloatField(default=1.0, help_text="Confidence this rule adds to a mark")
    params = models.JSONField(default=dict, blank=True)
    automatic = models.BooleanField(
        default=False, help_text="Take the suspension (within safety limits), not only propose"
    )
    enabled = models.BooleanField(default=True)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ServiceCompromise(models.Model):
    """A service marked likely compromised by a rule, with the evidence and what was
    proposed. One open mark per (service, rule): re-evaluating adds nothing."""

    class Proposal(models.TextChoices):
        NONE = "", "None"
        PROPOSED = "proposed", "Suspension proposed"
        ACTION_CREATED = "action_created", "Suspension action created"
        BLOCKED = "blocked", "Not proposed (protected customer or safety limit)"

    service = models.ForeignKey(
        "customers.Service", on_delete=models.CASCADE, related_name="compromises"
    )
    rule = models.ForeignKey(CompromiseRule, on_delete=models.PROTECT, related_name="marks")
    resource = models.CharField(max_length=253, blank=True)
    evidence = models.JSONField(default=dict, blank=True)
    score = models.FloatField(default=0.0)
    ticket = models.ForeignKey(
        "complaints.Ticket", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    proposal = models.CharField(max_length=16, choices=Proposal.choices, blank=True)
    proposal_note = models.CharField(max_length=300, blank=True)
    action_id = models.BigIntegerField(null=True, blank=True, help_text="complaints Action id")
    created_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["service", "rule"],
                condition=Q(resolved_at__isnull=True),
                name="compromise_one_open_per_rule",
            )
        ]

    def __str__(self) -> str:
        return f"{self.service_id} by {self.rule_id}"
