"""The timeline speaks plain words (issue 17 item 4): every kind of entry — a report, each
kind of message, each step of an action, each recorded change — is titled in words an agent
uses, with status names, never the stored codes ("awaiting_customer", "merged_into",
"null_route", "freetext")."""

from __future__ import annotations

import html
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from complaints.mediation import replies
from complaints.models import Action, Message, TicketChange
from complaints.tickets.services import ticket_assign, ticket_note_add, ticket_status_change
from tests.complaints.ticket_support import Case, _fresh_cache, case  # noqa: F401

pytestmark = pytest.mark.django_db


def visible_titles(page: str) -> str:
    """The timeline's headers as a reader sees them (bodies are people's own text)."""
    headers = re.findall(r"<header>(.*?)</header>", page, flags=re.S)
    return "\n".join(html.unescape(re.sub(r"<[^>]+>", "", h)) for h in headers)


def test_every_entry_type_is_titled_in_plain_words(case: Case, users) -> None:  # noqa: F811
    ticket, agent = case.ticket, users["agent"]
    replies.ticket_reply(ticket, author=agent, audience="customer", body="Please remove it.",
                         await_answer=True)  # fmt: skip
    Message.objects.create(ticket=ticket, direction="out", visibility="reporter",
                           kind="acknowledgement", status="sent", to_address="security@bank.example.org",
                           subject="Received")  # fmt: skip
    Message.objects.create(ticket=ticket, direction="in", visibility="customer", kind="inbound",
                           status="received", from_address="abuse@shop.example.net",
                           subject="Fixed")  # fmt: skip
    Message.objects.create(ticket=ticket, direction="in", visibility="internal", kind="inbound",
                           status="pending", from_address="someone@else.example",
                           subject="Re: your ticket")  # fmt: skip
    Message.objects.create(ticket=ticket, direction="in", visibility="internal", kind="bounce",
                           status="received", from_address="MAILER-DAEMON@mx.example",
                           subject="Undelivered")  # fmt: skip
    ticket_note_add(ticket=ticket, subject="Note", body="checked the host", author_id=agent.pk)
    ticket_assign(ticket=ticket, assignee_id=agent.pk, actor_id=agent.pk)
    ticket_status_change(ticket=ticket, status="open", actor_id=agent.pk)
    now = timezone.now()
    Action.objects.create(ticket=ticket, customer=case.customer, kind="null_route",
                          reason="DDoS", status="reverted", requested_by=users["lead"],
                          approved_by=users["admin"], approved_at=now, completed_at=now,
                          reverted_at=now, reverted_by=agent, revert_reason="clean")  # fmt: skip
    Action.objects.create(ticket=ticket, customer=case.customer, kind="suspend", reason="x",
                          status="cancelled", requested_by=agent, approved_by=agent,
                          approved_at=now, completed_at=now, cancelled_by=agent,
                          error="The provisioning system did not answer (connection refused)")  # fmt: skip
    changes = [
        ("merged", "", "#901, #902"), ("merged_into", "", "#903"),
        ("restricted_group", "", "investigations"), ("kind", "abuse", "investigation"),
        ("message", "", "77"), ("message", "78", ""), ("selfservice_link", "abcd1234", ""),
        ("customer_fixed", "", "yes"), ("customer_contact", "", ""), ("legal_hold", "", "on"),
        ("assignee", "user-agent", ""),
    ]  # fmt: skip
    for field, old, new in changes:
        TicketChange.objects.create(ticket=ticket, field=field, old_value=old, new_value=new)

    client = Client()
    client.force_login(agent)
    page = client.get(reverse("workspace:ticket-timeline", args=[ticket.pk])).content.decode()
    titles = visible_titles(page)
    expected = [
        f"Report {case.report.pk} received (free-text complaint): 1 event, observed",
        "evidence: not checked yet",
        "Reply to the customer (abuse@shop.example.net)",
        "Acknowledgement to the reporter (security@bank.example.org)",
        "Mail from the customer (abuse@shop.example.net)",
        "Mail from someone@else.example, not yet confirmed as part of this ticket",
        "Bounce from MAILER-DAEMON@mx.example: a mail of ours was not delivered",
        "Internal note",
        "Status: New → Awaiting customer",
        "Status: Awaiting customer → Open",
        "Assigned to user-agent",
        "Null-route requested", "Null-route approved", "Null-route done", "Null-route reverted",
        "Suspend service cancelled",
        "Merged #901, #902 into this ticket", "Merged into ticket #903",
        "Restricted to investigations", "Kind: Abuse → Investigation",
        "Mail added to this ticket", "Mail removed from this ticket",
        "Self-service link abcd1234… revoked", "The customer says the problem is fixed",
        "Mail to the customer stopped", "Legal hold: — → on", "Unassigned (was user-agent)",
        "Queued", "Reverted", "Cancelled", "Received",
    ]  # fmt: skip
    missing = [title for title in expected if title not in titles]
    assert missing == [], titles
    # No stored code shows through anywhere in the titles and badges.
    codes = set(re.findall(r"\b[a-z]+_[a-z_]+\b", titles))
    assert codes == set(), codes
    for code in ("freetext", "Action ", " in ", "awaiting_customer", "null_route"):
        assert code not in titles
