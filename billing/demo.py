"""Demo billing for ``seed_demo`` (the ``bill`` login): an import source whose ledger covers
thirty demo customers for the last six months, with a few mistakes planted for the charge
verifier to find, and billing inquiries about some of them.

The ledger is written as the import files a provider on another billing system would drop
(``var/billing-demo/*.csv``) and synced like any source (``billing.sync.source_sync``); refund,
credit and cancellation requests go to its outbox (``var/billing-demo/outbox.jsonl``). The
planted mistakes, one customer each:

- an invoice paid twice: the PayPal subscription and a bank transfer two days later (the
  "charged twice" inquiry ``bill`` resolves from the panel);
- a monthly line billing three months' price for one month;
- an invoice billing from the 15th of a service that falls due on the 1st;
- an invoice after an immediate cancellation;
- an invoice whose total is not its lines plus tax;
- a payment taken while the desk's own suspension stood (a suspension recorded as done).

Dates follow today, so the figures stay current. Idempotent: the files are rewritten, the
sync replaces what changed, inquiries are keyed by their Message-ID.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from billing.connectors import source_create
from billing.inquiries import InquiryIn, inquiry_file
from billing.models import BillingSource, Inquiry
from billing.sync import source_sync
from complaints.models import Action, ActionKind, Ticket
from complaints.tickets.services import ticket_open_or_join
from customers.demo import demo_customers
from customers.models import Customer

SOURCE_NAME = "Demo billing (import)"
FIRST, COUNT = 10, 30  # demo customers 10..39 are billed
DUPLICATE, AMOUNT, OFF_DAY, CANCELLED, TOTAL, SUSPENDED = 12, 14, 16, 18, 20, 22
PLANS = [("Web Hosting", "9.90"), ("Business Hosting", "19.90"), ("VPS S", "24.00")]


def _month(today: date, back: int) -> date:
    index = today.year * 12 + today.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def _month_end(start: date) -> date:
    return _month(start, -1) - timedelta(days=1)


def ledger_rows(today: date) -> dict[str, list[list[str]]]:
    """The import files' rows (header first), mistakes planted (module docstring)."""
    customers = demo_customers()[FIRST : FIRST + COUNT]
    services = [["id", "client_id", "product", "label", "cycle", "recurring_amount",
                 "first_payment_amount", "currency", "registered_on", "next_due_on", "status",
                 "payment_method", "subscription_id"]]  # fmt: skip
    invoices = [["id", "client_id", "number", "issued_on", "due_on", "paid_at", "subtotal",
                 "tax", "credit", "total", "status", "currency", "payment_method"]]  # fmt: skip
    items = [["invoice_id", "id", "kind", "service_id", "description", "amount", "period_start",
              "period_end", "taxed"]]  # fmt: skip
    transactions = [["id", "client_id", "invoice_id", "occurred_at", "gateway", "reference",
                     "amount_in", "amount_out", "fees", "description", "currency"]]  # fmt: skip
    cancellations = [["service_id", "client_id", "requested_at", "type", "reason"]]
    credits = [["id", "client_id", "on", "description", "amount", "invoice_id"]]
    for n, data in enumerate(customers, start=FIRST):
        client = data["external_id"]
        product, price = PLANS[n % len(PLANS)]
        gateway = "paypal" if n % 2 == 0 else "card"
        subscription = f"I-DEMO{n:04d}" if gateway == "paypal" else ""
        service = f"S{n}"
        services.append([service, client, product, data["domain"], "monthly", price, price, "EUR",
                         _month(today, 8).isoformat(), _month(today, -1).isoformat(), "active",
                         gateway, subscription])  # fmt: skip
        for back in range(5, -1, -1):
            start = _month(today, back)
            invoice = f"I{n}-{back}"
            number = f"{start:%Y}-{n:03d}{5 - back}"
            amount = Decimal(price)
            period = (start, _month_end(start))
            if n == AMOUNT and back == 1:
                amount = Decimal(price) * 3
            if n == OFF_DAY and back == 2:
                period = (start + timedelta(days=14), _month(start, -1) + timedelta(days=13))
            paid_at = datetime(start.year, start.month, period[0].day, 9, tzinfo=UTC)
            tax = Decimal("0.00")
            total = amount + tax
            if n == TOTAL and back == 1:
                total = amount + Decimal("5.00")
            status = "paid" if back > 0 else "unpaid"
            invoices.append([invoice, client, number, period[0].isoformat(), period[0].isoformat(),
                             paid_at.isoformat() if status == "paid" else "", str(amount), str(tax),
                             "0.00", str(total), status, "EUR", gateway])  # fmt: skip
            items.append([invoice, f"L{n}-{back}", "hosting", service,
                          f"{product} - {data['domain']}", str(amount), period[0].isoformat(),
                          period[1].isoformat(), "0"])  # fmt: skip
            if status == "paid":
                transactions.append([f"T{n}-{back}", client, invoice, paid_at.isoformat(), gateway,
                                     f"{gateway.upper()}-{n}-{back}", str(total), "0.00", "0.00",
                                     "Invoice Payment", "EUR"])  # fmt: skip
            if n == DUPLICATE and back == 1:
                later = paid_at + timedelta(days=2, hours=5)
                transactions.append([f"T{n}-{back}-b", client, invoice, later.isoformat(),
                                     "banktransfer", f"BT-{n}-{back}", str(total), "0.00", "0.00",
                                     "Invoice Payment", "EUR"])  # fmt: skip
        if n == CANCELLED:
            requested = datetime.combine(
                _month(today, 2) + timedelta(days=9), datetime.min.time(), UTC
            )
            cancellations.append([service, client, requested.isoformat(), "immediate",
                                  "Moving to another provider"])  # fmt: skip
        if n % 7 == 0:
            credits.append([f"K{n}", client, _month(today, 3).isoformat(), "Goodwill after an outage",
                            "5.00", ""])  # fmt: skip
    return {"services": services, "invoices": invoices, "invoice_items": items,
            "transactions": transactions, "cancellations": cancellations, "credits": credits}  # fmt: skip


def _write(directory: Path, rows: dict[str, list[list[str]]]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for name, lines in rows.items():
        text = "\n".join(",".join(cell.replace(",", " ") for cell in line) for line in lines) + "\n"
        (directory / f"{name}.csv").write_text(text)


@transaction.atomic
def _suspension(today: date) -> None:
    """The desk's own suspension of the SUSPENDED customer, two months ago for ten days,
    recorded as carried out (the demo has no provisioning system to ask)."""
    customer = Customer.objects.get(external_id=demo_customers()[SUSPENDED]["external_id"])
    ticket, _ = ticket_open_or_join(
        key=f"demo-billing:suspension:{customer.external_id}", kind=Ticket.Kind.ABUSE,
        subject=f"Phishing kit on {customer.name}'s site (suspended)", customer_id=customer.pk,
        type_="phishing",
    )  # fmt: skip
    if Action.objects.filter(ticket=ticket, kind=ActionKind.SUSPEND).exists():
        return
    start = datetime.combine(_month(today, 1) - timedelta(days=3), datetime.min.time(), UTC)
    Action.objects.create(ticket=ticket, customer=customer, kind=ActionKind.SUSPEND,
                          status=Action.Status.DONE, reason="Phishing kit (demo)",
                          completed_at=start)  # fmt: skip
    Action.objects.create(ticket=ticket, customer=customer, kind=ActionKind.UNSUSPEND,
                          status=Action.Status.DONE, reason="Cleaned up (demo)",
                          completed_at=start + timedelta(days=10))  # fmt: skip


def _inquiries() -> int:
    people = demo_customers()
    asks = [
        (
            DUPLICATE,
            "duplicate",
            "Charged twice this month",
            "Hello, customer number: {id}. PayPal took the monthly payment and then my bank "
            "transfer went through too. I was charged twice, please refund one.",
        ),
        (
            AMOUNT,
            "amount",
            "Invoice amount",
            "Customer ID {id}: last month's invoice is three times the usual price. Why?",
        ),
        (
            CANCELLED,
            "cancelled",
            "Still billed",
            "Account #: {id}. I cancelled the hosting two months ago and still got an invoice.",
        ),
    ]
    made = 0
    for index, slug, subject, body in asks:
        person = people[index]
        before = Inquiry.objects.count()
        inquiry_file(data=InquiryIn(
            channel=Inquiry.Channel.MAIL, sender_email=person["billing_email"], subject=subject,
            body=body.format(id=person["external_id"]), message_id=f"<demo-{slug}@billing.demo>",
        ))  # fmt: skip
        made += Inquiry.objects.count() - before
    # Someone who gives no customer number: filed, not matched (never by address alone).
    before = Inquiry.objects.count()
    inquiry_file(data=InquiryIn(
        channel=Inquiry.Channel.MAIL, sender_email=people[24]["billing_email"],
        subject="VAT number", body="Please put our VAT number on the invoices.",
        message_id="<demo-vat@billing.demo>",
    ))  # fmt: skip
    return made + Inquiry.objects.count() - before


def seed_billing() -> dict[str, object]:
    """The demo billing source, synced, and its inquiries (module docstring)."""
    today = timezone.localdate()
    directory = settings.BASE_DIR / "var" / "billing-demo"
    _write(directory, ledger_rows(today))
    source = BillingSource.objects.filter(name=SOURCE_NAME).first()
    if source is None:
        source = source_create(
            name=SOURCE_NAME, kind=BillingSource.Kind.IMPORT, import_path=str(directory),
            outbox_path=str(directory / "outbox.jsonl"), sync_minutes=60,
        )  # fmt: skip
    _suspension(today)
    outcome = source_sync(source_id=source.pk)
    return {"source": source.name, "sync": outcome.status, "inquiries": _inquiries(),
            "customer": demo_customers()[DUPLICATE]["external_id"]}  # fmt: skip
