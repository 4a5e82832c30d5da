"""Helpers shared by the actions, SLA and investigations tests (tickets of each kind)."""

from __future__ import annotations

import itertools
from typing import Any

from complaints.models import Ticket
from customers.models import Customer, Service
from tests.factories import CustomerFactory, ServiceFactory

_seq = itertools.count(1)


def make_ticket(
    *,
    kind: str = Ticket.Kind.ABUSE,
    customer: Customer | None = None,
    service: Service | None = None,
    with_customer: bool = True,
    **fields: Any,
) -> Ticket:
    if customer is None and with_customer:
        customer = CustomerFactory()
    if service is None and customer is not None and fields.pop("with_service", True):
        service = ServiceFactory(customer=customer)
    n = next(_seq)
    values: dict[str, Any] = {
        "kind": kind,
        "status": Ticket.Status.OPEN,
        "aggregation_key": f"test:{kind}:{n}",
        "subject": f"{kind} case {n}",
        "type": "spam" if kind == Ticket.Kind.ABUSE else "",
        "resource": f"192.0.2.{n % 250}",
        "customer": customer,
        "service": service,
    }
    values.update(fields)
    return Ticket.objects.create(**values)
