"""Satisfaction: the one-question survey after a solved ticket (CSAT) and the exit survey
with a cancellation (docs/architecture.md "retention/").

CSAT goes out ``CSAT_DELAY_HOURS`` after a ticket is solved, to the ticket's customer only —
at the account's registered contact, through the outbound queue — and can be answered for
``CSAT_ANSWER_DAYS`` through its signed link. It never goes (``csat_refusal``):

- on a legal or investigation case, or one escalated to a restricted group;
- to anyone but the customer: never to a reporter (a third-party complainant), never to law
  enforcement (whose requests are legal cases), never to an unverified sender;
- to a customer under a legal hold or with an open investigation
  (``complaints.restriction.ticket_contact_withheld``, which also knows the holds);
- on a cancellation case (the exit survey asks there), or a ticket reopened since.

A withheld invitation is recorded with its reason (so the beat never tries again and the
figures can say how many were withheld), without a link. A rating at or below
``CSAT_BAD_RATING`` opens a follow-up ticket assigned to a lead, with a notification.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from accounts import roles
from complaints.audit import audit_record
from complaints.mediation.outbound import InvalidAddress, MailWithheld, message_queue
from complaints.mediation.parties import contact_party
from complaints.models import Message, Notification, Party, Ticket
from complaints.models.tickets import OPEN_STATUSES
from complaints.permissions import can_see_ticket
from complaints.restriction import ticket_contact_withheld, ticket_is_restricted
from complaints.tickets.services import ticket_assign, ticket_note_add, ticket_open_or_join
from retention.links import new_token, survey_url
from retention.models import SurveyInvitation, SurveyResponse

SOLVED = (Ticket.Status.RESOLVED, Ticket.Status.CLOSED)
NOT_SURVEYED_KINDS = (Ticket.Kind.LEGAL, Ticket.Kind.INVESTIGATION, Ticket.Kind.CANCELLATION)
LOOKBACK = timedelta(days=7)  # solved longer ago than this plus the delay: never surveyed


class SurveyClosed(ValueError):
    """Answered already, or no longer open."""


def csat_due() -> list[int]:
    """Tickets solved at least ``CSAT_DELAY_HOURS`` ago (and not much longer: a first run
    does not survey the whole history) that have no invitation yet."""
    moment = timezone.now()
    latest = moment - timedelta(hours=settings.CSAT_DELAY_HOURS)
    invited = SurveyInvitation.objects.filter(
        kind=SurveyInvitation.Kind.CSAT, ticket__isnull=False
    ).values("ticket_id")
    return list(
        Ticket.objects.filter(
            status__in=SOLVED, resolved_at__lte=latest, resolved_at__gte=latest - LOOKBACK,
            customer__isnull=False, restricted_group="",
        )
        .exclude(kind__in=NOT_SURVEYED_KINDS)
        .exclude(pk__in=invited)
        .order_by("resolved_at")
        .values_list("pk", flat=True)[:1000]
    )  # fmt: skip


def _under_investigation(customer_id: int) -> bool:
    return (
        Ticket.objects.filter(customer_id=customer_id, status__in=OPEN_STATUSES)
        .filter(Q(kind=Ticket.Kind.INVESTIGATION) | ~Q(restricted_group=""))
        .exists()
    )


def csat_recipient(ticket: Ticket) -> Party | None:
    """The ticket's customer at a registered contact: the customer party that is one of
    the account's own addresses, else one made from the contact for the kind of case (the
    billing contact for billing, the abuse contact otherwise)."""
    customer = ticket.customer
    if customer is None:
        return None
    contacts = {a.strip().lower() for a in (customer.abuse_email, customer.billing_email) if a}
    for party in Party.objects.filter(ticket=ticket, role=Party.Role.CUSTOMER, customer=customer):
        if party.email.lower() in contacts:
            return party
    first, second = customer.abuse_email, customer.billing_email
    if ticket.kind == Ticket.Kind.BILLING:
        first, second = second, first
    return contact_party(ticket, customer, first or second)


def csat_refusal(ticket: Ticket) -> str:
    """Why no CSAT goes out for this ticket ("" when it may); see the module docstring."""
    if ticket.kind in NOT_SURVEYED_KINDS or ticket_is_restricted(ticket):
        return "restricted or not surveyed kind"
    if ticket.status not in SOLVED:
        return "reopened"
    if ticket.customer_id is None:
        return "no customer: nothing goes to a third party"
    withheld = ticket_contact_withheld(ticket)
    if withheld:
        return withheld
    if _under_investigation(ticket.customer_id):
        return "the customer is under investigation"
    party = csat_recipient(ticket)
    if party is None:
        return "the account has no contact address"
    reporters = {
        e.lower()
        for e in Party.objects.filter(ticket=ticket, role=Party.Role.REPORTER).values_list(
            "email", flat=True
        )
    }
    if party.email.lower() in reporters:
        return "the contact is also a reporter of the case"
    return ""


@transaction.atomic
def csat_invite(*, ticket_id: int) -> SurveyInvitation | None:
    """Send (or record as withheld) the CSAT of one solved ticket; None when it has one."""
    ticket = (
        Ticket.objects.select_for_update(of=("self",)).select_related("customer").get(pk=ticket_id)
    )
    if SurveyInvitation.objects.filter(kind=SurveyInvitation.Kind.CSAT, ticket=ticket).exists():
        return None
    if ticket.customer is None:
        return None
    refusal = csat_refusal(ticket)
    base = {"kind": SurveyInvitation.Kind.CSAT, "customer": ticket.customer, "ticket": ticket,
            "ticket_kind": ticket.kind, "agent_id": ticket.assignee_id}  # fmt: skip
    if refusal:
        return _invitation(
            withheld_reason=refusal[:200], status=SurveyInvitation.Status.WITHHELD, **base
        )
    token, hashed = new_token()
    invitation = _invitation(
        status=SurveyInvitation.Status.SENT, token_hash=hashed, prefix=token[:8],
        expires_at=timezone.now() + timedelta(days=settings.CSAT_ANSWER_DAYS), **base,
    )  # fmt: skip
    if invitation is None:
        return None
    party = csat_recipient(ticket)
    assert party is not None  # csat_refusal said so
    try:
        with transaction.atomic():
            message = message_queue(
                kind=Message.Kind.NOTICE, visibility=Message.Visibility.CUSTOMER,
                to_address=party.email, ticket=ticket, party=party,
                subject=f"How did we do? (case #{ticket.pk})",
                body=(f"Hello {ticket.customer.name},\n\nyour case #{ticket.pk} “{ticket.subject}” "
                      f"was solved. One question, one click: how satisfied are you with how we "
                      f"handled it?\n{survey_url(token)}\n\nThe link works for "
                      f"{settings.CSAT_ANSWER_DAYS} days.\n\n{settings.PROVIDER_NAME}"),
            )  # fmt: skip
    except (MailWithheld, InvalidAddress) as exc:
        SurveyInvitation.objects.filter(pk=invitation.pk).update(
            status=SurveyInvitation.Status.WITHHELD, token_hash=None, withheld_reason=str(exc)[:200]
        )
        return SurveyInvitation.objects.get(pk=invitation.pk)
    SurveyInvitation.objects.filter(pk=invitation.pk).update(message=message)
    return invitation


def _invitation(**fields: object) -> SurveyInvitation | None:
    try:
        with transaction.atomic():
            return SurveyInvitation.objects.create(**fields)
    except IntegrityError:  # another task invited the same ticket
        return None


def _lead_for(ticket: Ticket) -> int | None:
    """The active lead who may see the ticket and has the fewest open tickets."""
    leads = (
        get_user_model()
        .objects.filter(is_active=True, groups__name=roles.LEAD)
        .annotate(
            load=Count("assigned_tickets", filter=Q(assigned_tickets__status__in=OPEN_STATUSES))
        )
        .order_by("load", "pk")
    )
    for lead in leads:
        if can_see_ticket(lead, ticket):
            return lead.pk
    return None


def _followup(response: SurveyResponse) -> Ticket:
    invitation = response.invitation
    rated = invitation.ticket
    about = f"#{rated.pk}" if rated is not None else "a cancellation"
    kind = rated.kind if rated is not None else Ticket.Kind.CANCELLATION
    ticket, _ = ticket_open_or_join(
        key=f"csat-followup:{invitation.pk}", kind=kind,
        subject=f"Follow-up: {invitation.customer.name} rated {about} {response.rating}/5",
        customer_id=invitation.customer_id,
    )  # fmt: skip
    agent = invitation.agent.get_username() if invitation.agent else "nobody"
    ticket_note_add(
        ticket=ticket, subject=f"A bad rating: {response.rating}/5",
        body=(f"{invitation.get_kind_display()} of {about} (handled by {agent}): rated "
              f"{response.rating}/5." + (f"\n\nThe customer wrote:\n{response.comment}" if response.comment else "")
              + "\n\nCall or write to the customer, and record what was done here."),
    )  # fmt: skip
    lead_id = _lead_for(ticket)
    if lead_id is not None:
        ticket_assign(ticket=ticket, assignee_id=lead_id, actor_id=None, note="a bad rating")
        Notification.objects.get_or_create(
            recipient_id=lead_id, ticket=ticket, verb="retention.bad_rating",
            defaults={"text": f"{invitation.customer.name} rated {about} {response.rating}/5"},
        )  # fmt: skip
    return ticket


@transaction.atomic
def survey_answer(*, invitation: SurveyInvitation, rating: int, comment: str) -> SurveyResponse:
    """Record the one answer an invitation takes; a bad rating opens a follow-up."""
    if not 1 <= int(rating) <= 5:
        raise ValueError("Choose a rating from 1 to 5.")
    locked = SurveyInvitation.objects.select_for_update().get(pk=invitation.pk)
    if locked.status not in (SurveyInvitation.Status.SENT, SurveyInvitation.Status.OPEN):
        raise SurveyClosed("This survey was answered already.")
    response = SurveyResponse.objects.create(
        invitation=locked, rating=int(rating), comment=comment.strip()[:5000]
    )
    SurveyInvitation.objects.filter(pk=locked.pk).update(status=SurveyInvitation.Status.ANSWERED)
    if response.rating <= settings.CSAT_BAD_RATING:
        followup = _followup(response)
        SurveyResponse.objects.filter(pk=response.pk).update(followup_ticket=followup)
        response.followup_ticket = followup
    audit_record(
        actor=None, verb="retention.survey_answered", obj=response, ticket=locked.ticket_id,
        detail={"kind": locked.kind, "rating": response.rating},
    )  # fmt: skip
    return response
