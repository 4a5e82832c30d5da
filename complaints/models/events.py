"""Events: one abuse observation extracted from a report. The big table.

Sized for tens of millions of rows: a BRIN index on ``observed_at`` (rows arrive roughly in
time order), a b-tree on ``ip`` (PostgreSQL turns ``ip <<= '192.0.2.0/24'`` into a range
scan of it, and a b-tree costs less per insert than GiST), b-tree indexes for the ticket's
and the report's event lists, and a 16-byte ``fingerprint`` with a unique index, which is
how "an identical event twice adds nothing" holds under retries.

Every index is paid on each insert (a feed report brings 100,000 events), so there is none
that no query reads: a customer's history is read through their tickets, whose events come
by ``event_ticket_idx``.
"""

from __future__ import annotations

from django.contrib.postgres.indexes import BrinIndex
from django.db import models


class Event(models.Model):
    class Attribution(models.TextChoices):
        CUSTOMER = "customer", "Attributed to a customer"
        SHARED_HELD = "shared_held", "Shared address, held for triage"
        UNALLOCATED = "unallocated", "Our network, not allocated"
        NOT_OURS = "not_ours", "Not our network"
        NO_RESOURCE = "no_resource", "Domain not hosted here"

    id = models.BigAutoField(primary_key=True)
    # Foreign keys carry no index of their own (db_index=False): the composite indexes in
    # Meta cover the lookups, and every extra index is paid on each of millions of inserts.
    # Deleting a service, allocation or hosted domain (rare, admin-only) scans events.
    # No foreign key of an event is checked by the database. Events are written by the
    # intake alone, in the transaction that files their report and opens their tickets;
    # the product deletes no report, no ticket that has events and no customer (PROTECT);
    # the attribution (customer, service, allocation, hosted domain) is a snapshot of
    # filing time; Django still applies on_delete. Checking every key of every event at
    # commit cost a sixth of a 100,000-row feed's filing.
    report = models.ForeignKey(
        "complaints.Report",
        on_delete=models.CASCADE,
        related_name="events",
        db_index=False,
        db_constraint=False,
    )
    ticket = models.ForeignKey(
        "complaints.Ticket",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="events",
        db_index=False,
        db_constraint=False,
    )
    fingerprint = models.UUIDField(unique=True, help_text="Hash of source, resource, type and time")
    ip = models.GenericIPAddressField(null=True, blank=True)
    domain = models.CharField(max_length=253, blank=True)
    url = models.TextField(blank=True)
    port = models.PositiveIntegerField(null=True, blank=True)
    protocol = models.CharField(max_length=16, blank=True)
    identifier = models.CharField(max_length=200, blank=True)
    taxonomy = models.CharField(max_length=40)
    type = models.CharField(max_length=40)
    observed_at = models.DateTimeField()
    observed_time_known = models.BooleanField(default=True, help_text="False: time of receipt used")
    attribution = models.CharField(max_length=12, choices=Attribution.choices)
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    service = models.ForeignKey(
        "customers.Service",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    allocation = models.ForeignKey(
        "customers.IPAllocation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    hosted_domain = models.ForeignKey(
        "customers.Domain",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    evidence = models.TextField(blank=True)
    # The classification rule that typed the event, "<where>:<rule>" ("label:phishing-fraud",
    # "subject:brute-force", "sender:default"; see complaints/parsers/classify.py); "" when
    # the type is the format's own field (an ARF Feedback-Type, a Shadowserver report type).
    # The database default keeps writers that do not name the column (older code, benches).
    rule = models.CharField(max_length=80, blank=True, default="", db_default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            BrinIndex(fields=["observed_at"], name="event_observed_brin"),
            models.Index(fields=["ip"], name="event_ip_idx"),
            models.Index(fields=["ticket", "-observed_at"], name="event_ticket_idx"),
            models.Index(fields=["report"], name="event_report_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.resource} at {self.observed_at:%Y-%m-%d %H:%M}"

    @property
    def resource(self) -> str:
        return self.ip or self.domain or self.url
