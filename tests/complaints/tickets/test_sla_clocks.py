"""SLA clocks that make sense (issue 17 item 5): a clock starts when the report arrives, never
before (a backdated report's due time never precedes its arrival); the tickets a filing
opens carry their clocks at once, so the queue's SLA column is filled on its first load; a
breach clears, or turns "late", when its target is met, and is not escalated again."""

from __future__ import annotations

import ipaddress
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts import roles
from complaints.actions.tasks import sla_sweep_task
from complaints.intake.filing.pipeline import reports_process
from complaints.intake.receiving import Arrival, reports_receive
from complaints.models import Message, Receipt, Report, SlaPolicy, Ticket
from complaints.tickets.clocks import sla_state
from complaints.tickets.services import ticket_open_or_join, ticket_status_change
from tests.complaints.ticket_support import load
from tests.factories import AllocationFactory, CustomerFactory, NetworkFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def policies() -> None:
    SlaPolicy.objects.create(kind="abuse", first_response_minutes=240, resolution_minutes=2880)
    SlaPolicy.objects.create(
        kind="abuse", type="phishing", first_response_minutes=60, resolution_minutes=480
    )
    SlaPolicy.objects.create(kind="legal", first_response_minutes=600, resolution_minutes=6000)


@pytest.fixture
def holder():  # type: ignore[no-untyped-def]
    NetworkFactory(prefix=ipaddress.ip_network("192.0.2.0/24"))
    customer = CustomerFactory(name="Shop Example Ltd", abuse_email="abuse@shop.example.net")
    AllocationFactory(network=ipaddress.ip_network("192.0.2.64/28"), customer=customer)
    return customer


def file_phishing(*, hours_ago: float | None = None) -> Ticket:
    """The phishing complaint on 192.0.2.70 through receiving and the pipeline, arriving
    ``hours_ago`` (None: now)."""
    at = timezone.now() - timedelta(hours=hours_ago) if hours_ago is not None else None
    [received] = reports_receive(
        [Arrival(raw=load("phishing_with_html.eml"), channel=Receipt.Channel.FILE, received_at=at)],
        queue=False,
    )
    reports_process([received.report_id])
    return Ticket.objects.filter(events__report_id=received.report_id).distinct().get()


def test_a_backdated_report_is_due_after_it_arrived_never_before(policies, holder) -> None:
    ticket = file_phishing(hours_ago=5)
    report = Report.objects.filter(events__ticket=ticket).distinct().get()
    assert timezone.now() - report.received_at > timedelta(hours=4, minutes=59)
    # Started by the filing itself, from the arrival: not from the ticket row's creation
    # (now), and never before the report came in.
    assert ticket.first_response_due_at == report.received_at + timedelta(minutes=60)
    assert ticket.resolution_due_at == report.received_at + timedelta(minutes=480)
    assert ticket.first_response_due_at > report.received_at
    assert ticket.customer == holder
    assert sla_state(ticket) == "breached"  # an hour's target, five hours ago


def test_the_sweep_starts_a_missing_clock_from_the_first_arrival_too(policies, holder) -> None:
    ticket = file_phishing(hours_ago=2)
    arrived = Report.objects.filter(events__ticket=ticket).distinct().get().received_at
    Ticket.objects.filter(pk=ticket.pk).update(first_response_due_at=None, resolution_due_at=None)
    sla_sweep_task.apply()
    ticket.refresh_from_db()
    assert ticket.first_response_due_at == arrived + timedelta(minutes=60)


def test_a_ticket_opened_without_a_report_starts_when_it_is_opened(policies, holder) -> None:
    ticket, created = ticket_open_or_join(
        key="legal:order-17", kind="legal", subject="Preservation order", customer_id=holder.pk,
        resource="192.0.2.70", at=timezone.now() - timedelta(days=400),
    )  # fmt: skip
    assert created
    assert ticket.first_response_due_at == ticket.created_at + timedelta(minutes=600)


def test_the_queue_shows_the_sla_of_a_ticket_just_filed_on_first_load(
    policies, holder, users
) -> None:
    ticket = file_phishing()
    client = Client()
    client.force_login(users[roles.AGENT])
    page = client.get("/tickets/").content.decode()
    row = page.split(f'data-ticket-id="{ticket.pk}"', 1)[1].split("</tr>", 1)[0]
    assert 'class="badge sla-at_risk"' in row  # an hour to answer: due within the hour
    assert sla_state(ticket) == "at_risk"


def test_a_breach_turns_late_when_the_first_answer_goes_out(policies, holder, users) -> None:
    ticket = file_phishing(hours_ago=3)
    assert sla_sweep_task.apply().get()["breached"] == 1
    ticket.refresh_from_db()
    assert ticket.sla_breached and sla_state(ticket) == "breached"
    Message.objects.create(
        ticket=ticket, direction="out", visibility="customer", kind="reply", status="sent",
        author=users[roles.AGENT], subject="About the phishing page",
    )  # fmt: skip
    counts = sla_sweep_task.apply().get()
    assert (counts["responded"], counts["settled"], counts["breached"]) == (1, 1, 0)
    ticket.refresh_from_db()
    assert not ticket.sla_breached
    assert sla_state(ticket) == "late"  # answered late; the resolution is still ahead
    # Not escalated again: one breach note, whatever the number of sweeps.
    assert sla_sweep_task.apply().get()["breached"] == 0
    assert ticket.messages.filter(direction="note", subject="SLA breach").count() == 1


def test_resolving_a_breached_ticket_settles_it(policies, holder, users) -> None:
    ticket = file_phishing(hours_ago=9)  # both targets missed
    sla_sweep_task.apply()
    ticket.refresh_from_db()
    assert ticket.sla_breached
    ticket_status_change(ticket=ticket, status="resolved", actor_id=users[roles.AGENT].pk)
    ticket.refresh_from_db()
    assert not ticket.sla_breached
    assert sla_state(ticket) == "missed"


def test_a_ticket_resolved_in_time_has_met_its_targets(policies, holder, users) -> None:
    ticket = file_phishing()
    Message.objects.create(
        ticket=ticket, direction="out", visibility="customer", kind="reply", status="sent",
        author=users[roles.AGENT], subject="Taken down?",
    )  # fmt: skip
    sla_sweep_task.apply()
    ticket_status_change(ticket=ticket, status="resolved", actor_id=users[roles.AGENT].pk)
    ticket.refresh_from_db()
    assert sla_state(ticket) == "met"
