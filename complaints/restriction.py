"""Restricted cases and the customer: nothing automatic writes to the customer about a
legal or investigation case, and escalation cuts the customer's ways in.

A ticket is *restricted* when it belongs to a restricted group (``Ticket.restricted_group``,
set by ``complaints.tickets.investigations``) or is of a restricted kind (legal, investigation).
The customer of such a case must not learn of it from the desk: a notice, a reminder with a
fresh self-service link, a warning, a digest line or a deliverability report would all tell
them that someone is still looking.

- ``customer_mail_refusal`` is the one rule, asked by ``complaints.mediation.outbound`` when a
  message is queued (``message_queue`` raises ``MailWithheld``) and again just before it is
  sent (a message queued before the escalation never leaves). The only mail to the
  customer of a restricted case is one written by hand by someone who may see the case.
- The automatic paths (notices, reminders, digests, warnings, the deliverability doctor,
  compromise proposals, policy rules) also check ``ticket_is_restricted`` before trying, so
  they stop quietly with a reason instead of failing at the choke point.
- ``ticket_customer_cut_off`` runs inside the escalation: it revokes the live self-service
  links, withholds the customer mail still queued and drops the ticket's notices waiting for
  a digest. Self-service links are also refused at access time for any restricted ticket
  (``complaints.mediation.selfservice.link_resolve``), so a case restricted some other way is covered
  too.

Legal holds (``customers.legal_holds``, placed by the legal desk) act through the same
rule: the customer under a gag or a preservation hold gets nothing automatic and nothing
from anyone outside the legal role, on any ticket and at any of its addresses
(``customer_mail_refusal`` answers ``WITHHELD_HOLD``); ``ticket_contact_withheld`` and
``contact_withheld_q`` are what the automatic paths ask, and ``customer_contact_cut_off``
closes the ways in the customer still has when a hold is placed. The rest of the desk
learns only that there is a hold (``LEGAL_HOLD_BADGE``), never why: this module reads the
hold rows and never imports the legal app (docs/architecture.md "Legal desk").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts import roles
from complaints.models import (
    DigestEntry,
    Event,
    Message,
    Party,
    SelfServiceLink,
    Ticket,
    TicketChange,
)
from complaints.permissions import can_see_ticket
from customers.legal_holds import customers_under_legal_hold, legal_holds_live
from customers.models import Customer

RESTRICTED_KINDS = frozenset({Ticket.Kind.LEGAL, Ticket.Kind.INVESTIGATION})
# What a refused message records; it says what happened, never to whom it was about.
WITHHELD = "withheld: the case is restricted, nothing automatic goes to the customer"
# What agents see of a legal hold, and what a message refused for one records: neutral.
LEGAL_HOLD_BADGE = "Legal hold — do not contact, ask legal"
WITHHELD_HOLD = "withheld: legal hold on the customer — do not contact, ask legal"


def restricted_q(*, through: str = "") -> Q:
    """Restricted tickets, or rows whose ``through`` foreign key is a restricted ticket."""
    p = f"{through}__" if through else ""
    return ~Q(**{f"{p}restricted_group": ""}) | Q(**{f"{p}kind__in": sorted(RESTRICTED_KINDS)})


def restricted_ticket_ids(ticket_ids: Iterable[int | None]) -> set[int]:
    """Which of these tickets are restricted: a primary-key lookup of the given ids only,
    for code that already holds rows' ticket ids (no join of a large scan to tickets)."""
    ids = sorted({pk for pk in ticket_ids if pk is not None})
    found: set[int] = set()
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        found.update(
            Ticket.objects.filter(pk__in=chunk).filter(restricted_q()).values_list("pk", flat=True)
        )
    return found


def ticket_is_restricted(ticket: Ticket) -> bool:
    return bool(ticket.restricted_group) or ticket.kind in RESTRICTED_KINDS


def report_restricted_tickets(report_id: int, *, limit: int = 50) -> list[Ticket]:
    """The restricted tickets a report reaches, through its events or the messages it
    became (at most ``limit``). The report's ticket ids come first, from the report's own
    indexes; only those tickets are then looked up by primary key."""
    ids = set(
        Event.objects.filter(report_id=report_id, ticket__isnull=False)
        .order_by()
        .values_list("ticket_id", flat=True)
        .distinct()
    )
    ids |= set(
        Message.objects.filter(report_id=report_id, ticket__isnull=False).values_list(
            "ticket_id", flat=True
        )
    )
    if not ids:
        return []
    return list(
        Ticket.objects.filter(pk__in=ids)
        .filter(restricted_q())
        .select_related("customer")
        .order_by("pk")[:limit]
    )


def _restricted_now(ticket: Ticket) -> bool:
    """Restricted in the database, whatever the caller's copy of the row says: a ticket
    loaded before its escalation committed must not slip through."""
    if ticket.pk is None:
        return ticket_is_restricted(ticket)
    return Ticket.objects.filter(pk=ticket.pk).filter(restricted_q()).exists()


def _customer_addresses(ticket: Ticket) -> set[str]:
    addresses = set(
        Party.objects.filter(ticket=ticket, role=Party.Role.CUSTOMER).values_list(
            "email", flat=True
        )
    )
    customer = ticket.customer
    if customer is not None:
        addresses |= {a for a in (customer.abuse_email, customer.billing_email) if a}
    return {a.strip().lower() for a in addresses if a}


def is_to_customer(
    ticket: Ticket, *, visibility: str, party: Party | None, to_address: str
) -> bool:
    """Whether a message on ``ticket`` reaches its customer: meant for the customer, to the
    customer's party, or to one of the customer's addresses whatever it is called (an
    acknowledgement to a customer who also reported)."""
    if visibility == Message.Visibility.CUSTOMER:
        return True
    if party is not None and party.role == Party.Role.CUSTOMER:
        return True
    return bool(to_address) and to_address.strip().lower() in _customer_addresses(ticket)


def _written_by_the_case(ticket: Ticket, author_id: int | None) -> bool:
    """A person who may see the restricted case wrote this message by hand."""
    if author_id is None:
        return False
    author = get_user_model().objects.filter(pk=author_id, is_active=True).first()
    return author is not None and can_see_ticket(author, ticket)


def customer_mail_refusal(
    *,
    ticket: Ticket | None,
    visibility: str,
    party: Party | None,
    to_address: str,
    author_id: int | None,
) -> str:
    """Why this message must not go out ("" when it may): a message reaching the customer
    of a restricted case, unless written by someone who may see the case (an agent who
    wrote before the escalation, a rule, a task or another team's page is refused); or a
    message reaching a customer under a legal hold, unless written by the legal role."""
    if (
        ticket is not None
        and _restricted_now(ticket)
        and is_to_customer(ticket, visibility=visibility, party=party, to_address=to_address)
        and not _written_by_the_case(ticket, author_id)
    ):
        return WITHHELD
    if _reaches_held_customer(
        ticket=ticket, visibility=visibility, party=party, to_address=to_address
    ) and not _written_by_legal(author_id):
        return WITHHELD_HOLD
    return ""


@dataclass(frozen=True)
class CutOff:
    links_revoked: int
    messages_withheld: int
    digest_entries_dropped: int


@transaction.atomic
def ticket_customer_cut_off(*, ticket: Ticket, actor_id: int | None) -> CutOff:
    """Close every way the customer still has into a newly restricted ticket: live
    self-service links are revoked (stored, so the link stays dead whatever happens to the
    ticket later), queued customer mail not written by the case's own people is withheld,
    and notices held for the customer's digest leave it. Recorded on the ticket's history."""
    now = timezone.now()
    links = SelfServiceLink.objects.filter(ticket=ticket, revoked_at__isnull=True).update(
        revoked_at=now, revoked_by_id=actor_id
    )
    withheld = 0
    queued = Message.objects.filter(
        ticket=ticket, direction=Message.Direction.OUTBOUND, status=Message.Status.QUEUED
    ).select_related("party")
    for message in queued:
        reason = customer_mail_refusal(
            ticket=ticket,
            visibility=message.visibility,
            party=message.party,
            to_address=message.to_address,
            author_id=message.author_id,
        )
        if reason:
            # Conditional on "queued": a sender that claimed it first has the final word.
            withheld += Message.objects.filter(pk=message.pk, status=Message.Status.QUEUED).update(
                status=Message.Status.FAILED, error=reason
            )
    held = DigestEntry.objects.filter(ticket=ticket, digest__isnull=True)
    held_messages = list(held.values_list("message_id", flat=True))
    dropped, _ = held.delete()
    Message.objects.filter(pk__in=held_messages).update(error=WITHHELD)
    if links or withheld or dropped:
        TicketChange.objects.create(
            ticket=ticket, actor_id=actor_id, field="customer_contact",
            note=(f"customer cut off: {links} self-service link(s) revoked, {withheld} queued "
                  f"message(s) withheld, {dropped} digest notice(s) dropped"),
        )  # fmt: skip
    return CutOff(links, withheld, dropped)


# --- legal holds ------------------------------------------------------------------------


def _written_by_legal(author_id: int | None) -> bool:
    if author_id is None:
        return False
    author = get_user_model().objects.filter(pk=author_id, is_active=True).first()
    return author is not None and roles.LEGAL in roles.roles_of(author)


def _reaches_held_customer(
    *, ticket: Ticket | None, visibility: str, party: Party | None, to_address: str
) -> bool:
    """Whether a message reaches a customer under a legal hold: the ticket's customer (when
    the message is for them), the party's customer, or any address of a held customer
    (its contacts, or a customer party of one of its tickets) whatever the message calls it."""
    live = legal_holds_live()
    if not live.exists():  # the usual case: one indexed probe
        return False
    candidates: set[int] = set()
    if (
        ticket is not None
        and ticket.customer_id is not None
        and is_to_customer(ticket, visibility=visibility, party=party, to_address=to_address)
    ):
        candidates.add(ticket.customer_id)
    if party is not None and party.customer_id is not None:
        candidates.add(party.customer_id)
    if candidates and customers_under_legal_hold(candidates):
        return True
    address = (to_address or "").strip().lower()
    if not address:
        return False
    held = live.values("customer_id")
    if (
        Customer.objects.filter(pk__in=held)
        .filter(Q(abuse_email__iexact=address) | Q(billing_email__iexact=address))
        .exists()
    ):
        return True
    return Party.objects.filter(
        ticket__customer_id__in=held, role=Party.Role.CUSTOMER, email__iexact=address
    ).exists()


def ticket_contact_withheld(ticket: Ticket) -> str:
    """Why nothing automatic may write to this ticket's customer ("" when it may): the case
    is restricted, or its customer is under a legal hold. Asked by the automatic paths
    (notices, reminders, digests, warnings, links, rules) so they stop quietly."""
    if ticket_is_restricted(ticket):
        return WITHHELD
    if ticket.customer_id is not None and customers_under_legal_hold([ticket.customer_id]):
        return WITHHELD_HOLD
    return ""


def contact_withheld_q(*, through: str = "") -> Q:
    """Tickets (or rows whose ``through`` foreign key is a ticket) whose customer nothing
    automatic may write to: restricted, or held."""
    p = f"{through}__" if through else ""
    held = legal_holds_live().values("customer_id")
    return restricted_q(through=through) | Q(**{f"{p}customer_id__in": held})


@transaction.atomic
def customer_contact_cut_off(*, customer_id: int, actor_id: int | None) -> CutOff:
    """Close every way in a newly held customer still has, on every ticket: live
    self-service links revoked, queued mail to them not written by the legal role withheld,
    notices held for their digest dropped. Each touched ticket records it, neutrally."""
    now = timezone.now()
    touched: dict[int, list[int]] = {}
    links = SelfServiceLink.objects.filter(customer_id=customer_id, revoked_at__isnull=True)
    for ticket_id in links.values_list("ticket_id", flat=True):
        touched.setdefault(ticket_id, [0, 0, 0])[0] += 1
    links.update(revoked_at=now, revoked_by_id=actor_id)
    queued = Message.objects.filter(
        direction=Message.Direction.OUTBOUND, status=Message.Status.QUEUED
    ).filter(Q(ticket__customer_id=customer_id) | Q(party__customer_id=customer_id))
    for message in queued.select_related("party", "ticket"):
        reason = customer_mail_refusal(
            ticket=message.ticket, visibility=message.visibility, party=message.party,
            to_address=message.to_address, author_id=message.author_id,
        )  # fmt: skip
        if not reason:
            continue
        # Conditional on "queued": a sender that claimed it first has the final word.
        withheld = Message.objects.filter(pk=message.pk, status=Message.Status.QUEUED).update(
            status=Message.Status.FAILED, error=reason
        )
        if withheld and message.ticket_id is not None:
            touched.setdefault(message.ticket_id, [0, 0, 0])[1] += 1
    held = DigestEntry.objects.filter(customer_id=customer_id, digest__isnull=True)
    for ticket_id, message_id in held.values_list("ticket_id", "message_id"):
        touched.setdefault(ticket_id, [0, 0, 0])[2] += 1
        Message.objects.filter(pk=message_id).update(error=WITHHELD_HOLD)
    held.delete()
    for ticket_id, (revoked, withheld, dropped) in sorted(touched.items()):
        TicketChange.objects.create(
            ticket_id=ticket_id, actor_id=actor_id, field="customer_contact",
            note=(f"{LEGAL_HOLD_BADGE}: {revoked} self-service link(s) revoked, {withheld} "
                  f"queued message(s) withheld, {dropped} digest notice(s) dropped"),
        )  # fmt: skip
    totals = [sum(counts[i] for counts in touched.values()) for i in range(3)]
    return CutOff(*totals)
