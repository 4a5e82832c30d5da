"""Refunds and credits are requests: the billing role asks, a second person approves above
the four-eyes amount, the billing system carries them out through the connector, and every
step is audited and noted on the ticket (billing/adjustments.py)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.test import Client

from billing.adjustments import (
    AdjustmentError,
    adjustment_approve,
    adjustment_done_by_hand,
    adjustment_execute,
    adjustment_reject,
    adjustment_request,
)
from billing.models import Adjustment, BillingSource
from billing.selectors import customer_ledger
from billing.sync import source_sync
from complaints.models import AuditEntry, Message, Ticket
from customers.models import Customer
from tests.billing.ledger_support import import_source
from tests.complaints.actions_support import make_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(tmp_path: Path) -> Customer:
    shop = Customer.objects.create(external_id="C1", name="Shop", billing_email="pay@shop.example")
    Customer.objects.create(external_id="C2", name="VPS Co")
    source = import_source(tmp_path / "ledger", outbox=tmp_path / "outbox.jsonl")
    source_sync(source_id=source.pk)
    return shop


@pytest.fixture
def second(make_user):  # type: ignore[no-untyped-def]
    return make_user("billing-second", "billing")


def duplicate(customer: Customer):  # type: ignore[no-untyped-def]
    return next(f for f in customer_ledger(customer).findings if f.check == "duplicate_payment")


def test_a_small_refund_is_approved_by_its_requester_and_sent_to_the_outbox(
    users, shop, tmp_path, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    ticket = make_ticket(kind=Ticket.Kind.BILLING, customer=shop)
    finding = duplicate(shop)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        adjustment = adjustment_request(
            actor=users["billing"], kind="refund", customer=shop, amount=Decimal("9.90"),
            reason="paid twice", ticket=ticket, transaction_remote_id="T2", finding=finding,
        )  # fmt: skip
    assert len(queued) == 1  # the execution is queued after the commit
    assert adjustment.status == Adjustment.Status.APPROVED and not adjustment.needs_second_person
    assert adjustment.invoice_remote_id == "I1" and "paid 2 times" in adjustment.evidence
    assert adjustment_execute(adjustment_id=adjustment.pk) == Adjustment.Status.DONE
    line = json.loads((tmp_path / "outbox.jsonl").read_text().splitlines()[0])
    assert (
        line["action"] == "refund" and line["transaction_id"] == "T2" and line["amount"] == "9.90"
    )
    assert line["reference"] == str(adjustment.idempotency_key)
    verbs = list(AuditEntry.objects.filter(object_type="adjustment").values_list("verb", flat=True))
    assert set(verbs) == {"billing.adjustment_requested", "billing.adjustment_approved",
                          "billing.adjustment_done"}  # fmt: skip
    notes = Message.objects.filter(ticket=ticket, direction="note").values_list("body", flat=True)
    assert any("asks for a refund of 9.90" in n for n in notes)
    assert any("carried it out" in n for n in notes)
    # executing again (a redelivered task) sends nothing more
    assert adjustment_execute(adjustment_id=adjustment.pk) == Adjustment.Status.DONE
    assert len((tmp_path / "outbox.jsonl").read_text().splitlines()) == 1


def test_above_the_amount_a_second_person_approves(users, shop, second, settings) -> None:  # type: ignore[no-untyped-def]
    settings.BILLING_FOUR_EYES_ABOVE = Decimal("5.00")
    adjustment = adjustment_request(actor=users["billing"], kind="credit", customer=shop,
                                    amount=Decimal("9.90"), reason="goodwill")  # fmt: skip
    assert adjustment.status == Adjustment.Status.REQUESTED and adjustment.needs_second_person
    with pytest.raises(AdjustmentError, match="not the one who asked"):
        adjustment_approve(adjustment=adjustment, actor=users["billing"])
    with pytest.raises(AdjustmentError, match="billing role"):
        adjustment_approve(adjustment=adjustment, actor=users["lead"])
    approved = adjustment_approve(adjustment=adjustment, actor=second, note="ok")
    assert approved.status == Adjustment.Status.APPROVED and approved.decided_by == second
    with pytest.raises(AdjustmentError, match="decided already"):
        adjustment_reject(adjustment=approved, actor=second, note="changed my mind")


def test_a_rejection_needs_a_reason_and_is_final(users, shop, second, settings) -> None:  # type: ignore[no-untyped-def]
    settings.BILLING_FOUR_EYES_ABOVE = Decimal("1.00")
    adjustment = adjustment_request(actor=users["billing"], kind="refund", customer=shop,
                                    amount=Decimal("9.90"), reason="x", transaction_remote_id="T1")  # fmt: skip
    with pytest.raises(AdjustmentError, match="Say why"):
        adjustment_reject(adjustment=adjustment, actor=second, note=" ")
    rejected = adjustment_reject(adjustment=adjustment, actor=second, note="the customer used it")
    assert rejected.status == Adjustment.Status.REJECTED
    assert AuditEntry.objects.filter(verb="billing.adjustment_rejected").exists()


def test_a_refund_cannot_exceed_what_the_payment_left(users, shop) -> None:  # type: ignore[no-untyped-def]
    adjustment_request(actor=users["billing"], kind="refund", customer=shop, amount=Decimal("5.00"),
                       reason="part", transaction_remote_id="T2")  # fmt: skip
    with pytest.raises(AdjustmentError, match=r"At most 4\.90"):
        adjustment_request(actor=users["billing"], kind="refund", customer=shop,
                           amount=Decimal("5.00"), reason="rest", transaction_remote_id="T2")  # fmt: skip
    with pytest.raises(AdjustmentError, match="one of the customer's payments"):
        adjustment_request(actor=users["billing"], kind="refund", customer=shop,
                           amount=Decimal("1.00"), reason="x", transaction_remote_id="T3")  # fmt: skip


def test_agents_read_the_ledger_but_ask_for_nothing(users, shop) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(AdjustmentError, match="Only the billing role"):
        adjustment_request(actor=users["agent"], kind="credit", customer=shop,
                           amount=Decimal("1.00"), reason="x")  # fmt: skip
    client = Client()
    client.force_login(users["agent"])
    response = client.post("/billing/customers/C1/adjustments/new/",
                           {"kind": "credit", "amount": "1.00", "reason": "x"})  # fmt: skip
    assert response.status_code == 403 and not Adjustment.objects.exists()


def test_without_an_outbox_it_is_done_by_hand_and_recorded(users, shop) -> None:  # type: ignore[no-untyped-def]
    BillingSource.objects.update(outbox_path="")
    adjustment = adjustment_request(actor=users["billing"], kind="credit", customer=shop,
                                    amount=Decimal("3.00"), reason="goodwill")  # fmt: skip
    assert adjustment_execute(adjustment_id=adjustment.pk) == Adjustment.Status.BY_HAND
    done = adjustment_done_by_hand(adjustment=adjustment, actor=users["billing"], reference="CR-77")
    assert done.status == Adjustment.Status.DONE and done.remote_reference == "CR-77"


def test_bill_resolves_a_charged_twice_inquiry_from_the_panel(users, shop) -> None:  # type: ignore[no-untyped-def]
    ticket = make_ticket(kind=Ticket.Kind.BILLING, customer=shop)
    finding = duplicate(shop)
    client = Client()
    client.force_login(users["billing"])
    panel = client.get(f"/billing/tickets/{ticket.pk}/panel/").content.decode()
    assert f'value="{finding.key}"' in panel and "Resolve the ticket with this finding" in panel
    response = client.post("/billing/customers/C1/adjustments/new/", {
        "kind": "refund", "amount": "9.90", "reason": "paid twice", "transaction": "T2",
        "invoice": "I1", "finding": finding.key, "ticket": str(ticket.pk)})  # fmt: skip
    assert response.status_code == 302 and response["Location"] == f"/tickets/{ticket.pk}/"
    assert Adjustment.objects.get().finding == "duplicate_payment"
    response = client.post(f"/billing/tickets/{ticket.pk}/resolve/",
                           {"finding": finding.key, "note": "refunded the bank transfer"})  # fmt: skip
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.RESOLVED
    note = Message.objects.filter(
        ticket=ticket, subject="Resolved with the verifier's finding"
    ).get()
    assert "refunded the bank transfer" in note.body and "paid 2 times" in note.body
    assert AuditEntry.objects.filter(verb="billing.ticket_resolved", ticket=ticket).exists()
