"""REST authentication of outside reporters by their hashed token (``Token tsr_...``).

A reporter is not a desk user: the request's user becomes a ``ReporterPrincipal``, which
holds no role, so every role check refuses it; the reports endpoints alone grant it posting
and reading the reports it submitted itself. Keys without the ``tsr_`` prefix are left to
the agents' ``HashedTokenAuthentication`` (listed after this class).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from complaints.models import Reporter, ReporterToken
from complaints.reporter_tokens import REPORTER_TOKEN_PREFIX, reporter_token_hash

_LAST_USED_RESOLUTION = timedelta(minutes=1)


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


class ReporterTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request: Request) -> tuple[ReporterPrincipal, ReporterToken] | None:
        header = authentication.get_authorization_header(request).split()
        if len(header) != 2 or header[0].lower() not in (b"token", b"bearer"):
            return None
        if not header[1].startswith(REPORTER_TOKEN_PREFIX.encode()):
            return None
        try:
            key = header[1].decode("ascii")
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed("Invalid token header.") from exc
        token = (
            ReporterToken.objects.select_related("reporter")
            .filter(key_hash=reporter_token_hash(key), revoked_at__isnull=True)
            .first()
        )
        if token is None or token.reporter.trust == Reporter.Trust.BLOCKED:
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > _LAST_USED_RESOLUTION:
            ReporterToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return ReporterPrincipal(reporter=token.reporter, token=token), token

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class ReporterTokenScheme(OpenApiAuthenticationExtension):
    """Documents reporter tokens in the OpenAPI schema."""

    target_class = "complaints.api.authentication.ReporterTokenAuthentication"
    name = "reporterToken"

    def get_security_definition(self, auto_schema: object) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token tsr_…`: an outside reporter's token (manage.py reporter_token); "
            "it may only submit reports and read its own.",
        }
