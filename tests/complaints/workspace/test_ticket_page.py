"""The ticket page: who may open it, what it shows, and that nothing an attacker wrote runs."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts import roles
from complaints.models import Ticket, TicketChange
from tests.complaints.ticket_support import Case, _fresh_cache, case, more_events  # noqa: F401


def client_for(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def detail(ticket: Ticket) -> str:
    return reverse("workspace:ticket-detail", args=[ticket.pk])


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (roles.AGENT, 200), (roles.LEAD, 200), (roles.ADMIN, 200),
        (roles.LEGAL, 404), (roles.INVESTIGATIONS, 404), (roles.BILLING, 404), ("none", 404),
    ],
)  # fmt: skip
def test_abuse_ticket_page_per_role(case: Case, users, role: str, status: int) -> None:  # noqa: F811
    assert client_for(users[role]).get(detail(case.ticket)).status_code == status


def test_anonymous_is_sent_to_login(case: Case) -> None:  # noqa: F811
    response = Client().get(detail(case.ticket))
    assert response.status_code == 302
    assert "/accounts/login" in response["Location"]


def test_restricted_ticket_is_404_for_agents_and_superusers(case: Case, users, make_user) -> None:  # noqa: F811
    Ticket.objects.filter(pk=case.ticket.pk).update(restricted_group=roles.INVESTIGATIONS)
    boss = make_user("root-like", roles.AGENT, roles.ADMIN)
    boss.is_superuser = True
    boss.save()
    for user in (users[roles.AGENT], boss):
        client = client_for(user)
        for name in ("ticket-detail", "ticket-events", "ticket-timeline"):
            assert (
                client.get(reverse(f"workspace:{name}", args=[case.ticket.pk])).status_code == 404
            )
        url = reverse("workspace:ticket-report", args=[case.ticket.pk, case.report.pk])
        assert client.get(url).status_code == 404
        reply = client.post(reverse("workspace:ticket-reply", args=[case.ticket.pk]),
                            {"audience": "internal", "body": "x"})  # fmt: skip
        assert reply.status_code == 404
    investigator = client_for(users[roles.INVESTIGATIONS])
    assert investigator.get(detail(case.ticket)).status_code == 200


def test_page_shows_the_case_and_escapes_attacker_text(case: Case, users) -> None:  # noqa: F811
    html = client_for(users[roles.AGENT]).get(detail(case.ticket)).content.decode()
    assert "Shop Example Ltd" in html
    assert "192.0.2.64/28" in html  # the allocation
    assert "<script>alert(" not in html
    assert "&lt;script&gt;alert(&#x27;ticket&#x27;)&lt;/script&gt;" in html
    assert "<img src=x" not in html and "&lt;img src=x onerror=" in html
    assert 'src="/static/workspace/ticket.js"' in html
    assert "<script>" not in html.split("</head>", 1)[1].replace(
        '<script src="/static/workspace/ticket.js" defer></script>', ""
    )
    assert "Removing a phishing kit from your website" in html  # guidance for the type


def test_events_are_paginated(case: Case, users) -> None:  # noqa: F811
    more_events(case.ticket, 120)
    client = client_for(users[roles.AGENT])
    url = reverse("workspace:ticket-events", args=[case.ticket.pk])
    first = client.get(url).content.decode()
    assert first.count("<tr>") == 50 + 1  # header row + one page
    assert "?page=2" in first
    third = client.get(url, {"page": 3}).content.decode()
    assert third.count("<tr>") == 21 + 1 + 0  # 121 events: 50 + 50 + 21
    assert "?page=4" not in third
    assert client.get(url, {"page": "nonsense"}).status_code == 200


def test_status_and_assignment_go_through_the_services(case: Case, users) -> None:  # noqa: F811
    agent = users[roles.AGENT]
    client = client_for(agent)
    client.post(reverse("workspace:ticket-assign", args=[case.ticket.pk]), {"assignee": "me"})
    client.post(
        reverse("workspace:ticket-status", args=[case.ticket.pk]),
        {"status": "open", "note": "looking"},
    )
    case.ticket.refresh_from_db()
    assert case.ticket.assignee == agent
    assert case.ticket.status == "open"
    fields = list(TicketChange.objects.filter(ticket=case.ticket).values_list("field", "actor"))
    assert ("assignee", agent.pk) in fields and ("status", agent.pk) in fields
    timeline = client.get(reverse("workspace:ticket-timeline", args=[case.ticket.pk]))
    assert "Status: New → Open" in timeline.content.decode()


def test_internal_note_appears_on_the_timeline(case: Case, users) -> None:  # noqa: F811
    client = client_for(users[roles.AGENT])
    client.post(
        reverse("workspace:ticket-reply", args=[case.ticket.pk]),
        {"audience": "internal", "body": "<b>checked</b> the host"},
    )
    html = client.get(detail(case.ticket)).content.decode()
    assert "&lt;b&gt;checked&lt;/b&gt; the host" in html
    assert "Internal note" in html


def test_reply_preview_renders_template_with_redaction(case: Case, users) -> None:  # noqa: F811
    from complaints.models import ResponseTemplate

    template = ResponseTemplate.objects.create(
        slug="t-phish", name="Phishing notice", purpose="reply", audience="customer",
        type="phishing", subject="Phishing on {{ resources.0 }}",
        body="Dear {{ customer_name }},\n{{ evidence }}\nAnswer by {{ deadline }}.",
    )  # fmt: skip
    response = client_for(users[roles.AGENT]).post(
        reverse("workspace:ticket-reply-preview", args=[case.ticket.pk]),
        {"audience": "customer", "template": template.pk, "body": ""},
    )
    html = response.content.decode()
    assert "Phishing on 192.0.2.70" in html
    assert "Dear Shop Example Ltd" in html
    assert "victim.person@mail.example.com" not in html
    assert "security@bank.example.org" not in html
    assert "abuse@shop.example.net" in html  # the customer's own address stays
    assert "[redacted]" in html
