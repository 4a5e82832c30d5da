"""Signed links for customers: the cancellation page and the surveys (docs/architecture.md
"retention/").

They are made the way the self-service links are (``complaints.mediation.selfservice``):
32 random bytes, of which the desk keeps only the keyed hash (``selfservice.token_hash``),
so neither a database dump nor a guess yields a working link; expiry and revocation are
server-side state, and every refusal looks the same to the visitor. A GET only shows; every
change is a POST, rate-limited per link.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from complaints.mediation.selfservice import token_hash
from complaints.models import Ticket
from customers.models import Customer
from retention.models import CancelLink, SurveyInvitation


class LinkRefused(Exception):
    """Unknown, expired, revoked or used: all alike to the visitor."""


class RateLimited(Exception):
    """Too many submissions through one link."""


def new_token() -> tuple[str, str]:
    """A fresh token and its stored hash."""
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


def _url(name: str, token: str) -> str:
    return settings.SITE_URL + reverse(name, kwargs={"token": token})


def cancel_link_url(token: str) -> str:
    return _url("retention:cancel", token)


def survey_url(token: str) -> str:
    return _url("retention:survey", token)


@transaction.atomic
def cancel_link_issue(
    *,
    customer: Customer,
    created_by_id: int | None,
    channel: str = "selfservice",
    ticket: Ticket | None = None,
) -> tuple[CancelLink, str]:
    token, hashed = new_token()
    link = CancelLink.objects.create(
        customer=customer, token_hash=hashed, prefix=token[:8], channel=channel, ticket=ticket,
        created_by_id=created_by_id,
        expires_at=timezone.now() + timedelta(days=settings.CANCEL_LINK_DAYS),
    )  # fmt: skip
    return link, cancel_link_url(token)


def cancel_link_resolve(token: str) -> CancelLink:
    if not token or len(token) > 100:
        raise LinkRefused
    link = (
        CancelLink.objects.select_related("customer", "ticket")
        .filter(token_hash=token_hash(token))
        .first()
    )
    if link is None or link.revoked_at is not None or link.expires_at <= timezone.now():
        raise LinkRefused
    return link


def survey_resolve(token: str) -> SurveyInvitation:
    if not token or len(token) > 100:
        raise LinkRefused
    invitation = (
        SurveyInvitation.objects.select_related("customer", "ticket", "cancellation")
        .filter(token_hash=token_hash(token))
        .first()
    )
    if invitation is None or invitation.status == SurveyInvitation.Status.WITHHELD:
        raise LinkRefused
    if invitation.expires_at is not None and invitation.expires_at <= timezone.now():
        raise LinkRefused
    return invitation


def rate_check(key: str) -> None:
    """Count one submission through the link whose hash starts ``key``."""
    bucket = f"retention-posts:{key[:24]}:{int(timezone.now().timestamp() // 3600)}"
    cache.add(bucket, 0, timeout=3700)
    if cache.incr(bucket) > settings.SELFSERVICE_POSTS_PER_HOUR:
        raise RateLimited
