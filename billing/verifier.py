"""The charge verifier: checks one customer's ledger and says, with the evidence, what looks
wrong (docs/architecture.md "billing/"). Pure: records in, findings out, no ORM, no clock.

The checks:

- ``invoice_amount``: a line billing a service does not come to the service's recurring
  amount times the cycles its period covers. A period shorter than one cycle is prorated by
  days (a first invoice aligning a service to its due day); a line without a period must be
  the recurring amount or the first payment amount.
- ``invoice_total``: the invoice's subtotal is not the sum of its lines, or its total is not
  subtotal plus tax (less any credit applied).
- ``invoice_date``: a line bills a period that does not start on the service's due-date
  schedule (the next due date stepped back or forth by whole cycles), or a paid invoice bills
  a period at or after the next due date (the billing system says the service is not due
  yet, so the renewal was charged early or twice).
- ``duplicate_payment``: the payments on an invoice come to more than its total (typically a
  gateway subscription charging by itself while the customer also paid by hand), or a
  payment not linked to any invoice matches an invoice already paid, within days.
- ``after_cancellation``: a line bills a service for a period after its cancellation took
  effect (at once, or at the end of the billing period the request fell in).
- ``paid_while_suspended``: a payment was taken while the desk's own suspension (or
  termination) of the service or customer stood.

Cancelled, draft and refunded invoices charge nothing and are not checked. Amounts are
compared to the cent, with a tolerance for proration (``PRORATION_TOLERANCE`` of the
recurring amount, at least two cents), since billing systems prorate by days in the month
or in the cycle.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from billing.connector.records import (
    CANCEL_IMMEDIATE,
    CYCLE_MONTHS,
    CancellationRecord,
    InvoiceItemRecord,
    InvoiceRecord,
    ServiceRecord,
    TransactionRecord,
)

CENT = Decimal("0.01")
PRORATION_TOLERANCE = Decimal("0.01")  # of the recurring amount
DUPLICATE_WINDOW_DAYS = 3
NOT_CHARGING = frozenset({"cancelled", "draft", "refunded"})

INVOICE_AMOUNT = "invoice_amount"
INVOICE_TOTAL = "invoice_total"
INVOICE_DATE = "invoice_date"
DUPLICATE_PAYMENT = "duplicate_payment"
AFTER_CANCELLATION = "after_cancellation"
PAID_WHILE_SUSPENDED = "paid_while_suspended"
CHECKS = {
    INVOICE_AMOUNT: "Amount does not match the service's price",
    INVOICE_TOTAL: "Invoice does not add up",
    INVOICE_DATE: "Invoice date disagrees with the due date",
    DUPLICATE_PAYMENT: "Paid twice",
    AFTER_CANCELLATION: "Billed after cancellation",
    PAID_WHILE_SUSPENDED: "Paid while suspended by us",
}


@dataclass(frozen=True)
class Suspension:
    """A time the desk itself held a service (or the whole customer) down."""

    start: datetime
    end: datetime | None  # None: still in force
    service_remote_ids: frozenset[str] | None  # None: every service of the customer
    what: str  # "suspended" or "terminated"
    reference: str  # "action #12"


@dataclass(frozen=True)
class Ledger:
    services: Sequence[ServiceRecord] = ()
    invoices: Sequence[InvoiceRecord] = ()
    transactions: Sequence[TransactionRecord] = ()
    cancellations: Sequence[CancellationRecord] = ()
    suspensions: Sequence[Suspension] = ()


@dataclass(frozen=True)
class Finding:
    check: str
    title: str
    evidence: tuple[str, ...]
    amount: Decimal  # what is at stake for the customer (0 when nothing was overcharged)
    invoice_remote_id: str = ""
    transaction_remote_ids: tuple[str, ...] = ()
    service_remote_id: str = ""

    @property
    def key(self) -> str:
        """Stable across runs: what a request or a note refers to."""
        parts = [self.check, self.invoice_remote_id, self.service_remote_id,
                 ",".join(self.transaction_remote_ids)]  # fmt: skip
        return ":".join(parts)

    @property
    def label(self) -> str:
        return CHECKS.get(self.check, self.check)

    def as_text(self) -> str:
        return "\n".join([f"{self.label}: {self.title}", *(f"- {line}" for line in self.evidence)])


@dataclass
class _Context:
    ledger: Ledger
    services: dict[str, ServiceRecord] = field(default_factory=dict)
    invoices: dict[str, InvoiceRecord] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.services = {s.remote_id: s for s in self.ledger.services}
        self.invoices = {i.remote_id: i for i in self.ledger.invoices}


# --- dates -----------------------------------------------------------------------------------


def add_months(anchor: date, months: int) -> date:
    """``anchor`` moved by whole months, the day clamped to the month's last (Jan 31 + 1 =
    Feb 28/29), always counted from the anchor so a schedule never drifts."""
    index = anchor.year * 12 + anchor.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(anchor.day, last))


def on_schedule(day: date, *, anchor: date, months: int) -> bool:
    return nearest_due(day, anchor=anchor, months=months) == day


def _months_apart(day: date, anchor: date) -> int:
    return (day.year - anchor.year) * 12 + day.month - anchor.month


def nearest_due(day: date, *, anchor: date, months: int) -> date:
    """The due date of the schedule (``anchor`` ± whole cycles) nearest to ``day``."""
    k = round(_months_apart(day, anchor) / months)
    candidates = [add_months(anchor, (k + d) * months) for d in (-1, 0, 1)]
    return min(candidates, key=lambda c: (abs((c - day).days), c))


def first_due_on_or_after(day: date, *, anchor: date, months: int) -> date:
    k = _months_apart(day, anchor) // months - 1
    while add_months(anchor, k * months) < day:
        k += 1
    return add_months(anchor, k * months)


def _money(value: Decimal) -> str:
    return f"{value.quantize(CENT):,.2f}"


def _day(value: date | datetime) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return value.strftime("%Y-%m-%d")


def _cycle_text(service: ServiceRecord) -> str:
    return service.cycle


def _service_name(service: ServiceRecord) -> str:
    name = " ".join(p for p in (service.product, service.label) if p)
    return f"service {service.remote_id}" + (f" ({name})" if name else "")


def _invoice_name(invoice: InvoiceRecord) -> str:
    return f"invoice {invoice.number or invoice.remote_id}"


# --- the checks ------------------------------------------------------------------------------


def expected_line_amount(service: ServiceRecord, item: InvoiceItemRecord) -> tuple[Decimal, str]:
    """What a line for ``service`` should come to, and how that was worked out."""
    months = CYCLE_MONTHS[service.cycle]
    price = service.recurring_amount
    if item.period_start is None or item.period_end is None or item.period_end < item.period_start:
        return price, f"one {service.cycle} cycle at {_money(price)}"
    start, end = item.period_start, item.period_end
    whole = 0
    while add_months(start, (whole + 1) * months) - timedelta(days=1) <= end:
        whole += 1
        if whole > 1200:
            break
    cycles_end = add_months(start, whole * months) - timedelta(days=1)
    if cycles_end == end:
        return price * whole, f"{whole} {service.cycle} cycle(s) at {_money(price)}"
    rest_start = cycles_end + timedelta(days=1)
    full_days = (add_months(rest_start, months) - rest_start).days
    rest_days = (end - rest_start).days + 1
    prorated = (price * rest_days / full_days).quantize(CENT, rounding=ROUND_HALF_UP)
    how = f"{rest_days} of {full_days} days of a {service.cycle} cycle at {_money(price)}"
    if whole:
        how = f"{whole} cycle(s) at {_money(price)} plus {how}"
    return price * whole + prorated, how


def _tolerance(service: ServiceRecord, item: InvoiceItemRecord) -> Decimal:
    prorated = item.period_start is not None and item.period_end is not None
    if not prorated:
        return Decimal("0.00")
    return max(Decimal("0.02"), (service.recurring_amount * PRORATION_TOLERANCE).quantize(CENT))


def _recurring_lines(
    ctx: _Context,
) -> Iterable[tuple[InvoiceRecord, InvoiceItemRecord, ServiceRecord]]:
    for invoice in ctx.ledger.invoices:
        if invoice.status in NOT_CHARGING:
            continue
        for item in invoice.items or ():
            service = ctx.services.get(item.service_remote_id)
            if service is not None and service.cycle in CYCLE_MONTHS:
                yield invoice, item, service


def check_invoice_amounts(ctx: _Context) -> list[Finding]:
    found = []
    for invoice, item, service in _recurring_lines(ctx):
        expected, how = expected_line_amount(service, item)
        no_period = item.period_start is None or item.period_end is None
        if no_period and item.amount in (service.recurring_amount, service.first_payment_amount):
            continue
        difference = item.amount - expected
        if abs(difference) <= _tolerance(service, item):
            continue
        period = (
            f" for {_day(item.period_start)} to {_day(item.period_end)}"
            if item.period_start and item.period_end
            else ""
        )
        found.append(
            Finding(
                check=INVOICE_AMOUNT,
                title=(
                    f"{_invoice_name(invoice)} bills {_money(item.amount)} for "
                    f"{_service_name(service)}; expected {_money(expected)}"
                ),
                evidence=(
                    f"Line {item.remote_id} “{item.description[:120]}”: {_money(item.amount)}{period}.",
                    f"The service recurs at {_money(service.recurring_amount)} "
                    f"{_cycle_text(service)}: expected {how} = {_money(expected)}.",
                    ("Overcharged by " if difference > 0 else "Undercharged by ")
                    + f"{_money(abs(difference))}.",
                ),
                amount=max(difference, Decimal("0.00")),
                invoice_remote_id=invoice.remote_id,
                service_remote_id=service.remote_id,
            )
        )
    return found


def check_invoice_totals(ctx: _Context) -> list[Finding]:
    found = []
    for invoice in ctx.ledger.invoices:
        if invoice.status in NOT_CHARGING or not invoice.items:
            continue
        lines = sum((i.amount for i in invoice.items), Decimal("0.00"))
        evidence = []
        at_stake = Decimal("0.00")
        if lines != invoice.subtotal:
            evidence.append(
                f"The lines come to {_money(lines)}; the subtotal says {_money(invoice.subtotal)}."
            )
            at_stake = max(at_stake, invoice.subtotal - lines)
        gross = invoice.subtotal + invoice.tax
        if invoice.total not in (gross, gross - invoice.credit):
            evidence.append(
                f"Subtotal {_money(invoice.subtotal)} plus tax {_money(invoice.tax)} is "
                f"{_money(gross)}; the total says {_money(invoice.total)}."
            )
            at_stake = max(at_stake, invoice.total - gross)
        if evidence:
            found.append(
                Finding(
                    check=INVOICE_TOTAL,
                    title=f"{_invoice_name(invoice)} does not add up",
                    evidence=tuple(evidence),
                    amount=at_stake,
                    invoice_remote_id=invoice.remote_id,
                )
            )
    return found


def check_invoice_dates(ctx: _Context) -> list[Finding]:
    found = []
    for invoice, item, service in _recurring_lines(ctx):
        if service.next_due_on is None:
            continue
        months = CYCLE_MONTHS[service.cycle]
        start = item.period_start or invoice.due_on or invoice.issued_on
        what = "bills from" if item.period_start else "falls due on"
        if start == service.registered_on:
            pass  # the first period starts when the service was ordered
        elif not on_schedule(start, anchor=service.next_due_on, months=months):
            expected = nearest_due(start, anchor=service.next_due_on, months=months)
            found.append(
                Finding(
                    check=INVOICE_DATE,
                    title=(
                        f"{_invoice_name(invoice)} {what} {_day(start)}, off the due dates "
                        f"of {_service_name(service)}"
                    ),
                    evidence=(
                        f"Line {item.remote_id} “{item.description[:120]}” {what} {_day(start)}.",
                        f"The service falls due every {months} month(s), next on "
                        f"{_day(service.next_due_on)}: the nearest due date is {_day(expected)}.",
                    ),
                    amount=Decimal("0.00"),
                    invoice_remote_id=invoice.remote_id,
                    service_remote_id=service.remote_id,
                )
            )
            continue
        if invoice.status == "paid" and start >= service.next_due_on:
            found.append(
                Finding(
                    check=INVOICE_DATE,
                    title=(
                        f"{_invoice_name(invoice)} charged a renewal of "
                        f"{_service_name(service)} before it fell due"
                    ),
                    evidence=(
                        f"Line {item.remote_id} “{item.description[:120]}” {what} {_day(start)} "
                        f"and was paid"
                        + (f" on {_day(invoice.paid_at)}" if invoice.paid_at else "")
                        + ".",
                        f"The billing system's next due date for the service is "
                        f"{_day(service.next_due_on)}: that period was not due yet.",
                    ),
                    amount=item.amount,
                    invoice_remote_id=invoice.remote_id,
                    service_remote_id=service.remote_id,
                )
            )
    return found


def _payment_line(t: TransactionRecord, ctx: _Context, invoice: InvoiceRecord | None) -> str:
    how = "manual payment"
    services = [
        ctx.services[i.service_remote_id]
        for i in (invoice.items or () if invoice else ())
        if i.service_remote_id in ctx.services
    ]
    for service in services:
        if service.subscription_id and t.gateway and t.gateway == service.payment_method:
            how = f"gateway subscription {service.subscription_id}"
            break
    else:
        if not t.gateway:
            how = "payment"
    reference = f" ref {t.reference}" if t.reference else ""
    return (f"Transaction {t.remote_id}: {_money(t.amount_in)} on {_day(t.occurred_at)} via "
            f"{t.gateway or 'unknown gateway'}{reference} ({how}).")  # fmt: skip


def check_duplicate_payments(ctx: _Context) -> list[Finding]:
    found = []
    by_invoice: dict[str, list[TransactionRecord]] = {}
    unlinked = []
    for t in ctx.ledger.transactions:
        if t.invoice_remote_id:
            by_invoice.setdefault(t.invoice_remote_id, []).append(t)
        elif t.amount_in > 0:
            unlinked.append(t)
    for invoice_id, payments in sorted(by_invoice.items()):
        invoice = ctx.invoices.get(invoice_id)
        if invoice is None:
            continue
        incoming = sorted((t for t in payments if t.amount_in > 0), key=lambda t: t.occurred_at)
        net = sum((t.amount_in - t.amount_out for t in payments), Decimal("0.00"))
        excess = net - invoice.total
        if len(incoming) >= 2 and excess > CENT / 2:
            lines = [_payment_line(t, ctx, invoice) for t in incoming]
            kinds = {"subscription" in line for line in lines}
            title = (
                f"{_invoice_name(invoice)} ({_money(invoice.total)}) was paid {len(incoming)} times"
            )
            if kinds == {True, False}:
                title += " (gateway subscription plus manual payment)"
            refunded = sum((t.amount_out for t in payments), Decimal("0.00"))
            found.append(
                Finding(
                    check=DUPLICATE_PAYMENT,
                    title=title,
                    evidence=(
                        *lines,
                        (f"Refunded so far: {_money(refunded)}. " if refunded else "")
                        + f"Received {_money(net)} net against a total of "
                        f"{_money(invoice.total)}: {_money(excess)} too much.",
                    ),
                    amount=excess,
                    invoice_remote_id=invoice.remote_id,
                    transaction_remote_ids=tuple(t.remote_id for t in incoming),
                )
            )
        elif incoming and excess >= -CENT / 2:
            # Fully paid: a stray payment of the same amount, days apart, is a likely repeat.
            last = incoming[-1]
            for stray in unlinked:
                if stray.amount_in == invoice.total and abs(
                    stray.occurred_at - last.occurred_at
                ) <= timedelta(days=DUPLICATE_WINDOW_DAYS):
                    found.append(
                        Finding(
                            check=DUPLICATE_PAYMENT,
                            title=(
                                f"{_invoice_name(invoice)} is paid, and a further payment of "
                                f"the same amount is on no invoice"
                            ),
                            evidence=(
                                _payment_line(last, ctx, invoice),
                                _payment_line(stray, ctx, None) + " It is linked to no invoice.",
                            ),
                            amount=stray.amount_in,
                            invoice_remote_id=invoice.remote_id,
                            transaction_remote_ids=(last.remote_id, stray.remote_id),
                        )
                    )
    return found


def cancellation_effective(cancellation: CancellationRecord, service: ServiceRecord | None) -> date:
    """When a cancellation takes effect: at once, or at the end of the billing period the
    request fell in (the first due date on or after the request)."""
    requested = cancellation.requested_at.date()
    if (
        cancellation.type == CANCEL_IMMEDIATE
        or service is None
        or service.next_due_on is None
        or service.cycle not in CYCLE_MONTHS
    ):
        return requested
    return first_due_on_or_after(
        requested, anchor=service.next_due_on, months=CYCLE_MONTHS[service.cycle]
    )


def check_after_cancellation(ctx: _Context) -> list[Finding]:
    found = []
    for cancellation in sorted(ctx.ledger.cancellations, key=lambda c: c.requested_at):
        service = ctx.services.get(cancellation.service_remote_id)
        effective = cancellation_effective(cancellation, service)
        requested = cancellation.requested_at.date()
        for invoice in ctx.ledger.invoices:
            if invoice.status in NOT_CHARGING or invoice.issued_on < requested:
                continue
            for item in invoice.items or ():
                if item.service_remote_id != cancellation.service_remote_id:
                    continue
                start = item.period_start or invoice.due_on or invoice.issued_on
                if start < effective:
                    continue
                paid = (
                    f" and was paid on {_day(invoice.paid_at)}"
                    if invoice.status == "paid" and invoice.paid_at
                    else f" ({invoice.status})"
                )
                name = _service_name(service) if service else f"service {item.service_remote_id}"
                kind = (
                    "at once"
                    if cancellation.type == CANCEL_IMMEDIATE
                    else "at the end of the billing period"
                )
                found.append(
                    Finding(
                        check=AFTER_CANCELLATION,
                        title=f"{_invoice_name(invoice)} bills {name} after its cancellation",
                        evidence=(
                            f"Cancellation requested {_day(cancellation.requested_at)}, {kind}: "
                            f"effective {_day(effective)}.",
                            f"{_invoice_name(invoice).capitalize()} issued {_day(invoice.issued_on)} "
                            f"bills {_money(item.amount)} from {_day(start)}{paid}.",
                        ),
                        amount=item.amount,
                        invoice_remote_id=invoice.remote_id,
                        service_remote_id=item.service_remote_id,
                    )
                )
    return found


def check_paid_while_suspended(ctx: _Context) -> list[Finding]:
    found = []
    for t in ctx.ledger.transactions:
        if t.amount_in <= 0:
            continue
        invoice = ctx.invoices.get(t.invoice_remote_id)
        billed = {i.service_remote_id for i in (invoice.items or () if invoice else ())}
        for s in ctx.ledger.suspensions:
            if t.occurred_at < s.start or (s.end is not None and t.occurred_at >= s.end):
                continue
            if s.service_remote_ids is not None and not (billed & s.service_remote_ids):
                continue
            until = f"until {_day(s.end)}" if s.end else "still in force"
            scope = (
                "the customer's services"
                if s.service_remote_ids is None
                else "service " + ", ".join(sorted(s.service_remote_ids))
            )
            found.append(
                Finding(
                    check=PAID_WHILE_SUSPENDED,
                    title=(
                        f"{_money(t.amount_in)} taken on {_day(t.occurred_at)} while we had "
                        f"{scope} {s.what}"
                    ),
                    evidence=(
                        _payment_line(t, ctx, invoice),
                        f"The desk {s.what} {scope} on {_day(s.start)} ({s.reference}), {until}.",
                    ),
                    amount=t.amount_in,
                    invoice_remote_id=t.invoice_remote_id,
                    transaction_remote_ids=(t.remote_id,),
                )
            )
            break
    return found


def verify(ledger: Ledger) -> list[Finding]:
    """Every finding on ``ledger``, most money at stake first."""
    ctx = _Context(ledger)
    found = [
        *check_duplicate_payments(ctx),
        *check_invoice_amounts(ctx),
        *check_invoice_totals(ctx),
        *check_invoice_dates(ctx),
        *check_after_cancellation(ctx),
        *check_paid_while_suspended(ctx),
    ]
    return sorted(found, key=lambda f: (-f.amount, f.check, f.key))
