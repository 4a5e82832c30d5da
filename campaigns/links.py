"""The signed link in every campaign mail: the customer's way to see their hosts, say
they have seen the notice, and say the hosts are fixed.

The same construction as the ticket self-service links (``complaints.mediation.selfservice``):
32 random bytes, of which only a keyed hash (HMAC with the secret key) is stored, with an
expiry. Each mail carries its own link. A link is refused, exactly like an unknown one,
when it expired or when its customer became a restricted case's customer since
(``campaigns.suppression``). A GET only shows; what the customer says is a POST,
rate-limited per link.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac

from campaigns.models import NoticeMail
from campaigns.suppression import customer_withheld

_SALT = "campaigns.notice.link"


class LinkRefused(Exception):
    """Unknown, expired or withheld: all look the same to the visitor."""


class RateLimited(Exception):
    pass


def token_hash(token: str) -> str:
    return salted_hmac(_SALT, token, algorithm="sha256").hexdigest()


def link_new() -> tuple[str, str, datetime]:
    """(token, its hash, its expiry) for a new mail. The expiry runs on the wall clock,
    whatever calendar the campaign plays (tests and the demo replay past days)."""
    token = secrets.token_urlsafe(32)
    expires = timezone.now() + timedelta(days=settings.SELFSERVICE_LINK_DAYS)
    return token, token_hash(token), expires


def link_url(token: str) -> str:
    return settings.SITE_URL + reverse("campaigns:public-notice", kwargs={"token": token})


def link_resolve(token: str) -> NoticeMail:
    if not token or len(token) > 100:
        raise LinkRefused
    mail = (
        NoticeMail.objects.select_related("notice__campaign", "notice__customer")
        .filter(link_hash=token_hash(token))
        .first()
    )
    if mail is None or mail.link_expires_at <= timezone.now():
        raise LinkRefused
    if customer_withheld(mail.notice.customer_id):
        raise LinkRefused
    return mail


def rate_check(mail: NoticeMail) -> None:
    key = f"campaign-link-posts:{mail.link_hash[:24]}:{int(timezone.now().timestamp() // 3600)}"
    cache.add(key, 0, timeout=3700)
    if cache.incr(key) > settings.SELFSERVICE_POSTS_PER_HOUR:
        raise RateLimited
