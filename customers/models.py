"""Who holds what: the provider's Networks, Customers, their Services, Domains and IP
allocations over time (docs/architecture.md "Concepts").

An allocation is the half-open holding ``[valid_from, valid_to)`` of a CIDR by a customer.
Allocations nest (a reseller's /22 holds an end customer's /28); resolution picks the most
specific one valid at a moment (``customers.resolution``). Two holdings of the *same* network
that overlap in time are refused by an exclusion constraint, so history can never be
ambiguous.
"""

from __future__ import annotations

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeOperators
from django.contrib.postgres.indexes import GistIndex, OpClass
from django.db import models
from django.db.models import F, Func, Q, Value

from customers.fields import CidrField


class Network(models.Model):
    """A prefix the provider announces. Resources outside every Network are not ours."""

    prefix = CidrField(unique=True)
    description = models.CharField(max_length=200, blank=True)
    asn = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["prefix"]
        indexes = [GistIndex(fields=["prefix"], opclasses=["inet_ops"], name="network_prefix_gist")]

    def __str__(self) -> str:
        return str(self.prefix)


class Customer(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        SUSPENDED = "suspended", "Suspended"
        TERMINATED = "terminated", "Terminated"

    external_id = models.CharField(max_length=64, unique=True, help_text="ID in the billing system")
    name = models.CharField(max_length=200)
    abuse_email = models.EmailField(blank=True)
    billing_email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    country = models.CharField(max_length=2, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ACTIVE)
    protected = models.BooleanField(
        default=False, help_text="Never act automatically against this customer"
    )
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        indexes = [
            GistIndex(fields=["name"], opclasses=["gist_trgm_ops"], name="customer_name_trgm"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.external_id})"


class Service(models.Model):
    class Kind(models.TextChoices):
        SHARED_HOSTING = "shared_hosting", "Shared hosting"
        VPS = "vps", "Virtual server"
        DEDICATED = "dedicated", "Dedicated server"
        COLOCATION = "colocation", "Colocation"
        MAIL = "mail", "Mail hosting"
        DOMAIN = "domain", "Domain registration"
        RESELLER = "reseller", "Reseller"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        SUSPENDED = "suspended", "Suspended"
        TERMINATED = "terminated", "Terminated"

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="services")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.OTHER)
    label = models.CharField(max_length=200, help_text="Hostname or product label")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["label"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "label"], name="service_label_per_customer")
        ]

    def __str__(self) -> str:
        return self.label


def _holding_range(start: str, end: str) -> Func:
    # tstzrange(valid_from, valid_to, '[)'): NULL valid_to is an open end ("still held").
    return Func(F(start), F(end), Value("[)"), function="tstzrange")


class Domain(models.Model):
    """A domain hosted for a customer over ``[valid_from, valid_to)``."""

    name = models.CharField(max_length=253)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="domains")
    service = models.ForeignKey(
        Service, on_delete=models.SET_NULL, null=True, blank=True, related_name="domains"
    )
    valid_from = models.DateTimeField()
    valid_to = models.DateTimeField(null=True, blank=True)
    validity = models.GeneratedField(
        expression=_holding_range("valid_from", "valid_to"),
        output_field=DateTimeRangeField(),
        db_persist=True,
    )

    class Meta:
        ordering = ["name", "valid_from"]
        indexes = [models.Index(fields=["name"], name="domain_name_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gt=F("valid_from")),
                name="domain_valid_range",
            ),
            ExclusionConstraint(
                name="domain_no_overlapping_holders",
                expressions=[("name", RangeOperators.EQUAL), ("validity", RangeOperators.OVERLAPS)],
            ),
        ]

    def __str__(self) -> str:
        return self.name


class IPAllocation(models.Model):
    """A CIDR held by a customer (optionally one service) over ``[valid_from, valid_to)``."""

    network = CidrField()
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="allocations")
    service = models.ForeignKey(
        Service, on_delete=models.SET_NULL, null=True, blank=True, related_name="allocations"
    )
    valid_from = models.DateTimeField()
    valid_to = models.DateTimeField(null=True, blank=True)
    validity = models.GeneratedField(
        expression=_holding_range("valid_from", "valid_to"),
        output_field=DateTimeRangeField(),
        db_persist=True,
    )
    shared = models.BooleanField(
        default=False,
        help_text="Shared hosting or relays: attribute events through the hosted domain",
    )
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["network", "valid_from"]
        indexes = [
            # Equality probes from resolution (one per candidate prefix length).
            models.Index(fields=["network", "valid_from"], name="allocation_network_idx"),
            GistIndex(fields=["network"], opclasses=["inet_ops"], name="allocation_network_gist"),
            # Lets resolution list the prefix lengths in use by a loose index scan.
            models.Index(
                Func(F("network"), function="family"),
                Func(F("network"), function="masklen"),
                name="allocation_family_len_idx",
            ),
            models.Index(fields=["customer", "valid_from"], name="allocation_customer_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gt=F("valid_from")),
                name="allocation_valid_range",
            ),
            ExclusionConstraint(
                name="allocation_no_overlapping_holders",
                expressions=[
                    (OpClass("network", name="inet_ops"), RangeOperators.EQUAL),
                    ("validity", RangeOperators.OVERLAPS),
                ],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.network} → {self.customer_id}"


class CustomerLegalHold(models.Model):
    """A legal hold on a customer, placed and lifted by the legal desk (docs/architecture.md
    "Legal desk"): the rest of the desk reads it through ``complaints.restriction`` and learns
    only that there is one — never the request, the authority or the reason.

    Both kinds withhold every automatic mail to the customer (and hand-written mail from
    anyone outside legal): a *gag* is a non-disclosure order, a *preservation* hold freezes
    what it covers (no deletion, anonymisation or retention purge) and, since a preservation
    request asks for secrecy too, no contact either. ``reference`` names the legal object
    that placed it ("legal-request:12"), opaque to everyone else.
    """

    class Kind(models.TextChoices):
        GAG = "gag", "Non-disclosure (do not contact)"
        PRESERVATION = "preservation", "Preservation (keep everything)"

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="legal_holds")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    reference = models.CharField(max_length=64)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(null=True, blank=True, help_text="Blank: until lifted")
    lifted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["customer", "kind", "starts_at"]
        indexes = [
            models.Index(
                fields=["customer"], name="legalhold_live_idx", condition=Q(lifted_at__isnull=True)
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["reference", "customer", "kind"], name="legalhold_once_per_reference"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=F("starts_at")),
                name="legalhold_valid_range",
            ),
        ]

    def __str__(self) -> str:
        return f"legal hold ({self.kind}) on customer {self.customer_id}"


from customers.reputation.models import *  # noqa: E402, F403 - the reputation watch models
