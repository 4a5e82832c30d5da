"""Who may use the Django admin: desk admins only (the admin role, with staff status), so
the admin never becomes a way around the roles the desk's own pages enforce."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from accounts import roles


def is_desk_admin(request: HttpRequest) -> bool:
    user = request.user
    return bool(
        user.is_active
        and (user.is_superuser or (user.is_staff and roles.has_any_role(user, {roles.ADMIN})))
    )


class DeskAdminOnly(admin.ModelAdmin):
    """Visible and editable by desk admins only."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_desk_admin(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_desk_admin(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return is_desk_admin(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_desk_admin(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_desk_admin(request)


class ReadOnlyForDeskAdmins(DeskAdminOnly):
    """Records made by the system: looked at here, never edited or deleted."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
