"""The WHMCS source: the External API (``POST .../includes/api.php``), JSON responses.

Every request carries ``identifier`` and ``secret`` (API credentials of an admin user with
an API role allowing the actions below), ``responsetype=json`` and, when configured, the
``accesskey`` that lifts WHMCS's IP allow-list. The actions used: ``GetClientsProducts`` and
``GetInvoices`` (paged with ``limitstart``/``limitnum`` until ``totalresults``),
``GetInvoice`` (an invoice's lines, fetched only for invoices new or changed since the last
sync), ``GetTransactions``, ``GetCredits`` (per client), ``AddCancelRequest``,
``AddTransaction`` (a refund is recorded as a transaction paying out) and ``AddCredit``.

WHMCS answers ``{"result": "error", "message": ...}`` for refusals (wrong credentials,
an IP not allowed, an unknown client): permanent, the message kept. Connection failures,
timeouts and 5xx are temporary. Lists come as ``{"invoices": {"invoice": [...]}}``, or ``""``
when empty; numbers and dates come as strings, "0000-00-00" meaning none.

HTTPS is required, with the certificate verified; plain HTTP only to a loopback address
(the test suite's server).
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import re
import ssl
from collections.abc import Iterator, Mapping
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode, urlsplit

from billing.connector.base import (
    ActionResult,
    PermanentConnectorError,
    TemporaryConnectorError,
)
from billing.connector.importfile import ImportFormatError, amount, cycle_name, day, moment, word
from billing.connector.records import (
    CANCEL_IMMEDIATE,
    CreditRecord,
    InvoiceItemRecord,
    InvoiceRecord,
    LedgerSnapshot,
    ServiceRecord,
    TransactionRecord,
    invoice_fingerprint,
)

MAX_ANSWER_BYTES = 64 * 1024 * 1024
MAX_PAGES = 100_000
CANCEL_TYPE = {CANCEL_IMMEDIATE: "Immediate"}
DEFAULT_CANCEL_TYPE = "End of Billing Period"
# "Product name - domain (01/01/2016 - 31/01/2016)": the billed period at the end of a
# hosting line's description. Bounded digit runs, no nesting: linear on any text.
PERIOD = re.compile(
    r"\((\d{1,4})[./-](\d{1,2})[./-](\d{1,4}) - (\d{1,4})[./-](\d{1,2})[./-](\d{1,4})\)\s*$"
)
DATE_ORDERS = ("dmy", "mdy", "ymd")


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def as_list(value: Any, key: str) -> list[dict[str, Any]]:
    """``{"invoice": [...]}`` (or one object, or ``""`` for none) as a list of objects."""
    if value in ("", None, []):
        return []
    if isinstance(value, dict):
        inner = value.get(key, [])
        if inner in ("", None):
            return []
        if isinstance(inner, dict):
            inner = [inner]
        if isinstance(inner, list) and all(isinstance(i, dict) for i in inner):
            return inner
    raise PermanentConnectorError(f"WHMCS answered an unexpected {key} list")


def period_of(description: str, order: str) -> tuple[date | None, date | None]:
    match = PERIOD.search(description[-80:])
    if match is None:
        return None, None
    parts = [int(g) for g in match.groups()]
    try:
        return _date(parts[:3], order), _date(parts[3:], order)
    except ValueError:
        return None, None


def _date(parts: list[int], order: str) -> date:
    a, b, c = parts
    if order == "mdy":
        return date(c, a, b)
    if order == "ymd":
        return date(a, b, c)
    return date(c, b, a)


class WhmcsConnector:
    """``BillingConnector`` over the WHMCS External API."""

    def __init__(
        self,
        *,
        api_url: str,
        identifier: str,
        secret: str,
        access_key: str = "",
        page_size: int = 100,
        timeout: float = 20,
        date_order: str = "dmy",
    ) -> None:
        url = urlsplit(api_url)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise PermanentConnectorError("the WHMCS API URL must be an https:// URL")
        if url.scheme == "http" and not _loopback(url.hostname):
            raise PermanentConnectorError("the WHMCS API is reached over HTTPS only")
        if not identifier or not secret:
            raise PermanentConnectorError("the WHMCS API identifier and secret are not set")
        self.url = url
        self.identifier = identifier
        self.secret = secret
        self.access_key = access_key
        self.page_size = max(1, min(page_size, 1000))
        self.timeout = timeout
        self.date_order = date_order if date_order in DATE_ORDERS else "dmy"
        self.calls = 0

    # --- the wire -------------------------------------------------------------------------

    def call(self, action: str, **params: object) -> dict[str, Any]:
        """One API request; the decoded answer of a ``success``."""
        fields: dict[str, object] = {
            "identifier": self.identifier,
            "secret": self.secret,
            "action": action,
            "responsetype": "json",
            **{k: v for k, v in params.items() if v not in (None, "")},
        }
        if self.access_key:
            fields["accesskey"] = self.access_key
        body = urlencode(fields).encode()
        host = self.url.hostname or ""
        port = self.url.port
        if self.url.scheme == "https":
            conn: http.client.HTTPConnection = http.client.HTTPSConnection(
                host, port, timeout=self.timeout, context=ssl.create_default_context()
            )
        else:
            conn = http.client.HTTPConnection(host, port, timeout=self.timeout)
        path = self.url.path or "/"
        self.calls += 1
        try:
            conn.request("POST", path, body=body, headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json", "User-Agent": "trust-safety-desk",
            })  # fmt: skip
            response = conn.getresponse()
            data = response.read(MAX_ANSWER_BYTES + 1)
        except TimeoutError as exc:
            raise TemporaryConnectorError(f"{action}: WHMCS did not answer in time") from exc
        except ssl.SSLError as exc:
            raise PermanentConnectorError(f"{action}: TLS failed ({exc.reason})") from exc
        except (OSError, http.client.HTTPException) as exc:
            raise TemporaryConnectorError(f"{action}: cannot reach WHMCS ({exc})") from exc
        finally:
            conn.close()
        if response.status >= 500:
            raise TemporaryConnectorError(f"{action}: WHMCS answered HTTP {response.status}")
        if len(data) > MAX_ANSWER_BYTES:
            raise PermanentConnectorError(f"{action}: the answer is larger than the limit")
        try:
            answer = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise PermanentConnectorError(
                f"{action}: WHMCS answered HTTP {response.status} without JSON"
            ) from None
        if not isinstance(answer, dict):
            raise PermanentConnectorError(f"{action}: WHMCS answered something not an object")
        if answer.get("result") != "success":
            message = str(answer.get("message") or "no message")[:300]
            raise PermanentConnectorError(f"{action}: WHMCS refused: {message}")
        if response.status >= 400:
            raise PermanentConnectorError(f"{action}: WHMCS answered HTTP {response.status}")
        return answer

    def pages(self, action: str, key: str, item: str, **params: object) -> Iterator[dict[str, Any]]:
        """Every record of a paged list action."""
        start = 0
        for _ in range(MAX_PAGES):
            answer = self.call(action, limitstart=start, limitnum=self.page_size, **params)
            rows = as_list(answer.get(key), item)
            yield from rows
            try:
                total = int(answer.get("totalresults") or 0)
            except (TypeError, ValueError):
                raise PermanentConnectorError(f"{action}: totalresults is not a number") from None
            start += len(rows)
            if not rows or start >= total:
                return
        raise PermanentConnectorError(f"{action}: more than {MAX_PAGES} pages")

    # --- reading --------------------------------------------------------------------------

    def fetch(
        self, *, client_id: str | None = None, known_invoices: Mapping[str, str] | None = None
    ) -> LedgerSnapshot:
        known = known_invoices or {}
        snapshot = LedgerSnapshot(client_id=client_id, has_cancellations=False)
        try:
            snapshot.services = [
                self._service(row)
                for row in self.pages(
                    "GetClientsProducts", "products", "product", clientid=client_id
                )
            ]
            for row in self.pages("GetInvoices", "invoices", "invoice", userid=client_id):
                header = self._invoice(row, items=None)
                if known.get(header.remote_id) == invoice_fingerprint(header):
                    snapshot.invoices.append(header)
                    continue
                detail = self.call("GetInvoice", invoiceid=header.remote_id)
                items = tuple(
                    self._item(line, f"invoice {header.remote_id} item {n}")
                    for n, line in enumerate(as_list(detail.get("items"), "item"))
                )
                snapshot.invoices.append(self._invoice(row, items=items))
            answer = self.call("GetTransactions", clientid=client_id)
            snapshot.transactions = [
                self._transaction(row)
                for row in as_list(answer.get("transactions"), "transaction")
                if client_id is None or str(row.get("userid", "")) == client_id
            ]
            clients = (
                {client_id}
                if client_id
                else {s.client_id for s in snapshot.services}
                | {i.client_id for i in snapshot.invoices}
            )
            for client in sorted(clients):
                answer = self.call("GetCredits", clientid=client)
                snapshot.credits.extend(
                    self._credit(row, client) for row in as_list(answer.get("credits"), "credit")
                )
        except ImportFormatError as exc:
            raise PermanentConnectorError(
                f"WHMCS answered a value the desk cannot read: {exc}"
            ) from exc
        snapshot.calls = self.calls
        return snapshot

    def _service(self, row: Mapping[str, Any]) -> ServiceRecord:
        where = f"service {row.get('id')}"
        cycle = str(row.get("billingcycle", ""))
        if word(cycle) == "freeaccount":
            cycle = "free"
        recurring = amount(
            str(row.get("recurringamount", "")), where=where, column="recurringamount"
        )
        return ServiceRecord(
            remote_id=_id(row.get("id"), where),
            client_id=_id(row.get("clientid"), where),
            product=str(row.get("name", ""))[:200],
            label=str(row.get("domain", ""))[:253],
            cycle=cycle_name(cycle, where=where),
            recurring_amount=recurring,
            first_payment_amount=amount(
                str(row.get("firstpaymentamount", "")), where=where, column="firstpaymentamount"
            ),
            currency="",
            registered_on=day(str(row.get("regdate", "")), where=where, column="regdate"),
            next_due_on=day(str(row.get("nextduedate", "")), where=where, column="nextduedate"),
            status=word(str(row.get("status", ""))),
            payment_method=str(row.get("paymentmethod", ""))[:64],
            subscription_id=str(row.get("subscriptionid", "") or "")[:128],
        )

    def _invoice(
        self, row: Mapping[str, Any], *, items: tuple[InvoiceItemRecord, ...] | None
    ) -> InvoiceRecord:
        where = f"invoice {row.get('id')}"
        issued = day(str(row.get("date", "")), where=where, column="date")
        if issued is None:
            raise PermanentConnectorError(f"{where}: no date")
        tax = amount(str(row.get("tax", "")), where=where, column="tax") + amount(
            str(row.get("tax2", "")), where=where, column="tax2"
        )
        return InvoiceRecord(
            remote_id=_id(row.get("id"), where),
            client_id=_id(row.get("userid"), where),
            number=str(row.get("invoicenum", "") or "")[:64],
            issued_on=issued,
            due_on=day(str(row.get("duedate", "")), where=where, column="duedate"),
            paid_at=moment(str(row.get("datepaid", "")), where=where, column="datepaid"),
            subtotal=amount(str(row.get("subtotal", "")), where=where, column="subtotal"),
            tax=tax,
            credit=amount(str(row.get("credit", "")), where=where, column="credit"),
            total=amount(str(row.get("total", "")), where=where, column="total"),
            status=word(str(row.get("status", ""))),
            currency=str(row.get("currencycode", "") or "")[:3].upper(),
            payment_method=str(row.get("paymentmethod", ""))[:64],
            items=items,
        )

    def _item(self, row: Mapping[str, Any], where: str) -> InvoiceItemRecord:
        description = str(row.get("description", ""))
        start, end = period_of(description, self.date_order)
        kind = word(str(row.get("type", ""))) or "item"
        return InvoiceItemRecord(
            remote_id=_id(row.get("id"), where),
            kind=kind,
            service_remote_id=str(row.get("relid", "")) if kind == "hosting" else "",
            description=description[:500],
            amount=amount(str(row.get("amount", "")), where=where, column="amount"),
            period_start=start,
            period_end=end,
            taxed=str(row.get("taxed", "")) in ("1", "true", "True"),
        )

    def _transaction(self, row: Mapping[str, Any]) -> TransactionRecord:
        where = f"transaction {row.get('id')}"
        occurred = moment(str(row.get("date", "")), where=where, column="date")
        if occurred is None:
            raise PermanentConnectorError(f"{where}: no date")
        invoice = str(row.get("invoiceid", "") or "")
        return TransactionRecord(
            remote_id=_id(row.get("id"), where),
            client_id=_id(row.get("userid"), where),
            invoice_remote_id="" if invoice == "0" else invoice[:64],
            occurred_at=occurred,
            gateway=str(row.get("gateway", ""))[:64],
            reference=str(row.get("transid", ""))[:128],
            amount_in=amount(str(row.get("amountin", "")), where=where, column="amountin"),
            amount_out=amount(str(row.get("amountout", "")), where=where, column="amountout"),
            fees=amount(str(row.get("fees", "")), where=where, column="fees"),
            description=str(row.get("description", ""))[:500],
        )

    def _credit(self, row: Mapping[str, Any], client_id: str) -> CreditRecord:
        where = f"credit {row.get('id')}"
        on = day(str(row.get("date", "")), where=where, column="date")
        if on is None:
            raise PermanentConnectorError(f"{where}: no date")
        relid = str(row.get("relid", "") or "")
        return CreditRecord(
            remote_id=_id(row.get("id"), where),
            client_id=client_id,
            on=on,
            description=str(row.get("description", ""))[:500],
            amount=amount(str(row.get("amount", "")), where=where, column="amount"),
            invoice_remote_id="" if relid == "0" else relid[:64],
        )

    # --- acting ---------------------------------------------------------------------------

    def cancel_request(self, *, service_remote_id: str, type: str, reason: str) -> ActionResult:
        answer = self.call(
            "AddCancelRequest",
            serviceid=service_remote_id,
            type=CANCEL_TYPE.get(type, DEFAULT_CANCEL_TYPE),
            reason=reason[:1000],
        )
        return ActionResult(
            reference=str(answer.get("serviceid", service_remote_id)), answer=answer
        )

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
        try:
            answer = self._add_refund(
                client_id, invoice_remote_id, transaction_remote_id, amount, reference, note
            )
        except PermanentConnectorError as exc:
            # A repeat after a lost answer: WHMCS has the refund already.
            if "must be unique" not in exc.reason.lower():
                raise
            answer = {"result": "success", "repeat": True}
        return ActionResult(reference=f"refund-{reference}", answer=answer)

    def _add_refund(
        self,
        client_id: str,
        invoice_remote_id: str,
        transaction_remote_id: str,
        amount: Decimal,
        reference: str,
        note: str,
    ) -> dict[str, Any]:
        return self.call(
            "AddTransaction",
            userid=client_id,
            invoiceid=invoice_remote_id,
            # WHMCS refuses a second transaction with the same id: a retried refund is
            # recorded once.
            transid=f"refund-{reference}",
            paymentmethod=self._gateway_of(transaction_remote_id, client_id),
            amountout=f"{amount:.2f}",
            description=f"Refund of transaction {transaction_remote_id}: {note}"[:250],
        )

    def _gateway_of(self, transaction_remote_id: str, client_id: str) -> str:
        answer = self.call("GetTransactions", clientid=client_id)
        for row in as_list(answer.get("transactions"), "transaction"):
            if str(row.get("id")) == transaction_remote_id:
                return str(row.get("gateway", ""))[:64]
        raise PermanentConnectorError(f"transaction {transaction_remote_id} is not the client's")

    def credit_add(
        self, *, client_id: str, amount: Decimal, reference: str, note: str
    ) -> ActionResult:
        # AddCredit takes no idempotency key: the reference goes into the description, and a
        # credit already carrying it (added before an answer was lost) is not added again.
        marker = f"desk reference {reference}"
        existing = self.call("GetCredits", clientid=client_id)
        for row in as_list(existing.get("credits"), "credit"):
            if marker in str(row.get("description", "")):
                return ActionResult(reference=str(row.get("id", "")), answer={"repeat": True})
        answer = self.call(
            "AddCredit",
            clientid=client_id,
            amount=f"{amount:.2f}",
            description=f"({marker}) {note}"[:250],
        )
        return ActionResult(reference=str(answer.get("newbalance", "")), answer=answer)


def _id(value: object, where: str) -> str:
    text = str(value if value is not None else "").strip()
    if not text or len(text) > 64:
        raise PermanentConnectorError(f"{where}: no usable id")
    return text
