"""REST authentication of outside reporters by their hashed token (``Token tsr_...``).

A reporter is not a desk user: the request's user becomes a ``ReporterPrincipal``, which
holds no role, so every role check refuses it; the reports endpoints alone grant it posting
and reading the reports it submitted itself, and every other endpoint refuses its token with
a 403 (``ReporterTokenRefused``, first of the API's default authentication classes). Keys without the ``tsr_`` prefix are left to
the agents' ``HashedTokenAuthentication`` (listed after this class).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from complaints.intake.reporter_tokens import (
    REPORTER_TOKEN_PREFIX,
    ReporterPrincipal,
    reporter_token_hash,
)
from complaints.models import Reporter, ReporterToken

_LAST_USED_RESOLUTION = timedelta(minutes=1)


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


REPORTER_TOKEN_ONLY = "this token may only file reports"  # noqa: S105 - a message, not a secret


class ReporterTokenRefused(ReporterTokenAuthentication):
    """First of the API's default authentication classes: on every endpoint but the
    reports' (which authenticate reporters themselves), a valid reporter token is refused
    with a 403 that says why. Without it the agents' token class would look the key up
    among user tokens and answer "invalid or revoked", sending the reporter to check a key
    that is fine. An unknown or revoked reporter key is still a 401."""

    def authenticate(self, request: Request) -> tuple[ReporterPrincipal, ReporterToken] | None:
        if super().authenticate(request) is None:
            return None
        raise exceptions.PermissionDenied(REPORTER_TOKEN_ONLY)


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


class ReporterTokenRefusedScheme(OpenApiAuthenticationExtension):
    """``ReporterTokenRefused`` authenticates nobody: it adds no scheme to the schema."""

    target_class = "complaints.api.authentication.ReporterTokenRefused"
    name: list[str] = []

    def get_security_requirement(self, auto_schema: object) -> list[dict[str, list[Any]]]:
        return []

    def get_security_definition(self, auto_schema: object) -> list[dict[str, str]]:
        return []
