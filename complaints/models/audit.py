"""The audit trail: who did or read what, when. Append-only by convention: services write
entries through ``complaints.audit.audit_record`` and nothing updates or deletes them."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AuditEntry(models.Model):
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True, help_text="Kept if the user goes")
    verb = models.CharField(max_length=40, help_text="action.requested, ticket.read, ...")
    object_type = models.CharField(max_length=40)
    object_id = models.CharField(max_length=64)
    ticket = models.ForeignKey(
        "complaints.Ticket", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "audit entries"
        indexes = [
            models.Index(fields=["ticket", "-created_at"], name="audit_ticket_idx"),
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.actor_name or 'system'} {self.verb} {self.object_type}:{self.object_id}"
