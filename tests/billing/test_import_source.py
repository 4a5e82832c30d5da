"""The import source reads CSV and JSON ledgers, refuses bad values by file, line and column
before anything is written, and writes actions to its outbox (billing/connector/importfile.py)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from billing.connector.base import ActionUnsupported
from billing.connector.importfile import ImportConnector, ImportFormatError, parse_documents

SERVICES = (
    "id,client_id,product,label,cycle,recurring_amount,first_payment_amount,currency,"
    "registered_on,next_due_on,status,payment_method,subscription_id\n"
    "S1,C1,Web Hosting,shop.example,Monthly,9.90,,EUR,2025-01-01,2025-07-01,Active,paypal,I-SUB1\n"
    "S2,C2,VPS,vps.example,Semi-Annually,60.00,60.00,EUR,2025-01-01,2025-07-01,Active,card,\n"
)
INVOICES = (
    "id,client_id,number,issued_on,due_on,paid_at,subtotal,tax,credit,total,status,currency,"
    "payment_method\n"
    "I1,C1,2025-001,2025-06-01,2025-06-01,2025-06-01T09:00:00,9.90,1.88,0,11.78,Paid,EUR,paypal\n"
    "I2,C2,2025-002,2025-01-01,2025-01-01,,60.00,0,0,60.00,Unpaid,EUR,card\n"
)
ITEMS = (
    "invoice_id,id,kind,service_id,description,amount,period_start,period_end,taxed\n"
    "I1,L1,Hosting,S1,Web Hosting - shop.example,9.90,2025-06-01,2025-06-30,1\n"
    "I2,L2,Hosting,S2,VPS - vps.example,60.00,2025-01-01,2025-06-30,0\n"
)
TRANSACTIONS = (
    "id,client_id,invoice_id,occurred_at,gateway,reference,amount_in,amount_out,fees,description,"
    "currency\n"
    "T1,C1,I1,2025-06-01T09:00:00+02:00,paypal,PP-1,11.78,0,0.64,Invoice Payment,EUR\n"
)


def files(**overrides: str) -> dict[str, bytes]:
    base = {"services.csv": SERVICES, "invoices.csv": INVOICES, "invoice_items.csv": ITEMS,
            "transactions.csv": TRANSACTIONS}  # fmt: skip
    base.update(overrides)
    return {name: text.encode() for name, text in base.items() if text is not None}


def test_csv_files_become_records() -> None:
    snapshot = parse_documents(files())
    assert [s.remote_id for s in snapshot.services] == ["S1", "S2"]
    s1, s2 = snapshot.services
    assert s1.cycle == "monthly" and s2.cycle == "semiannually"
    assert s1.first_payment_amount == Decimal("9.90")  # blank: the recurring amount
    assert s1.subscription_id == "I-SUB1" and s1.status == "active"
    i1 = snapshot.invoices[0]
    assert i1.total == Decimal("11.78") and i1.status == "paid"
    assert i1.paid_at == datetime(2025, 6, 1, 9, tzinfo=UTC)  # no offset: UTC
    assert [(i.remote_id, i.period_end) for i in i1.items or ()] == [("L1", date(2025, 6, 30))]
    t1 = snapshot.transactions[0]
    assert t1.occurred_at == datetime(2025, 6, 1, 7, tzinfo=UTC)
    assert not snapshot.has_credits and not snapshot.has_cancellations


def test_one_clients_records_only() -> None:
    snapshot = parse_documents(files(), client_id="C2")
    assert [s.remote_id for s in snapshot.services] == ["S2"]
    assert [i.remote_id for i in snapshot.invoices] == ["I2"]
    assert snapshot.transactions == []


def test_json_ledger_with_lines_inside_invoices() -> None:
    document = {
        "services": [{"id": "S1", "client_id": "C1", "cycle": "annually",
                      "recurring_amount": "99.00", "status": "Active",
                      "next_due_on": "2026-01-01"}],
        "invoices": [{"id": "I1", "client_id": "C1", "issued_on": "2025-01-01", "total": "99.00",
                      "status": "Paid", "items": [{"id": "L1", "service_id": "S1",
                                                    "amount": "99.00"}]}],
        "credits": [],
        "cancellations": [{"service_id": "S1", "client_id": "C1",
                           "requested_at": "2025-03-01T12:00:00Z", "type": "End of billing period"}],
    }  # fmt: skip
    snapshot = parse_documents({"ledger.json": json.dumps(document).encode()})
    assert snapshot.invoices[0].items and snapshot.invoices[0].items[0].amount == Decimal("99.00")
    assert snapshot.has_credits and snapshot.credits == []
    assert snapshot.cancellations[0].type == "end_of_period"


@pytest.mark.parametrize(
    "name, text, message",
    [
        ("invoices.csv", INVOICES.replace("11.78", "eleven"), "invoices.csv line 2: total: 'eleven' is not an amount"),
        ("invoices.csv", INVOICES.replace("11.78", "11.785"), "more than two decimal places"),
        ("invoices.csv", INVOICES.replace("11.78", "NaN"), "is not an amount"),
        ("services.csv", SERVICES.replace("Monthly", "Fortnightly"), "services.csv line 2: cycle: 'Fortnightly' is not a billing cycle"),
        ("services.csv", SERVICES.replace("2025-07-01,Active,paypal", "01/07/2025,Active,paypal"), "next_due_on: '01/07/2025' is not a date"),
        ("services.csv", SERVICES + SERVICES.splitlines()[1] + "\n", "service 'S1' appears twice"),
        ("services.csv", SERVICES.replace("subscription_id", "secret_column"), "unknown column(s) secret_column"),
        ("invoice_items.csv", ITEMS + "I9,L9,Hosting,S1,x,1.00,,,0\n", "lines of unknown invoice(s) I9"),
        ("transactions.csv", TRANSACTIONS.replace(",PP-1,", ",PP-1,x,"), "more values than columns"),
        ("transactions.csv", TRANSACTIONS.replace("2025-06-01T09:00:00+02:00", ""), "occurred_at: missing"),
    ],
)  # fmt: skip
def test_a_bad_value_is_named_by_file_line_and_column(name: str, text: str, message: str) -> None:
    with pytest.raises(ImportFormatError) as caught:
        parse_documents(files(**{name: text}))
    assert message in caught.value.reason


@pytest.mark.parametrize(
    "document, message",
    [
        ("[1, 2]", "must be an object of record lists"),
        ('{"payments": []}', "unknown key(s) payments"),
        ('{"services": [{"id": "S1", "client_id": "C1", "cycle": "monthly", "recurring_amount": "1", "status": "active", "password": "x"}]}', "password: unknown field"),
        ('{"services": [{"id": {"nested": 1}}]}', "id: must be a single value"),
        ("[" * 100_000, "not a JSON document"),
    ],
)  # fmt: skip
def test_a_bad_json_document_is_refused(document: str, message: str) -> None:
    with pytest.raises(ImportFormatError) as caught:
        parse_documents({"ledger.json": document.encode()})
    assert message in caught.value.reason


def test_unchanged_files_are_not_parsed_again(tmp_path: Path) -> None:
    for name, data in files().items():
        (tmp_path / name).write_bytes(data)
    first = ImportConnector(import_path=str(tmp_path))
    assert not first.fetch().unchanged
    again = ImportConnector(import_path=str(tmp_path), last_digest=first.digest)
    assert again.fetch().unchanged
    (tmp_path / "transactions.csv").write_text(
        TRANSACTIONS + "T2,C1,,2025-06-02,card,X,1.00,0,0,,\n"
    )
    changed = ImportConnector(import_path=str(tmp_path), last_digest=first.digest)
    assert [t.remote_id for t in changed.fetch().transactions] == ["T1", "T2"]


def test_actions_go_to_the_outbox_or_are_refused_without_one(tmp_path: Path) -> None:
    no_outbox = ImportConnector(import_path=str(tmp_path))
    with pytest.raises(ActionUnsupported):
        no_outbox.credit_add(client_id="C1", amount=Decimal("5.00"), reference="r1", note="n")
    outbox = tmp_path / "outbox.jsonl"
    connector = ImportConnector(import_path=str(tmp_path), outbox_path=str(outbox))
    connector.refund(client_id="C1", invoice_remote_id="I1", transaction_remote_id="T1",
                     amount=Decimal("9.90"), reference="key-1", note="duplicate")  # fmt: skip
    connector.cancel_request(service_remote_id="S1", type="immediate", reason="too expensive")
    lines = [json.loads(line) for line in outbox.read_text().splitlines()]
    assert [line["action"] for line in lines] == ["refund", "cancel"]
    assert lines[0]["amount"] == "9.90" and lines[0]["reference"] == "key-1"
