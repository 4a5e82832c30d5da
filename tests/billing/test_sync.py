"""Syncing a source into the read-only mirror: rows by the billing system's ids, linked to
the registry by external id (never e-mail), vanished rows gone, one client's sync touching
that client only, and a failed sync leaving the mirror as it was (billing/sync.py)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from billing.models import (
    BillingSource,
    LedgerCredit,
    LedgerInvoice,
    LedgerInvoiceItem,
    LedgerService,
    LedgerTransaction,
    SyncRun,
)
from billing.sync import source_sync, sources_due
from customers.models import Customer, Service
from tests.billing.ledger_support import FILES, import_source, write_ledger

pytestmark = pytest.mark.django_db


@pytest.fixture
def customers() -> dict[str, Customer]:
    c1 = Customer.objects.create(external_id="C1", name="Shop", billing_email="pay@shop.example")
    c2 = Customer.objects.create(external_id="C2", name="VPS Co")
    Service.objects.create(customer=c1, label="www.shop.example")
    # same e-mail as C1's billing contact: must not pull C1's rows to it
    Customer.objects.create(external_id="X9", name="Lookalike", billing_email="pay@shop.example")
    return {"C1": c1, "C2": c2}


def test_a_sync_mirrors_the_ledger_and_links_customers_by_external_id(
    tmp_path: Path, customers
) -> None:  # type: ignore[no-untyped-def]
    source = import_source(tmp_path / "ledger")
    outcome = source_sync(source_id=source.pk)
    assert outcome.status == SyncRun.Status.OK
    assert outcome.counts["services"] == 2 and outcome.counts["transactions"] == 3
    s1 = LedgerService.objects.get(remote_id="S1")
    assert s1.customer == customers["C1"] and s1.recurring_amount == Decimal("9.90")
    assert s1.service is not None and s1.service.label == "www.shop.example"
    assert set(
        LedgerTransaction.objects.filter(customer=customers["C1"]).values_list(
            "remote_id", flat=True
        )
    ) == {"T1", "T2"}
    assert LedgerInvoiceItem.objects.get(remote_id="L1").invoice.remote_id == "I1"
    assert LedgerCredit.objects.get().customer == customers["C2"]
    assert not LedgerService.objects.filter(customer__external_id="X9").exists()
    source.refresh_from_db()
    assert source.last_success_at is not None and source.last_error == ""


def test_a_second_sync_updates_removes_and_skips_unchanged_files(tmp_path: Path, customers) -> None:  # type: ignore[no-untyped-def]
    directory = tmp_path / "ledger"
    source = import_source(directory)
    source_sync(source_id=source.pk)
    assert source_sync(source_id=source.pk).status == SyncRun.Status.UNCHANGED
    transactions = FILES["transactions.csv"].replace(
        "T2,C1,I1,2025-06-02T11:00:00,banktransfer,BT-7,9.90,0,0,Invoice Payment,EUR\n", ""
    )
    write_ledger(directory, **{"transactions.csv": transactions,
                               "services.csv": FILES["services.csv"].replace("9.90,9.90", "12.90,12.90")})  # fmt: skip
    outcome = source_sync(source_id=source.pk)
    assert outcome.status == SyncRun.Status.OK and outcome.counts["transactions_gone"] == 1
    assert not LedgerTransaction.objects.filter(remote_id="T2").exists()
    assert LedgerService.objects.get(remote_id="S1").recurring_amount == Decimal("12.90")


def test_a_client_sync_touches_only_that_clients_rows(tmp_path: Path, customers) -> None:  # type: ignore[no-untyped-def]
    directory = tmp_path / "ledger"
    source = import_source(directory)
    source_sync(source_id=source.pk)
    # C2's payment vanishes from the file, and so does C1's second one; a sync of C1 only
    # removes C1's.
    write_ledger(directory, **{"transactions.csv": FILES["transactions.csv"].splitlines()[0] + "\n"
                               + FILES["transactions.csv"].splitlines()[1] + "\n"})  # fmt: skip
    outcome = source_sync(source_id=source.pk, client_id="C1")
    assert outcome.status == SyncRun.Status.OK
    assert set(LedgerTransaction.objects.values_list("remote_id", flat=True)) == {"T1", "T3"}


def test_a_bad_file_fails_the_sync_and_the_mirror_keeps_what_it_had(
    tmp_path: Path, customers
) -> None:  # type: ignore[no-untyped-def]
    directory = tmp_path / "ledger"
    source = import_source(directory)
    source_sync(source_id=source.pk)
    write_ledger(
        directory, **{"invoices.csv": FILES["invoices.csv"].replace("20.00,paid", "2O.00,paid")}
    )
    outcome = source_sync(source_id=source.pk)
    assert outcome.status == SyncRun.Status.FAILED
    assert "invoices.csv line 3: total" in outcome.error
    assert LedgerInvoice.objects.count() == 2 and LedgerTransaction.objects.count() == 3
    source.refresh_from_db()
    assert "invoices.csv line 3" in source.last_error
    assert SyncRun.objects.filter(source=source, status="failed").count() == 1


def test_rows_of_a_client_the_registry_learns_later_are_linked_on_the_next_sync(
    tmp_path: Path,
) -> None:
    source = import_source(tmp_path / "ledger")
    source_sync(source_id=source.pk)
    assert LedgerService.objects.get(remote_id="S2").customer is None
    c2 = Customer.objects.create(external_id="C2", name="VPS Co")
    BillingSource.objects.filter(pk=source.pk).update(last_digest="")
    source_sync(source_id=source.pk)
    assert LedgerService.objects.get(remote_id="S2").customer == c2
    assert LedgerInvoice.objects.get(remote_id="I2").customer == c2


def test_sources_fall_due_by_their_interval(tmp_path: Path) -> None:
    source = import_source(tmp_path / "ledger")
    assert sources_due() == [source.pk]
    source_sync(source_id=source.pk)
    assert sources_due() == []
    BillingSource.objects.filter(pk=source.pk).update(enabled=False, last_sync_at=None)
    assert sources_due() == []
