"""Automated notices to a customer, throttled: past ``MEDIATION_NOTICE_BURST`` automated
messages within ``MEDIATION_NOTICE_WINDOW_MINUTES``, a notice is recorded instead of mailed
and goes out in the customer's next digest (one message for all held notices, sent by a
periodic task). Nothing goes to the customer of a restricted case, digest included
(``complaints.restriction``).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from complaints.mediation import outbound
from complaints.mediation.parties import MediationError, customer_party, redact_for_ticket_customer
from complaints.models import DigestEntry, Message, ResponseTemplate, Ticket
from complaints.restriction import ticket_contact_withheld


@transaction.atomic
def customer_notice_queue(
    ticket: Ticket,
    *,
    kind: str,
    subject: str,
    body: str,
    template: ResponseTemplate | None = None,
) -> Message:
    """Queue an automated message to the ticket's customer, unless the customer already
    received ``MEDIATION_NOTICE_BURST`` automated messages within the window: then it is
    recorded (not mailed) and goes out in the customer's next digest. Refused
    (``outbound.MailWithheld``) for a restricted case, digest included."""
    reason = ticket_contact_withheld(ticket)  # restricted, or its customer under a legal hold
    if reason:
        raise outbound.MailWithheld(reason)
    party = customer_party(ticket)
    if party is None or ticket.customer_id is None:
        raise MediationError("the ticket has no customer contact")
    window_start = timezone.now() - timedelta(minutes=settings.MEDIATION_NOTICE_WINDOW_MINUTES)
    recent = Message.objects.filter(
        ticket__customer_id=ticket.customer_id,
        direction=Message.Direction.OUTBOUND,
        visibility=Message.Visibility.CUSTOMER,
        author__isnull=True,
        status__in=[Message.Status.QUEUED, Message.Status.SENT],
        created_at__gte=window_start,
    ).count()
    body = redact_for_ticket_customer(ticket, body)
    if recent < settings.MEDIATION_NOTICE_BURST:
        return outbound.message_queue(
            kind=kind,
            visibility=Message.Visibility.CUSTOMER,
            to_address=party.email,
            subject=subject,
            body=body,
            ticket=ticket,
            party=party,
            template=template,
        )
    message = Message.objects.create(
        ticket=ticket,
        party=party,
        direction=Message.Direction.OUTBOUND,
        visibility=Message.Visibility.CUSTOMER,
        kind=kind,
        status=Message.Status.RECORDED,
        to_address=party.email,
        subject=subject[:998],
        body=body,
        template=template,
        error="held for the customer's digest",
    )
    DigestEntry.objects.create(customer_id=ticket.customer_id, ticket=ticket, message=message)
    return message


def customers_with_pending_digest() -> list[int]:
    return list(
        DigestEntry.objects.filter(digest__isnull=True)
        .order_by()
        .values_list("customer_id", flat=True)
        .distinct()
    )


@transaction.atomic
def customer_digest_send(customer_id: int) -> Message | None:
    """Mail the held notices of one customer as one digest (idempotent: entries are claimed
    under a row lock and linked to the digest message)."""
    entries = list(
        DigestEntry.objects.select_for_update(skip_locked=True)
        .filter(customer_id=customer_id, digest__isnull=True)
        .select_related("message", "ticket", "customer")
        .order_by("created_at")
    )
    # Escalated, or the customer put under a legal hold, since they were held: they leave
    # the digest unsent.
    reasons = {e.pk: ticket_contact_withheld(e.ticket) for e in entries}
    restricted = [e for e in entries if reasons[e.pk]]
    if restricted:
        DigestEntry.objects.filter(pk__in=[e.pk for e in restricted]).delete()
        for entry in restricted:
            Message.objects.filter(pk=entry.message_id).update(error=reasons[entry.pk])
        entries = [e for e in entries if e not in restricted]
    if not entries:
        return None
    customer = entries[0].customer
    first_ticket = entries[0].ticket
    party = customer_party(first_ticket)
    if party is None:
        return None
    parts = [
        f"Dear {customer.name},",
        "",
        f"to avoid flooding your mailbox, here are {len(entries)} notices about your "
        "services in one message. Please handle each of them; the reference of each case "
        "is its ticket number.",
    ]
    for entry in entries:
        parts += ["", "=" * 72, f"Ticket #{entry.ticket_id}: {entry.message.subject}", "=" * 72]
        parts.append(entry.message.body.strip())
    parts += ["", f"{settings.PROVIDER_NAME} Abuse Desk"]
    digest = outbound.message_queue(
        kind=Message.Kind.DIGEST,
        visibility=Message.Visibility.CUSTOMER,
        to_address=party.email,
        subject=f"{len(entries)} abuse notices for {customer.name}",
        body="\n".join(parts),
        ticket=first_ticket,
        party=party,
    )
    DigestEntry.objects.filter(pk__in=[e.pk for e in entries]).update(digest=digest)
    Message.objects.filter(pk__in=[e.message_id for e in entries]).update(
        error=f"sent in digest message {digest.pk}"
    )
    return digest
