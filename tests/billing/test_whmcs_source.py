"""The WHMCS source against an HTTP server in the suite that answers as the documented API
does: identifier/secret authentication, JSON, paging, errors, and the actions the desk asks
for (billing/connector/whmcs.py, tests/servers/whmcs.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from billing.adjustments import adjustment_execute, adjustment_request
from billing.connector.base import PermanentConnectorError, TemporaryConnectorError
from billing.connector.whmcs import WhmcsConnector, period_of
from billing.connectors import source_create, source_set_secrets
from billing.models import (
    Adjustment,
    BillingSource,
    LedgerInvoice,
    LedgerInvoiceItem,
    LedgerService,
    LedgerTransaction,
    SyncRun,
)
from billing.selectors import customer_ledger
from billing.sync import source_sync
from customers.models import Customer
from tests.servers.whmcs import IDENTIFIER, SECRET, WhmcsServer
from trustsafety import crypto


def connector(server: WhmcsServer, **kw: object) -> WhmcsConnector:
    options: dict[str, object] = {"api_url": server.url, "identifier": IDENTIFIER,
                                  "secret": SECRET, "page_size": 2, "timeout": 2}  # fmt: skip
    options.update(kw)
    return WhmcsConnector(**options)  # type: ignore[arg-type]


def test_the_ledger_is_read_page_by_page(whmcs_server: WhmcsServer) -> None:
    snapshot = connector(whmcs_server).fetch()
    assert [s.remote_id for s in snapshot.services] == ["11", "12", "21"]
    assert [i.remote_id for i in snapshot.invoices] == ["101", "102", "103", "201"]
    # page size 2: two pages of products, two of invoices, then each invoice's lines
    assert whmcs_server.actions().count("GetClientsProducts") == 2
    assert whmcs_server.actions().count("GetInvoices") == 2
    assert whmcs_server.actions().count("GetInvoice") == 4
    starts = [r["limitstart"] for r in whmcs_server.requests if r["action"] == "GetInvoices"]
    assert starts == ["0", "2"]
    vps = snapshot.services[1]
    assert vps.cycle == "semiannually" and vps.recurring_amount == Decimal("60.00")
    assert snapshot.services[2].cycle == "free" and snapshot.services[2].next_due_on is None
    line = snapshot.invoices[0].items[0]  # type: ignore[index]
    assert line.service_remote_id == "11" and line.period_start == date(2025, 5, 1)
    assert line.period_end == date(2025, 5, 31)
    domain_line = snapshot.invoices[3].items[0]  # type: ignore[index]
    assert domain_line.kind == "domain" and domain_line.service_remote_id == ""
    assert snapshot.invoices[3].paid_at is None
    assert [t.remote_id for t in snapshot.transactions] == ["1", "2", "3", "4"]
    assert [(c.client_id, c.amount) for c in snapshot.credits] == [("1", Decimal("5.00"))]
    # every request authenticated with the API credentials, asking for JSON
    assert all(
        r["identifier"] == IDENTIFIER and r["secret"] == SECRET for r in whmcs_server.requests
    )
    assert all(r["responsetype"] == "json" for r in whmcs_server.requests)


def test_one_clients_ledger(whmcs_server: WhmcsServer) -> None:
    snapshot = connector(whmcs_server).fetch(client_id="2")
    assert [s.remote_id for s in snapshot.services] == ["21"]
    assert [i.remote_id for i in snapshot.invoices] == ["201"]
    assert snapshot.transactions == [] and snapshot.credits == []


def test_refused_credentials_and_ip_are_permanent_with_the_message(
    whmcs_server: WhmcsServer,
) -> None:
    with pytest.raises(PermanentConnectorError, match="Authentication Failed"):
        connector(whmcs_server, secret="wrong").fetch()
    whmcs_server.access_key = "k3y"
    with pytest.raises(PermanentConnectorError, match="Invalid IP"):
        connector(whmcs_server).fetch()
    assert connector(whmcs_server, access_key="k3y").fetch().services


def test_server_errors_and_timeouts_are_temporary_a_login_page_is_not(
    whmcs_server: WhmcsServer,
) -> None:
    whmcs_server.fail_next("500")
    with pytest.raises(TemporaryConnectorError, match="HTTP 500"):
        connector(whmcs_server).fetch()
    whmcs_server.fail_next("hang")
    with pytest.raises(TemporaryConnectorError, match="in time"):
        connector(whmcs_server, timeout=0.5).fetch()
    whmcs_server.fail_next("html")
    with pytest.raises(PermanentConnectorError, match="without JSON"):
        connector(whmcs_server).fetch()


def test_plain_http_is_refused_beyond_loopback() -> None:
    with pytest.raises(PermanentConnectorError, match="HTTPS only"):
        WhmcsConnector(
            api_url="http://billing.example/includes/api.php", identifier="i", secret="s"
        )


def test_the_billed_period_is_read_in_the_configured_date_order() -> None:
    assert period_of("X (01/05/2025 - 31/05/2025)", "dmy") == (date(2025, 5, 1), date(2025, 5, 31))
    assert period_of("X (05/01/2025 - 05/31/2025)", "mdy") == (date(2025, 5, 1), date(2025, 5, 31))
    assert period_of("X (2025-05-01 - 2025-05-31)", "ymd") == (date(2025, 5, 1), date(2025, 5, 31))
    assert period_of("Domain Registration - 1 Year/s", "dmy") == (None, None)
    assert period_of("X (31/02/2025 - 31/03/2025)", "dmy") == (None, None)


@pytest.mark.django_db
def test_a_whmcs_source_syncs_with_its_secret_encrypted(whmcs_server: WhmcsServer) -> None:
    client = Customer.objects.create(external_id="1", name="Shop")
    source = source_create(name="whmcs", kind=BillingSource.Kind.WHMCS, api_url=whmcs_server.url,
                           identifier=IDENTIFIER, secret=SECRET)  # fmt: skip
    stored = BillingSource.objects.get(pk=source.pk)
    assert SECRET.encode() not in bytes(stored.secret_encrypted)
    assert crypto.decrypt(stored.secret_encrypted) == SECRET
    assert source_sync(source_id=source.pk).status == SyncRun.Status.OK
    assert LedgerService.objects.filter(customer=client).count() == 2
    assert LedgerInvoiceItem.objects.filter(invoice__remote_id="103").get().period_end == date(
        2025, 6, 30
    )
    assert LedgerTransaction.objects.filter(customer=client).count() == 4
    # a second sync fetches no lines of unchanged invoices
    whmcs_server.requests.clear()
    assert source_sync(source_id=source.pk).status == SyncRun.Status.OK
    assert "GetInvoice" not in whmcs_server.actions()
    assert LedgerInvoiceItem.objects.count() == 4
    # a changed invoice has its lines fetched again
    whmcs_server.ledger.invoices[3]["status"] = "Paid"
    whmcs_server.requests.clear()
    source_sync(source_id=source.pk)
    assert [r["invoiceid"] for r in whmcs_server.requests if r["action"] == "GetInvoice"] == ["201"]
    assert LedgerInvoice.objects.get(remote_id="201").status == "paid"


@pytest.mark.django_db
def test_a_refused_sync_records_why_and_keeps_the_mirror(whmcs_server: WhmcsServer) -> None:
    source = source_create(name="whmcs", kind=BillingSource.Kind.WHMCS, api_url=whmcs_server.url,
                           identifier=IDENTIFIER, secret=SECRET)  # fmt: skip
    source_sync(source_id=source.pk)
    before = LedgerTransaction.objects.count()
    whmcs_server.fail_next("500")
    with pytest.raises(TemporaryConnectorError):
        source_sync(source_id=source.pk)  # the task retries it
    source.refresh_from_db()
    assert "HTTP 500" in source.last_error

    source_set_secrets(source=source, secret="wrong")
    outcome = source_sync(source_id=source.pk)
    assert outcome.status == SyncRun.Status.FAILED and "Authentication Failed" in outcome.error
    assert LedgerTransaction.objects.count() == before


def test_cancel_requests_are_sent_and_a_second_one_is_refused(whmcs_server: WhmcsServer) -> None:
    api = connector(whmcs_server)
    result = api.cancel_request(
        service_remote_id="11", type="end_of_period", reason="too expensive"
    )
    assert result.reference == "11"
    assert whmcs_server.ledger.cancel_requests == [
        {"serviceid": "11", "type": "End of Billing Period", "reason": "too expensive"}
    ]
    with pytest.raises(PermanentConnectorError, match="Existing Cancellation Request Exists"):
        api.cancel_request(service_remote_id="11", type="immediate", reason="again")
    with pytest.raises(PermanentConnectorError, match="Service ID Not Found"):
        api.cancel_request(service_remote_id="99", type="immediate", reason="")


def test_a_refund_is_recorded_once_whatever_the_retries(whmcs_server: WhmcsServer) -> None:
    api = connector(whmcs_server)
    kwargs = {"client_id": "1", "invoice_remote_id": "102", "transaction_remote_id": "3",
              "amount": Decimal("9.90"), "reference": "key-1", "note": "paid twice"}  # fmt: skip
    first = api.refund(**kwargs)  # type: ignore[arg-type]
    again = api.refund(**kwargs)  # type: ignore[arg-type]
    assert first.reference == again.reference == "refund-key-1"
    refunds = [t for t in whmcs_server.ledger.transactions if t["amountout"] != "0.00"]
    assert len(refunds) == 1
    assert refunds[0]["gateway"] == "banktransfer" and refunds[0]["amountout"] == "9.90"
    assert refunds[0]["invoiceid"] == "102"


def test_a_credit_is_added_once_whatever_the_retries(whmcs_server: WhmcsServer) -> None:
    api = connector(whmcs_server)
    api.credit_add(client_id="1", amount=Decimal("4.00"), reference="key-2", note="goodwill")
    api.credit_add(client_id="1", amount=Decimal("4.00"), reference="key-2", note="goodwill")
    assert [c["amount"] for c in whmcs_server.ledger.credits["1"]] == ["5.00", "4.00"]
    with pytest.raises(PermanentConnectorError, match="Client ID Not Found"):
        api.credit_add(client_id="404", amount=Decimal("1.00"), reference="key-3", note="x")


def test_an_unknown_action_is_refused_by_name(whmcs_server: WhmcsServer) -> None:
    with pytest.raises(PermanentConnectorError, match="Command Not Found"):
        connector(whmcs_server).call("DecryptPassword")


@pytest.mark.django_db
def test_billing_refunds_the_duplicate_through_whmcs(whmcs_server: WhmcsServer, users) -> None:  # type: ignore[no-untyped-def]
    shop = Customer.objects.create(external_id="1", name="Shop")
    source = source_create(name="whmcs", kind=BillingSource.Kind.WHMCS, api_url=whmcs_server.url,
                           identifier=IDENTIFIER, secret=SECRET)  # fmt: skip
    source_sync(source_id=source.pk)
    finding = next(f for f in customer_ledger(shop).findings if f.check == "duplicate_payment")
    assert finding.transaction_remote_ids == ("2", "3")
    assert "gateway subscription plus manual payment" in finding.title
    adjustment = adjustment_request(actor=users["billing"], kind="refund", customer=shop,
                                    amount=finding.amount, reason="paid twice",
                                    transaction_remote_id="3", finding=finding)  # fmt: skip
    assert adjustment_execute(adjustment_id=adjustment.pk) == Adjustment.Status.DONE
    adjustment.refresh_from_db()
    assert adjustment.remote_reference == f"refund-{adjustment.idempotency_key}"
    source_sync(source_id=source.pk, client_id="1")
    assert not [f for f in customer_ledger(shop).findings if f.check == "duplicate_payment"]
