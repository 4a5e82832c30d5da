"""Mediation state that is not a message: self-service links, the knowledge base of
customer guidance, and notices held back for a customer's digest.

A self-service link is server-side state (only the SHA-256 of its token is stored) so an
agent can revoke it and it expires on its own; the token itself exists only in the mail
that carried it.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q


class SelfServiceLink(models.Model):
    """A customer's signed, expiring, revocable way into one ticket's self-service page."""

    ticket = models.ForeignKey(
        "complaints.Ticket", on_delete=models.CASCADE, related_name="selfservice_links"
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="selfservice_links"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8, help_text="First characters, to recognise a link")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["ticket", "-created_at"], name="selfservice_ticket_idx")]

    def __str__(self) -> str:
        return f"self-service link {self.prefix}… for #{self.ticket_id}"


class GuidanceArticle(models.Model):
    """Security guidance written for customers, suggested by classification type."""

    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=200)
    types = ArrayField(
        models.CharField(max_length=40),
        default=list,
        blank=True,
        help_text="RSIT classification types this article helps with",
    )
    summary = models.CharField(max_length=400, blank=True)
    body = models.TextField(help_text="Plain text, sent to customers as it is")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class DigestEntry(models.Model):
    """An automated notice held back because its customer already had many recently; the
    digest task mails them together in one message."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="digest_entries"
    )
    ticket = models.ForeignKey("complaints.Ticket", on_delete=models.CASCADE, related_name="+")
    message = models.OneToOneField(
        "complaints.Message", on_delete=models.CASCADE, related_name="digest_entry"
    )
    digest = models.ForeignKey(
        "complaints.Message",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="digest_items",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [
            models.Index(
                fields=["customer", "created_at"],
                condition=Q(digest__isnull=True),
                name="digest_pending_idx",
            )
        ]

    def __str__(self) -> str:
        return f"digest entry for #{self.ticket_id}"
