"""The import source: the ledger as CSV files or one JSON document, for providers whose
billing system is not WHMCS (and the demo's default source).

A source's ``import_path`` names a directory holding any of ``services.csv``,
``invoices.csv``, ``invoice_items.csv``, ``transactions.csv``, ``credits.csv``,
``cancellations.csv`` and ``ledger.json`` (the same records, keyed by those names, invoices
carrying their ``items``), or one ``.json`` file. The columns are listed in ``COLUMNS``;
the README shows an example. Amounts are decimal numbers with at most two places, dates ISO
8601 (``2026-03-01``), times ISO 8601 with an offset (none means UTC).

The whole import is checked before anything is written: one bad value fails the sync with
its file, line and column, and the mirror keeps what it had (a half-imported ledger would
make the verifier report mistakes that are the import's). Files that are byte for byte those
of the last successful sync are not parsed again (``LedgerSnapshot.unchanged``).

Actions (cancel, refund, credit) cannot be carried out by reading files: with an
``outbox_path`` they are appended to that JSON-lines file for the other billing system to
pick up, each with the desk's reference so a repeat can be recognised there; without one
they raise ``ActionUnsupported`` and are carried out by hand.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from billing.connector.base import ActionResult, ActionUnsupported, PermanentConnectorError
from billing.connector.records import (
    CANCEL_END_OF_PERIOD,
    CANCEL_IMMEDIATE,
    CYCLES,
    CancellationRecord,
    CreditRecord,
    InvoiceItemRecord,
    InvoiceRecord,
    LedgerSnapshot,
    ServiceRecord,
    TransactionRecord,
)

MAX_FILE_BYTES = 512 * 1024 * 1024
MAX_AMOUNT = Decimal("9999999999.99")
COLUMNS: dict[str, tuple[str, ...]] = {
    "services": ("id", "client_id", "product", "label", "cycle", "recurring_amount",
                 "first_payment_amount", "currency", "registered_on", "next_due_on", "status",
                 "payment_method", "subscription_id"),
    "invoices": ("id", "client_id", "number", "issued_on", "due_on", "paid_at", "subtotal",
                 "tax", "credit", "total", "status", "currency", "payment_method"),
    "invoice_items": ("invoice_id", "id", "kind", "service_id", "description", "amount",
                      "period_start", "period_end", "taxed"),
    "transactions": ("id", "client_id", "invoice_id", "occurred_at", "gateway", "reference",
                     "amount_in", "amount_out", "fees", "description", "currency"),
    "credits": ("id", "client_id", "on", "description", "amount", "invoice_id"),
    "cancellations": ("service_id", "client_id", "requested_at", "type", "reason"),
}  # fmt: skip
REQUIRED: dict[str, tuple[str, ...]] = {
    "services": ("id", "client_id", "cycle", "recurring_amount", "status"),
    "invoices": ("id", "client_id", "issued_on", "total", "status"),
    "invoice_items": ("invoice_id", "id", "amount"),
    "transactions": ("id", "client_id", "occurred_at", "amount_in"),
    "credits": ("id", "client_id", "on", "amount"),
    "cancellations": ("service_id", "client_id", "requested_at", "type"),
}
CANCEL_TYPES = {
    "immediate": CANCEL_IMMEDIATE,
    "end_of_period": CANCEL_END_OF_PERIOD,
    "end of billing period": CANCEL_END_OF_PERIOD,
}


class ImportFormatError(PermanentConnectorError):
    """A value the import cannot take, named by file, line and column."""


# --- values ----------------------------------------------------------------------------------


def _fail(where: str, column: str, message: str) -> ImportFormatError:
    return ImportFormatError(f"{where}: {column}: {message}")


def amount(text: str, *, where: str, column: str) -> Decimal:
    value = (text or "").strip()
    if not value:
        return Decimal("0.00")
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise _fail(where, column, f"{value[:40]!r} is not an amount") from None
    if not number.is_finite() or abs(number) > MAX_AMOUNT:
        raise _fail(where, column, f"{value[:40]!r} is not an amount")
    if number != number.quantize(Decimal("0.01")):
        raise _fail(where, column, f"{value[:40]!r} has more than two decimal places")
    return number.quantize(Decimal("0.01"))


def day(text: str, *, where: str, column: str) -> date | None:
    value = (text or "").strip()
    if not value or value == "0000-00-00":  # WHMCS writes "no date" so
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _fail(where, column, f"{value[:40]!r} is not a date (YYYY-MM-DD)") from None


def moment(text: str, *, where: str, column: str) -> datetime | None:
    value = (text or "").strip()
    if not value or value.startswith("0000-00-00"):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise _fail(where, column, f"{value[:40]!r} is not an ISO 8601 time") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def cycle_name(text: str, *, where: str) -> str:
    value = "".join(ch for ch in (text or "").lower() if ch.isalpha())
    if value == "semiannual":
        value = "semiannually"
    if value not in CYCLES:
        raise _fail(where, "cycle", f"{(text or '')[:40]!r} is not a billing cycle")
    return value


def word(text: str) -> str:
    """A status or kind, lower-case without spaces ("Payment Pending" → "paymentpending")."""
    return "".join(ch for ch in (text or "").lower() if ch.isalnum())[:20]


def flag(text: str) -> bool:
    return (text or "").strip().lower() in ("1", "true", "yes", "y")


def _text(row: Mapping[str, Any], column: str, limit: int = 500) -> str:
    value = row.get(column)
    return "" if value is None else str(value).strip()[:limit]


# --- records ---------------------------------------------------------------------------------


def _check_required(row: Mapping[str, Any], what: str, where: str) -> None:
    for column in REQUIRED[what]:
        if not _text(row, column):
            raise _fail(where, column, "missing")


def service_from(row: Mapping[str, Any], where: str) -> ServiceRecord:
    _check_required(row, "services", where)
    recurring = amount(_text(row, "recurring_amount"), where=where, column="recurring_amount")
    first = _text(row, "first_payment_amount")
    return ServiceRecord(
        remote_id=_text(row, "id", 64),
        client_id=_text(row, "client_id", 64),
        product=_text(row, "product", 200),
        label=_text(row, "label", 253),
        cycle=cycle_name(_text(row, "cycle"), where=where),
        recurring_amount=recurring,
        first_payment_amount=(
            amount(first, where=where, column="first_payment_amount") if first else recurring
        ),
        currency=_text(row, "currency", 3).upper(),
        registered_on=day(_text(row, "registered_on"), where=where, column="registered_on"),
        next_due_on=day(_text(row, "next_due_on"), where=where, column="next_due_on"),
        status=word(_text(row, "status")),
        payment_method=_text(row, "payment_method", 64),
        subscription_id=_text(row, "subscription_id", 128),
    )


def item_from(row: Mapping[str, Any], where: str) -> InvoiceItemRecord:
    for column in ("id", "amount"):
        if not _text(row, column):
            raise _fail(where, column, "missing")
    return InvoiceItemRecord(
        remote_id=_text(row, "id", 64),
        kind=word(_text(row, "kind")) or "item",
        service_remote_id=_text(row, "service_id", 64),
        description=_text(row, "description", 500),
        amount=amount(_text(row, "amount"), where=where, column="amount"),
        period_start=day(_text(row, "period_start"), where=where, column="period_start"),
        period_end=day(_text(row, "period_end"), where=where, column="period_end"),
        taxed=flag(_text(row, "taxed")),
    )


def invoice_from(
    row: Mapping[str, Any], where: str, items: tuple[InvoiceItemRecord, ...]
) -> InvoiceRecord:
    _check_required(row, "invoices", where)
    issued = day(_text(row, "issued_on"), where=where, column="issued_on")
    if issued is None:
        raise _fail(where, "issued_on", "missing")
    total = amount(_text(row, "total"), where=where, column="total")
    subtotal_text = _text(row, "subtotal")
    return InvoiceRecord(
        remote_id=_text(row, "id", 64),
        client_id=_text(row, "client_id", 64),
        number=_text(row, "number", 64),
        issued_on=issued,
        due_on=day(_text(row, "due_on"), where=where, column="due_on"),
        paid_at=moment(_text(row, "paid_at"), where=where, column="paid_at"),
        subtotal=amount(subtotal_text, where=where, column="subtotal") if subtotal_text else total,
        tax=amount(_text(row, "tax"), where=where, column="tax"),
        credit=amount(_text(row, "credit"), where=where, column="credit"),
        total=total,
        status=word(_text(row, "status")),
        currency=_text(row, "currency", 3).upper(),
        payment_method=_text(row, "payment_method", 64),
        items=items,
    )


def transaction_from(row: Mapping[str, Any], where: str) -> TransactionRecord:
    _check_required(row, "transactions", where)
    occurred = moment(_text(row, "occurred_at"), where=where, column="occurred_at")
    if occurred is None:
        raise _fail(where, "occurred_at", "missing")
    return TransactionRecord(
        remote_id=_text(row, "id", 64),
        client_id=_text(row, "client_id", 64),
        invoice_remote_id=_text(row, "invoice_id", 64),
        occurred_at=occurred,
        gateway=_text(row, "gateway", 64),
        reference=_text(row, "reference", 128),
        amount_in=amount(_text(row, "amount_in"), where=where, column="amount_in"),
        amount_out=amount(_text(row, "amount_out"), where=where, column="amount_out"),
        fees=amount(_text(row, "fees"), where=where, column="fees"),
        description=_text(row, "description", 500),
        currency=_text(row, "currency", 3).upper(),
    )


def credit_from(row: Mapping[str, Any], where: str) -> CreditRecord:
    _check_required(row, "credits", where)
    on = day(_text(row, "on"), where=where, column="on")
    if on is None:
        raise _fail(where, "on", "missing")
    return CreditRecord(
        remote_id=_text(row, "id", 64),
        client_id=_text(row, "client_id", 64),
        on=on,
        description=_text(row, "description", 500),
        amount=amount(_text(row, "amount"), where=where, column="amount"),
        invoice_remote_id=_text(row, "invoice_id", 64),
    )


def cancellation_from(row: Mapping[str, Any], where: str) -> CancellationRecord:
    _check_required(row, "cancellations", where)
    requested = moment(_text(row, "requested_at"), where=where, column="requested_at")
    kind = CANCEL_TYPES.get(_text(row, "type").lower().replace("-", "_"))
    if requested is None:
        raise _fail(where, "requested_at", "missing")
    if kind is None:
        raise _fail(where, "type", "must be immediate or end_of_period")
    return CancellationRecord(
        service_remote_id=_text(row, "service_id", 64),
        client_id=_text(row, "client_id", 64),
        requested_at=requested,
        type=kind,
        reason=_text(row, "reason", 500),
    )


# --- documents -------------------------------------------------------------------------------


def _csv_rows(name: str, data: bytes) -> Iterator[tuple[str, dict[str, str]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFormatError(f"{name}: not UTF-8 text ({exc.reason})") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if reader.fieldnames is None:
        return
    fields = [f.strip() for f in reader.fieldnames]
    what = name.removesuffix(".csv")
    unknown = sorted(set(fields) - set(COLUMNS[what]))
    if unknown:
        raise ImportFormatError(f"{name}: unknown column(s) {', '.join(unknown)[:200]}")
    reader.fieldnames = fields
    for row in reader:
        if None in row:
            raise ImportFormatError(f"{name} line {reader.line_num}: more values than columns")
        yield f"{name} line {reader.line_num}", row


def parse_documents(files: Mapping[str, bytes], *, client_id: str | None = None) -> LedgerSnapshot:
    """The snapshot of a set of import files (name → bytes): ``*.csv`` of ``COLUMNS``, or
    a JSON document. ``client_id`` keeps one client's records only."""
    snapshot = LedgerSnapshot(client_id=client_id, calls=len(files))
    documents: dict[str, list[tuple[str, Mapping[str, Any]]]] = {what: [] for what in COLUMNS}
    present: set[str] = set()  # record kinds the files speak of (possibly with no row)
    for name, data in sorted(files.items()):
        if name.endswith(".json"):
            for what, rows in _json_rows(name, data).items():
                documents[what].extend(rows)
                present.add(what)
        elif name.removesuffix(".csv") in COLUMNS:
            documents[name.removesuffix(".csv")].extend(_csv_rows(name, data))
            present.add(name.removesuffix(".csv"))
        else:
            raise ImportFormatError(f"{name}: not one of the import files")
    snapshot.has_credits = "credits" in present
    snapshot.has_cancellations = "cancellations" in present

    def keep(row: Mapping[str, Any]) -> bool:
        return client_id is None or _text(row, "client_id", 64) == client_id

    def once(what: str, key: str, where: str, seen: set[str]) -> None:
        if key in seen:
            raise ImportFormatError(f"{where}: {what} {key!r} appears twice")
        seen.add(key)

    items: dict[str, list[InvoiceItemRecord]] = {}
    for where, row in documents["invoice_items"]:
        if not _text(row, "invoice_id"):
            raise _fail(where, "invoice_id", "missing")
        items.setdefault(_text(row, "invoice_id", 64), []).append(item_from(row, where))
    seen: set[str] = set()
    for where, row in documents["services"]:
        service = service_from(row, where)
        once("service", service.remote_id, where, seen)
        if keep(row):
            snapshot.services.append(service)
    seen = set()
    for where, row in documents["transactions"]:
        transaction = transaction_from(row, where)
        once("transaction", transaction.remote_id, where, seen)
        if keep(row):
            snapshot.transactions.append(transaction)
    seen = set()
    for where, row in documents["credits"]:
        credit = credit_from(row, where)
        once("credit", credit.remote_id, where, seen)
        if keep(row):
            snapshot.credits.append(credit)
    seen = set()
    for where, row in documents["cancellations"]:
        cancellation = cancellation_from(row, where)
        key = f"{cancellation.service_remote_id} at {cancellation.requested_at.isoformat()}"
        once("cancellation of service", key, where, seen)
        if keep(row):
            snapshot.cancellations.append(cancellation)
    seen = set()
    for where, row in documents["invoices"]:
        remote_id = _text(row, "id", 64)
        lines = row.get("items") or []
        own = tuple(item_from(line, f"{where} items[{n}]") for n, line in enumerate(lines))
        invoice = invoice_from(row, where, own or tuple(items.get(remote_id, [])))
        once("invoice", invoice.remote_id, where, seen)
        if keep(row):
            snapshot.invoices.append(invoice)
    orphans = sorted(set(items) - seen)
    if orphans:
        raise ImportFormatError(
            f"invoice_items: lines of unknown invoice(s) {', '.join(orphans[:5])}"
        )
    return snapshot


def _json_rows(name: str, data: bytes) -> dict[str, list[tuple[str, Mapping[str, Any]]]]:
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ImportFormatError(f"{name}: not a JSON document ({str(exc)[:120]})") from None
    if not isinstance(document, dict):
        raise ImportFormatError(f"{name}: the document must be an object of record lists")
    unknown = sorted(set(document) - set(COLUMNS))
    if unknown:
        raise ImportFormatError(f"{name}: unknown key(s) {', '.join(unknown)[:200]}")
    out: dict[str, list[tuple[str, Mapping[str, Any]]]] = {}
    for what, rows in document.items():
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise ImportFormatError(f"{name}: {what} must be a list of objects")
        out[what] = [(f"{name} {what}[{index}]", row) for index, row in enumerate(rows)]
        for where, row in out[what]:
            if what == "invoices" and "items" in row and not isinstance(row["items"], list):
                raise _fail(where, "items", "must be a list of objects")
            for key, value in row.items():
                if key == "items" and what == "invoices":
                    if not all(isinstance(i, dict) for i in value):
                        raise _fail(where, "items", "must be a list of objects")
                    continue
                if key not in COLUMNS[what]:
                    raise _fail(where, key, "unknown field")
                if isinstance(value, dict | list):
                    raise _fail(where, key, "must be a single value")
    return out


def read_import_path(path: Path) -> dict[str, bytes]:
    """The import files under ``path`` (a directory, or one JSON file), name → bytes."""
    if path.is_file():
        names = [path]
    elif path.is_dir():
        wanted = {f"{what}.csv" for what in COLUMNS} | {"ledger.json"}
        names = sorted(p for p in path.iterdir() if p.name in wanted and p.is_file())
    else:
        raise PermanentConnectorError(f"import path {str(path)[:200]!r} does not exist")
    files: dict[str, bytes] = {}
    for file in names:
        if file.stat().st_size > MAX_FILE_BYTES:
            raise PermanentConnectorError(f"{file.name}: larger than {MAX_FILE_BYTES} bytes")
        files[file.name] = file.read_bytes()
    if not files:
        raise PermanentConnectorError(f"no import file under {str(path)[:200]!r}")
    return files


def files_digest(files: Mapping[str, bytes]) -> str:
    digest = hashlib.sha256()
    for name, data in sorted(files.items()):
        digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    return digest.hexdigest()


class ImportConnector:
    """``BillingConnector`` over import files, with an optional outbox for actions."""

    def __init__(self, *, import_path: str, outbox_path: str = "", last_digest: str = "") -> None:
        self.import_path = Path(import_path)
        self.outbox_path = Path(outbox_path) if outbox_path else None
        self.last_digest = last_digest
        self.digest = ""

    def fetch(
        self, *, client_id: str | None = None, known_invoices: Mapping[str, str] | None = None
    ) -> LedgerSnapshot:
        files = read_import_path(self.import_path)
        self.digest = files_digest(files)
        if client_id is None and self.last_digest and self.digest == self.last_digest:
            return LedgerSnapshot(unchanged=True, calls=len(files))
        return parse_documents(files, client_id=client_id)

    def _outbox(self, record: dict[str, object]) -> ActionResult:
        if self.outbox_path is None:
            raise ActionUnsupported(
                "the import source has no outbox: carry it out in the billing system by hand"
            )
        line = json.dumps(record, sort_keys=True, default=str) + "\n"
        try:
            with open(self.outbox_path, "a", encoding="utf-8") as outbox:
                outbox.write(line)
                outbox.flush()
                os.fsync(outbox.fileno())
        except OSError as exc:
            raise PermanentConnectorError(
                f"outbox {self.outbox_path.name}: {exc.strerror}"
            ) from exc
        return ActionResult(reference=str(record["reference"]), answer={"outbox": "written"})

    def cancel_request(self, *, service_remote_id: str, type: str, reason: str) -> ActionResult:
        return self._outbox({"action": "cancel", "service_id": service_remote_id, "type": type,
                             "reason": reason, "reference": f"cancel-{service_remote_id}"})  # fmt: skip

    def refund(
        self,
        *,
        client_id: str,
        invoice_remote_id: str,
        transaction_remote_id: str,
        amount: Decimal,
        reference: str,
        note: str,
    ) -> ActionResult:
        return self._outbox({"action": "refund", "client_id": client_id,
                             "invoice_id": invoice_remote_id,
                             "transaction_id": transaction_remote_id, "amount": str(amount),
                             "reference": reference, "note": note})  # fmt: skip

    def credit_add(
        self, *, client_id: str, amount: Decimal, reference: str, note: str
    ) -> ActionResult:
        return self._outbox({"action": "credit", "client_id": client_id, "amount": str(amount),
                             "reference": reference, "note": note})  # fmt: skip
