"""Login, throttling, navigation per role, the strict CSP, and page permissions."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts import roles
from tests.conftest import PASSWORD
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_login_then_home_shows_the_roles_sections(users: dict) -> None:
    client = Client()
    response = client.post("/accounts/login/", {"username": "user-agent", "password": PASSWORD})
    assert response.status_code == 302
    home = client.get("/").content.decode()
    assert "Customers" in home and ">Queue<" in home and ">Admin<" not in home


def test_admin_navigation_includes_the_admin(users: dict) -> None:
    client = Client()
    client.force_login(users[roles.ADMIN])
    assert ">Admin<" in client.get("/").content.decode()


def test_anonymous_visitors_are_sent_to_login() -> None:
    response = Client().get("/customers/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_password_guessing_is_locked_out(users: dict) -> None:
    from django.core.cache import cache

    cache.clear()
    client = Client(REMOTE_ADDR="198.51.100.77")
    for _ in range(5):
        client.post("/accounts/login/", {"username": "user-agent", "password": "wrong"})
    locked = client.post("/accounts/login/", {"username": "user-agent", "password": PASSWORD})
    assert locked.status_code == 429
    assert "Too many failed sign-ins" in locked.content.decode()
    cache.clear()


def test_pages_carry_a_strict_content_security_policy(users: dict) -> None:
    client = Client()
    client.force_login(users[roles.AGENT])
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "<script>" not in response.content.decode()


@pytest.mark.parametrize("role", [*roles.ALL_ROLES, "none"])
def test_customer_pages_by_role(users: dict, role: str) -> None:
    CustomerFactory(external_id="C9", name="Kestrel Cycles")
    client = Client()
    client.force_login(users[role])
    search = client.get("/customers/", {"q": "Kestrel"})
    detail = client.get("/customers/C9/")
    if role == "none":
        assert search.status_code == 403 and detail.status_code == 403
    else:
        assert search.status_code == 200 and "Kestrel Cycles" in search.content.decode()
        assert detail.status_code == 200


def test_customer_search_finds_by_ip(users: dict) -> None:
    import ipaddress

    from tests.factories import AllocationFactory

    customer = CustomerFactory(name="Riverbend Records")
    AllocationFactory(network=ipaddress.ip_network("203.0.113.0/28"), customer=customer)
    client = Client()
    client.force_login(users[roles.AGENT])
    assert "Riverbend Records" in client.get("/customers/", {"q": "203.0.113.9"}).content.decode()
    assert (
        "Riverbend Records" not in client.get("/customers/", {"q": "203.0.113.99"}).content.decode()
    )


def test_attacker_text_in_a_customer_name_is_escaped(users: dict) -> None:
    CustomerFactory(
        external_id="C666", name='<script>alert(1)</script>"><img src=x onerror=alert(2)>'
    )
    client = Client()
    client.force_login(users[roles.AGENT])
    html = client.get("/customers/C666/").content.decode()
    assert "<script>alert(1)" not in html and "<img src=x" not in html


def test_health_endpoint_reports_services() -> None:
    response = Client().get("/health/")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "redis": "ok"}


def test_a_user_without_a_role_gets_no_queue_link(users: dict) -> None:
    client = Client()
    client.force_login(users["none"])
    assert ">Queue<" not in client.get("/").content.decode()


def test_escalated_breaches_show_on_the_home_page_until_read(users: dict) -> None:
    from complaints.models import Notification, Ticket

    lead = users[roles.LEAD]
    ticket = Ticket.objects.create(
        aggregation_key="k1", subject="Spam from 192.0.2.9", kind="abuse"
    )
    secret = Ticket.objects.create(
        aggregation_key="k2", subject="Sealed case", kind="legal", restricted_group=roles.LEGAL
    )
    Notification.objects.create(
        recipient=lead, ticket=ticket, verb="sla-breach", text="Response overdue"
    )
    Notification.objects.create(
        recipient=lead, ticket=secret, verb="sla-breach", text="Sealed overdue"
    )
    client = Client()
    client.force_login(lead)
    home = client.get("/").content.decode()
    assert "Response overdue" in home and f"/tickets/{ticket.pk}/" in home
    assert "Sealed overdue" not in home  # a ticket the lead may not see stays unseen
    assert client.get("/notifications/read/").status_code == 405
    client.post("/notifications/read/")
    assert "Response overdue" not in client.get("/").content.decode()
