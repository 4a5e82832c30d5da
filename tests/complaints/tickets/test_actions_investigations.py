"""Investigations: an escalated ticket is visible to the investigations group only —
agents, leads, admins and superusers included — in the queue filter, the API and the Django
admin, and every read of it is audited."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from complaints.audit import audit_ticket_read
from complaints.models import AuditEntry, Event, Report, Ticket
from complaints.permissions import can_see_ticket, tickets_visible_to
from complaints.tickets.investigations import ticket_escalate_to_investigations
from tests.complaints.actions_support import make_ticket
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

SECRET_SUBJECT = "Carding ring behind customer 4471"


@pytest.fixture
def escalated(users) -> Ticket:
    ticket = make_ticket(subject=SECRET_SUBJECT)
    report = Report.objects.create(sha256="a" * 64, size=1, status="filed", subject=SECRET_SUBJECT)
    Event.objects.create(report=report, ticket=ticket, fingerprint="00000000-0000-0000-0000-000000000001",
                         ip="192.0.2.9", taxonomy="fraud", type="phishing", attribution="customer",
                         observed_at=ticket.created_at)  # fmt: skip
    with pytest.raises(ValidationError):
        ticket_escalate_to_investigations(ticket=ticket, actor=users["agent"], reason=" ")
    return ticket_escalate_to_investigations(
        ticket=ticket, actor=users["agent"], reason="Deliberate fraud"
    )


def test_escalation_moves_the_ticket_to_investigations(escalated, users, django_user_model):
    assert escalated.restricted_group == "investigations" and escalated.kind == "investigation"
    superuser = django_user_model.objects.create_superuser("root", "root@desk.example", PASSWORD)
    for user in (
        users["agent"],
        users["lead"],
        users["admin"],
        users["legal"],
        users["billing"],
        superuser,
    ):
        assert not can_see_ticket(user, escalated)
        assert not tickets_visible_to(user).filter(subject__icontains="carding").exists()
    assert can_see_ticket(users["investigations"], escalated)
    entry = AuditEntry.objects.get(verb="ticket.escalated")
    assert entry.actor == users["agent"] and entry.detail["reason"] == "Deliberate fraud"
    assert escalated.changes.filter(field="restricted_group", new_value="investigations").exists()


def test_only_those_who_work_the_ticket_may_escalate(users):
    ticket = make_ticket()
    for role in ("billing", "legal", "none"):
        with pytest.raises(PermissionDenied):
            ticket_escalate_to_investigations(ticket=ticket, actor=users[role], reason="x")


def test_api_hides_it_and_audits_the_investigators_reads(escalated, api_client_for):
    url = f"/api/v1/tickets/{escalated.pk}/actions/"
    for role in ("agent", "lead", "admin", "billing", "legal", "none"):
        response = api_client_for(role).get(url)
        assert response.status_code in (403, 404)
        assert SECRET_SUBJECT not in response.content.decode()
    assert not AuditEntry.objects.filter(verb="ticket.read").exists()
    investigator = api_client_for("investigations")
    assert investigator.get(url).status_code == 200
    assert investigator.get(url).status_code == 200
    reads = AuditEntry.objects.filter(verb="ticket.read", ticket=escalated)
    assert reads.count() == 2
    assert {r.actor_name for r in reads} == {"user-investigations"}


def test_audit_helper_records_restricted_reads_only(escalated, users, rf):
    request = rf.get(f"/tickets/{escalated.pk}/")
    request.user = users["investigations"]
    audit_ticket_read(request, escalated)
    audit_ticket_read(request, escalated)  # once per request
    plain = make_ticket()
    audit_ticket_read(request, plain)
    assert list(
        AuditEntry.objects.filter(verb="ticket.read").values_list("ticket_id", flat=True)
    ) == [escalated.pk]


def test_django_admin_shows_no_restricted_data_even_to_superusers(
    escalated, client, django_user_model
):
    superuser = django_user_model.objects.create_superuser("root", "root@desk.example", PASSWORD)
    client.force_login(superuser)
    for path in ("/admin/", "/admin/complaints/report/", "/admin/complaints/auditentry/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert SECRET_SUBJECT not in response.content.decode(), path
        assert "Deliberate fraud" not in response.content.decode(), path
    for path in (
        "/admin/complaints/ticket/",
        "/admin/complaints/event/",
        "/admin/complaints/message/",
    ):
        assert client.get(path).status_code == 404, path
    report = Report.objects.get(subject=SECRET_SUBJECT)
    assert client.get(f"/admin/complaints/report/{report.pk}/change/").status_code in (302, 404)


def test_restricted_pages_and_api_answers_are_never_cached(escalated, users, client):
    from rest_framework.test import APIClient

    client.force_login(users["investigations"])
    page = client.get(f"/tickets/{escalated.pk}/")
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    api = APIClient()
    api.force_authenticate(users["investigations"])
    answer = api.get(f"/api/v1/tickets/{escalated.pk}/")
    assert answer.status_code == 200 and "no-store" in answer["Cache-Control"]
    # An ordinary abuse case is not marked so (the header is about restricted data).
    ordinary = make_ticket(subject="Spam from 192.0.2.77")
    client.force_login(users["agent"])
    assert "no-store" not in client.get(f"/tickets/{ordinary.pk}/").get("Cache-Control", "")
