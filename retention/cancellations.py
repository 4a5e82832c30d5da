"""Cancellations (docs/architecture.md "retention/").

A customer cancels one service on the self-service page (a signed link), by asking in a mail
to the billing mailbox (answered with such a link, sent to the account's registered contact:
a mail proves nothing about who wrote it), through the API (an integration of the billing
role) or through billing staff. Whatever the channel, ``cancellation_request`` records it on
a cancellation ticket, mails the confirmation through the outbound queue, opens the exit
survey, and after the commit ``cancellation_send`` asks the billing system
(``AddCancelRequest`` through the connector), outside any transaction, under an advisory
lock. A save offer may be shown on the way and taken instead (``cancellation_save``), but
never stands between the customer and the cancellation: the page's default is to cancel.

Terminations for abuse (a ``terminate`` action done) are recorded as involuntary
cancellations (``involuntary_record``) and sent to billing too; they are counted apart from
the customer's own, get no confirmation mail and no exit survey.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from accounts.roles import AnyUser
from billing.connector.base import (
    ActionUnsupported,
    PermanentConnectorError,
    TemporaryConnectorError,
)
from billing.connector.records import CANCEL_END_OF_PERIOD, CANCEL_IMMEDIATE
from billing.connectors import connector_for
from billing.inquiries import customer_match, numbers_in
from billing.models import LedgerService
from billing.sync import ledger_cancellation_record
from complaints.audit import audit_record
from complaints.mediation.inbound import InboundMail
from complaints.mediation.outbound import InvalidAddress, MailWithheld, message_queue
from complaints.mediation.parties import contact_party
from complaints.models import Action, ActionKind, Message, Party, Ticket
from complaints.tickets.services import ticket_note_add, ticket_open_or_join, ticket_status_change
from customers.models import Customer
from retention.links import cancel_link_issue, new_token, survey_url
from retention.models import Cancellation, CancelLink, CancelReason, SaveOffer, SurveyInvitation
from retention.tasks import cancellation_send_task

logger = logging.getLogger(__name__)
LIVE_SERVICE_STATUSES = ("active", "suspended", "pending")
LIVE = (Cancellation.Status.SENDING, Cancellation.Status.SENT, Cancellation.Status.BY_HAND)
# What a mail asking to cancel says; plain substring tests on the lower-cased text.
CANCEL_WORDS = (
    "cancel my", "cancel the", "cancel our", "cancellation of", "terminate my",
    "close my account", "end my contract", "end my subscription", "kündigen", "kündigung",
    "résilier", "opzeggen",
)  # fmt: skip
TERMINATION_LOOKBACK = timedelta(days=30)
MAX_COMMENT = 5000


class CancellationError(ValueError):
    """The request cannot be taken as asked; the message says why."""


@dataclass(frozen=True)
class Requested:
    cancellation: Cancellation
    survey_token: str  # the exit survey's link token ("" when none was opened)


def services_cancellable(customer: Customer) -> list[LedgerService]:
    """The customer's services the billing system still bills, without a live cancellation."""
    live = set(
        Cancellation.objects.filter(customer=customer, status__in=LIVE).values_list(
            "service_remote_id", flat=True
        )
    )
    return [
        s
        for s in LedgerService.objects.filter(customer=customer, status__in=LIVE_SERVICE_STATUSES)
        .select_related("source")
        .order_by("label", "remote_id")
        if s.remote_id not in live
    ]


def offers_for(reason: str = "") -> list[SaveOffer]:
    offers = SaveOffer.objects.filter(active=True)
    return [o for o in offers if not reason or not o.reasons or reason in o.reasons]


def effective_on(type_: str, service: LedgerService) -> date:
    """When the cancellation takes effect: today, or the service's next due date (the end
    of the period already paid for), as the billing system reckons it."""
    today = timezone.localdate()
    if (
        type_ == Cancellation.Type.END_OF_PERIOD
        and service.next_due_on
        and service.next_due_on > today
    ):
        return service.next_due_on
    return today


def _ticket_for(customer: Customer, service: LedgerService, given: Ticket | None) -> Ticket:
    if given is not None:
        return given
    ticket, _ = ticket_open_or_join(
        key=f"cancellation:{customer.external_id}:{service.source_id}:{service.remote_id}",
        kind=Ticket.Kind.CANCELLATION,
        subject=f"Cancellation: {service.product} {service.label} ({customer.name})",
        customer_id=customer.pk,
    )
    return ticket


def customer_contact_party(ticket: Ticket, customer: Customer) -> Party | None:
    """The registered contact, billing first: never the address a request came from."""
    return contact_party(ticket, customer, customer.billing_email or customer.abuse_email)


def _mail_customer(
    *, ticket: Ticket, customer: Customer, subject: str, body: str, author_id: int | None
) -> Message | None:
    """Mail the registered contact through the outbound queue; a refusal (a legal hold, a
    restricted case, no valid address) is noted on the ticket, never raised."""
    party = customer_contact_party(ticket, customer)
    if party is None:
        ticket_note_add(
            ticket=ticket, subject="No mail sent", body="The account has no contact address."
        )
        return None
    try:
        with transaction.atomic():
            return message_queue(
                kind=Message.Kind.NOTICE, visibility=Message.Visibility.CUSTOMER,
                to_address=party.email, subject=subject, body=body, ticket=ticket, party=party,
                author_id=author_id,
            )  # fmt: skip
    except (MailWithheld, InvalidAddress) as exc:
        ticket_note_add(ticket=ticket, subject="Mail withheld", body=f"{subject}: {exc}")
        return None


def _exit_survey(cancellation: Cancellation) -> str:
    token, hashed = new_token()
    SurveyInvitation.objects.create(
        kind=SurveyInvitation.Kind.EXIT, status=SurveyInvitation.Status.OPEN,
        customer=cancellation.customer, ticket=cancellation.ticket,
        ticket_kind=Ticket.Kind.CANCELLATION, cancellation=cancellation, token_hash=hashed,
        prefix=token[:8], expires_at=timezone.now() + timedelta(days=settings.CSAT_ANSWER_DAYS),
    )  # fmt: skip
    return token


def _check(customer: Customer, service: LedgerService, type_: str, reason: str) -> None:
    if service.customer_id != customer.pk:
        raise CancellationError("That service is not on this account.")
    if type_ not in Cancellation.Type.values:
        raise CancellationError("Choose when the service ends.")
    if reason not in CancelReason.values:
        raise CancellationError("Choose a reason.")


@transaction.atomic
def cancellation_request(
    *,
    customer: Customer,
    service: LedgerService,
    type: str,
    reason: str,
    comment: str,
    channel: str,
    actor: AnyUser | None = None,
    link: CancelLink | None = None,
    offers_shown: Sequence[str] = (),
) -> Requested:
    """Cancel one service (module docstring). A second request for a service already being
    cancelled returns the first."""
    _check(customer, service, type, reason)
    live = Cancellation.objects.filter(
        source_id=service.source_id, service_remote_id=service.remote_id, status__in=LIVE
    ).first()
    if live is not None:
        return Requested(live, "")
    ticket = _ticket_for(customer, service, link.ticket if link is not None else None)
    actor_id = actor.pk if actor is not None and actor.is_authenticated else None
    try:
        with transaction.atomic():
            cancellation = Cancellation.objects.create(
                customer=customer, source_id=service.source_id, service_remote_id=service.remote_id,
                service_label=f"{service.product} {service.label}".strip()[:300], ticket=ticket,
                kind=Cancellation.Kind.VOLUNTARY, channel=channel, type=type, reason=reason,
                comment=comment.strip()[:MAX_COMMENT], offers_shown=list(offers_shown),
                status=Cancellation.Status.SENDING, link=link, requested_by_id=actor_id,
            )  # fmt: skip
    except IntegrityError:  # the same service, cancelled concurrently
        return Requested(
            Cancellation.objects.get(
                source_id=service.source_id, service_remote_id=service.remote_id, status__in=LIVE
            ),
            "",
        )
    ends = effective_on(type, service)
    survey = _exit_survey(cancellation)
    ticket_note_add(
        ticket=ticket, subject="Cancellation requested", author_id=actor_id,
        body=(f"{cancellation.service_label} ({service.remote_id}) — "
              f"{cancellation.get_type_display().lower()}, effective {ends.isoformat()}.\n"
              f"Reason: {cancellation.get_reason_display()}."
              + (f"\nComment: {cancellation.comment}" if cancellation.comment else "")
              + f"\nChannel: {cancellation.get_channel_display()}."
              + (f"\nOffers shown, none taken: {', '.join(offers_shown)}." if offers_shown else "")),
    )  # fmt: skip
    confirmation = _mail_customer(
        ticket=ticket, customer=customer, author_id=None,
        subject=f"Your cancellation of {cancellation.service_label}",
        body=(f"Hello {customer.name},\n\nwe have your request to cancel {cancellation.service_label}"
              f" ({cancellation.get_type_display().lower()}; the service ends on {ends.isoformat()}).\n"
              f"Reason given: {cancellation.get_reason_display()}.\n\n"
              f"If you did not ask for this, answer this mail at once.\n\n"
              f"One question, if you have a minute — how did we do?\n{survey_url(survey)}\n\n"
              f"{settings.PROVIDER_NAME}"),
    )  # fmt: skip
    if confirmation is not None:
        Cancellation.objects.filter(pk=cancellation.pk).update(confirmation=confirmation)
    if link is not None:
        CancelLink.objects.filter(pk=link.pk).update(last_used_at=timezone.now())
    audit_record(
        actor=actor, verb="retention.cancellation_requested", obj=cancellation, ticket=ticket,
        detail={"channel": channel, "reason": reason, "type": type, "service": service.remote_id},
    )  # fmt: skip
    cancellation_id = cancellation.pk
    transaction.on_commit(lambda: cancellation_send_task.delay(cancellation_id), robust=True)
    return Requested(cancellation, survey)


@transaction.atomic
def cancellation_save(
    *,
    customer: Customer,
    service: LedgerService,
    reason: str,
    comment: str,
    offer: SaveOffer,
    channel: str,
    link: CancelLink | None = None,
    offers_shown: Sequence[str] = (),
) -> Cancellation:
    """The customer took an offer instead of cancelling: recorded for billing to apply it,
    nothing is sent to cancel."""
    _check(customer, service, Cancellation.Type.END_OF_PERIOD, reason)
    ticket = _ticket_for(customer, service, link.ticket if link is not None else None)
    cancellation = Cancellation.objects.create(
        customer=customer, source_id=service.source_id, service_remote_id=service.remote_id,
        service_label=f"{service.product} {service.label}".strip()[:300], ticket=ticket,
        kind=Cancellation.Kind.VOLUNTARY, channel=channel, type=Cancellation.Type.END_OF_PERIOD,
        reason=reason, comment=comment.strip()[:MAX_COMMENT], offers_shown=list(offers_shown),
        offer_taken=offer, status=Cancellation.Status.SAVED, link=link,
    )  # fmt: skip
    ticket_note_add(
        ticket=ticket, subject=f"Offer taken: {offer.title}",
        body=(f"Instead of cancelling {cancellation.service_label}, the customer took "
              f"“{offer.title}” ({offer.get_kind_display()}). Apply it in the billing system.\n"
              f"Reason they gave: {cancellation.get_reason_display()}."
              + (f"\nComment: {cancellation.comment}" if cancellation.comment else "")),
    )  # fmt: skip
    audit_record(
        actor=None, verb="retention.offer_taken", obj=cancellation, ticket=ticket,
        detail={"offer": offer.code, "reason": reason, "service": service.remote_id},
    )  # fmt: skip
    return cancellation


# --- sending to billing ----------------------------------------------------------------------


@contextmanager
def _send_lock(cancellation_id: int) -> Iterator[bool]:
    key = f"retention.cancellation_send:{cancellation_id}"
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(hashtextextended(%s, 0))", [key])
        locked = bool(cursor.fetchone()[0])
    try:
        yield locked
    finally:
        if locked:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", [key])
            except DatabaseError:
                logger.warning("could not release the lock of cancellation %s", cancellation_id)


def cancellation_send(*, cancellation_id: int) -> str:
    """Ask the billing system to cancel (``AddCancelRequest``). Returns the status; raises
    ``TemporaryConnectorError`` for the task to retry."""
    with _send_lock(cancellation_id) as locked:
        if not locked:
            return "busy"
        cancellation = Cancellation.objects.select_related("source", "customer").get(
            pk=cancellation_id
        )
        if cancellation.status != Cancellation.Status.SENDING or cancellation.source is None:
            return cancellation.status
        kind = (
            CANCEL_IMMEDIATE
            if cancellation.type == Cancellation.Type.IMMEDIATE
            else CANCEL_END_OF_PERIOD
        )
        reason = f"{cancellation.get_reason_display()}: {cancellation.comment}"[:1000].rstrip(": ")
        try:
            result = connector_for(cancellation.source).cancel_request(
                service_remote_id=cancellation.service_remote_id, type=kind, reason=reason
            )
        except TemporaryConnectorError as exc:
            Cancellation.objects.filter(pk=cancellation_id).update(error=exc.reason[:2000])
            raise
        except ActionUnsupported as exc:
            return _sent(cancellation, Cancellation.Status.BY_HAND, error=exc.reason)
        except PermanentConnectorError as exc:
            if "existing cancellation request" in exc.reason.lower():
                return _sent(cancellation, Cancellation.Status.SENT, reference="already requested")
            return _sent(cancellation, Cancellation.Status.FAILED, error=exc.reason)
        return _sent(cancellation, Cancellation.Status.SENT, reference=result.reference,
                     answer=dict(result.answer))  # fmt: skip


@transaction.atomic
def _sent(
    cancellation: Cancellation,
    status: str,
    *,
    reference: str = "",
    answer: dict | None = None,
    error: str = "",
) -> str:
    now = timezone.now()
    updated = Cancellation.objects.filter(pk=cancellation.pk, status=Cancellation.Status.SENDING).update(
        status=status, remote_reference=reference[:200], answer=answer or {}, error=error[:2000],
        sent_at=now if status == Cancellation.Status.SENT else None,
    )  # fmt: skip
    if not updated:
        return Cancellation.objects.get(pk=cancellation.pk).status
    if status == Cancellation.Status.SENT and cancellation.source is not None:
        ledger_cancellation_record(
            source=cancellation.source, service_remote_id=cancellation.service_remote_id,
            client_id=cancellation.customer.external_id, customer_id=cancellation.customer_id,
            type=CANCEL_IMMEDIATE if cancellation.type == Cancellation.Type.IMMEDIATE else CANCEL_END_OF_PERIOD,
            reason=cancellation.get_reason_display(), requested_at=cancellation.created_at,
        )  # fmt: skip
    audit_record(
        actor=None, verb=f"retention.cancellation_{status}", obj=cancellation,
        ticket=cancellation.ticket_id, detail={"reference": reference, "error": error[:300]},
    )  # fmt: skip
    if cancellation.ticket_id is not None:
        if status == Cancellation.Status.SENT:
            subject = "Cancellation sent to billing"
            text = f"The billing system has the cancellation ({reference or 'accepted'})."
        elif status == Cancellation.Status.BY_HAND:
            subject = "Cancellation not sent"
            text = f"Enter the cancellation in the billing system by hand: {error}"
        else:
            subject = "Cancellation not sent"
            text = f"The billing system refused the cancellation: {error}"
        ticket_note_add(ticket=cancellation.ticket_id, subject=subject, body=text)
        ticket = Ticket.objects.get(pk=cancellation.ticket_id)
        if (
            status == Cancellation.Status.SENT
            and cancellation.kind == Cancellation.Kind.VOLUNTARY
            and ticket.is_open
        ):
            ticket_status_change(ticket=ticket, status=Ticket.Status.RESOLVED, actor_id=None,
                                 note="cancelled in the billing system")  # fmt: skip
    return status


# --- involuntary: the desk's terminations ------------------------------------------------


def terminations_unrecorded() -> list[int]:
    """Terminations done recently that no cancellation records yet."""
    since = timezone.now() - TERMINATION_LOOKBACK
    recorded = Cancellation.objects.filter(action__isnull=False).values("action_id")
    return list(
        Action.objects.filter(kind=ActionKind.TERMINATE, status=Action.Status.DONE,
                              completed_at__gte=since)
        .exclude(pk__in=recorded)
        .values_list("pk", flat=True)[:500]
    )  # fmt: skip


@transaction.atomic
def involuntary_record(*, action_id: int) -> list[Cancellation]:
    """Record a termination for abuse as involuntary cancellations of the services it ended
    (the ledger services of the terminated registry service, or all the customer's when the
    action named none), and send them to billing."""
    action = Action.objects.select_related("customer").get(pk=action_id)
    if action.kind != ActionKind.TERMINATE or action.status != Action.Status.DONE:
        return []
    services = LedgerService.objects.filter(
        customer=action.customer, status__in=LIVE_SERVICE_STATUSES
    )
    if action.service_id is not None:
        services = services.filter(service_id=action.service_id)
    made = []
    for service in services:
        if Cancellation.objects.filter(action=action, service_remote_id=service.remote_id).exists():
            continue
        live = Cancellation.objects.filter(
            source_id=service.source_id, service_remote_id=service.remote_id, status__in=LIVE
        ).exists()
        made.append(
            Cancellation.objects.create(
                customer=action.customer,
                source_id=service.source_id,
                service_remote_id="" if live else service.remote_id,
                service_label=f"{service.product} {service.label}".strip()[:300],
                kind=Cancellation.Kind.INVOLUNTARY,
                channel=Cancellation.Channel.DESK,
                type=Cancellation.Type.IMMEDIATE,
                reason=CancelReason.SUSPENDED_FOR_ABUSE,
                comment=f"Terminated for abuse (action #{action.pk}, ticket #{action.ticket_id}).",
                status=Cancellation.Status.SENT if live else Cancellation.Status.SENDING,
                action=action,
            )
        )
    if not made and not Cancellation.objects.filter(action=action).exists():
        # Nothing the billing system bills: still counted, as one involuntary churn.
        made.append(
            Cancellation.objects.create(
                customer=action.customer,
                kind=Cancellation.Kind.INVOLUNTARY,
                channel=Cancellation.Channel.DESK,
                type=Cancellation.Type.IMMEDIATE,
                reason=CancelReason.SUSPENDED_FOR_ABUSE,
                status=Cancellation.Status.BY_HAND,
                comment=f"Terminated for abuse (action #{action.pk}); no billed service found.",
                action=action,
            )
        )
    for cancellation in made:
        audit_record(actor=None, verb="retention.involuntary_recorded", obj=cancellation,
                     ticket=action.ticket_id, detail={"action": action.pk})  # fmt: skip
        if cancellation.status == Cancellation.Status.SENDING:
            pk = cancellation.pk
            transaction.on_commit(lambda pk=pk: cancellation_send_task.delay(pk), robust=True)  # type: ignore[misc]
    return made


# --- mail asking to cancel ------------------------------------------------------------------


def wants_to_cancel(text: str) -> bool:
    lowered = text[:20_000].lower()
    return any(word in lowered for word in CANCEL_WORDS)


@transaction.atomic
def cancellation_mail_route(mail: InboundMail) -> tuple[str, object] | None:
    """A mail to the billing mailbox asking to cancel, from a customer the text identifies
    (customer or invoice number; never the sender's address alone): answered with a
    cancellation link sent to the account's registered contact, on a cancellation ticket.
    Anything else is left to the billing inquiries."""
    if not wants_to_cancel(f"{mail.subject}\n{mail.body}"):
        return None
    customer_number, invoice_number = numbers_in(f"{mail.subject}\n{mail.body}")
    matched = customer_match(
        customer_number=customer_number, invoice_number=invoice_number, sender=mail.from_address
    )
    customer = matched.customer
    if customer is None:
        return None
    digest = hashlib.sha256((mail.message_id or mail.raw.hex()[:4096]).encode()).hexdigest()[:32]
    ticket, created = ticket_open_or_join(
        key=f"cancellation-request:{digest}", kind=Ticket.Kind.CANCELLATION,
        subject=f"Cancellation asked by mail ({customer.name})", customer_id=customer.pk,
    )  # fmt: skip
    if not created:
        return "routed", ticket  # the same mail again
    Message.objects.create(
        ticket=ticket, direction=Message.Direction.INBOUND, visibility=Message.Visibility.CUSTOMER,
        kind=Message.Kind.INBOUND, status=Message.Status.RECEIVED, from_address=mail.from_address,
        subject=mail.subject, body=mail.body, message_id=mail.message_id or None,
    )  # fmt: skip
    link, url = cancel_link_issue(
        customer=customer, created_by_id=None, channel=Cancellation.Channel.MAIL, ticket=ticket
    )
    _mail_customer(
        ticket=ticket, customer=customer, author_id=None,
        subject="Your request to cancel",
        body=(f"Hello {customer.name},\n\nwe received a request to cancel a service of your account"
              f" {customer.external_id}. To choose the service and confirm, use this page (valid "
              f"for {settings.CANCEL_LINK_DAYS} days):\n{url}\n\nIf you did not ask for this, "
              f"ignore this mail: nothing is cancelled without that page.\n\n{settings.PROVIDER_NAME}"),
    )  # fmt: skip
    ticket_status_change(ticket=ticket, status=Ticket.Status.AWAITING_CUSTOMER, actor_id=None,
                         note="cancellation link sent to the registered contact")  # fmt: skip
    audit_record(actor=None, verb="retention.cancel_link_sent", obj=link, ticket=ticket,
                 detail={"channel": "mail", "sender_is_contact": matched.sender_is_contact})  # fmt: skip
    return "routed", link


@transaction.atomic
def cancel_link_send(*, customer: Customer, actor: AnyUser) -> CancelLink:
    """Staff send the customer's registered contact a link to the cancellation page."""
    ticket, _ = ticket_open_or_join(
        key=f"cancellation-link:{customer.external_id}:{timezone.now().isoformat()}",
        kind=Ticket.Kind.CANCELLATION, subject=f"Cancellation link sent ({customer.name})",
        customer_id=customer.pk,
    )  # fmt: skip
    link, url = cancel_link_issue(
        customer=customer, created_by_id=actor.pk, channel=Cancellation.Channel.SELFSERVICE,
        ticket=ticket,
    )  # fmt: skip
    _mail_customer(
        ticket=ticket, customer=customer, author_id=actor.pk,
        subject="Cancel a service",
        body=(f"Hello {customer.name},\n\nas asked, here is the page to cancel a service of your "
              f"account {customer.external_id} (valid for {settings.CANCEL_LINK_DAYS} days):\n"
              f"{url}\n\n{settings.PROVIDER_NAME}"),
    )  # fmt: skip
    audit_record(actor=actor, verb="retention.cancel_link_sent", obj=link, ticket=ticket,
                 detail={"channel": "staff"})  # fmt: skip
    return link
