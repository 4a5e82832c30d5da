"""The desk's roles (docs/architecture.md "Who uses it") as Django groups, and the checks on them.

Roles are groups so an admin can grant several to one person. Every permission decision in
views, API and selectors goes through these helpers, so the rules live in one place.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied

AGENT = "agent"
LEAD = "lead"
LEGAL = "legal"
INVESTIGATIONS = "investigations"
BILLING = "billing"
ADMIN = "admin"

ALL_ROLES = (AGENT, LEAD, LEGAL, INVESTIGATIONS, BILLING, ADMIN)

# Who may look up customers and allocations (the registry of who holds what).
CUSTOMER_READERS = frozenset({AGENT, LEAD, LEGAL, INVESTIGATIONS, BILLING, ADMIN})
# Who may change allocations and networks.
ALLOCATION_WRITERS = frozenset({ADMIN})

AnyUser = AbstractBaseUser | AnonymousUser


def roles_of(user: AnyUser) -> frozenset[str]:
    """The user's role names, cached on the user object for the request."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, "_tsd_roles", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))  # type: ignore[attr-defined]
        user._tsd_roles = cached  # type: ignore[union-attr,attr-defined]
    return cached


def has_any_role(user: AnyUser, roles: frozenset[str] | set[str] | tuple[str, ...]) -> bool:
    return bool(roles_of(user) & set(roles))


def require_any_role(user: AnyUser, roles: frozenset[str] | set[str] | tuple[str, ...]) -> None:
    """``PermissionDenied`` (a 403) unless ``user`` holds one of ``roles``: the pages' role
    gate."""
    if not has_any_role(user, roles):
        raise PermissionDenied


def can_read_customers(user: AnyUser) -> bool:
    return has_any_role(user, CUSTOMER_READERS)


def can_write_allocations(user: AnyUser) -> bool:
    return has_any_role(user, ALLOCATION_WRITERS)
