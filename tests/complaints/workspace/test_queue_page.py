"""The queue page and its htmx partials: rows, "show more", new items since the page was
drawn, customer status column, and attacker text shown as text."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from customers.models import Customer
from tests.complaints.queue_support import make_ticket
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(users) -> Client:
    c = Client()
    c.force_login(users["agent"])
    return c


def shown(response) -> list[int]:
    return [int(m) for m in re.findall(r'data-ticket-id="(\d+)"', response.content.decode())]


def test_page_lists_tickets_with_customer_status_and_no_inline_script(client):
    suspended = CustomerFactory(name="Suspended Co", status=Customer.Status.SUSPENDED)
    ticket = make_ticket(customer=suspended)
    response = client.get(reverse("workspace:queue"))
    html = response.content.decode()
    assert response.status_code == 200 and shown(response) == [ticket.pk]
    assert 'class="badge suspended">Suspended<' in html
    assert "queue.js" in html and "hx-get" in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline script"
    assert not re.search(r"\son[a-z]+=", html), "inline event handler"
    assert " style=" not in html


def test_attacker_subject_is_escaped(client):
    make_ticket(subject="<img src=x onerror=alert(1)><script>alert(2)</script>")
    html = client.get(reverse("workspace:queue")).content.decode()
    assert "<img src=x" not in html and "<script>alert" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_show_more_partial_continues_after_the_cursor(client):
    made = [make_ticket() for _ in range(55)]
    page = client.get(reverse("workspace:queue"))
    assert len(shown(page)) == 50
    cursor = page.context["next_cursor"]
    more = client.get(reverse("workspace:queue-rows"), {"after": cursor})
    html = more.content.decode()
    assert set(shown(more)) | set(shown(page)) == {t.pk for t in made}
    assert 'hx-swap-oob="delete"' in html  # the last page removes the "Show more" row
    full_page_link = client.get(reverse("workspace:queue"), {"after": cursor})
    assert shown(full_page_link) == shown(more)


def test_new_items_partial_returns_only_what_is_newer(client):
    old = make_ticket(last_event_at=timezone.now() - timedelta(hours=2))
    page = client.get(reverse("workspace:queue"))
    since = page.context["poll"]["since"]
    since_id = page.context["poll"]["since_id"]
    assert (
        client.get(
            reverse("workspace:queue-new"), {"since": since, "since_id": since_id}
        ).content.strip()
        == b""
    )
    fresh = make_ticket(last_event_at=timezone.now())
    revived = make_ticket(last_event_at=timezone.now() - timedelta(days=3))
    response = client.get(reverse("workspace:queue-new"), {"since": since, "since_id": since_id})
    assert set(shown(response)) == {fresh.pk, revived.pk}  # newer activity, or a new ticket
    assert "fresh" in response.content.decode()
    assert old.pk not in shown(response)
    filtered = client.get(
        reverse("workspace:queue-new"), {"since": since, "since_id": since_id, "type": "phishing"}
    )
    assert shown(filtered) == []


def test_polling_is_only_on_the_first_page(client):
    for _ in range(51):
        make_ticket()
    first = client.get(reverse("workspace:queue"))
    assert 'id="queue-poller"' in first.content.decode()
    later = client.get(reverse("workspace:queue"), {"after": first.context["next_cursor"]})
    assert 'id="queue-poller"' not in later.content.decode()


def test_count_is_shown_capped(client, monkeypatch):
    from complaints.tickets import selectors

    monkeypatch.setattr(selectors, "COUNT_CAP", 3)
    monkeypatch.setattr(selectors.ticket_queue_count, "__kwdefaults__", {"cap": 3})
    for _ in range(5):
        make_ticket()
    html = client.get(reverse("workspace:queue")).content.decode()
    assert "3+ tickets" in html


def test_unknown_filter_values_are_shown_as_ignored(client):
    html = client.get(reverse("workspace:queue"), {"ip": "banana"}).content.decode()
    assert "Not an IP address or CIDR (ignored)" in html
