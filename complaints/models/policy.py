"""Notice policy: which classification types get an automatic first notice to the customer.

Stored as data so the team changes its policy in the admin, not in code. A type with no row
gets no automatic notice: an agent decides (the safe default for types the desk does not
know yet, and for guesses such as ``undetermined``).
"""

from __future__ import annotations

from django.db import models


class NoticePolicy(models.Model):
    type = models.CharField(max_length=40, unique=True, help_text="RSIT classification type")
    notify = models.BooleanField(
        default=True, help_text="Send the first notice to the customer automatically"
    )
    template = models.ForeignKey(
        "complaints.ResponseTemplate",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Blank: the active notice template of the type, else the generic one",
    )
    note = models.CharField(max_length=500, blank=True, help_text="Why the policy is so")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["type"]
        verbose_name_plural = "notice policies"

    def __str__(self) -> str:
        return f"{self.type}: {'notify' if self.notify else 'agent decides'}"
