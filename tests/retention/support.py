"""A billed customer for retention's tests: the import ledger of tests/billing, synced, with
an outbox file standing for the billing system."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from billing.models import BillingSource, LedgerService
from billing.sync import source_sync
from customers.models import Customer
from tests.billing.ledger_support import import_source


@dataclass
class Billed:
    customer: Customer
    source: BillingSource
    service: LedgerService
    outbox: Path


def billed_customer(tmp_path: Path) -> Billed:
    customer = Customer.objects.create(external_id="C1", name="Shop", billing_email="pay@shop.example",
                                       abuse_email="abuse@shop.example")  # fmt: skip
    Customer.objects.create(external_id="C2", name="VPS Co", billing_email="billing@vps.example")
    outbox = tmp_path / "outbox.jsonl"
    source = import_source(tmp_path / "ledger", outbox=outbox)
    source_sync(source_id=source.pk)
    return Billed(customer, source, LedgerService.objects.get(remote_id="S1"), outbox)
