"""Reporters and their API tokens: who may file reports through ``POST /api/v1/reports/``.

A reporter token is a bearer key shown once; only its SHA-256 is stored, so a database leak
leaks no working token. Keys carry the visible prefix ``tsr_`` so the API can tell them from
agents' user tokens (``tsd_``) before looking either up. A request authenticated by such a
token is made by a ``ReporterPrincipal``, which holds no role.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from complaints.models import Reporter, ReporterToken

REPORTER_TOKEN_PREFIX = "tsr_"  # noqa: S105 - a visible prefix, not a secret


def reporter_token_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def reporter_ensure(*, address: str, name: str = "", organisation: str = "") -> Reporter:
    """The reporter of ``address`` (lower-cased), created when new; a new reporter that an
    operator registers is "known" (it may be acknowledged)."""
    reporter, _ = Reporter.objects.get_or_create(
        address=address.strip().lower()[:320],
        defaults={
            "name": name[:200],
            "organisation": organisation[:200],
            "trust": Reporter.Trust.KNOWN,
        },
    )
    return reporter


@transaction.atomic
def reporter_token_issue(reporter: Reporter) -> tuple[ReporterToken, str]:
    """Create a token for ``reporter``; the clear key is returned once and never stored."""
    key = REPORTER_TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ReporterToken.objects.create(
        reporter=reporter, prefix=key[:10], key_hash=reporter_token_hash(key)
    )
    return token, key


@transaction.atomic
def reporter_token_revoke(token: ReporterToken) -> None:
    ReporterToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


@dataclass
class ReporterPrincipal:
    """The authenticated reporter behind a request (stands in for ``request.user``)."""

    reporter: Reporter
    token: ReporterToken
    is_authenticated: bool = True
    is_active: bool = True
    is_staff: bool = False
    is_superuser: bool = False
    pk: None = None
    # accounts.roles caches role names here: a reporter holds none.
    _tsd_roles: frozenset[str] = field(default_factory=frozenset)

    def get_username(self) -> str:
        return f"reporter:{self.reporter.address}"

    def __str__(self) -> str:
        return self.get_username()
