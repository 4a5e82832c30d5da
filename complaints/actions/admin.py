"""Django admin for the configuration of actions and SLA (policy rules, SLA policies,
business hours) and a read-only, permission-filtered view of the audit trail.

Imported by ``complaints.admin`` (Django's admin autodiscovery imports only an app's ``admin`` module). Tickets, events and messages are deliberately not
registered: restricted cases must never show up in the admin; the workspace pages serve
them through the permission filter.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from accounts import roles
from accounts.admin_access import DeskAdminOnly, ReadOnlyForDeskAdmins
from complaints.models import AuditEntry, BusinessHours, PolicyRule, SlaPolicy
from complaints.permissions import tickets_visible_to


@admin.register(PolicyRule)
class PolicyRuleAdmin(DeskAdminOnly):
    list_display = ["name", "type", "condition", "threshold", "proposes", "automatic", "enabled"]
    list_filter = ["enabled", "automatic", "proposes", "condition"]
    search_fields = ["name", "type"]


@admin.register(SlaPolicy)
class SlaPolicyAdmin(DeskAdminOnly):
    list_display = ["kind", "type", "first_response_minutes", "resolution_minutes",
                    "business_hours", "enabled"]  # fmt: skip
    list_filter = ["kind", "enabled"]


@admin.register(BusinessHours)
class BusinessHoursAdmin(DeskAdminOnly):
    list_display = ["name", "time_zone", "opens_at", "closes_at"]


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyForDeskAdmins):
    list_display = ["created_at", "actor_name", "verb", "object_type", "object_id", "ticket_id"]
    list_filter = ["verb", "object_type"]
    search_fields = ["actor_name", "=object_id"]
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[AuditEntry]:
        # Entries about a ticket are shown only to those who may see that ticket; the legal
        # desk's entries ("legal.*", docs/architecture.md "Legal desk") to the legal role only.
        visible = tickets_visible_to(request.user).values("pk")
        entries = (
            super().get_queryset(request).filter(Q(ticket__isnull=True) | Q(ticket__in=visible))
        )
        if roles.LEGAL not in roles.roles_of(request.user):
            entries = entries.exclude(verb__startswith="legal.")
        return entries
