"""A WHMCS External API on loopback, answering as the documented API does, for the WHMCS
source's tests (billing/connector/whmcs.py).

``POST /includes/api.php`` with form-encoded fields, as developers.whmcs.com describes:

- Authentication by ``identifier`` and ``secret`` (API credentials), or the same pair in
  ``username``/``password``; a wrong pair answers ``{"result": "error", "message":
  "Authentication Failed"}`` (HTTP 403). With an access key configured, a request without it
  answers "Invalid IP 127.0.0.1" (the IP allow-list WHMCS applies otherwise).
- ``responsetype=json``: JSON answers, numbers and dates as strings, "0000-00-00" for no date,
  lists nested as ``{"invoices": {"invoice": [...]}}`` and an empty list of an invoice's
  transactions as ``""``.
- Paging with ``limitstart``/``limitnum`` (default 25) and ``totalresults``/``startnumber``/
  ``numreturned`` on ``GetClientsProducts`` and ``GetInvoices``.
- The actions ``GetClientsProducts``, ``GetInvoices``, ``GetInvoice``, ``GetTransactions``,
  ``GetCredits``, ``AddCancelRequest``, ``AddTransaction`` and ``AddCredit``, with the
  documented errors ("Invoice ID Not Found", "Client ID Not Found", "Service ID Not Found",
  "Existing Cancellation Request Exists", "Transaction ID must be Unique", "Payment Method is
  required"); any other action answers "Command Not Found".

The ledger is plain data the test sets up; every request is recorded. ``fail_next`` makes the
next requests answer a 500, a non-JSON page or a hang, for the error paths. Written from the
documentation, independently of the client.
"""

from __future__ import annotations

import copy
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

import pytest

IDENTIFIER = "D4j1dKYE3g40VROOPCGyJ9zRwP0ADJIv"
SECRET = "F1CKGXRIpylMfsrig3mwwdSdYUdLiFlo"


@dataclass
class WhmcsLedger:
    clients: set[str] = field(default_factory=set)
    products: list[dict[str, str]] = field(default_factory=list)
    invoices: list[dict[str, Any]] = field(default_factory=list)  # with "items": [...]
    transactions: list[dict[str, str]] = field(default_factory=list)
    credits: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    cancel_requests: list[dict[str, str]] = field(default_factory=list)


@dataclass
class WhmcsServer:
    port: int
    ledger: WhmcsLedger
    access_key: str = ""
    requests: list[dict[str, str]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # "500", "html", "hang"
    hang_seconds: float = 3.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/includes/api.php"

    def fail_next(self, *kinds: str) -> None:
        self.failures.extend(kinds)

    def actions(self) -> list[str]:
        return [r.get("action", "") for r in self.requests]


def _page(
    rows: list[dict[str, Any]], fields: dict[str, str]
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    start = int(fields.get("limitstart") or 0)
    limit = int(fields.get("limitnum") or 25)
    chosen = rows[start : start + limit]
    return chosen, {
        "totalresults": str(len(rows)),
        "startnumber": start,
        "numreturned": len(chosen),
    }


def _answer(server: WhmcsServer, fields: dict[str, str]) -> tuple[int, dict[str, Any]]:
    identifier = fields.get("identifier") or fields.get("username")
    secret = fields.get("secret") or fields.get("password")
    if server.access_key and fields.get("accesskey") != server.access_key:
        return 403, {"result": "error", "message": "Invalid IP 127.0.0.1"}
    if identifier != IDENTIFIER or secret != SECRET:
        return 403, {"result": "error", "message": "Authentication Failed"}
    ledger = server.ledger
    action = (fields.get("action") or "").lower()
    ok: dict[str, Any] = {"result": "success"}
    if action == "getclientsproducts":
        rows = [p for p in ledger.products
                if not fields.get("clientid") or p["clientid"] == fields["clientid"]]  # fmt: skip
        chosen, paging = _page(rows, fields)
        return 200, {**ok, "clientid": fields.get("clientid"), "serviceid": None, "pid": None,
                     "domain": None, **paging, "products": {"product": chosen}}  # fmt: skip
    if action == "getinvoices":
        rows = [{k: v for k, v in i.items() if k != "items"} for i in ledger.invoices
                if not fields.get("userid") or i["userid"] == fields["userid"]]  # fmt: skip
        chosen, paging = _page(rows, fields)
        return 200, {**ok, **paging, "invoices": {"invoice": chosen} if chosen else ""}
    if action == "getinvoice":
        invoice = next((i for i in ledger.invoices if i["id"] == fields.get("invoiceid")), None)
        if invoice is None:
            return 200, {"result": "error", "message": "Invoice ID Not Found"}
        header = {k: v for k, v in invoice.items() if k not in ("items", "id")}
        paid = [t for t in ledger.transactions if t["invoiceid"] == invoice["id"]]
        return 200, {**ok, "invoiceid": invoice["id"], **header,
                     "items": {"item": invoice["items"]},
                     "transactions": {"transaction": paid} if paid else ""}  # fmt: skip
    if action == "gettransactions":
        rows = [t for t in ledger.transactions
                if (not fields.get("clientid") or t["userid"] == fields["clientid"])
                and (not fields.get("invoiceid") or t["invoiceid"] == fields["invoiceid"])]  # fmt: skip
        return 200, {**ok, "totalresults": len(rows), "startnumber": 0, "numreturned": len(rows),
                     "transactions": {"transaction": rows}}  # fmt: skip
    if action == "getcredits":
        client = fields.get("clientid", "")
        if client not in ledger.clients:
            return 200, {"result": "error", "message": "Client ID Not Found"}
        rows = ledger.credits.get(client, [])
        return 200, {**ok, "totalresults": str(len(rows)), "clientid": client,
                     "credits": {"credit": rows} if rows else ""}  # fmt: skip
    if action == "addcancelrequest":
        service = next((p for p in ledger.products if p["id"] == fields.get("serviceid")), None)
        if service is None:
            return 200, {"result": "error", "message": "Service ID Not Found"}
        if any(c["serviceid"] == service["id"] for c in ledger.cancel_requests):
            return 200, {"result": "error", "message": "Existing Cancellation Request Exists"}
        ledger.cancel_requests.append({"serviceid": service["id"], "type": fields.get("type", ""),
                                       "reason": fields.get("reason", "")})  # fmt: skip
        return 200, {**ok, "serviceid": service["id"], "userid": service["clientid"]}
    if action == "addtransaction":
        if not fields.get("paymentmethod"):
            return 200, {"result": "error", "message": "Payment Method is required"}
        if fields.get("userid") and fields["userid"] not in ledger.clients:
            return 200, {"result": "error", "message": "Client ID Not Found"}
        if fields.get("transid") and any(
            t["transid"] == fields["transid"] for t in ledger.transactions
        ):
            return 200, {"result": "error", "message": "Transaction ID must be Unique"}
        ledger.transactions.append({
            "id": str(100 + len(ledger.transactions)), "userid": fields.get("userid", ""),
            "currency": "0", "gateway": fields["paymentmethod"], "date": "2026-01-05 10:00:00",
            "description": fields.get("description", ""), "amountin": fields.get("amountin", "0.00"),
            "fees": "0.00", "amountout": fields.get("amountout", "0.00"), "rate": "1.00000",
            "transid": fields.get("transid", ""), "invoiceid": fields.get("invoiceid", "0"),
            "refundid": "0",
        })  # fmt: skip
        return 200, ok
    if action == "addcredit":
        client = fields.get("clientid", "")
        if client not in ledger.clients:
            return 200, {"result": "error", "message": "Client ID Not Found"}
        if not fields.get("amount"):
            return 200, {"result": "error", "message": "No Amount Provided"}
        rows = ledger.credits.setdefault(client, [])
        rows.append({"id": str(500 + len(rows)), "date": "2026-01-05",
                     "description": fields.get("description", ""), "amount": fields["amount"],
                     "relid": "0"})  # fmt: skip
        balance = sum(float(r["amount"]) for r in rows)
        return 200, {**ok, "newbalance": f"{balance:.2f}"}
    return 200, {"result": "error", "message": "Command Not Found"}


def _handler(server: WhmcsServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            fields = dict(parse_qsl(self.rfile.read(length).decode()))
            server.requests.append(fields)
            failure = server.failures.pop(0) if server.failures else ""
            if failure == "hang":
                time.sleep(server.hang_seconds)
            if failure == "500":
                self._send(500, b"<html>Internal Server Error</html>", "text/html")
                return
            if failure == "html":
                self._send(200, b"<html>Please log in</html>", "text/html")
                return
            if self.path != "/includes/api.php":
                self._send(404, b"not found", "text/plain")
                return
            status, answer = _answer(server, fields)
            self._send(status, json.dumps(answer).encode(), "application/json")

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except OSError:
                pass  # the client gave up (a hang test)

    return Handler


def demo_ledger() -> WhmcsLedger:
    """Two clients: client 1 with two services, three invoices (one paid twice) and a
    credit; client 2 with one service and one invoice."""
    ledger = WhmcsLedger(clients={"1", "2"})
    ledger.products = [
        {"id": "11", "clientid": "1", "name": "Starter", "domain": "shop.example",
         "billingcycle": "Monthly", "recurringamount": "9.90", "firstpaymentamount": "9.90",
         "regdate": "2025-01-01", "nextduedate": "2025-07-01", "status": "Active",
         "paymentmethod": "paypal", "subscriptionid": "I-SUB11"},
        {"id": "12", "clientid": "1", "name": "VPS", "domain": "vps.shop.example",
         "billingcycle": "Semi-Annually", "recurringamount": "60.00", "firstpaymentamount": "60.00",
         "regdate": "2025-01-01", "nextduedate": "2025-07-01", "status": "Active",
         "paymentmethod": "banktransfer", "subscriptionid": ""},
        {"id": "21", "clientid": "2", "name": "Starter", "domain": "blog.example",
         "billingcycle": "Free Account", "recurringamount": "0.00", "firstpaymentamount": "0.00",
         "regdate": "2025-03-01", "nextduedate": "0000-00-00", "status": "Active",
         "paymentmethod": "paypal", "subscriptionid": ""},
    ]  # fmt: skip

    def invoice(id_: str, user: str, date: str, total: str, status: str, items: list[dict]) -> dict:
        return {"id": id_, "userid": user, "firstname": "Test", "lastname": "Client",
                "companyname": "", "invoicenum": f"2025-{id_}", "date": date, "duedate": date,
                "datepaid": f"{date} 09:00:00" if status == "Paid" else "0000-00-00 00:00:00",
                "subtotal": total, "credit": "0.00", "tax": "0.00", "tax2": "0.00", "total": total,
                "taxrate": "0.00", "taxrate2": "0.00", "status": status, "paymentmethod": "paypal",
                "notes": "", "currencycode": "EUR", "currencyprefix": "€", "currencysuffix": "EUR",
                "items": items}  # fmt: skip

    ledger.invoices = [
        invoice("101", "1", "2025-05-01", "9.90", "Paid", [
            {"id": "1", "type": "Hosting", "relid": "11", "amount": "9.90", "taxed": "0",
             "description": "Starter - shop.example (01/05/2025 - 31/05/2025)"}]),
        invoice("102", "1", "2025-06-01", "9.90", "Paid", [
            {"id": "2", "type": "Hosting", "relid": "11", "amount": "9.90", "taxed": "0",
             "description": "Starter - shop.example (01/06/2025 - 30/06/2025)"}]),
        invoice("103", "1", "2025-01-01", "60.00", "Paid", [
            {"id": "3", "type": "Hosting", "relid": "12", "amount": "60.00", "taxed": "0",
             "description": "VPS - vps.shop.example (01/01/2025 - 30/06/2025)"}]),
        invoice("201", "2", "2025-03-01", "5.00", "Unpaid", [
            {"id": "4", "type": "Domain", "relid": "7", "amount": "5.00", "taxed": "0",
             "description": "Domain Registration - blog.example - 1 Year/s"}]),
    ]  # fmt: skip

    def payment(id_: str, user: str, invoice_id: str, date: str, amount: str, gateway: str) -> dict:
        return {"id": id_, "userid": user, "currency": "0", "gateway": gateway, "date": date,
                "description": "Invoice Payment", "amountin": amount, "fees": "0.00",
                "amountout": "0.00", "rate": "1.00000", "transid": f"TX-{id_}",
                "invoiceid": invoice_id, "refundid": "0"}  # fmt: skip

    ledger.transactions = [
        payment("1", "1", "101", "2025-05-01 09:00:00", "9.90", "paypal"),
        payment("2", "1", "102", "2025-06-01 09:00:00", "9.90", "paypal"),
        payment("3", "1", "102", "2025-06-02 14:30:00", "9.90", "banktransfer"),
        payment("4", "1", "103", "2025-01-02 10:00:00", "60.00", "banktransfer"),
    ]
    ledger.credits = {"1": [{"id": "1", "date": "2025-04-01", "description": "Goodwill",
                             "amount": "5.00", "relid": "0"}]}  # fmt: skip
    return ledger


@pytest.fixture
def whmcs_server() -> Iterator[WhmcsServer]:
    state = WhmcsServer(port=0, ledger=copy.deepcopy(demo_ledger()))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    httpd.daemon_threads = True
    state.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield state
    httpd.shutdown()
    httpd.server_close()
