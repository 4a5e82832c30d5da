"""Billing inquiries: matched by customer or invoice number, never by the sender's address
alone; a reason read from the text; one ticket per customer and reason; answers go to the
registered contact unless the sender is one (billing/inquiries.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from billing.inquiries import (
    CUSTOMER_NUMBER,
    INVOICE_NUMBER,
    InquiryIn,
    inquiry_file,
    numbers_in,
    reason_of,
)
from billing.models import Inquiry, InquiryReason
from billing.sync import source_sync
from complaints.models import AuditEntry, Message, Party, Ticket
from customers.models import Customer
from tests.billing.ledger_support import import_source
from tests.complaints.intake import adversarial

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(tmp_path: Path) -> Customer:
    shop = Customer.objects.create(external_id="C1", name="Shop", billing_email="pay@shop.example",
                                   abuse_email="abuse@shop.example")  # fmt: skip
    Customer.objects.create(external_id="C2", name="VPS Co", billing_email="billing@vps.example")
    source_sync(source_id=import_source(tmp_path / "ledger").pk)
    return shop


def mail(
    body: str, *, sender: str = "pay@shop.example", subject: str = "Question", **kw: str
) -> InquiryIn:
    return InquiryIn(
        channel=Inquiry.Channel.MAIL, sender_email=sender, subject=subject, body=body, **kw
    )


def test_the_customer_number_in_the_text_matches_the_customer(shop) -> None:  # type: ignore[no-untyped-def]
    inquiry = inquiry_file(data=mail("Hello, customer number: C1 was charged twice this month."))
    assert inquiry.customer == shop and inquiry.match == Inquiry.Match.EXTERNAL_ID
    assert inquiry.reason == InquiryReason.DUPLICATE_CHARGE
    assert inquiry.sender_is_contact
    ticket = inquiry.ticket
    assert ticket.kind == Ticket.Kind.BILLING and ticket.customer == shop
    assert Party.objects.get(ticket=ticket).email == "pay@shop.example"
    message = Message.objects.get(ticket=ticket)
    assert message.direction == "in" and "charged twice" in message.body
    assert AuditEntry.objects.filter(verb="billing.inquiry_filed", ticket=ticket).exists()


def test_the_senders_address_alone_matches_nobody(shop) -> None:  # type: ignore[no-untyped-def]
    # The sender is the customer's own billing contact, and says nothing else.
    inquiry = inquiry_file(data=mail("Why was I charged twice?"))
    assert inquiry.customer is None and inquiry.match == ""
    assert inquiry.ticket.customer is None and inquiry.ticket.needs_triage
    party = Party.objects.get(ticket=inquiry.ticket)
    assert party.customer is None and "unverified" in party.name


def test_an_invoice_number_matches_its_customer_and_must_agree_with_the_number(shop) -> None:  # type: ignore[no-untyped-def]
    by_invoice = inquiry_file(
        data=mail("About invoice 2025-001 please", sender="x@elsewhere.example")
    )
    assert by_invoice.customer == shop and by_invoice.match == Inquiry.Match.INVOICE
    both = inquiry_file(data=mail("text", customer_number="C1", invoice_number="2025-001"))
    assert both.customer == shop and both.match == Inquiry.Match.BOTH
    # C2's number with C1's invoice: nobody, and the ticket says why
    crossed = inquiry_file(data=mail("text", customer_number="C2", invoice_number="2025-001"))
    assert crossed.customer is None
    assert "belongs to another customer" in Message.objects.get(ticket=crossed.ticket).body


def test_a_stranger_naming_a_customer_gets_the_registered_contact_as_party(shop) -> None:  # type: ignore[no-untyped-def]
    inquiry = inquiry_file(
        data=mail("Customer ID C1: refund please", sender="someone@evil.example")
    )
    assert inquiry.customer == shop and not inquiry.sender_is_contact
    assert inquiry.reason == InquiryReason.REFUND_STATUS
    assert Party.objects.get(ticket=inquiry.ticket).email == "pay@shop.example"


def test_the_same_customer_and_reason_join_one_open_ticket(shop) -> None:  # type: ignore[no-untyped-def]
    first = inquiry_file(data=mail("customer no. C1: charged twice"))
    again = inquiry_file(data=mail("customer no. C1: still charged twice!"))
    other = inquiry_file(data=mail("customer no. C1: the VAT on my invoice is wrong"))
    assert again.ticket_id == first.ticket_id
    assert other.ticket_id != first.ticket_id and other.reason == InquiryReason.VAT
    assert Message.objects.filter(ticket=first.ticket).count() == 2


def test_a_mail_filed_twice_is_one_inquiry(shop) -> None:  # type: ignore[no-untyped-def]
    data = mail("customer no. C1: charged twice", message_id="<abc@shop.example>")
    assert inquiry_file(data=data).pk == inquiry_file(data=data).pk
    assert Inquiry.objects.count() == 1


@pytest.mark.parametrize(
    "text, reason",
    [
        ("I was charged twice for May", InquiryReason.DUPLICATE_CHARGE),
        (
            "My card was charged after I cancelled the service",
            InquiryReason.CHARGED_AFTER_CANCELLATION,
        ),
        ("Why did my plan renew? I did not want the renewal", InquiryReason.UNEXPECTED_RENEWAL),
        ("Where is my refund?", InquiryReason.REFUND_STATUS),
        ("Please add our VAT number, reverse charge applies", InquiryReason.VAT),
        ("I filed a chargeback with my bank", InquiryReason.CHARGEBACK),
        ("You charged me while my account was suspended", InquiryReason.CHARGED_WHILE_SUSPENDED),
        ("I do not recognise this charge", InquiryReason.UNRECOGNISED_CHARGE),
        ("The invoice shows the wrong amount", InquiryReason.WRONG_AMOUNT),
        ("Hello", InquiryReason.OTHER),
    ],
)
def test_the_reason_is_read_from_the_text(text: str, reason: str) -> None:
    assert reason_of(text) == reason


@pytest.mark.parametrize(
    "text, numbers",
    [
        ("Customer number: C100007, invoice #2025-001", ("C100007", "2025-001")),
        ("client id 4711", ("4711", "")),
        ("Kundennummer: nothing here; Rechnung Nr. RE-2026-17", ("", "RE-2026-17")),
        ("my account since 2019 was charged", ("", "")),
        ("my account 2 times, invoice 3 times", ("", "")),
        ("Account #: 17", ("17", "")),
    ],
)
def test_numbers_are_read_from_the_text(text: str, numbers: tuple[str, str]) -> None:
    assert numbers_in(text) == numbers


@pytest.mark.parametrize("pattern", [CUSTOMER_NUMBER, INVOICE_NUMBER])
def test_the_number_patterns_do_linear_work_on_any_text(pattern) -> None:  # type: ignore[no-untyped-def]
    assert adversarial.superlinear(pattern) is None
