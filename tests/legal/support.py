"""The legal desk's test world.

Two customers share the history of 198.51.100.7: "Old Holder" held 198.51.100.0/24 until
2025-03-01 12:00 UTC, "New Holder" holds it since, and "New Holder" sub-allocated the /29
holding .7 to its own customer "Nested Shop" from 2025-03-10. Nested Shop hosts
nested-shop.example. Legal requests are made through the services, by two legal users
(four eyes needs two).
"""

from __future__ import annotations

import ipaddress
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from django.contrib.auth.models import AbstractUser

from complaints.models import Event, Message, Party, Report, Ticket
from customers.models import Customer
from legal import services
from legal.models import LegalRequest
from legal.scope import request_scope_resolve
from tests.complaints.actions_support import make_ticket
from tests.factories import AllocationFactory, CustomerFactory, DomainFactory, NetworkFactory

IP = "198.51.100.7"
HANDOVER = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
NESTED_FROM = datetime(2025, 3, 10, 0, 0, tzinfo=UTC)


@dataclass
class LegalWorld:
    old: Customer
    new: Customer
    nested: Customer
    leo: AbstractUser
    lea: AbstractUser
    agent: AbstractUser


def world_make(make_user) -> LegalWorld:  # type: ignore[no-untyped-def]
    NetworkFactory(prefix=ipaddress.ip_network("198.51.100.0/24"))
    old = CustomerFactory(name="Old Holder", external_id="C-OLD", abuse_email="abuse@old.example")
    new = CustomerFactory(name="New Holder", external_id="C-NEW", abuse_email="abuse@new.example")
    nested = CustomerFactory(name="Nested Shop", external_id="C-NEST",
                             abuse_email="owner@nested-shop.example", phone="+49 30 1234")  # fmt: skip
    net = ipaddress.ip_network("198.51.100.0/24")
    AllocationFactory(network=net, customer=old, valid_from=datetime(2024, 1, 1, tzinfo=UTC),
                      valid_to=HANDOVER)  # fmt: skip
    AllocationFactory(network=net, customer=new, valid_from=HANDOVER)
    AllocationFactory(network=ipaddress.ip_network("198.51.100.0/29"), customer=nested,
                      valid_from=NESTED_FROM)  # fmt: skip
    DomainFactory(name="nested-shop.example", customer=nested,
                  valid_from=datetime(2025, 1, 1, tzinfo=UTC))  # fmt: skip
    return LegalWorld(old, new, nested, make_user("leo", "legal"), make_user("lea", "legal"),
                      make_user("alice", "agent"))  # fmt: skip


def subpoena(w: LegalWorld, **kw) -> LegalRequest:  # type: ignore[no-untyped-def]
    values = dict(
        actor=w.leo, type="subpoena", authority="District Court of Example", jurisdiction="US",
        officer_name="Det. Jane Roe", officer_phone="+1 555 0100", case_number="CR-2025-17",
        legal_basis="18 U.S.C. 2703(c)(2)", data_categories=["subscriber", "transactional"],
        received_at=datetime(2025, 4, 1, 9, 0, tzinfo=UTC), time_zone="UTC",
        scope=[services.ScopeInput("ip", IP, datetime(2025, 2, 25, tzinfo=UTC),
                                   datetime(2025, 3, 20, tzinfo=UTC))],
    )  # fmt: skip
    values.update(kw)
    request = services.request_receive(**values)
    request_scope_resolve(request_id=request.pk, actor=w.leo)
    return LegalRequest.objects.get(pk=request.pk)


def walk_to_collecting(
    w: LegalWorld, request: LegalRequest, *, narrow: bool = False
) -> LegalRequest:
    pk = request.pk
    services.request_transition(
        request_id=pk, actor=w.leo, to_state="triaged", reason="a subpoena for one IP"
    )
    services.request_verify(request_id=pk, actor=w.leo, reason="court confirmed",
                            method="called the clerk at the number on the court's website")  # fmt: skip
    services.request_transition(
        request_id=pk, actor=w.leo, to_state="legal_review", reason="review"
    )
    if narrow:
        services.request_transition(request_id=pk, actor=w.leo, to_state="narrowed",
                                    reason="agreed with the officer: subscriber data only")  # fmt: skip
    services.request_approve(request_id=pk, actor=w.leo, reason="valid process, scope fine")
    services.request_transition(request_id=pk, actor=w.leo, to_state="collecting", reason="collect")
    return LegalRequest.objects.get(pk=pk)


def abuse_history(customer: Customer, *, at: datetime, marker: str) -> Ticket:
    """An abuse ticket of ``customer`` opened at ``at`` with one event on IP and a reply
    from the customer that names a third party."""
    ticket = make_ticket(customer=customer, subject=f"{marker} spam from {IP}", resource=IP)
    Ticket.objects.filter(pk=ticket.pk).update(created_at=at)
    report = Report.objects.create(sha256=uuid.uuid4().hex * 2, size=1, status="filed",
                                   subject=f"{marker} report")  # fmt: skip
    Event.objects.create(report=report, ticket=ticket, fingerprint=uuid.uuid4(), ip=IP,
                         taxonomy="abusive-content", type="spam", attribution="customer",
                         customer=customer, observed_at=at,
                         evidence=f"{marker} evidence sent to victim@mail.example.org")  # fmt: skip
    Party.objects.create(ticket=ticket, role=Party.Role.REPORTER, email="soc@reporter.example.org")
    Message.objects.create(ticket=ticket, direction="in", visibility="customer", kind="inbound",
                           status="received", from_address=customer.abuse_email,
                           subject=f"{marker} our answer",
                           body=f"{marker} we removed it; ask friend@other.example too")  # fmt: skip
    Message.objects.create(ticket=ticket, direction="out", visibility="reporter", kind="reply",
                           status="sent", to_address="soc@reporter.example.org",
                           subject=f"{marker} to the reporter", body="thanks")  # fmt: skip
    ticket.refresh_from_db()
    return ticket
