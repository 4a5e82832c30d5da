"""The one interface every billing source implements (docs/architecture.md "billing/").

A connector reads the ledger (``fetch``) and asks the billing system to act
(``cancel_request``, ``refund``, ``credit_add``). The desk keeps no ledger of its own: what
it shows is a read-only mirror of what ``fetch`` returned, and what it changes it asks the
billing system to change. A source that cannot carry out an action says so with
``ActionUnsupported``; the caller then records the request for a person to carry out by
hand in the billing system.

Errors are split the way the tasks need them: ``TemporaryConnectorError`` (the network, a
timeout, a 5xx: try again later) and ``PermanentConnectorError`` (refused credentials, an
unknown service, a malformed answer: record it, a retry changes nothing).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from billing.connector.records import LedgerSnapshot


class ConnectorError(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TemporaryConnectorError(ConnectorError):
    """Try again later."""


class PermanentConnectorError(ConnectorError):
    """Retrying changes nothing: record the reason."""


class ActionUnsupported(ConnectorError):
    """The source cannot carry this out (an import file cannot refund anything)."""


@dataclass(frozen=True)
class ActionResult:
    """What the billing system answered to a request: its reference (a transaction id, a
    new credit balance) and the answer as received, kept on the request row."""

    reference: str
    answer: Mapping[str, object]


class BillingConnector(Protocol):
    def fetch(
        self, *, client_id: str | None = None, known_invoices: Mapping[str, str] | None = None
    ) -> LedgerSnapshot:
        """The ledger (one client's, or all of it). ``known_invoices`` maps invoice ids to
        the fingerprint stored at the last sync: a source may skip fetching the lines of an
        unchanged invoice (``InvoiceRecord.items`` None)."""
        ...

    def cancel_request(self, *, service_remote_id: str, type: str, reason: str) -> ActionResult:
        """Ask the billing system to cancel a service (``records.CANCEL_*``)."""
        ...

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
        """Record a refund of ``amount`` against a payment. ``reference`` is the desk's
        idempotency key: sent along so the billing system can refuse a repeat."""
        ...

    def credit_add(
        self, *, client_id: str, amount: Decimal, reference: str, note: str
    ) -> ActionResult:
        """Add ``amount`` to the client's credit balance."""
        ...
