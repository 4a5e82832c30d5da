"""State changes for accounts: issuing and revoking API tokens, creating role users."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser, Group
from django.db import transaction
from django.utils import timezone

from accounts.models import ApiToken
from accounts.roles import ALL_ROLES

TOKEN_PREFIX = "tsd_"  # noqa: S105 - a visible prefix, not a secret


def token_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_token_issue(*, user: Any, name: str) -> tuple[ApiToken, str]:
    """Create a token; the clear key is returned once and never stored."""
    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, prefix=key[:10], key_hash=token_hash(key))
    return token, key


@transaction.atomic
def api_token_revoke(*, token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


@transaction.atomic
def user_with_roles_ensure(
    *, username: str, password: str, roles: list[str], email: str = "", staff: bool = False
) -> AbstractUser:
    """Create or update a user holding exactly ``roles`` (used by seed_demo and tests)."""
    unknown = set(roles) - set(ALL_ROLES)
    if unknown:
        raise ValueError(f"unknown roles: {sorted(unknown)}")
    user_model = get_user_model()
    user, _ = user_model.objects.get_or_create(username=username, defaults={"email": email})
    user.email = email or user.email
    user.is_staff = staff
    user.set_password(password)
    user.save()
    user.groups.set(Group.objects.filter(name__in=roles))
    return user
