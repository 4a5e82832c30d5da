"""Customer self-service: the signed, expiring, revocable link in every notice, and what a
customer may do through it (see the evidence with other people's data redacted, answer,
or say the problem is fixed).

The token is 32 random bytes; the desk stores only its keyed hash (HMAC with the secret
key), so neither a database dump nor a guess yields a working link, and revocation and
expiry are server-side state. A restricted case (legal, investigations: see
``complaints.restriction``), and any ticket of a customer under a legal hold, has no
self-service: no link is issued for it, and a link issued before is refused when it is used — the same refusal as an unknown link, so the customer
cannot tell why. Mail scanners fetch every link in a mail: a GET only shows,
and every change is a POST, rate-limited per link in Redis.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac

from complaints.mediation.inbound import answer_arrived
from complaints.mediation.parties import customer_party, redact_for_ticket_customer
from complaints.models import Event, Message, SelfServiceLink, Ticket, TicketChange
from complaints.models.tickets import OPEN_STATUSES
from complaints.restriction import contact_withheld_q, ticket_contact_withheld

_SALT = "complaints.selfservice.link"
MAX_TEXT = 10_000


class LinkRefused(Exception):
    """Unknown, expired or revoked link (all look the same to the visitor)."""


class RateLimited(Exception):
    """Too many submissions through one link."""


def token_hash(token: str) -> str:
    return salted_hmac(_SALT, token, algorithm="sha256").hexdigest()


def link_url(token: str) -> str:
    return settings.SITE_URL + reverse("selfservice:page", kwargs={"token": token})


@transaction.atomic
def link_issue(
    *, ticket: Ticket, created_by_id: int | None, days: int | None = None
) -> tuple[SelfServiceLink | None, str]:
    """A new link for the ticket's customer; (None, "") when the ticket has no customer, is
    restricted or its customer is under a legal hold (the link would be refused anyway)."""
    if ticket.customer_id is None or _restricted(ticket.pk):
        return None, ""
    token = secrets.token_urlsafe(32)
    link = SelfServiceLink.objects.create(
        ticket=ticket,
        customer_id=ticket.customer_id,
        token_hash=token_hash(token),
        prefix=token[:8],
        created_by_id=created_by_id,
        expires_at=timezone.now() + timedelta(days=days or settings.SELFSERVICE_LINK_DAYS),
    )
    return link, link_url(token)


@transaction.atomic
def link_revoke(*, link: SelfServiceLink, actor_id: int | None) -> None:
    updated = SelfServiceLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by_id=actor_id
    )
    if updated:
        TicketChange.objects.create(
            ticket_id=link.ticket_id, actor_id=actor_id, field="selfservice_link",
            old_value=link.prefix, note="self-service link revoked",
        )  # fmt: skip


def link_resolve(token: str) -> SelfServiceLink:
    """The live link of ``token``; ``LinkRefused`` otherwise."""
    if not token or len(token) > 100:
        raise LinkRefused
    link = (
        SelfServiceLink.objects.select_related("ticket", "customer")
        .filter(token_hash=token_hash(token))
        .first()
    )
    if link is None or link.revoked_at is not None or link.expires_at <= timezone.now():
        raise LinkRefused
    if link.ticket.customer_id != link.customer_id:  # the ticket moved to another customer
        raise LinkRefused
    if ticket_contact_withheld(link.ticket):  # escalated, legal or held: at every use
        raise LinkRefused
    return link


def _restricted(ticket_id: int) -> bool:
    return Ticket.objects.filter(pk=ticket_id).filter(contact_withheld_q()).exists()


def rate_check(link: SelfServiceLink) -> None:
    """Count one submission through ``link``; ``RateLimited`` past the hourly budget."""
    key = f"selfservice-posts:{link.token_hash[:24]}:{int(timezone.now().timestamp() // 3600)}"
    cache.add(key, 0, timeout=3700)
    if cache.incr(key) > settings.SELFSERVICE_POSTS_PER_HOUR:
        raise RateLimited


# --- what the customer sees ----------------------------------------------------------------


@dataclass(frozen=True)
class EvidenceLine:
    observed_at: object
    type: str
    resource: str
    port: int | None
    evidence: str


def customer_evidence(link: SelfServiceLink, *, limit: int = 100) -> list[EvidenceLine]:
    """The ticket's events as the customer may see them: resources and times, evidence
    excerpts with the reporter's and third parties' addresses redacted."""
    ticket = link.ticket
    lines = []
    for event in Event.objects.filter(ticket=ticket).order_by("-observed_at")[:limit]:
        lines.append(
            EvidenceLine(
                observed_at=event.observed_at,
                type=event.type,
                resource=redact_for_ticket_customer(ticket, event.resource or ""),
                port=event.port,
                evidence=redact_for_ticket_customer(ticket, event.evidence[:2000]),
            )
        )
    return lines


def customer_conversation(link: SelfServiceLink) -> list[Message]:
    """Messages exchanged with the customer (never internal notes or reporter mail)."""
    return list(
        Message.objects.filter(
            ticket=link.ticket,
            visibility=Message.Visibility.CUSTOMER,
            status__in=[
                Message.Status.SENT,
                Message.Status.QUEUED,
                Message.Status.RECEIVED,
                Message.Status.RECORDED,
            ],
        ).order_by("created_at")
    )


# --- what the customer does ----------------------------------------------------------------


def _link_used(link: SelfServiceLink) -> None:
    SelfServiceLink.objects.filter(pk=link.pk).update(last_used_at=timezone.now())


@transaction.atomic
def selfservice_reply(*, link: SelfServiceLink, body: str) -> Message:
    """The customer's answer, recorded as received on the ticket."""
    body = body.strip()[:MAX_TEXT]
    if not body:
        raise ValueError("empty answer")
    ticket = Ticket.objects.select_for_update().get(pk=link.ticket_id)
    party = customer_party(ticket)
    message = Message.objects.create(
        ticket=ticket,
        party=party,
        direction=Message.Direction.INBOUND,
        visibility=Message.Visibility.CUSTOMER,
        kind=Message.Kind.INBOUND,
        status=Message.Status.RECEIVED,
        from_address=party.email if party else "",
        subject=f"Answer through the self-service page (link {link.prefix}…)",
        body=body,
    )
    _link_used(link)
    answer_arrived(ticket, "customer", message)
    return message


@transaction.atomic
def selfservice_mark_fixed(*, link: SelfServiceLink, what_was_done: str) -> Message:
    """The customer says the problem is fixed and what was done; the agents verify and
    resolve (a customer's word alone never closes a case)."""
    text = what_was_done.strip()[:MAX_TEXT]
    if len(text) < 10:
        raise ValueError("please describe what was done")
    message = selfservice_reply(
        link=link, body=f"The customer reports the problem FIXED.\n\n{text}"
    )
    Message.objects.filter(pk=message.pk).update(
        subject=f"Marked fixed through the self-service page (link {link.prefix}…)"
    )
    TicketChange.objects.create(
        ticket_id=link.ticket_id, field="customer_fixed", new_value="yes",
        note="the customer marked the problem fixed on the self-service page",
    )  # fmt: skip
    return message


def ticket_is_open(link: SelfServiceLink) -> bool:
    return link.ticket.status in OPEN_STATUSES
