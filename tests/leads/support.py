"""Tickets placed in time for the dashboards' tests: each built row by row (the intake and
the services have their own tests), its clocks and history set to what the test says."""

from __future__ import annotations

import hashlib
import ipaddress
import itertools
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from complaints.models import Action, Event, Message, Report, Reporter, Ticket, TicketChange
from customers.models import Customer, Service
from tests.complaints.actions_support import make_ticket
from tests.factories import AllocationFactory, CustomerFactory, ServiceFactory

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # a Monday
_seq = itertools.count(1)


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


def days(n: float) -> timedelta:
    return timedelta(days=n)


def reporter(name: str) -> Reporter:
    return Reporter.objects.get_or_create(
        address=f"{name.lower().replace(' ', '-')}@reporters.example",
        defaults={"organisation": name},
    )[0]


def ticket(
    *,
    age: timedelta,
    kind: str = "abuse",
    status: str = "open",
    type: str = "spam",
    customer: Customer | None = None,
    service: Service | None = None,
    assignee: Any = None,
    restricted_group: str = "",
    responded_after: timedelta | None = None,
    resolved_after: timedelta | None = None,
    breached: bool = False,
    reported_by: Reporter | None = None,
    ip: str | None = None,
    due_in: timedelta | None = None,
    now: datetime = NOW,
) -> Ticket:
    """A ticket opened ``age`` before ``now`` (``NOW`` unless the test runs on the clock)."""
    made = make_ticket(kind=kind, status=status, type=type if kind in ("abuse", "listing") else "",
                       customer=customer, service=service, assignee=assignee,
                       restricted_group=restricted_group, with_customer=customer is not None or kind == "abuse",
                       resource=ip or "")  # fmt: skip
    opened = now - age
    Ticket.objects.filter(pk=made.pk).update(
        created_at=opened,
        first_responded_at=opened + responded_after if responded_after is not None else None,
        resolved_at=opened + resolved_after if resolved_after is not None else None,
        sla_breached=breached,
        first_response_due_at=now + due_in if due_in is not None else None,
        resolution_due_at=now + due_in if due_in is not None else None,
    )
    if reported_by is not None or ip is not None:
        n = next(_seq)
        report = Report.objects.create(
            sha256=hashlib.sha256(f"leads-test-{uuid.uuid4()}".encode()).hexdigest(), size=10,
            status="filed", reporter=reported_by, event_count=1,
        )  # fmt: skip
        Event.objects.create(
            report=report, ticket=made, fingerprint=uuid.uuid4(), ip=ip, taxonomy="abusive-content",
            type=type or "other", attribution="customer", observed_at=opened - timedelta(minutes=n),
            customer=made.customer,
        )  # fmt: skip
    made.refresh_from_db()
    return made


def notice(t: Ticket, *, after: timedelta, author: Any = None) -> Message:
    """Mail to the ticket's customer, sent ``after`` the ticket opened."""
    return Message.objects.create(
        ticket=t, direction="out", visibility="customer", kind="notice", status="sent",
        to_address="abuse@customer.example", subject="Notice", body="…", author=author,
        sent_at=t.created_at + after,
    )  # fmt: skip


def change(t: Ticket, *, actor: Any, field: str, old: str, new: str, at: datetime) -> TicketChange:
    made = TicketChange.objects.create(
        ticket=t, actor=actor, field=field, old_value=old, new_value=new
    )
    TicketChange.objects.filter(pk=made.pk).update(created_at=at)
    return made


def suspended(t: Ticket, *, after: timedelta, by: Any = None) -> Action:
    action = Action.objects.create(
        ticket=t, customer=t.customer, kind="suspend", status="done", reason="test",
        requested_by=by, completed_at=t.created_at + after,
    )  # fmt: skip
    Action.objects.filter(pk=action.pk).update(requested_at=t.created_at + after)
    return action


def holder(network: str, **fields: Any) -> Customer:
    """A customer holding ``network`` now, with one active service on it."""
    customer = CustomerFactory(**fields)
    service = ServiceFactory(customer=customer)
    AllocationFactory(network=ipaddress.ip_network(network), customer=customer, service=service,
                      valid_from=NOW - days(400))  # fmt: skip
    return customer
