"""The billing panel on tickets and customer pages: the ledger with the verifier's findings
for those who read it, nothing for those who do not, and a ticket one may not see stays a
404 (billing/views.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from billing.sync import source_sync
from complaints.models import Ticket
from customers.models import Customer
from tests.billing.ledger_support import import_source
from tests.complaints.actions_support import make_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger(tmp_path: Path) -> Customer:
    customer = Customer.objects.create(
        external_id="C1", name="Shop", billing_email="pay@shop.example"
    )
    Customer.objects.create(external_id="C2", name="VPS Co")
    source_sync(source_id=import_source(tmp_path / "ledger").pk)
    return customer


def client_for(users, role: str) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(users[role])
    return client


def test_billing_reads_the_panel_of_a_billing_ticket_with_the_duplicate_found(
    users, ledger
) -> None:  # type: ignore[no-untyped-def]
    ticket = make_ticket(kind=Ticket.Kind.BILLING, customer=ledger)
    response = client_for(users, "billing").get(f"/billing/tickets/{ticket.pk}/panel/")
    assert response.status_code == 200
    text = response.content.decode()
    assert (
        "invoice 2025-001 (9.90) was paid 2 times (gateway subscription plus manual payment)"
        in text
    )
    assert "BT-7" in text and "I-SUB1" in text
    assert 'data-invoice="I1"' in text and 'data-transaction="T2"' in text


def test_agents_read_the_ledger_of_their_tickets_and_customers(users, ledger) -> None:  # type: ignore[no-untyped-def]
    abuse = make_ticket(kind=Ticket.Kind.ABUSE, customer=ledger)
    agent = client_for(users, "agent")
    assert agent.get(f"/billing/tickets/{abuse.pk}/panel/").status_code == 200
    assert agent.get("/billing/customers/C1/panel/").status_code == 200
    page = agent.get("/billing/customers/C1/")
    assert page.status_code == 200 and "paid 2 times" in page.content.decode()


def test_a_ticket_one_may_not_see_is_a_404_and_other_roles_are_refused(users, ledger) -> None:  # type: ignore[no-untyped-def]
    billing_ticket = make_ticket(kind=Ticket.Kind.BILLING, customer=ledger)
    legal_ticket = make_ticket(kind=Ticket.Kind.LEGAL, customer=ledger)
    assert (
        client_for(users, "agent").get(f"/billing/tickets/{billing_ticket.pk}/panel/").status_code
        == 404
    )
    # legal sees its case, but reads no ledger
    assert (
        client_for(users, "legal").get(f"/billing/tickets/{legal_ticket.pk}/panel/").status_code
        == 403
    )
    for role in ("legal", "investigations", "none"):
        response = client_for(users, role).get("/billing/customers/C1/panel/")
        assert response.status_code == 403, role
        assert "BT-7" not in response.content.decode()
    assert Client().get("/billing/customers/C1/panel/").status_code == 302


def test_a_customer_without_ledger_rows_says_so(users, ledger) -> None:  # type: ignore[no-untyped-def]
    Customer.objects.create(external_id="C3", name="Nobody")
    response = client_for(users, "billing").get("/billing/customers/C3/panel/")
    assert response.status_code == 200
    assert "The billing system has nothing for" in response.content.decode()


def test_the_sources_page_shows_the_last_runs(users, ledger) -> None:  # type: ignore[no-untyped-def]
    response = client_for(users, "billing").get("/billing/sources/")
    assert response.status_code == 200
    assert "Done" in response.content.decode()
    assert client_for(users, "legal").get("/billing/sources/").status_code == 403


def test_the_ticket_and_customer_pages_load_the_panel_for_ledger_readers(users, ledger) -> None:  # type: ignore[no-untyped-def]
    ticket = make_ticket(kind=Ticket.Kind.BILLING, customer=ledger)
    page = client_for(users, "billing").get(f"/tickets/{ticket.pk}/").content.decode()
    assert f'hx-get="/billing/tickets/{ticket.pk}/panel/"' in page
    agent_page = client_for(users, "agent").get("/customers/C1/").content.decode()
    assert 'hx-get="/billing/customers/C1/panel/"' in agent_page
    legal_page = client_for(users, "legal").get("/customers/C1/").content.decode()
    assert "/billing/customers/C1/" not in legal_page
