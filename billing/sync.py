"""Syncing a billing source into the read-only mirror (docs/architecture.md "billing/").

``source_sync`` is the one writer of the ledger tables:

1. Fetch the snapshot through the source's connector, outside any transaction (an HTTP
   conversation or a large file read must not hold locks).
2. In one transaction, under an advisory lock on the source (two syncs of one source never
   write at once; the second one is recorded "busy" and the next run catches up), upsert
   every row by the billing system's id, replace the lines of every invoice whose lines were
   fetched, and delete what the source no longer lists — within the snapshot's scope only
   (one client's rows for a client sync). A ledger row that vanished from the billing system
   vanishes here: the mirror is a copy, not a history.
3. Link rows to the registry: the customer whose ``external_id`` is the row's client id, and
   for a service the registry's service of the same label. Never by e-mail.

A failure records its reason on the source and the run; the mirror keeps what it had.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from django.db import connection, models, transaction
from django.utils import timezone

from billing.connector.base import ConnectorError, TemporaryConnectorError
from billing.connector.records import (
    LedgerSnapshot,
    invoice_fingerprint,
)
from billing.connectors import connector_for
from billing.models import (
    BillingSource,
    LedgerCancellation,
    LedgerCredit,
    LedgerInvoice,
    LedgerInvoiceItem,
    LedgerService,
    LedgerTransaction,
    SyncRun,
)
from customers.models import Customer, Service

logger = logging.getLogger(__name__)
Row = TypeVar("Row", bound=models.Model)


@dataclass(frozen=True)
class SyncOutcome:
    run_id: int
    status: str
    counts: Mapping[str, int]
    error: str = ""


def source_sync(*, source_id: int, client_id: str | None = None) -> SyncOutcome:
    """Sync one source (the whole ledger, or one client's part of it); see the module
    docstring. Raises ``TemporaryConnectorError`` after recording it, for the task to retry."""
    source = BillingSource.objects.get(pk=source_id)
    run = SyncRun.objects.create(source=source, client_id=client_id or "")
    BillingSource.objects.filter(pk=source.pk).update(last_sync_at=timezone.now())
    known = dict(
        LedgerInvoice.objects.filter(source=source)
        .filter(**({"client_id": client_id} if client_id else {}))
        .values_list("remote_id", "fingerprint")
    )
    connector = connector_for(source)
    try:
        snapshot = connector.fetch(client_id=client_id, known_invoices=known)
    except ConnectorError as exc:
        _record_failure(source, run, exc.reason)
        if isinstance(exc, TemporaryConnectorError):
            raise
        return SyncOutcome(run.pk, SyncRun.Status.FAILED, {}, exc.reason)
    if snapshot.unchanged:
        _finish(source, run, SyncRun.Status.UNCHANGED, {"calls": snapshot.calls})
        return SyncOutcome(run.pk, SyncRun.Status.UNCHANGED, {"calls": snapshot.calls})
    counts = ledger_write(source=source, snapshot=snapshot)
    if counts is None:
        _finish(source, run, SyncRun.Status.BUSY, {})
        return SyncOutcome(run.pk, SyncRun.Status.BUSY, {})
    counts["calls"] = snapshot.calls
    digest = getattr(connector, "digest", "")
    if digest and client_id is None:
        BillingSource.objects.filter(pk=source.pk).update(last_digest=digest)
    _finish(source, run, SyncRun.Status.OK, counts)
    return SyncOutcome(run.pk, SyncRun.Status.OK, counts)


def _record_failure(source: BillingSource, run: SyncRun, reason: str) -> None:
    now = timezone.now()
    logger.warning("billing source %s: %s", source.name, reason)
    SyncRun.objects.filter(pk=run.pk).update(
        status=SyncRun.Status.FAILED, finished_at=now, error=reason[:2000]
    )
    BillingSource.objects.filter(pk=source.pk).update(last_error=reason[:2000], last_error_at=now)


def _finish(source: BillingSource, run: SyncRun, status: str, counts: dict[str, Any]) -> None:
    now = timezone.now()
    SyncRun.objects.filter(pk=run.pk).update(status=status, finished_at=now, counts=counts)
    if status in (SyncRun.Status.OK, SyncRun.Status.UNCHANGED):
        BillingSource.objects.filter(pk=source.pk).update(last_success_at=now, last_error="")


def _locked(source_id: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_try_advisory_xact_lock(hashtextextended(%s, 0))",
            [f"billing.source_sync:{source_id}"],
        )
        return bool(cursor.fetchone()[0])


@transaction.atomic
def ledger_write(*, source: BillingSource, snapshot: LedgerSnapshot) -> dict[str, int] | None:
    """Write a snapshot into the mirror (step 2 and 3 of the module docstring); None when
    another sync of the source holds the lock."""
    if not _locked(source.pk):
        return None
    now = timezone.now()
    scope: dict[str, str] = {"client_id": snapshot.client_id} if snapshot.client_id else {}
    client_ids = {
        r.client_id
        for rows in (snapshot.services, snapshot.invoices, snapshot.transactions,
                     snapshot.credits, snapshot.cancellations)
        for r in rows
    }  # fmt: skip
    customers = dict(
        Customer.objects.filter(external_id__in=client_ids).values_list("external_id", "pk")
    )
    counts: dict[str, int] = {}

    services = _upsert(
        LedgerService, source, scope, now, customers,
        {s.remote_id: (s.client_id, {
            "product": s.product, "label": s.label, "cycle": s.cycle,
            "recurring_amount": s.recurring_amount, "first_payment_amount": s.first_payment_amount,
            "currency": s.currency, "registered_on": s.registered_on, "next_due_on": s.next_due_on,
            "status": s.status, "payment_method": s.payment_method,
            "subscription_id": s.subscription_id,
        }) for s in snapshot.services},
        counts, "services",
    )  # fmt: skip
    _link_registry_services(services)

    invoices = _upsert(
        LedgerInvoice, source, scope, now, customers,
        {i.remote_id: (i.client_id, {
            "number": i.number, "issued_on": i.issued_on, "due_on": i.due_on,
            "paid_at": i.paid_at, "subtotal": i.subtotal, "tax": i.tax, "credit": i.credit,
            "total": i.total, "status": i.status, "currency": i.currency,
            "payment_method": i.payment_method, "fingerprint": invoice_fingerprint(i),
        }) for i in snapshot.invoices},
        counts, "invoices",
    )  # fmt: skip
    replaced = [i for i in snapshot.invoices if i.items is not None]
    LedgerInvoiceItem.objects.filter(
        invoice_id__in=[invoices[i.remote_id] for i in replaced]
    ).delete()
    LedgerInvoiceItem.objects.bulk_create(
        [
            LedgerInvoiceItem(
                invoice_id=invoices[invoice.remote_id],
                remote_id=item.remote_id,
                kind=item.kind,
                service_remote_id=item.service_remote_id,
                description=item.description,
                amount=item.amount,
                period_start=item.period_start,
                period_end=item.period_end,
                taxed=item.taxed,
            )
            for invoice in replaced
            for item in invoice.items or ()
        ]
    )
    counts["invoice_lines_replaced"] = len(replaced)

    _upsert(
        LedgerTransaction, source, scope, now, customers,
        {t.remote_id: (t.client_id, {
            "invoice_remote_id": t.invoice_remote_id, "occurred_at": t.occurred_at,
            "gateway": t.gateway, "reference": t.reference, "amount_in": t.amount_in,
            "amount_out": t.amount_out, "fees": t.fees, "description": t.description,
            "currency": t.currency,
        }) for t in snapshot.transactions},
        counts, "transactions",
    )  # fmt: skip
    if snapshot.has_credits:
        _upsert(
            LedgerCredit, source, scope, now, customers,
            {c.remote_id: (c.client_id, {
                "on": c.on, "description": c.description, "amount": c.amount,
                "invoice_remote_id": c.invoice_remote_id,
            }) for c in snapshot.credits},
            counts, "credits",
        )  # fmt: skip
    if snapshot.has_cancellations:
        _cancellations_write(source, snapshot, scope, now, customers, counts)
    _relink_customers(source)
    return counts


def _upsert(
    model: type[Row],
    source: BillingSource,
    scope: Mapping[str, str],
    now: datetime,
    customers: Mapping[str, int],
    rows: Mapping[str, tuple[str, dict[str, Any]]],
    counts: dict[str, int],
    name: str,
) -> dict[str, int]:
    """Insert or update ``rows`` (remote id → (client id, fields)) and delete the source's
    rows in ``scope`` that are not among them. Returns remote id → primary key."""
    manager = model._default_manager
    existing = dict(
        manager.filter(source=source, **scope).values_list("remote_id", "pk")  # type: ignore[misc]
    )
    if scope:  # a row may move between clients: find it outside the scope too
        existing.update(
            manager.filter(source=source, remote_id__in=list(rows)).values_list("remote_id", "pk")
        )
    creates, updates = [], []
    for remote_id, (client_id, fields) in rows.items():
        values = {**fields, "client_id": client_id, "customer_id": customers.get(client_id),
                  "synced_at": now}  # fmt: skip
        if remote_id in existing:
            updates.append(
                model(pk=existing[remote_id], source=source, remote_id=remote_id, **values)
            )
        else:
            creates.append(model(source=source, remote_id=remote_id, **values))
    created = manager.bulk_create(creates, batch_size=1000)
    if updates:
        columns = [*next(iter(rows.values()))[1], "client_id", "customer_id", "synced_at"]
        manager.bulk_update(updates, fields=columns, batch_size=1000)
    gone = [pk for remote_id, pk in existing.items() if remote_id not in rows]
    if gone:
        manager.filter(pk__in=gone, source=source, **scope).delete()  # type: ignore[misc]
    counts[name] = len(rows)
    counts[f"{name}_new"] = len(creates)
    counts[f"{name}_gone"] = len(gone)
    ids = {remote_id: pk for remote_id, pk in existing.items() if remote_id in rows}
    ids.update({row.remote_id: row.pk for row in created})  # type: ignore[attr-defined]
    return ids


def _cancellations_write(
    source: BillingSource,
    snapshot: LedgerSnapshot,
    scope: Mapping[str, str],
    now: datetime,
    customers: Mapping[str, int],
    counts: dict[str, int],
) -> None:
    """The billing system's cancellation requests replace those it listed before; the ones
    the desk sent (``origin`` desk) stay until the billing system lists them itself."""
    listed = {(c.service_remote_id, c.requested_at) for c in snapshot.cancellations}
    stored = LedgerCancellation.objects.filter(source=source, **scope)
    stored.filter(origin=LedgerCancellation.Origin.BILLING).exclude(
        pk__in=[
            pk
            for pk, service_id, at in stored.values_list("pk", "service_remote_id", "requested_at")
            if (service_id, at) in listed
        ]
    ).delete()
    for record in snapshot.cancellations:
        LedgerCancellation.objects.update_or_create(
            source=source, service_remote_id=record.service_remote_id,
            requested_at=record.requested_at,
            defaults={"client_id": record.client_id, "customer_id": customers.get(record.client_id),
                      "type": record.type, "reason": record.reason,
                      "origin": LedgerCancellation.Origin.BILLING, "synced_at": now},
        )  # fmt: skip
    counts["cancellations"] = len(snapshot.cancellations)


def _link_registry_services(services: Mapping[str, int]) -> None:
    """Point each ledger service at the registry's service of its customer and label (what
    the desk's suspensions are recorded against)."""
    rows = LedgerService.objects.filter(pk__in=services.values(), customer__isnull=False)
    by_key = {
        (customer_id, label.lower()): pk
        for pk, customer_id, label in Service.objects.filter(
            customer_id__in=rows.values("customer_id")
        ).values_list("pk", "customer_id", "label")
    }
    changed = []
    for row in rows.only("pk", "customer_id", "label", "service_id"):
        if row.customer_id is None:
            continue
        label = row.label.lower()
        target = by_key.get((row.customer_id, label)) or by_key.get(
            (row.customer_id, f"www.{label}")
        )
        if target != row.service_id:
            row.service_id = target
            changed.append(row)
    LedgerService.objects.bulk_update(changed, ["service_id"])


def _relink_customers(source: BillingSource) -> None:
    """Rows whose client id became a registry customer since they were written (or stopped
    being one) point at it now: the registry is imported on its own schedule."""
    for model in (
        LedgerService,
        LedgerInvoice,
        LedgerTransaction,
        LedgerCredit,
        LedgerCancellation,
    ):
        manager: Any = model._default_manager
        manager.filter(source=source, customer__isnull=True).filter(
            client_id__in=Customer.objects.values("external_id")
        ).update(
            customer_id=models.Subquery(
                Customer.objects.filter(external_id=models.OuterRef("client_id")).values("pk")[:1]
            )
        )


def sources_due(*, now: datetime | None = None) -> list[int]:
    """Enabled sources whose last sync is older than their interval (beat fans out one
    task per source)."""
    now = now or timezone.now()
    due = []
    for pk, minutes, last in BillingSource.objects.filter(enabled=True).values_list(
        "pk", "sync_minutes", "last_sync_at"
    ):
        if last is None or (now - last).total_seconds() >= minutes * 60 - 30:
            due.append(pk)
    return due


@transaction.atomic
def ledger_cancellation_record(
    *,
    source: BillingSource,
    service_remote_id: str,
    client_id: str,
    customer_id: int | None,
    type: str,
    reason: str,
    requested_at: datetime,
) -> LedgerCancellation:
    """A cancellation the desk sent and the billing system accepted: in the mirror at once
    (``origin`` desk), so the verifier holds later invoices against it before the next sync
    (a sync that lists cancellations keeps it until the billing system lists it itself)."""
    row, _ = LedgerCancellation.objects.get_or_create(
        source=source, service_remote_id=service_remote_id, requested_at=requested_at,
        defaults={"client_id": client_id, "customer_id": customer_id, "type": type,
                  "reason": reason[:500], "origin": LedgerCancellation.Origin.DESK,
                  "synced_at": timezone.now()},
    )  # fmt: skip
    return row
