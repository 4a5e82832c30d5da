"""API tokens in the admin: an admin issues one for a user and sees the key once. Users: desk
admins look them up (roles, activity) read-only; changing them stays with superusers."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest

from accounts.admin_access import DeskAdminOnly, is_desk_admin
from accounts.models import ApiToken
from accounts.services import api_token_issue, api_token_revoke


@admin.register(ApiToken)
class ApiTokenAdmin(DeskAdminOnly):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    fields = ["user", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "created_at", "last_used_at", "revoked_at"]
    search_fields = ["name", "user__username", "prefix"]
    actions = ["revoke"]

    def get_readonly_fields(self, request: HttpRequest, obj: ApiToken | None = None) -> list[str]:
        return [*self.readonly_fields, "user", "name"] if obj else list(self.readonly_fields)

    def save_model(self, request: HttpRequest, obj: ApiToken, form: Any, change: bool) -> None:
        if change:
            return  # tokens are immutable: revoke and issue a new one
        token, key = api_token_issue(user=obj.user, name=obj.name)
        obj.pk = token.pk
        messages.warning(request, f"The new token is {key} — copy it now, it is not shown again.")

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request: HttpRequest, queryset: Any) -> None:
        for token in queryset:
            api_token_revoke(token=token)


class DeskUserAdmin(UserAdmin):  # type: ignore[type-arg]
    """Django's user admin, which desk admins may read: every page that names a user (the
    audit trail, API tokens, receipts) links here, and a link must open for whoever it is
    shown to. Adding, changing and deleting keep Django's own permissions (superusers)."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_desk_admin(request) or super().has_module_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_desk_admin(request) or super().has_view_permission(request, obj)

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or self.has_change_permission(request, obj):
            return fieldsets
        # Read-only: no password hash, and no link to a password form that would refuse.
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f != "password"]})
            for name, options in fieldsets
        ]


User = get_user_model()
if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, DeskUserAdmin)
