"""The legal desk in the Django admin: read-only, and for staff holding the legal role only
(superusers and desk admins get no exception; docs/architecture.md "Legal desk"). Writes
go through the legal desk's pages and services, never here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from legal.access import is_legal
from legal.intake import legal_mailbox_designate
from legal.models import LegalMailbox, LegalRequest, Package, Reminder, RequestEvent, ScopeItem


class LegalOnlyAdmin(admin.ModelAdmin):
    """Looked at by staff of the legal role; never added, changed or deleted here."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_staff and is_legal(request.user))

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(LegalRequest)
class LegalRequestAdmin(LegalOnlyAdmin):
    list_display = [
        "__str__",
        "type",
        "state",
        "authority",
        "jurisdiction",
        "received_at",
        "due_at",
    ]
    list_filter = ["type", "state", "jurisdiction"]
    search_fields = ["authority", "case_number"]
    show_full_result_count = False


@admin.register(ScopeItem)
class ScopeItemAdmin(LegalOnlyAdmin):
    list_display = ["request", "kind", "value", "starts_at", "ends_at"]


@admin.register(Package)
class PackageAdmin(LegalOnlyAdmin):
    list_display = ["pk", "request", "kind", "status", "sha256", "size", "built_at"]
    exclude = ["content"]  # downloaded through the legal desk only, where it is audited


@admin.register(RequestEvent)
class RequestEventAdmin(LegalOnlyAdmin):
    list_display = ["created_at", "request", "actor_name", "verb", "from_state", "to_state"]


@admin.register(Reminder)
class ReminderAdmin(LegalOnlyAdmin):
    list_display = ["request", "kind", "due_at", "fired_at", "done_at"]


@admin.register(LegalMailbox)
class LegalMailboxAdmin(LegalOnlyAdmin):
    """Legal staff give a mailbox (configured by the desk admins) the legal purpose; the
    service takes it off the abuse poll."""

    list_display = ["mailbox", "created_at"]
    fields = ["mailbox"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.has_module_permission(request)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        designated = legal_mailbox_designate(mailbox=obj.mailbox, actor=request.user)
        obj.pk = designated.pk
