"""SLA: due times on business hours, pause while awaiting the customer, breach escalation
by the beat task's function."""

from __future__ import annotations

import datetime as dt
from datetime import UTC, datetime, timedelta

import pytest

from complaints.actions.tasks import sla_sweep_task
from complaints.models import BusinessHours, Notification, SlaPolicy, Ticket
from complaints.tickets.clocks import (
    business_add,
    business_seconds_between,
    sla_on_status_change,
    sla_state,
)
from tests.complaints.actions_support import make_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def office() -> BusinessHours:
    return BusinessHours.objects.create(
        name="office", time_zone="Europe/Berlin", weekdays=[0, 1, 2, 3, 4],
        opens_at=dt.time(9), closes_at=dt.time(17), holidays=["2025-01-01"],
    )  # fmt: skip


def test_business_hours_arithmetic(office):
    friday_4pm = datetime(2025, 3, 7, 15, 0, tzinfo=UTC)  # 16:00 in Berlin (CET)
    # One working hour left on Friday, then Monday from 09:00 Berlin (08:00 UTC).
    assert business_add(office, friday_4pm, 2 * 3600) == datetime(2025, 3, 10, 9, 0, tzinfo=UTC)
    saturday = datetime(2025, 3, 8, 12, 0, tzinfo=UTC)
    assert business_add(office, saturday, 30 * 60) == datetime(2025, 3, 10, 8, 30, tzinfo=UTC)
    # New Year's Day is a holiday: a request on 31 Dec at 16:30 Berlin is due 2 Jan 09:30.
    eve = datetime(2024, 12, 31, 15, 30, tzinfo=UTC)
    assert business_add(office, eve, 3600) == datetime(2025, 1, 2, 8, 30, tzinfo=UTC)
    # Summer time: 09:00 Berlin is 07:00 UTC.
    assert business_add(office, datetime(2025, 7, 7, 6, 0, tzinfo=UTC), 60) == datetime(
        2025, 7, 7, 7, 1, tzinfo=UTC
    )
    assert (
        business_seconds_between(office, friday_4pm, datetime(2025, 3, 10, 9, 0, tzinfo=UTC))
        == 7200
    )
    assert business_add(None, saturday, 90) == saturday + timedelta(seconds=90)


def test_sweep_starts_clocks_from_the_most_specific_policy(office):
    SlaPolicy.objects.create(kind="abuse", first_response_minutes=240, resolution_minutes=2880)
    SlaPolicy.objects.create(kind="abuse", type="phishing", first_response_minutes=60,
                             resolution_minutes=480, business_hours=office)  # fmt: skip
    spam = make_ticket(type="spam")
    phishing = make_ticket(type="phishing")
    billing = make_ticket(kind="billing")
    sla_sweep_task.apply()
    for ticket in (spam, phishing, billing):
        ticket.refresh_from_db()
    assert spam.first_response_due_at == spam.created_at + timedelta(hours=4)
    assert spam.resolution_due_at == spam.created_at + timedelta(hours=48)
    assert phishing.first_response_due_at == business_add(office, phishing.created_at, 3600)
    assert billing.resolution_due_at is None and sla_state(billing) == "none"


def test_pause_while_awaiting_customer_moves_the_due_time():
    SlaPolicy.objects.create(kind="abuse", first_response_minutes=60, resolution_minutes=600)
    ticket = make_ticket()
    sla_sweep_task.apply()
    ticket.refresh_from_db()
    due = ticket.resolution_due_at
    start = ticket.created_at + timedelta(minutes=30)
    sla_on_status_change(ticket=ticket, old="open", new="awaiting_customer", at=start)
    ticket.refresh_from_db()
    assert ticket.sla_paused_since == start and sla_state(ticket) == "paused"
    sla_on_status_change(
        ticket=ticket, old="awaiting_customer", new="open", at=start + timedelta(hours=3)
    )
    ticket.refresh_from_db()
    assert ticket.sla_paused_since is None
    assert ticket.sla_paused_seconds == 3 * 3600
    assert ticket.resolution_due_at == due + timedelta(hours=3)


def test_sweep_reconciles_pause_with_the_status():
    SlaPolicy.objects.create(kind="abuse", first_response_minutes=60, resolution_minutes=600)
    ticket = make_ticket(status="awaiting_customer")
    sla_sweep_task.apply()
    ticket.refresh_from_db()
    assert ticket.sla_paused_since is not None
    Ticket.objects.filter(pk=ticket.pk).update(status="open")
    sla_sweep_task.apply()
    ticket.refresh_from_db()
    assert ticket.sla_paused_since is None


def test_breach_is_escalated_to_leads_once(users, make_user):
    SlaPolicy.objects.create(kind="abuse", first_response_minutes=60, resolution_minutes=600)
    late = make_ticket(subject="Late phishing case")
    on_time = make_ticket()
    sla_sweep_task.apply()
    Ticket.objects.filter(pk=late.pk).update(
        first_response_due_at=late.created_at - timedelta(minutes=1)
    )
    result = sla_sweep_task.apply().get()
    assert result["breached"] == 1
    late.refresh_from_db()
    on_time.refresh_from_db()
    assert late.sla_breached and not on_time.sla_breached
    assert sla_state(late) == "breached"
    note = late.messages.get(direction="note")
    assert note.visibility == "internal" and "first response" in note.body
    notified = set(
        Notification.objects.filter(ticket=late).values_list("recipient__username", flat=True)
    )
    assert notified == {"user-lead"}
    assert sla_sweep_task.apply().get()["breached"] == 0
    assert Notification.objects.filter(ticket=late).count() == 1


def test_breach_of_a_restricted_ticket_is_told_to_its_group_only(users):
    SlaPolicy.objects.create(
        kind="investigation", first_response_minutes=60, resolution_minutes=600
    )
    secret = make_ticket(kind="investigation", restricted_group="investigations")
    sla_sweep_task.apply()
    Ticket.objects.filter(pk=secret.pk).update(resolution_due_at=secret.created_at)
    sla_sweep_task.apply()
    notified = set(
        Notification.objects.filter(ticket=secret).values_list("recipient__username", flat=True)
    )
    assert notified == {"user-investigations"}


def test_first_response_stops_the_first_clock(users):
    from complaints.models import Message

    SlaPolicy.objects.create(kind="abuse", first_response_minutes=60, resolution_minutes=600)
    ticket = make_ticket()
    sla_sweep_task.apply()
    Message.objects.create(ticket=ticket, direction="out", visibility="customer", kind="notice",
                           status="sent", author=users["agent"], subject="Notice")  # fmt: skip
    sla_sweep_task.apply()
    ticket.refresh_from_db()
    assert ticket.first_responded_at is not None
    Ticket.objects.filter(pk=ticket.pk).update(
        first_response_due_at=ticket.first_responded_at + timedelta(minutes=5)
    )
    assert sla_sweep_task.apply().get()["breached"] == 0
