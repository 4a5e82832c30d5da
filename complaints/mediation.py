"""Mediation between reporter and customer: what agents say, what comes back, and the
automatic follow-ups (reminders, digests, the closing notice to the reporter).

Outbound mail is created through ``complaints.outbound.message_queue`` (queued in the
caller's transaction, sent after commit). Inbound mail threads onto a ticket only when it
proves where it belongs:

- the recipient address carries our signed reply token (``reply_token_parse``), or
- it comes from the address of a party of an open ticket *and* passed authentication at
  our border (``Report.sender_authenticated`` / ``complaints.mail_auth``).

Anything else that looks like a reply (a party's address without authentication, or an
``In-Reply-To`` of ours) is kept ``pending`` on the candidate ticket until an agent
confirms it; a ticket number in a subject is never looked at, since anyone can write one.

What the customer sees is redacted: other people's e-mail addresses (the reporter, the
spam's recipients) are replaced before the text is stored on the outbound message.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from email.utils import getaddresses

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet
from django.utils import timezone

from complaints import outbound
from complaints.classification import type_label
from complaints.models import (
    DigestEntry,
    Message,
    Party,
    Report,
    Reporter,
    ResponseTemplate,
    Ticket,
    TicketChange,
)
from complaints.models.tickets import OPEN_STATUSES
from complaints.redaction import redact_for_customer
from complaints.templating import response_template_render, template_for

logger = logging.getLogger(__name__)

AUDIENCES = ("customer", "reporter", "internal")
MAX_INBOUND_BODY = 200_000
AWAITING = {
    Party.Role.CUSTOMER.value: Ticket.Status.AWAITING_CUSTOMER.value,
    Party.Role.REPORTER.value: Ticket.Status.AWAITING_REPORTER.value,
}


class MediationError(ValueError):
    """The reply cannot be sent as asked (no such party, closed ticket...)."""


# --- parties ------------------------------------------------------------------------------


def customer_party(ticket: Ticket) -> Party | None:
    """The ticket's customer party, created from the customer's abuse contact if needed."""
    party = ticket.parties.filter(role=Party.Role.CUSTOMER).order_by("-created_at", "-pk").first()
    if party is not None or ticket.customer is None:
        return party
    email = ticket.customer.abuse_email or ticket.customer.billing_email
    if not email:
        return None
    party, _ = Party.objects.get_or_create(
        ticket=ticket,
        role=Party.Role.CUSTOMER,
        email=email.lower(),
        defaults={"name": ticket.customer.name[:200], "customer": ticket.customer},
    )
    return party


def reporters_reachable(ticket: Ticket) -> QuerySet[Reporter]:
    """Reporters of the ticket's reports we may write to: people with a mail address who
    are not blocked, and who are known or sent an authenticated report (never backscatter
    to a forged sender)."""
    reports = Report.objects.filter(events__ticket=ticket)
    authenticated = reports.filter(sender_authenticated=True).values("reporter_id")
    return (
        Reporter.objects.filter(pk__in=reports.values("reporter_id"))
        .filter(address__contains="@", acknowledge=True)
        .exclude(kind=Reporter.Kind.FEED)
        .exclude(trust=Reporter.Trust.BLOCKED)
        .filter(Q(trust__gte=Reporter.Trust.KNOWN) | Q(pk__in=authenticated))
        .distinct()
    )


def reporter_parties(ticket: Ticket) -> list[Party]:
    """The ticket's reporter parties, created for the reachable reporters."""
    for reporter in reporters_reachable(ticket):
        Party.objects.get_or_create(
            ticket=ticket,
            role=Party.Role.REPORTER,
            email=reporter.address.lower(),
            defaults={"name": (reporter.organisation or reporter.name)[:200], "reporter": reporter},
        )
    return list(ticket.parties.filter(role=Party.Role.REPORTER).order_by("created_at", "pk"))


def customer_known_addresses(ticket: Ticket) -> set[str]:
    """What the customer may see unredacted: its own contacts and hosted domains, and the
    desk's own addresses."""
    keep = {f"@{settings.DESK_MAIL_DOMAIN}".lower(), settings.DESK_FROM_ADDRESS.lower()}
    customer = ticket.customer
    if customer is None:
        return keep
    keep |= {a.lower() for a in (customer.abuse_email, customer.billing_email) if a}
    keep |= {f"@{name.lower()}" for name in customer.domains.values_list("name", flat=True)}
    return keep


def redact_for_ticket_customer(ticket: Ticket, text: str) -> str:
    return redact_for_customer(text, keep=customer_known_addresses(ticket))


# --- status -------------------------------------------------------------------------------


def _status_set(ticket: Ticket, status: str, *, actor_id: int | None, note: str) -> None:
    """Move an open ticket to ``status`` through the one status service (TicketChange row,
    SLA pauses and all)."""
    from complaints.ticket_services import ticket_status_change

    if ticket.status == status or not ticket.is_open:
        return
    ticket_status_change(ticket=ticket, status=status, actor_id=actor_id, note=note)


# --- replies ------------------------------------------------------------------------------


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


def reply_draft(
    ticket: Ticket,
    *,
    audience: str,
    body: str = "",
    subject: str = "",
    template: ResponseTemplate | None = None,
    self_service_url: str = "",
) -> Draft:
    """What ``ticket_reply`` would send, without sending it (the preview)."""
    if audience not in AUDIENCES:
        raise MediationError(f"unknown audience {audience!r}")
    if template is not None:
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
    party: Party | None = None,
    await_answer: bool = True,
) -> Message:
    """Write to the customer or the reporter, or add an internal note.

    A message to a party is queued for sending and, when ``await_answer``, moves the open
    ticket to awaiting-customer / awaiting-reporter. A customer message carries a fresh
    self-service link."""
    author_id = getattr(author, "pk", None)
    if audience == "internal":
        if not body.strip():
            raise MediationError("an empty note")
        return Message.objects.create(
            ticket=ticket,
            direction=Message.Direction.NOTE,
            visibility=Message.Visibility.INTERNAL,
            kind=Message.Kind.NOTE,
            status=Message.Status.RECORDED,
            subject=(subject or "Note")[:998],
            body=body[:MAX_INBOUND_BODY],
            author_id=author_id,
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
        from complaints.selfservice import link_issue

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
    if await_answer:
        _status_set(
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


# --- inbound ------------------------------------------------------------------------------


@dataclass
class _Inbound:
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


def _inbound_read(report_or_raw: Report | bytes) -> _Inbound:
    from complaints.mail_auth import document_sender
    from complaints.parsers import autoreply, mime
    from complaints.processing import limits

    report: Report | None
    if isinstance(report_or_raw, Report):
        report, raw = report_or_raw, bytes(report_or_raw.raw.content)
    else:
        report, raw = None, bytes(report_or_raw)
    doc = mime.load(raw, limits=limits())
    recipients = []
    for header in ("Delivered-To", "X-Original-To", "Envelope-To", "To", "Cc"):
        for value in doc.headers(header):
            recipients += [addr for _, addr in getaddresses([value]) if addr]
    references = []
    for header in ("In-Reply-To", "References"):
        for value in doc.headers(header):
            references += [f"<{part.strip('<> ')}>" for part in value.split() if "@" in part]
    bounce = autoreply._is_bounce(doc) if doc.message is not None else False
    auto = autoreply._is_auto_reply(doc) if doc.message is not None else False
    bounce_of = ""
    if bounce:
        bounce_of = outbound.msgid_clean(
            autoreply._bounce_details(doc).get("original_message_id", "")
        )
    if report is not None and report.processed_at is not None:
        sender, authenticated = report.sender, report.sender_authenticated
    else:
        sender, authenticated = document_sender(doc)
    return _Inbound(
        raw=raw,
        report=report,
        from_address=(doc.from_address or sender or "").lower()[:320],
        recipients=recipients,
        subject=doc.subject[:998],
        body=doc.body_text()[:MAX_INBOUND_BODY],
        message_id=outbound.msgid_clean(doc.header("Message-ID")),
        in_reply_to=references,
        authenticated=authenticated,
        bounce_of=bounce_of,
        is_bounce=bounce,
        is_auto_reply=auto,
    )


def message_receive_inbound(report_or_raw: Report | bytes) -> Message | None:
    """Thread one received mail onto its ticket, link a bounce to the notice it bounces,
    or keep a probable reply pending for an agent. None: not a reply to anything of ours."""
    mail = _inbound_read(report_or_raw)
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
            return _inbound_record(mail, ticket, role, threaded=not mail.is_auto_reply)
    if mail.is_auto_reply:
        return None  # an out-of-office to the plain desk address: nothing to thread
    party = (
        Party.objects.filter(email__iexact=mail.from_address, ticket__status__in=OPEN_STATUSES)
        .select_related("ticket")
        .order_by("-ticket__updated_at", "-pk")
        .first()
        if mail.from_address
        else None
    )
    if party is not None:
        return _inbound_record(mail, party.ticket, party.role, threaded=mail.authenticated)
    if mail.in_reply_to:
        ours = (
            Message.objects.filter(message_id__in=mail.in_reply_to, ticket__isnull=False)
            .exclude(direction=Message.Direction.INBOUND)
            .select_related("ticket", "party")
            .order_by("-created_at")
            .first()
        )
        if ours is not None and ours.ticket is not None:
            role = ours.party.role if ours.party else Party.Role.THIRD_PARTY
            return _inbound_record(mail, ours.ticket, role, threaded=False)
    return None


@transaction.atomic
def _inbound_record(mail: _Inbound, ticket: Ticket, role: str, *, threaded: bool) -> Message:
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
        _answer_arrived(ticket, role, message)
    return message


def _answer_arrived(ticket: Ticket, role: str, message: Message) -> None:
    """A party answered: a ticket waiting for that party goes back to the agents."""
    if ticket.status == AWAITING.get(role):
        _status_set(ticket, Ticket.Status.OPEN, actor_id=None, note=f"{role} answered")
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
        _answer_arrived(message.ticket, role, message)
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
def bounce_link(mail: _Inbound) -> Message | None:
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


def reports_thread_inbound(report_ids: list[int]) -> int:
    """Filed reports that are not complaints (replies, bounces, auto-replies): thread them.
    Called after filing; returns how many threaded or linked."""
    done = 0
    candidates = Report.objects.filter(pk__in=report_ids, status=Report.Status.FILED).filter(
        Q(event_count=0) | Q(format__in=["freetext", "autoreply"])
    )
    for report in candidates.select_related("raw"):
        try:
            if message_receive_inbound(report) is not None:
                done += 1
        except Exception:  # one bad mail must not stop the batch's other reactions
            logger.exception("threading report %s failed", report.pk)
    return done


# --- automated notices: throttle and digest ----------------------------------------------


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
    recorded (not mailed) and goes out in the customer's next digest."""
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


# --- reminders ----------------------------------------------------------------------------


def tickets_reminder_due() -> list[int]:
    """Tickets waiting for a party whose last message to that party is older than
    ``MEDIATION_REMINDER_AFTER_HOURS`` and that got fewer than ``MEDIATION_MAX_REMINDERS``."""
    cut = timezone.now() - timedelta(hours=settings.MEDIATION_REMINDER_AFTER_HOURS)
    due = []
    for status, visibility in (
        (Ticket.Status.AWAITING_CUSTOMER, Message.Visibility.CUSTOMER),
        (Ticket.Status.AWAITING_REPORTER, Message.Visibility.REPORTER),
    ):
        rows = (
            Ticket.objects.filter(status=status)
            .annotate(
                last_out=Max(
                    "messages__created_at",
                    filter=Q(
                        messages__direction=Message.Direction.OUTBOUND,
                        messages__visibility=visibility,
                    ),
                ),
                reminders=Count(
                    "messages",
                    filter=Q(
                        messages__kind=Message.Kind.REMINDER,
                        messages__visibility=visibility,
                    ),
                ),
            )
            .filter(last_out__lt=cut, reminders__lt=settings.MEDIATION_MAX_REMINDERS)
            .values_list("pk", flat=True)
        )
        due += list(rows)
    return due


@transaction.atomic
def ticket_remind(ticket_id: int) -> Message | None:
    """Send one reminder to the party a ticket waits for, if one is still due."""
    ticket = Ticket.objects.select_for_update().filter(pk=ticket_id).first()
    if ticket is None or ticket_id not in tickets_reminder_due_for(ticket):
        return None
    audience = "customer" if ticket.status == Ticket.Status.AWAITING_CUSTOMER else "reporter"
    template = template_for(purpose="reminder", audience=audience, type_=ticket.type)
    link_url = ""
    if audience == "customer":
        from complaints.selfservice import link_issue

        _, link_url = link_issue(ticket=ticket, created_by_id=None)
    if template is not None:
        rendered = response_template_render(
            template, template_context(ticket, audience=audience, self_service_url=link_url)
        )
        subject, body = rendered.subject, rendered.body
    else:
        subject = f"Reminder: [Ticket #{ticket.pk}] {ticket.subject}"
        body = (
            f"Hello,\n\nwe are still waiting for your answer about ticket #{ticket.pk} "
            f"({ticket.subject}).\nPlease reply to this message"
            + (f" or answer on:\n{link_url}\n" if link_url else ".\n")
            + f"\n{settings.PROVIDER_NAME} Abuse Desk\n"
        )
    if link_url and link_url not in body:
        body = body.rstrip() + f"\n\nAnswer or see the evidence on:\n{link_url}\n"
    if audience == "customer":
        return customer_notice_queue(
            ticket, kind=Message.Kind.REMINDER, subject=subject, body=body, template=template
        )
    parties = reporter_parties(ticket)
    if not parties:
        return None
    return outbound.message_queue(
        kind=Message.Kind.REMINDER,
        visibility=Message.Visibility.REPORTER,
        to_address=parties[-1].email,
        subject=subject,
        body=body,
        ticket=ticket,
        party=parties[-1],
        template=template,
    )


def tickets_reminder_due_for(ticket: Ticket) -> list[int]:
    return [pk for pk in tickets_reminder_due() if pk == ticket.pk]


# --- closing ------------------------------------------------------------------------------


def tickets_closed_unnotified() -> list[int]:
    """Resolved or closed tickets whose reporters were not told since they were closed."""
    told = Message.objects.filter(
        ticket_id=OuterRef("pk"),
        kind=Message.Kind.CLOSED,
        created_at__gte=OuterRef("resolved_at"),
    )
    return list(
        Ticket.objects.filter(
            status__in=[Ticket.Status.RESOLVED, Ticket.Status.CLOSED],
            resolved_at__isnull=False,
            resolved_at__gte=timezone.now() - timedelta(days=7),
        )
        .filter(~Exists(told))
        .values_list("pk", flat=True)[:5000]
    )


@transaction.atomic
def ticket_closed_notify(ticket_id: int) -> list[Message]:
    """Tell the ticket's reachable reporters that the case is closed (template purpose
    "closed"); once per closing."""
    ticket = Ticket.objects.select_for_update().filter(pk=ticket_id).first()
    if ticket is None or ticket.status not in (Ticket.Status.RESOLVED, Ticket.Status.CLOSED):
        return []
    since = ticket.resolved_at or ticket.updated_at
    if Message.objects.filter(ticket=ticket, kind=Message.Kind.CLOSED, created_at__gte=since):
        return []
    template = template_for(purpose="closed", audience="reporter", type_=ticket.type)
    if template is not None:
        rendered = response_template_render(template, template_context(ticket, audience="reporter"))
        subject, body = rendered.subject, rendered.body
    else:
        subject = f"Closed: [Ticket #{ticket.pk}] {ticket.subject}"
        body = (
            f"Hello,\n\nthank you for your report. The case #{ticket.pk} ({ticket.subject}) "
            "has been handled with our customer and is now closed.\nIf the abuse continues, "
            "please send a new report.\n\n"
            f"{settings.PROVIDER_NAME} Abuse Desk\n"
        )
    sent = []
    for party in reporter_parties(ticket):
        sent.append(
            outbound.message_queue(
                kind=Message.Kind.CLOSED,
                visibility=Message.Visibility.REPORTER,
                to_address=party.email,
                subject=subject,
                body=body,
                ticket=ticket,
                party=party,
                template=template,
            )
        )
    return sent


def ticket_closed_notify_later(ticket_id: int) -> None:
    """Queue the closing notice after the caller's commit (the beat sweep catches tickets
    closed elsewhere, e.g. by a bulk action)."""
    from complaints.tasks import ticket_closed_notify_task

    transaction.on_commit(lambda: ticket_closed_notify_task.delay(ticket_id), robust=True)
