"""The charge verifier on crafted ledgers: each check finds the planted mistake, says why
with the numbers, and stays quiet on a correct ledger (billing/verifier.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from billing.connector.records import (
    CANCEL_END_OF_PERIOD,
    CANCEL_IMMEDIATE,
    CancellationRecord,
    InvoiceItemRecord,
    InvoiceRecord,
    ServiceRecord,
    TransactionRecord,
)
from billing.verifier import (
    AFTER_CANCELLATION,
    DUPLICATE_PAYMENT,
    INVOICE_AMOUNT,
    INVOICE_DATE,
    INVOICE_TOTAL,
    PAID_WHILE_SUSPENDED,
    Ledger,
    Suspension,
    add_months,
    expected_line_amount,
    verify,
)

D = Decimal


def service(**kw: object) -> ServiceRecord:
    base: dict[str, object] = dict(
        remote_id="S1", client_id="C1", product="Web Hosting", label="shop.example",
        cycle="monthly", recurring_amount=D("9.90"), first_payment_amount=D("9.90"),
        currency="EUR", registered_on=date(2025, 1, 1), next_due_on=date(2025, 7, 1),
        status="active", payment_method="paypal", subscription_id="",
    )  # fmt: skip
    base.update(kw)
    return ServiceRecord(**base)  # type: ignore[arg-type]


def line(amount: str, start: date | None, end: date | None, *, service_id: str = "S1",
         remote_id: str = "L1") -> InvoiceItemRecord:  # fmt: skip
    return InvoiceItemRecord(remote_id=remote_id, kind="hosting", service_remote_id=service_id,
                             description="Web Hosting - shop.example", amount=D(amount),
                             period_start=start, period_end=end)  # fmt: skip


def invoice(remote_id: str, issued: date, items: tuple[InvoiceItemRecord, ...], *,
            status: str = "paid", total: str | None = None, tax: str = "0.00",
            paid_at: datetime | None = None) -> InvoiceRecord:  # fmt: skip
    subtotal = sum((i.amount for i in items), D("0.00"))
    return InvoiceRecord(
        remote_id=remote_id, client_id="C1", number=f"INV-{remote_id}", issued_on=issued,
        due_on=issued, paid_at=paid_at, subtotal=subtotal, tax=D(tax), credit=D("0.00"),
        total=D(total) if total is not None else subtotal + D(tax), status=status,
        currency="EUR", items=items,
    )  # fmt: skip


def payment(remote_id: str, invoice_id: str, amount: str, at: datetime, *,
            gateway: str = "paypal", reference: str = "", out: str = "0.00") -> TransactionRecord:  # fmt: skip
    return TransactionRecord(remote_id=remote_id, client_id="C1", invoice_remote_id=invoice_id,
                             occurred_at=at, gateway=gateway, reference=reference or f"ref-{remote_id}",
                             amount_in=D(amount), amount_out=D(out), fees=D("0.00"),
                             description="Invoice Payment")  # fmt: skip


def at(y: int, m: int, d: int, h: int = 10) -> datetime:
    return datetime(y, m, d, h, tzinfo=UTC)


def monthly_invoices(months: range) -> list[InvoiceRecord]:
    """Correct monthly invoices of S1 for 2025-<m>."""
    return [
        invoice(f"{m}", date(2025, m, 1),
                (line("9.90", date(2025, m, 1), add_months(date(2025, m, 1), 1).replace(day=1)
                      - (date(2025, 2, 1) - date(2025, 1, 31))),))
        for m in months
    ]  # fmt: skip


def clean_ledger() -> Ledger:
    invoices = monthly_invoices(range(1, 7))
    payments = [payment(f"T{i.remote_id}", i.remote_id, "9.90", at(2025, int(i.remote_id), 1))
                for i in invoices]  # fmt: skip
    return Ledger(services=[service()], invoices=invoices, transactions=payments)


def checks(ledger: Ledger) -> list[str]:
    return [f.check for f in verify(ledger)]


def test_a_correct_ledger_has_no_finding() -> None:
    assert verify(clean_ledger()) == []


def test_add_months_clamps_to_the_month_end_without_drifting() -> None:
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2025, 1, 31), 2) == date(2025, 3, 31)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2025, 3, 15), -3) == date(2024, 12, 15)


# --- invoice_amount ----------------------------------------------------------------------


def test_a_line_that_bills_three_months_for_one_is_found_with_the_arithmetic() -> None:
    ledger = clean_ledger()
    wrong = invoice("7", date(2025, 6, 20),
                    (line("29.70", date(2025, 7, 1), date(2025, 7, 31)),), status="unpaid")  # fmt: skip
    found = verify(Ledger(services=ledger.services, invoices=[*ledger.invoices, wrong],
                          transactions=ledger.transactions))  # fmt: skip
    assert [f.check for f in found] == [INVOICE_AMOUNT]
    finding = found[0]
    assert finding.invoice_remote_id == "7" and finding.amount == D("19.80")
    text = finding.as_text()
    assert "29.70" in text and "9.90" in text and "1 monthly cycle(s)" in text
    assert "Overcharged by 19.80" in text


def test_a_prorated_first_period_is_accepted_and_a_wrong_proration_is_not() -> None:
    s = service(registered_on=date(2025, 1, 16), next_due_on=date(2025, 3, 1))
    # 16 days of January (31 days from the 16th's cycle: Jan 16 - Feb 15) at 9.90
    expected, how = expected_line_amount(s, line("0", date(2025, 1, 16), date(2025, 1, 31)))
    assert expected == D("5.11") and "16 of 31 days" in how
    right = invoice("1", date(2025, 1, 16), (line("5.11", date(2025, 1, 16), date(2025, 1, 31)),))
    wrong = invoice("2", date(2025, 1, 16), (line("9.90", date(2025, 1, 16), date(2025, 1, 31)),))
    assert checks(Ledger(services=[s], invoices=[right])) == []
    found = verify(Ledger(services=[s], invoices=[wrong]))
    assert [f.check for f in found] == [INVOICE_AMOUNT]
    assert found[0].amount == D("4.79")


def test_an_annual_line_for_a_whole_year_is_right() -> None:
    s = service(cycle="annually", recurring_amount=D("99.00"), next_due_on=date(2026, 3, 1),
                registered_on=date(2024, 3, 1))  # fmt: skip
    good = invoice("1", date(2025, 3, 1), (line("99.00", date(2025, 3, 1), date(2026, 2, 28)),))
    assert checks(Ledger(services=[s], invoices=[good])) == []


def test_a_line_without_a_period_must_be_the_price_or_the_first_payment() -> None:
    s = service(first_payment_amount=D("14.90"))
    ok = [invoice("1", date(2025, 1, 1), (line("14.90", None, None),)),
          invoice("2", date(2025, 2, 1), (line("9.90", None, None, remote_id="L2"),))]  # fmt: skip
    bad = invoice("3", date(2025, 3, 1), (line("12.00", None, None, remote_id="L3"),))
    assert checks(Ledger(services=[s], invoices=ok)) == []
    assert checks(Ledger(services=[s], invoices=[*ok, bad])) == [INVOICE_AMOUNT]


def test_cancelled_invoices_charge_nothing_and_are_not_checked() -> None:
    s = service()
    void = invoice("9", date(2025, 3, 1), (line("99.00", date(2025, 3, 1), date(2025, 3, 31)),),
                   status="cancelled")  # fmt: skip
    assert verify(Ledger(services=[s], invoices=[void])) == []


# --- invoice_total -----------------------------------------------------------------------


def test_an_invoice_whose_total_is_not_its_lines_plus_tax_is_found() -> None:
    s = service()
    lines = (line("9.90", date(2025, 3, 1), date(2025, 3, 31)),)
    good = invoice("1", date(2025, 3, 1), lines, tax="1.88")
    bad = invoice("2", date(2025, 3, 1), lines, tax="1.88", total="13.78")
    assert checks(Ledger(services=[s], invoices=[good])) == []
    found = verify(Ledger(services=[s], invoices=[bad]))
    assert [f.check for f in found] == [INVOICE_TOTAL]
    assert found[0].amount == D("2.00")
    assert "11.78" in found[0].as_text() and "13.78" in found[0].as_text()


# --- invoice_date ------------------------------------------------------------------------


def test_a_period_off_the_due_day_is_found_with_the_nearest_due_date() -> None:
    s = service()  # falls due on the 1st
    off = invoice("1", date(2025, 3, 15), (line("9.90", date(2025, 3, 15), date(2025, 4, 14)),))
    found = verify(Ledger(services=[s], invoices=[off]))
    assert [f.check for f in found] == [INVOICE_DATE]
    assert "2025-03-15" in found[0].title and "nearest due date is 2025-03-01" in found[0].as_text()


def test_a_paid_renewal_for_a_period_not_yet_due_is_found() -> None:
    s = service(next_due_on=date(2025, 7, 1))
    early = invoice("7", date(2025, 6, 10), (line("9.90", date(2025, 7, 1), date(2025, 7, 31)),),
                    paid_at=at(2025, 6, 10))  # fmt: skip
    found = verify(Ledger(services=[s], invoices=[early]))
    assert [f.check for f in found] == [INVOICE_DATE]
    assert found[0].amount == D("9.90")
    assert "before it fell due" in found[0].title
    # the same invoice unpaid is just generated ahead of its due date, as billing systems do
    unpaid = invoice("7", date(2025, 6, 10), early.items or (), status="unpaid")
    assert verify(Ledger(services=[s], invoices=[unpaid])) == []


# --- duplicate_payment -------------------------------------------------------------------


def test_a_subscription_and_a_manual_payment_of_one_invoice_are_found() -> None:
    s = service(subscription_id="I-SUB123", payment_method="paypal")
    inv = invoice("5", date(2025, 5, 1), (line("9.90", date(2025, 5, 1), date(2025, 5, 31)),))
    pays = [payment("T1", "5", "9.90", at(2025, 5, 1), gateway="paypal"),
            payment("T2", "5", "9.90", at(2025, 5, 2), gateway="banktransfer")]  # fmt: skip
    found = verify(Ledger(services=[s], invoices=[inv], transactions=pays))
    assert [f.check for f in found] == [DUPLICATE_PAYMENT]
    finding = found[0]
    assert finding.amount == D("9.90")
    assert finding.transaction_remote_ids == ("T1", "T2")
    assert "gateway subscription plus manual payment" in finding.title
    assert "gateway subscription I-SUB123" in finding.as_text()
    assert "banktransfer" in finding.as_text()


def test_a_duplicate_already_refunded_is_no_longer_found() -> None:
    s = service()
    inv = invoice("5", date(2025, 5, 1), (line("9.90", date(2025, 5, 1), date(2025, 5, 31)),))
    pays = [payment("T1", "5", "9.90", at(2025, 5, 1)),
            payment("T2", "5", "9.90", at(2025, 5, 2), gateway="banktransfer"),
            payment("T3", "5", "0.00", at(2025, 5, 9), out="9.90")]  # fmt: skip
    assert verify(Ledger(services=[s], invoices=[inv], transactions=pays)) == []


def test_a_payment_on_no_invoice_matching_a_paid_one_days_apart_is_found() -> None:
    s = service()
    inv = invoice("5", date(2025, 5, 1), (line("9.90", date(2025, 5, 1), date(2025, 5, 31)),))
    pays = [payment("T1", "5", "9.90", at(2025, 5, 1)),
            payment("T2", "", "9.90", at(2025, 5, 3), gateway="banktransfer")]  # fmt: skip
    found = verify(Ledger(services=[s], invoices=[inv], transactions=pays))
    assert [f.check for f in found] == [DUPLICATE_PAYMENT]
    assert found[0].transaction_remote_ids == ("T1", "T2")
    far = [pays[0], payment("T2", "", "9.90", at(2025, 5, 20), gateway="banktransfer")]
    assert verify(Ledger(services=[s], invoices=[inv], transactions=far)) == []


def test_two_partial_payments_adding_up_to_the_total_are_not_a_duplicate() -> None:
    s = service()
    inv = invoice("5", date(2025, 5, 1), (line("9.90", date(2025, 5, 1), date(2025, 5, 31)),))
    pays = [payment("T1", "5", "5.00", at(2025, 5, 1)), payment("T2", "5", "4.90", at(2025, 5, 2))]
    assert verify(Ledger(services=[s], invoices=[inv], transactions=pays)) == []


# --- after_cancellation ------------------------------------------------------------------


def test_an_invoice_after_an_immediate_cancellation_is_found() -> None:
    s = service(next_due_on=date(2025, 6, 1))
    cancel = CancellationRecord(service_remote_id="S1", client_id="C1",
                                requested_at=at(2025, 5, 10), type=CANCEL_IMMEDIATE)  # fmt: skip
    before = invoice("5", date(2025, 5, 1), (line("9.90", date(2025, 5, 1), date(2025, 5, 31)),))
    after = invoice("6", date(2025, 5, 20), (line("9.90", date(2025, 6, 1), date(2025, 6, 30)),),
                    status="unpaid")  # fmt: skip
    found = verify(Ledger(services=[s], invoices=[before, after], cancellations=[cancel]))
    assert [f.check for f in found] == [AFTER_CANCELLATION]
    assert found[0].invoice_remote_id == "6" and found[0].amount == D("9.90")
    assert "effective 2025-05-10" in found[0].as_text()


def test_end_of_period_cancellation_lets_the_period_run_and_catches_the_next() -> None:
    s = service(next_due_on=date(2025, 6, 1))
    cancel = CancellationRecord(service_remote_id="S1", client_id="C1",
                                requested_at=at(2025, 5, 10), type=CANCEL_END_OF_PERIOD)  # fmt: skip
    # issued after the request but for the period the request fell in: fine
    current = invoice("5", date(2025, 5, 12), (line("9.90", date(2025, 5, 1), date(2025, 5, 31)),))
    next_one = invoice("6", date(2025, 5, 25), (line("9.90", date(2025, 6, 1), date(2025, 6, 30)),),
                       status="unpaid")  # fmt: skip
    found = verify(Ledger(services=[s], invoices=[current, next_one], cancellations=[cancel]))
    assert [(f.check, f.invoice_remote_id) for f in found] == [(AFTER_CANCELLATION, "6")]
    assert "effective 2025-06-01" in found[0].as_text()


# --- paid_while_suspended ----------------------------------------------------------------


def test_a_payment_taken_while_our_suspension_stood_is_found() -> None:
    ledger = clean_ledger()
    suspension = Suspension(start=at(2025, 3, 20), end=at(2025, 4, 5), service_remote_ids=None,
                            what="suspended", reference="action #12")  # fmt: skip
    found = verify(Ledger(services=ledger.services, invoices=ledger.invoices,
                          transactions=ledger.transactions, suspensions=[suspension]))  # fmt: skip
    assert [(f.check, f.transaction_remote_ids) for f in found] == [(PAID_WHILE_SUSPENDED, ("T4",))]
    assert "action #12" in found[0].as_text() and found[0].amount == D("9.90")


def test_a_suspension_of_another_service_does_not_cover_this_payment() -> None:
    ledger = clean_ledger()
    other = Suspension(start=at(2025, 3, 20), end=None, service_remote_ids=frozenset({"S9"}),
                       what="suspended", reference="action #13")  # fmt: skip
    assert verify(Ledger(services=ledger.services, invoices=ledger.invoices,
                         transactions=ledger.transactions, suspensions=[other])) == []  # fmt: skip
    mine = Suspension(start=at(2025, 3, 20), end=None, service_remote_ids=frozenset({"S1"}),
                      what="terminated", reference="action #14")  # fmt: skip
    found = verify(Ledger(services=ledger.services, invoices=ledger.invoices,
                          transactions=ledger.transactions, suspensions=[mine]))  # fmt: skip
    assert [f.transaction_remote_ids for f in found] == [("T4",), ("T5",), ("T6",)]
    assert all("terminated" in f.title for f in found)


@pytest.mark.parametrize(
    "cycle, months", [("quarterly", 3), ("semiannually", 6), ("biennially", 24)]
)
def test_longer_cycles_bill_on_their_own_schedule(cycle: str, months: int) -> None:
    s = service(
        cycle=cycle, recurring_amount=D("30.00"), next_due_on=add_months(date(2025, 1, 1), months)
    )
    start = date(2025, 1, 1)
    end = add_months(start, months) - (date(2025, 1, 2) - date(2025, 1, 1))
    good = invoice("1", start, (line("30.00", start, end),))
    assert verify(Ledger(services=[s], invoices=[good])) == []
    off = invoice(
        "2",
        date(2025, 2, 1),
        (
            line(
                "30.00",
                date(2025, 2, 1),
                add_months(date(2025, 2, 1), months) - (date(2025, 1, 2) - date(2025, 1, 1)),
            ),
        ),
    )
    assert checks(Ledger(services=[s], invoices=[off])) == [INVOICE_DATE]
