"""The parties of a ticket (its customer and reachable reporters), what waiting for one of
them means, and the refusal every mediation service raises.

What the customer sees is redacted: other people's e-mail addresses (the reporter, the
spam's recipients) are replaced before the text is stored on an outbound message
(``redact_for_ticket_customer``). A reporter is written to only when it is a person with a
mail address who is known or sent an authenticated report: never backscatter to a forged
sender.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import Q, QuerySet

from complaints.mediation.redaction import redact_for_customer
from complaints.models import Party, Report, Reporter, Ticket
from complaints.tickets.services import ticket_status_change
from customers.models import Customer

AWAITING = {
    Party.Role.CUSTOMER.value: Ticket.Status.AWAITING_CUSTOMER.value,
    Party.Role.REPORTER.value: Ticket.Status.AWAITING_REPORTER.value,
}


class MediationError(ValueError):
    """The reply cannot be sent as asked (no such party, closed ticket...)."""


def customer_party(ticket: Ticket) -> Party | None:
    """The ticket's customer party, created from the customer's abuse contact if needed."""
    party = ticket.parties.filter(role=Party.Role.CUSTOMER).order_by("-created_at", "-pk").first()
    if party is not None or ticket.customer is None:
        return party
    return contact_party(
        ticket, ticket.customer, ticket.customer.abuse_email or ticket.customer.billing_email
    )


def contact_party(ticket: Ticket, customer: Customer, email: str | None) -> Party | None:
    """The ticket's party for ``customer`` at ``email``, one of the account's registered
    contacts (made on first use); None without an address. Mail to a customer goes to the
    address the registry holds, never to whoever wrote in."""
    email = (email or "").strip().lower()
    if not email:
        return None
    party, _ = Party.objects.get_or_create(
        ticket=ticket,
        role=Party.Role.CUSTOMER,
        email=email,
        defaults={"name": customer.name[:200], "customer": customer},
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


def ticket_status_set(ticket: Ticket, status: str, *, actor_id: int | None, note: str) -> None:
    """Move an open ticket to ``status`` through the one status service (TicketChange row,
    SLA pauses and all)."""
    if ticket.status == status or not ticket.is_open:
        return
    ticket_status_change(ticket=ticket, status=status, actor_id=actor_id, note=note)
