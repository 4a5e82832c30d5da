"""What comes back: an answer to the desk's mail threaded onto its ticket, a bounce linked
to the message it bounces, a probable answer kept pending for an agent.

The intake reads the received mail (``complaints.intake.reply_detection.inbound_read``:
decoded under the parse limits, with the border's authentication verdict) and hands it here
as an ``InboundMail``. It threads onto a ticket only when it proves where it belongs:

- the recipient address carries our signed reply token (``reply_token_parse``), or
- it comes from the address of a party of an open ticket *and* passed authentication at
  our border (``Report.sender_authenticated`` / ``complaints.intake.mail_auth``).

Anything else that looks like a reply (a party's address without authentication, or an
``In-Reply-To`` of ours) is kept ``pending`` on the candidate ticket until an agent
confirms it; a ticket number in a subject is never looked at, since anyone can write one.
A party's answer moves a ticket waiting for that party back to the agents
(``answer_arrived``, also called by the self-service page).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Case, When

from complaints.mediation import outbound
from complaints.mediation.parties import AWAITING, MediationError, ticket_status_set
from complaints.models import Message, Party, Report, Ticket, TicketChange
from complaints.models.tickets import OPEN_STATUSES

MAX_INBOUND_BODY = 200_000
INBOUND_REPORT_KINDS = ("reply", "bounce", "auto-reply")


@dataclass
class InboundMail:
    """A received mail as the intake read it (``complaints.intake.reply_detection``)."""

    raw: bytes
    report: Report | None
    from_address: str
    recipients: list[str]
    subject: str
    body: str
    message_id: str
    in_reply_to: list[str]
    authenticated: bool
    bounce_of: str
    is_bounce: bool
    is_auto_reply: bool


def inbound_thread(mail: InboundMail) -> Message | None:
    """Thread one received mail onto its ticket, link a bounce to the notice it bounces,
    or keep a probable reply pending for an agent. None: not a reply to anything of ours."""
    if mail.message_id and Message.objects.filter(message_id=mail.message_id).exists():
        return Message.objects.get(message_id=mail.message_id)  # the same mail again
    if mail.is_bounce:
        return bounce_link(mail)
    for address in mail.recipients:
        parsed = outbound.reply_token_parse(address)
        if parsed is None:
            continue
        ticket_id, role = parsed
        ticket = Ticket.objects.filter(pk=ticket_id).first()
        if ticket is not None:
            # The token says which ticket; only the party's own address makes it that
            # party's answer (a token travels with every forward and quote of our mail).
            own = _is_party_address(ticket, role, mail.from_address)
            return _inbound_record(mail, ticket, role, threaded=own and not mail.is_auto_reply)
    if mail.is_auto_reply:
        return None  # an out-of-office to the plain desk address: nothing to thread
    ours = (
        Message.objects.filter(message_id__in=mail.in_reply_to, ticket__isnull=False)
        .exclude(direction=Message.Direction.INBOUND)
        .select_related("ticket", "party")
        .order_by("-created_at")
        .first()
        if mail.in_reply_to
        else None
    )
    party = (
        Party.objects.filter(email__iexact=mail.from_address, ticket__status__in=OPEN_STATUSES)
        # the ticket the mail answers first, then the party's latest open one
        .order_by(*([Case(When(ticket_id=ours.ticket_id, then=0), default=1)] if ours else []),
                  "-ticket__updated_at", "-pk")
        .select_related("ticket")
        .first()
        if mail.from_address
        else None
    )  # fmt: skip
    if party is not None:
        return _inbound_record(mail, party.ticket, party.role, threaded=mail.authenticated)
    if ours is not None and ours.ticket is not None:
        role = ours.party.role if ours.party else Party.Role.THIRD_PARTY
        return _inbound_record(mail, ours.ticket, role, threaded=False)
    return None


def _is_party_address(ticket: Ticket, role: str, address: str) -> bool:
    """Whether ``address`` is the address of a ``role`` party of ``ticket`` (the one our
    mail with that reply token went to)."""
    if not address:
        return False
    return Party.objects.filter(ticket=ticket, role=role, email__iexact=address).exists()


@transaction.atomic
def _inbound_record(mail: InboundMail, ticket: Ticket, role: str, *, threaded: bool) -> Message:
    party = (
        Party.objects.filter(ticket=ticket, role=role, email__iexact=mail.from_address).first()
        if mail.from_address
        else None
    )
    visibility = {
        Party.Role.CUSTOMER.value: Message.Visibility.CUSTOMER,
        Party.Role.REPORTER.value: Message.Visibility.REPORTER,
    }.get(role, Message.Visibility.INTERNAL)
    try:
        with transaction.atomic():
            message = Message.objects.create(
                ticket=ticket,
                report=mail.report,
                party=party,
                direction=Message.Direction.INBOUND,
                visibility=visibility if threaded else Message.Visibility.INTERNAL,
                kind=Message.Kind.INBOUND,
                status=Message.Status.RECEIVED if threaded else Message.Status.PENDING,
                from_address=mail.from_address,
                to_address=", ".join(mail.recipients)[:320],
                subject=mail.subject,
                body=mail.body,
                message_id=mail.message_id or None,
                in_reply_to=(mail.in_reply_to[0] if mail.in_reply_to else "")[:250],
            )
    except IntegrityError:  # the same Message-ID arrived concurrently
        return Message.objects.get(message_id=mail.message_id)
    if threaded:
        answer_arrived(ticket, role, message)
    return message


def answer_arrived(ticket: Ticket, role: str, message: Message) -> None:
    """A party answered: a ticket waiting for that party goes back to the agents."""
    if ticket.status == AWAITING.get(role):
        ticket_status_set(ticket, Ticket.Status.OPEN, actor_id=None, note=f"{role} answered")
    elif ticket.status in (Ticket.Status.RESOLVED, Ticket.Status.CLOSED):
        TicketChange.objects.create(
            ticket=ticket, field="message", new_value=str(message.pk),
            note=f"{role} wrote after the ticket was {ticket.status}",
        )  # fmt: skip


@transaction.atomic
def message_confirm(message: Message, *, actor: object) -> Message:
    """An agent confirms that a pending mail belongs to its ticket."""
    message = Message.objects.select_for_update().get(pk=message.pk)
    if message.status != Message.Status.PENDING or message.ticket is None:
        raise MediationError("the message is not waiting for confirmation")
    role = message.party.role if message.party else ""
    if not role:
        party = Party.objects.filter(
            ticket=message.ticket, email__iexact=message.from_address
        ).first()
        role = party.role if party else ""
        message.party = party
    message.status = Message.Status.RECEIVED
    message.visibility = {
        Party.Role.CUSTOMER.value: Message.Visibility.CUSTOMER,
        Party.Role.REPORTER.value: Message.Visibility.REPORTER,
    }.get(role, Message.Visibility.INTERNAL)
    message.save(update_fields=["status", "visibility", "party"])
    TicketChange.objects.create(
        ticket=message.ticket, actor_id=getattr(actor, "pk", None), field="message",
        new_value=str(message.pk), note="pending mail confirmed as part of the ticket",
    )  # fmt: skip
    if role:
        answer_arrived(message.ticket, role, message)
    return message


@transaction.atomic
def message_reject(message: Message, *, actor: object) -> None:
    """An agent says a pending mail does not belong to the ticket: it leaves the ticket."""
    message = Message.objects.select_for_update().get(pk=message.pk)
    if message.status != Message.Status.PENDING or message.ticket is None:
        raise MediationError("the message is not waiting for confirmation")
    ticket = message.ticket
    Message.objects.filter(pk=message.pk).update(ticket=None, status=Message.Status.RECORDED)
    TicketChange.objects.create(
        ticket=ticket, actor_id=getattr(actor, "pk", None), field="message",
        old_value=str(message.pk), note=f"pending mail from {message.from_address[:200]} rejected",
    )  # fmt: skip


@transaction.atomic
def bounce_link(mail: InboundMail) -> Message | None:
    """A bounce of one of our messages: the message becomes ``bounced`` and the bounce is
    recorded on its ticket's timeline."""
    if not mail.bounce_of:
        return None
    original = (
        Message.objects.select_for_update()
        .filter(message_id=mail.bounce_of, direction=Message.Direction.OUTBOUND)
        .first()
    )
    if original is None:
        return None
    Message.objects.filter(pk=original.pk).update(
        status=Message.Status.BOUNCED, error=f"bounced: {mail.subject}"[:2000]
    )
    return Message.objects.create(
        ticket=original.ticket,
        report=mail.report,
        party=original.party,
        direction=Message.Direction.INBOUND,
        visibility=Message.Visibility.INTERNAL,
        kind=Message.Kind.BOUNCE,
        status=Message.Status.RECEIVED,
        from_address=mail.from_address,
        subject=mail.subject,
        body=mail.body[:20000],
        message_id=mail.message_id or None,
        in_reply_to=original.message_id or "",
    )
