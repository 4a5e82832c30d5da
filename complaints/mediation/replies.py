"""What agents say: a reply to the customer or a reporter, or an internal note, written by
hand or from a stored template, previewed before it is sent.

Choosing a template fills the reply box with its text (``reply_template_fill``) for the
agent to edit; the message then goes as edited, recording the template it came from. The
self-service link of a customer message is made when it is sent: a filled box holds
``SELF_SERVICE_PLACEHOLDER`` where the link goes. Whether to wait for the answer is the
agent's choice, and sending may take the ticket (assign it to the author).

Outbound mail is created through ``complaints.mediation.outbound.message_queue`` (queued in
the caller's transaction, sent after commit). A message to the customer carries a fresh
self-service link (``complaints.mediation.selfservice``) and is redacted
(``complaints.mediation.parties``); a message that waits for an answer moves the open ticket
to awaiting-customer / awaiting-reporter through the one status service.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from complaints.classification import type_label
from complaints.mediation import outbound
from complaints.mediation.parties import (
    AWAITING,
    MediationError,
    customer_party,
    redact_for_ticket_customer,
    reporter_parties,
    ticket_status_set,
)
from complaints.mediation.selfservice import link_issue
from complaints.mediation.templating import response_template_render
from complaints.models import Message, Party, ResponseTemplate, Ticket
from complaints.restriction import ticket_is_restricted
from complaints.tickets.clocks import sla_first_response_record
from complaints.tickets.services import ticket_assign, ticket_note_add

AUDIENCES = ("customer", "reporter", "internal")
# Where a filled reply box puts the self-service link, made only when the message is sent.
SELF_SERVICE_PLACEHOLDER = "[self-service link]"


def template_context(ticket: Ticket, *, audience: str, self_service_url: str = "") -> dict:
    """The plain values a ResponseTemplate sees for ``ticket`` (see complaints.templating)."""
    resources = list(
        ticket.events.exclude(ip__isnull=True, domain="", url="")
        .values_list("ip", "domain", "url")
        .distinct()[:51]
    )
    names = []
    for ip, domain, url in resources:
        name = ip or domain or url
        if name and name not in names:
            names.append(name)
    evidence = (
        ticket.events.exclude(evidence="")
        .order_by("-observed_at")
        .values_list("evidence", flat=True)[:1]
    )
    excerpt = (evidence[0] if evidence else "")[:1500]
    if audience == "customer":
        excerpt = redact_for_ticket_customer(ticket, excerpt)
    deadline = timezone.now() + timedelta(hours=settings.MEDIATION_ANSWER_HOURS)
    return {
        "provider_name": settings.PROVIDER_NAME,
        "desk_address": settings.DESK_FROM_ADDRESS,
        "ticket_number": ticket.pk,
        "ticket_subject": ticket.subject,
        "type": ticket.type,
        "type_label": type_label(ticket.type) if ticket.type else "",
        "customer_name": ticket.customer.name if ticket.customer else "",
        "resources": names[:50],
        "resource_count": len(names),
        "more_resources": max(0, ticket.event_count and len(names) - 50),
        "evidence": excerpt,
        "first_seen": ticket.first_event_at,
        "last_seen": ticket.last_event_at,
        "event_count": ticket.event_count,
        "deadline": deadline,
        "self_service_url": self_service_url,
    }


@dataclass(frozen=True)
class Draft:
    subject: str
    body: str
    to_address: str
    self_service_url: str = ""


@dataclass(frozen=True)
class Fill:
    """The reply box after choosing a template: what the subject and body now hold."""

    subject: str
    body: str
    audience: str


def reply_template_fill(
    ticket: Ticket,
    *,
    template: ResponseTemplate | None,
    subject: str = "",
    body: str = "",
    filled_subject: str = "",
    filled_body: str = "",
) -> Fill:
    """The subject and body a reply box holds once ``template`` is chosen, for editing.

    ``filled_*`` are what the previous choice put there: text the agent has not changed
    since is replaced, text they wrote is kept, with the template's text below it. No
    template clears what the last one filled. The self-service link is left as
    ``SELF_SERVICE_PLACEHOLDER`` (there is none for a restricted case)."""
    own_subject = subject.strip() and subject != filled_subject
    own_body = body.strip() and body != filled_body
    if template is None:
        return Fill(subject if own_subject else "", body if own_body else "", "")
    audience = str(template.audience)
    link = SELF_SERVICE_PLACEHOLDER
    if audience != "customer" or ticket_is_restricted(ticket):
        link = ""
    rendered = response_template_render(
        template, template_context(ticket, audience=audience, self_service_url=link)
    )
    text = rendered.body
    if own_body:
        text = body.rstrip() + "\n\n" + rendered.body
    return Fill(subject if own_subject else rendered.subject, text, audience)


def reply_draft(
    ticket: Ticket,
    *,
    audience: str,
    body: str = "",
    subject: str = "",
    template: ResponseTemplate | None = None,
    template_filled: bool = False,
    self_service_url: str = "",
) -> Draft:
    """What ``ticket_reply`` would send, without sending it (the preview).

    ``template_filled``: the body already holds the template's text, as edited (the reply
    box was filled with it); otherwise the template is rendered below the body."""
    if audience not in AUDIENCES:
        raise MediationError(f"unknown audience {audience!r}")
    if template is not None and not template_filled:
        rendered = response_template_render(
            template,
            template_context(ticket, audience=audience, self_service_url=self_service_url),
        )
        subject = subject or rendered.subject
        body = (body.strip() + "\n\n" + rendered.body) if body.strip() else rendered.body
    subject = subject or f"[Ticket #{ticket.pk}] {ticket.subject}"
    if f"#{ticket.pk}" not in subject:
        subject = f"{subject} [Ticket #{ticket.pk}]"
    to_address = ""
    if SELF_SERVICE_PLACEHOLDER in body:
        link = self_service_url if audience == "customer" else ""
        body = body.replace(SELF_SERVICE_PLACEHOLDER, link)
    if audience == "customer":
        body = redact_for_ticket_customer(ticket, body)
        if self_service_url and self_service_url not in body:
            body = (
                body.rstrip()
                + "\n\nSee the evidence, answer, or tell us the problem is fixed:\n"
                + self_service_url
                + "\n"
            )
        party = customer_party(ticket)
        to_address = party.email if party else ""
    elif audience == "reporter":
        parties = reporter_parties(ticket)
        to_address = parties[-1].email if parties else ""
    return Draft(
        subject=subject, body=body, to_address=to_address, self_service_url=self_service_url
    )


@transaction.atomic
def ticket_reply(
    ticket: Ticket,
    *,
    author: object | None,
    audience: str,
    body: str,
    subject: str = "",
    template: ResponseTemplate | None = None,
    template_filled: bool = False,
    party: Party | None = None,
    await_answer: bool = True,
    take: bool = False,
) -> Message:
    """Write to the customer or the reporter, or add an internal note.

    A message to a party is queued for sending and, when ``await_answer``, moves the open
    ticket to awaiting-customer / awaiting-reporter. A customer message carries a fresh
    self-service link. ``take`` assigns the ticket to the author in the same transaction.
    ``template_filled`` as for ``reply_draft``."""
    author_id = getattr(author, "pk", None)
    if take and author_id is not None and ticket.assignee_id != author_id:
        ticket_assign(ticket=ticket, assignee_id=author_id, actor_id=author_id,
                      note="took the ticket when replying")  # fmt: skip
    if audience == "internal":
        if not body.strip():
            raise MediationError("an empty note")
        return ticket_note_add(
            ticket=ticket, subject=subject or "Note", body=body, author_id=author_id
        )
    if audience not in ("customer", "reporter"):
        raise MediationError(f"unknown audience {audience!r}")
    if not body.strip() and template is None:
        raise MediationError("an empty message")
    link_url = ""
    if audience == "customer":
        party = party or customer_party(ticket)
        if party is None:
            raise MediationError("the ticket has no customer contact")
        _, link_url = link_issue(ticket=ticket, created_by_id=author_id)
    else:
        parties = reporter_parties(ticket)
        party = party or (parties[-1] if parties else None)
        if party is None:
            raise MediationError("no reporter of this ticket may be written to")
    draft = reply_draft(
        ticket,
        audience=audience,
        body=body,
        subject=subject,
        template=template,
        template_filled=template_filled,
        self_service_url=link_url,
    )
    previous = (
        Message.objects.filter(ticket=ticket, party=party)
        .exclude(message_id=None)
        .order_by("-created_at")
        .values_list("message_id", flat=True)
        .first()
    )
    message = outbound.message_queue(
        kind=Message.Kind.REPLY,
        visibility=audience,
        to_address=party.email,
        subject=draft.subject,
        body=draft.body,
        ticket=ticket,
        party=party,
        template=template,
        in_reply_to=previous or "",
        author_id=author_id,
    )
    if author_id is not None:  # a person's answer: the first response target is met now
        sla_first_response_record(ticket_id=ticket.pk, at=message.created_at)
    if await_answer:
        ticket_status_set(
            ticket, AWAITING[party.role], actor_id=author_id, note=f"message {message.pk} sent"
        )
    return message


def ticket_reply_from_template(
    ticket: Ticket,
    *,
    author: object | None,
    template: ResponseTemplate,
    extra: str = "",
) -> Message:
    """Send a stored template to the audience it is written for."""
    return ticket_reply(
        ticket, author=author, audience=template.audience, body=extra, template=template
    )
