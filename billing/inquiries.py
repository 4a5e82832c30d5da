"""Billing inquiries: a customer's payment question, from mail, the web form, the API or
staff, filed as a ``billing`` ticket with a reason code (docs/architecture.md "billing/").

The customer is matched by what identifies an account in the registry — its customer number
(``Customer.external_id``, the billing system's client id) or an invoice number of the
ledger — never by the sender's e-mail address alone: anyone can write from any address, and
the answer carries account details. When both are given they must agree. The sender's
address is only compared with the matched customer's contacts, so the panel can say whether
to answer the sender or the registered contact. An inquiry nobody can match is filed all the
same (``match`` blank), for billing staff to ask for the customer number.

Inquiries of one customer about one reason join the open ticket of that pair; each inquiry
is kept as its own row and as an inbound message on the ticket. Reading customer numbers,
invoice numbers and reasons from free text uses bounded patterns only (the text is the
sender's: linear time whatever it holds).
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Q

from accounts.roles import AnyUser
from billing.models import Inquiry, InquiryReason, LedgerInvoice
from billing.verifier import Finding
from complaints.audit import audit_record
from complaints.intake.storable import text_storable
from complaints.mediation.inbound import answer_arrived
from complaints.models import Message, Party, Ticket
from complaints.tickets.services import ticket_note_add, ticket_open_or_join, ticket_status_change
from customers.models import Customer

MAX_BODY = 50_000
MAX_SCAN = 20_000  # characters of a text scanned for numbers and reasons
# A label after the keyword ("customer number", "client id", "account #", "invoice:"): a
# bare "account 2" in a sentence is not a number given.
_SEP = r"[ \t]{0,3}(?:(?:number|nummer|no\.?|nr\.?|id|#)[ \t]{0,3}[:#]?|[:#])[ \t]{0,3}"
CUSTOMER_NUMBER = re.compile(
    r"(?i)\b(?:customer|client|account|kunden)" + _SEP + r"([a-z]{0,3}-?[0-9]{1,12})(?![0-9a-z])"
)
# An invoice number may follow the word bare ("invoice 2025-001"), but then has three
# digits at least: "invoice 3 times" names none.
INVOICE_NUMBER = re.compile(
    r"(?i)\b(?:invoice|rechnung|facture)[ \t]{0,3}(?:(?:number|nummer|no\.?|nr\.?|#)[ \t]{0,3}"
    r"[:#]?|[:#])?[ \t]{0,3}([a-z]{0,6}-?[0-9][0-9-]{2,30})(?![0-9a-z])"
)
# Words that say what the question is about, most specific first; plain substring tests.
REASON_WORDS: list[tuple[str, tuple[str, ...]]] = [
    (InquiryReason.CHARGEBACK, ("chargeback", "charge back", "disputed the", "dispute the")),
    (InquiryReason.CHARGED_WHILE_SUSPENDED, ("while suspended", "while my account was suspended",
                                             "service was suspended", "account was suspended")),
    (InquiryReason.CHARGED_AFTER_CANCELLATION, ("after cancel", "after i cancel", "cancelled but",
                                                "canceled but", "after my cancellation",
                                                "despite cancel", "although i cancel")),
    (InquiryReason.DUPLICATE_CHARGE, ("charged twice", "double charge", "charged two times",
                                      "duplicate charge", "paid twice", "double payment",
                                      "billed twice", "two payments", "charged double")),
    (InquiryReason.REFUND_STATUS, ("refund",)),
    (InquiryReason.UNEXPECTED_RENEWAL, ("renewal", "renewed", "auto-renew", "autorenew")),
    (InquiryReason.VAT, ("vat", "value added tax", "reverse charge", "tax id", "sales tax")),
    (InquiryReason.WRONG_AMOUNT, ("wrong amount", "overcharged", "too much", "price increase",
                                  "more than", "incorrect amount")),
    (InquiryReason.UNRECOGNISED_CHARGE, ("recognise", "recognize", "unknown charge",
                                         "what is this charge", "unauthori")),
]  # fmt: skip


@dataclass(frozen=True)
class InquiryIn:
    """An inquiry as it arrived, before matching."""

    channel: str
    sender_email: str
    body: str
    subject: str = ""
    sender_name: str = ""
    customer_number: str = ""
    invoice_number: str = ""
    reason: str = ""  # blank: read from the text
    message_id: str = ""  # mail: its Message-ID (a repeat files nothing new)


@dataclass(frozen=True)
class CustomerMatch:
    customer: Customer | None
    match: str  # Inquiry.Match
    customer_number: str
    invoice_number: str
    sender_is_contact: bool
    note: str = ""


def reason_of(text: str) -> str:
    lowered = text[:MAX_SCAN].lower()
    for reason, words in REASON_WORDS:
        if any(word in lowered for word in words):
            return str(reason)
    return str(InquiryReason.OTHER)


def numbers_in(text: str) -> tuple[str, str]:
    """(customer number, invoice number) written in a text, "" when absent."""
    scan = text[:MAX_SCAN]
    customer = CUSTOMER_NUMBER.search(scan)
    invoice = INVOICE_NUMBER.search(scan)
    return (customer.group(1) if customer else "", invoice.group(1) if invoice else "")


def _customer_by_number(number: str) -> Customer | None:
    if not number:
        return None
    exact = Customer.objects.filter(external_id=number).first()
    if exact is not None:
        return exact
    folded = list(Customer.objects.filter(external_id__iexact=number)[:2])
    return folded[0] if len(folded) == 1 else None


def _customer_by_invoice(number: str) -> Customer | None:
    if not number:
        return None
    owners = set(
        LedgerInvoice.objects.filter(Q(number=number) | Q(remote_id=number))
        .exclude(customer__isnull=True)
        .values_list("customer_id", flat=True)[:3]
    )
    if len(owners) != 1:
        return None
    return Customer.objects.filter(pk=owners.pop()).first()


def is_contact(customer: Customer, address: str) -> bool:
    address = (address or "").strip().lower()
    contacts = {a.strip().lower() for a in (customer.billing_email, customer.abuse_email) if a}
    return bool(address) and address in contacts


def customer_match(*, customer_number: str, invoice_number: str, sender: str) -> CustomerMatch:
    """Who is asking: by customer number, invoice number or both (see the module
    docstring); the sender's address never decides it."""
    by_number = _customer_by_number(customer_number)
    by_invoice = _customer_by_invoice(invoice_number)
    if by_number and by_invoice and by_number.pk != by_invoice.pk:
        return CustomerMatch(None, Inquiry.Match.NONE, customer_number, invoice_number, False,
                             "the invoice belongs to another customer than the number given")  # fmt: skip
    customer = by_number or by_invoice
    if customer is None:
        return CustomerMatch(None, Inquiry.Match.NONE, customer_number, invoice_number, False)
    match = (
        Inquiry.Match.BOTH
        if by_number and by_invoice
        else Inquiry.Match.EXTERNAL_ID
        if by_number
        else Inquiry.Match.INVOICE
    )
    return CustomerMatch(
        customer, match, customer_number, invoice_number, is_contact(customer, sender)
    )


def _subject(reason: str, customer: Customer | None, given: str) -> str:
    label = InquiryReason(reason).label
    who = customer.name if customer else "unmatched sender"
    return f"Billing: {label} ({who})" + (f": {given}" if given else "")


def _party(ticket: Ticket, matched: CustomerMatch, sender: str, name: str) -> Party | None:
    """Who answers go to: the sender when they are a contact of the matched customer, else
    the customer's registered billing (or abuse) contact; for an unmatched inquiry the
    sender, flagged as such, to be asked for the customer number."""
    customer = matched.customer
    if customer is not None:
        email = (
            sender
            if matched.sender_is_contact
            else (customer.billing_email or customer.abuse_email)
        )
        display = customer.name
    else:
        email, display = sender, f"{name} (unverified)".strip()
    email = (email or "").strip().lower()
    if not email:
        return None
    party, _ = Party.objects.get_or_create(
        ticket=ticket, role=Party.Role.CUSTOMER, email=email[:320],
        defaults={"name": display[:200], "customer": customer},
    )  # fmt: skip
    return party


@transaction.atomic
def inquiry_file(*, data: InquiryIn, actor: AnyUser | None = None) -> Inquiry:
    """File one inquiry (see the module docstring); a mail already filed (same Message-ID)
    returns its inquiry. ``actor``: the staff member who entered it or the API's user."""
    message_id = data.message_id[:250] or None
    created_by_id = actor.pk if actor is not None and actor.is_authenticated else None
    if message_id:
        known = Inquiry.objects.filter(message_id=message_id).first()
        if known is not None:
            return known
    subject = text_storable(data.subject.strip()[:300])
    body = text_storable(data.body.strip()[:MAX_BODY])
    found_customer, found_invoice = numbers_in(f"{subject}\n{body}")
    customer_number = text_storable(data.customer_number.strip()[:64]) or found_customer
    invoice_number = text_storable(data.invoice_number.strip()[:64]) or found_invoice
    sender = text_storable(data.sender_email.strip()[:320])
    matched = customer_match(
        customer_number=customer_number, invoice_number=invoice_number, sender=sender
    )
    reason = data.reason if data.reason in InquiryReason.values else reason_of(f"{subject}\n{body}")
    customer = matched.customer
    key = (
        f"billing:{customer.external_id}:{reason}"
        if customer is not None
        else f"billing:unmatched:{uuid.uuid4().hex}"
    )
    ticket, created = ticket_open_or_join(
        key=key, kind=Ticket.Kind.BILLING, subject=_subject(reason, customer, subject[:120]),
        customer_id=customer.pk if customer else None,
    )  # fmt: skip
    party = _party(ticket, matched, sender, text_storable(data.sender_name))
    try:
        with transaction.atomic():
            inquiry = Inquiry.objects.create(
                ticket=ticket, customer=customer, channel=data.channel, reason=reason,
                match=matched.match, given_customer_number=customer_number,
                given_invoice_number=invoice_number, sender_email=sender,
                sender_name=text_storable(data.sender_name.strip()[:200]),
                sender_is_contact=matched.sender_is_contact, subject=subject, body=body,
                message_id=message_id, created_by_id=created_by_id,
            )  # fmt: skip
    except IntegrityError:  # the same mail, filed concurrently
        return Inquiry.objects.get(message_id=message_id)
    message = Message.objects.create(
        ticket=ticket, party=party, direction=Message.Direction.INBOUND,
        visibility=Message.Visibility.CUSTOMER, kind=Message.Kind.INBOUND,
        status=Message.Status.RECEIVED, from_address=sender, subject=subject or _subject(reason, customer, ""),
        body=body + (f"\n\n[{matched.note}]" if matched.note else ""),
        message_id=None,
    )  # fmt: skip
    if not created:
        answer_arrived(ticket, Party.Role.CUSTOMER, message)
    audit_record(
        actor=actor, verb="billing.inquiry_filed", obj=inquiry, ticket=ticket,
        detail={"channel": data.channel, "reason": reason, "match": matched.match,
                "joined": not created},
    )  # fmt: skip
    return inquiry


def raw_message_id(raw: bytes, header_value: str) -> str:
    """A mail's Message-ID, or one made from its bytes when it has none (so a refetch of
    the same mail files nothing new)."""
    if header_value:
        return header_value[:250]
    return f"<sha256-{hashlib.sha256(raw).hexdigest()}@billing.inquiry>"


@transaction.atomic
def inquiry_reason_set(*, inquiry: Inquiry, reason: str, actor: AnyUser) -> Inquiry:
    if reason not in InquiryReason.values:
        raise ValueError(f"unknown reason {reason!r}")
    old = inquiry.reason
    Inquiry.objects.filter(pk=inquiry.pk).update(reason=reason)
    inquiry.reason = reason
    audit_record(
        actor=actor, verb="billing.inquiry_reason_set", obj=inquiry, ticket=inquiry.ticket_id,
        detail={"from": old, "to": reason},
    )  # fmt: skip
    return inquiry


@transaction.atomic
def inquiry_ticket_resolve(
    *, ticket: Ticket, finding: Finding | None, actor: AnyUser, note: str = ""
) -> Ticket:
    """Resolve a billing case with what settled it: the verifier's finding, word for word,
    kept as a note on the ticket (and the person's own words, if any)."""
    text = "\n\n".join(
        part for part in (note.strip()[:5000], finding.as_text() if finding else "") if part
    )
    if not text:
        raise ValueError("Say what settled it.")
    ticket_note_add(
        ticket=ticket, subject="Resolved with the verifier's finding" if finding else "Resolved",
        body=text, author_id=actor.pk,
    )  # fmt: skip
    resolved = ticket_status_change(
        ticket=ticket, status=Ticket.Status.RESOLVED, actor_id=actor.pk,
        note=(finding.title if finding else note)[:500],
    )  # fmt: skip
    audit_record(
        actor=actor, verb="billing.ticket_resolved", ticket=ticket,
        detail={"finding": finding.key if finding else ""},
    )  # fmt: skip
    return resolved
