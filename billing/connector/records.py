"""The ledger as the connector hands it over: plain frozen dataclasses, no ORM, no network.

Every source (the WHMCS API, an import file) produces these, the sync writes them into the
read-only mirror tables, and the charge verifier (``billing.verifier``) reads them back from
those tables. Amounts are ``Decimal`` (never floats: a cent lost in a float is a finding that
is not there); dates are ``date`` for what the billing system keeps as a day and aware
``datetime`` for payments. Identifiers are the billing system's own, as strings: the client id
is what the registry calls a customer's ``external_id``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

# Billing cycles and their length in months (one-time and free services recur never).
CYCLE_MONTHS: dict[str, int] = {
    "monthly": 1,
    "quarterly": 3,
    "semiannually": 6,
    "annually": 12,
    "biennially": 24,
    "triennially": 36,
}
ONE_OFF_CYCLES = frozenset({"onetime", "free"})
CYCLES = frozenset(CYCLE_MONTHS) | ONE_OFF_CYCLES

CANCEL_IMMEDIATE = "immediate"
CANCEL_END_OF_PERIOD = "end_of_period"


@dataclass(frozen=True)
class ServiceRecord:
    remote_id: str
    client_id: str
    product: str
    label: str  # the domain or host name the service is for
    cycle: str  # one of CYCLES
    recurring_amount: Decimal  # per cycle
    first_payment_amount: Decimal
    currency: str
    registered_on: date | None
    next_due_on: date | None
    status: str  # pending, active, suspended, terminated, cancelled, fraud, completed
    payment_method: str = ""
    subscription_id: str = ""  # a gateway subscription that charges the service by itself


@dataclass(frozen=True)
class InvoiceItemRecord:
    remote_id: str
    kind: str  # hosting, domain, addon, item, ...
    service_remote_id: str  # "" when the line is not for a service
    description: str
    amount: Decimal
    period_start: date | None = None  # the period a recurring line bills, both days included
    period_end: date | None = None
    taxed: bool = False


@dataclass(frozen=True)
class InvoiceRecord:
    remote_id: str
    client_id: str
    number: str
    issued_on: date
    due_on: date | None
    paid_at: datetime | None
    subtotal: Decimal
    tax: Decimal
    credit: Decimal
    total: Decimal
    status: str  # paid, unpaid, cancelled, refunded, collections, draft, paymentpending
    currency: str
    payment_method: str = ""
    # None: the source did not fetch the lines this time (the invoice is unchanged since the
    # last sync and the stored lines stand); a tuple, possibly empty, replaces them.
    items: tuple[InvoiceItemRecord, ...] | None = ()


@dataclass(frozen=True)
class TransactionRecord:
    remote_id: str
    client_id: str
    invoice_remote_id: str  # "" when the payment is not for an invoice
    occurred_at: datetime
    gateway: str
    reference: str  # the gateway's transaction id
    amount_in: Decimal
    amount_out: Decimal  # refunds
    fees: Decimal
    description: str
    currency: str = ""


@dataclass(frozen=True)
class CreditRecord:
    remote_id: str
    client_id: str
    on: date
    description: str
    amount: Decimal  # positive: credit added; negative: credit applied to an invoice
    invoice_remote_id: str = ""


@dataclass(frozen=True)
class CancellationRecord:
    """A cancellation request the billing system knows of (the customer's own, made in its
    client area, or one the desk sent)."""

    service_remote_id: str
    client_id: str
    requested_at: datetime
    type: str  # CANCEL_IMMEDIATE or CANCEL_END_OF_PERIOD
    reason: str = ""


@dataclass
class LedgerSnapshot:
    """What one fetch returned. ``client_id`` set: the fetch covered that client only, and
    the sync replaces that client's rows only; None: everything the source holds."""

    client_id: str | None = None
    services: list[ServiceRecord] = field(default_factory=list)
    invoices: list[InvoiceRecord] = field(default_factory=list)
    transactions: list[TransactionRecord] = field(default_factory=list)
    credits: list[CreditRecord] = field(default_factory=list)
    cancellations: list[CancellationRecord] = field(default_factory=list)
    # Whether the source said anything about credits and cancellations (a WHMCS fetch
    # returns no cancellation list; an import without the file keeps what is stored).
    has_credits: bool = True
    has_cancellations: bool = True
    calls: int = 0  # requests made (API) or files read (import)
    unchanged: bool = False  # the source is byte for byte what the last sync wrote


def invoice_fingerprint(invoice: InvoiceRecord) -> str:
    """What tells a changed invoice from an unchanged one without fetching its lines."""
    return "|".join(
        str(value)
        for value in (
            invoice.issued_on,
            invoice.due_on,
            invoice.paid_at,
            invoice.subtotal,
            invoice.tax,
            invoice.credit,
            invoice.total,
            invoice.status,
        )
    )
