"""A small import ledger on disk for billing's database tests: two customers' services,
invoices, lines and payments as CSV files."""

from __future__ import annotations

from pathlib import Path

from billing.connectors import source_create
from billing.models import BillingSource

FILES = {
    "services.csv": (
        "id,client_id,product,label,cycle,recurring_amount,first_payment_amount,currency,"
        "registered_on,next_due_on,status,payment_method,subscription_id\n"
        "S1,C1,Web Hosting,shop.example,monthly,9.90,9.90,EUR,2025-01-01,2025-07-01,active,paypal,I-SUB1\n"
        "S2,C2,VPS,vps.example,monthly,20.00,20.00,EUR,2025-01-01,2025-07-01,active,card,\n"
    ),
    "invoices.csv": (
        "id,client_id,number,issued_on,due_on,paid_at,subtotal,tax,credit,total,status,currency,"
        "payment_method\n"
        "I1,C1,2025-001,2025-06-01,2025-06-01,2025-06-01T09:00:00,9.90,0,0,9.90,paid,EUR,paypal\n"
        "I2,C2,2025-002,2025-06-01,2025-06-01,2025-06-01T09:00:00,20.00,0,0,20.00,paid,EUR,card\n"
    ),
    "invoice_items.csv": (
        "invoice_id,id,kind,service_id,description,amount,period_start,period_end,taxed\n"
        "I1,L1,hosting,S1,Web Hosting - shop.example,9.90,2025-06-01,2025-06-30,0\n"
        "I2,L2,hosting,S2,VPS - vps.example,20.00,2025-06-01,2025-06-30,0\n"
    ),
    "transactions.csv": (
        "id,client_id,invoice_id,occurred_at,gateway,reference,amount_in,amount_out,fees,"
        "description,currency\n"
        "T1,C1,I1,2025-06-01T09:00:00,paypal,PP-1,9.90,0,0,Invoice Payment,EUR\n"
        "T2,C1,I1,2025-06-02T11:00:00,banktransfer,BT-7,9.90,0,0,Invoice Payment,EUR\n"
        "T3,C2,I2,2025-06-01T09:00:00,card,CC-1,20.00,0,0,Invoice Payment,EUR\n"
    ),
    "credits.csv": "id,client_id,on,description,amount,invoice_id\nK1,C2,2025-05-01,Goodwill,5.00,\n",
}


def write_ledger(directory: Path, **overrides: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in {**FILES, **overrides}.items():
        (directory / name).write_text(text)
    return directory


def import_source(directory: Path, *, outbox: Path | None = None) -> BillingSource:
    write_ledger(directory)
    return source_create(
        name=f"import {directory.name}",
        kind=BillingSource.Kind.IMPORT,
        import_path=str(directory),
        outbox_path=str(outbox) if outbox else "",
    )
