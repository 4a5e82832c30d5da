"""The agent's own workspace settings: saved queue views.

A saved view is a named query string of the queue's filters (complaints/tickets/selectors.py parses
it), owned by one agent and shown only to them; the queue re-applies it through the same
selector and permission filter, so a saved view can never widen what its owner sees.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class SavedView(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views"
    )
    name = models.CharField(max_length=80)
    query = models.CharField(max_length=2000, blank=True, help_text="The queue's query string")
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["owner", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="saved_view_name_per_owner")
        ]

    def __str__(self) -> str:
        return self.name
