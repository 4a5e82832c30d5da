"""Billing's reads: who may read the ledger, one customer's ledger as the panel shows it, and
the same ledger as the charge verifier takes it (docs/architecture.md "billing/").

The verifier's suspensions come from the desk's own countermeasures (``complaints`` actions):
a suspension done stands until it is reverted or an unsuspension is done; a termination
stands for good. An action on one of the customer's services covers the ledger services
linked to that registry service; an action without a service covers them all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db.models import Prefetch, QuerySet

from accounts import roles
from accounts.roles import AnyUser
from billing.connector.records import (
    CancellationRecord,
    InvoiceItemRecord,
    InvoiceRecord,
    ServiceRecord,
    TransactionRecord,
)
from billing.models import (
    Adjustment,
    BillingSource,
    Inquiry,
    LedgerCancellation,
    LedgerCredit,
    LedgerInvoice,
    LedgerInvoiceItem,
    LedgerService,
    LedgerTransaction,
)
from billing.verifier import Finding, Ledger, Suspension, verify
from complaints.models import Action, ActionKind, Ticket
from customers.models import Customer

# Who reads the ledger: agents read only; billing also requests refunds and credits.
LEDGER_READERS = frozenset({roles.AGENT, roles.LEAD, roles.BILLING, roles.ADMIN})
ADJUSTERS = frozenset({roles.BILLING})
PANEL_ROWS = 50


def can_read_ledger(user: AnyUser) -> bool:
    return roles.has_any_role(user, LEDGER_READERS)


def can_adjust(user: AnyUser) -> bool:
    return roles.has_any_role(user, ADJUSTERS)


@dataclass
class CustomerLedger:
    customer: Customer
    services: list[LedgerService] = field(default_factory=list)
    invoices: list[LedgerInvoice] = field(default_factory=list)
    transactions: list[LedgerTransaction] = field(default_factory=list)
    credits: list[LedgerCredit] = field(default_factory=list)
    cancellations: list[LedgerCancellation] = field(default_factory=list)
    suspensions: list[Suspension] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    adjustments: list[Adjustment] = field(default_factory=list)
    sources: list[BillingSource] = field(default_factory=list)

    @property
    def credit_balance(self) -> Decimal:
        return sum((c.amount for c in self.credits), Decimal("0.00"))

    @property
    def empty(self) -> bool:
        return not (self.services or self.invoices or self.transactions or self.credits)


def ledger_services(customer: Customer) -> QuerySet[LedgerService]:
    return LedgerService.objects.filter(customer=customer).select_related("service", "source")


def customer_ledger(customer: Customer) -> CustomerLedger:
    """Everything the mirror holds for ``customer``, with the verifier's findings."""
    ledger = CustomerLedger(customer=customer)
    ledger.services = list(ledger_services(customer))
    ledger.invoices = list(
        LedgerInvoice.objects.filter(customer=customer).prefetch_related(
            Prefetch("items", queryset=LedgerInvoiceItem.objects.order_by("remote_id"))
        )
    )
    ledger.transactions = list(LedgerTransaction.objects.filter(customer=customer))
    ledger.credits = list(LedgerCredit.objects.filter(customer=customer))
    ledger.cancellations = list(LedgerCancellation.objects.filter(customer=customer))
    ledger.suspensions = customer_suspensions(customer, ledger.services)
    ledger.findings = verify(verifier_input(ledger))
    ledger.adjustments = list(
        Adjustment.objects.filter(customer=customer).select_related(
            "requested_by", "decided_by", "ticket"
        )[:PANEL_ROWS]
    )
    source_ids = {s.source_id for s in ledger.services} | {i.source_id for i in ledger.invoices}
    ledger.sources = list(BillingSource.objects.filter(pk__in=source_ids))
    return ledger


def verifier_input(ledger: CustomerLedger) -> Ledger:
    return Ledger(
        services=[
            ServiceRecord(
                remote_id=s.remote_id, client_id=s.client_id, product=s.product, label=s.label,
                cycle=s.cycle, recurring_amount=s.recurring_amount,
                first_payment_amount=s.first_payment_amount, currency=s.currency,
                registered_on=s.registered_on, next_due_on=s.next_due_on, status=s.status,
                payment_method=s.payment_method, subscription_id=s.subscription_id,
            )
            for s in ledger.services
        ],
        invoices=[
            InvoiceRecord(
                remote_id=i.remote_id, client_id=i.client_id, number=i.number,
                issued_on=i.issued_on, due_on=i.due_on, paid_at=i.paid_at, subtotal=i.subtotal,
                tax=i.tax, credit=i.credit, total=i.total, status=i.status, currency=i.currency,
                payment_method=i.payment_method,
                items=tuple(
                    InvoiceItemRecord(
                        remote_id=item.remote_id, kind=item.kind,
                        service_remote_id=item.service_remote_id, description=item.description,
                        amount=item.amount, period_start=item.period_start,
                        period_end=item.period_end, taxed=item.taxed,
                    )
                    for item in i.items.all()
                ),
            )
            for i in ledger.invoices
        ],
        transactions=[
            TransactionRecord(
                remote_id=t.remote_id, client_id=t.client_id,
                invoice_remote_id=t.invoice_remote_id, occurred_at=t.occurred_at,
                gateway=t.gateway, reference=t.reference, amount_in=t.amount_in,
                amount_out=t.amount_out, fees=t.fees, description=t.description,
                currency=t.currency,
            )
            for t in ledger.transactions
        ],
        cancellations=[
            CancellationRecord(
                service_remote_id=c.service_remote_id, client_id=c.client_id,
                requested_at=c.requested_at, type=c.type, reason=c.reason,
            )
            for c in ledger.cancellations
        ],
        suspensions=ledger.suspensions,
    )  # fmt: skip


def customer_suspensions(customer: Customer, services: list[LedgerService]) -> list[Suspension]:
    """The times the desk held the customer's services down (module docstring)."""
    by_registry: dict[int, set[str]] = {}
    for s in services:
        if s.service_id is not None:
            by_registry.setdefault(s.service_id, set()).add(s.remote_id)
    actions = list(
        Action.objects.filter(
            customer=customer,
            kind__in=[ActionKind.SUSPEND, ActionKind.UNSUSPEND, ActionKind.TERMINATE],
            status__in=[Action.Status.DONE, Action.Status.REVERTED],
            completed_at__isnull=False,
        ).order_by("completed_at", "pk")
    )
    found = []
    for action in actions:
        if action.kind == ActionKind.UNSUSPEND:
            continue
        start: datetime = action.completed_at  # type: ignore[assignment]
        end = action.reverted_at if action.status == Action.Status.REVERTED else None
        if action.kind == ActionKind.SUSPEND:
            for later in actions:
                if (
                    later.kind == ActionKind.UNSUSPEND
                    and later.status == Action.Status.DONE
                    and later.completed_at is not None
                    and later.completed_at > start
                    and (later.service_id is None or later.service_id == action.service_id)
                ):
                    end = min(end, later.completed_at) if end else later.completed_at
                    break
        scope = (
            None
            if action.service_id is None
            else frozenset(by_registry.get(action.service_id, set()))
        )
        if scope == frozenset():
            continue  # a registry service the ledger does not bill
        found.append(
            Suspension(
                start=start,
                end=end,
                service_remote_ids=scope,
                what="terminated" if action.kind == ActionKind.TERMINATE else "suspended",
                reference=f"action #{action.pk}",
            )
        )
    return found


def ticket_inquiries(ticket: Ticket) -> list[Inquiry]:
    return list(Inquiry.objects.filter(ticket=ticket).order_by("created_at"))


def finding_by_key(ledger: CustomerLedger, key: str) -> Finding | None:
    return next((f for f in ledger.findings if f.key == key), None)


def refund_target(ledger: CustomerLedger, finding: Finding) -> str:
    """The payment a finding's money would go back from: the last payment it names (the
    second of a duplicate), else the latest payment of its invoice; "" when none (credit)."""
    if finding.transaction_remote_ids:
        return finding.transaction_remote_ids[-1]
    payments = [
        t for t in ledger.transactions
        if finding.invoice_remote_id and t.invoice_remote_id == finding.invoice_remote_id
        and t.amount_in > 0
    ]  # fmt: skip
    return max(payments, key=lambda t: t.occurred_at).remote_id if payments else ""
