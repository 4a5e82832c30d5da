"""Who may see the legal desk: the legal role only, through every path (pages, API,
downloads, admin). Superusers and desk admins get no exception: the rule is the role.

Pages and API answer 404 to anyone else on a legal object (never a 403 that would confirm
it exists) and 403 on the desk's own lists and forms."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from accounts import roles
from accounts.roles import AnyUser


def is_legal(user: AnyUser) -> bool:
    return roles.LEGAL in roles.roles_of(user)


def require_legal(user: AnyUser) -> None:
    """403 unless ``user`` holds the legal role (lists, forms)."""
    if not is_legal(user):
        raise PermissionDenied


def require_legal_object(user: AnyUser) -> None:
    """404 unless ``user`` holds the legal role (a legal object's routes)."""
    if not is_legal(user):
        raise Http404
