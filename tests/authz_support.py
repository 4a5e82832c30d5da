"""Objects of every kind for the authorization matrix (tests/test_authorization_matrix.py)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

from complaints.models import Action, Event, Message, Report, ReportRaw, Ticket
from tests.complaints.actions_support import make_ticket

# kind label -> (Ticket.kind, restricted_group)
KINDS = {
    "abuse": ("abuse", ""),
    "listing": ("listing", ""),
    "legal": ("legal", ""),
    "investigation": ("investigation", ""),
    "restricted": ("abuse", "investigations"),
    "billing": ("billing", ""),
}


@dataclass
class Objects:
    ticket: Ticket
    report: Report
    action: Action
    message: Message
    subject: str


def make_objects() -> dict[str, Objects]:
    made = {}
    for label, (kind, group) in KINDS.items():
        marker = f"Zq{label.capitalize()}Marker{uuid.uuid4().hex[:6]}"
        ticket = make_ticket(kind=kind, restricted_group=group, subject=f"{marker} subject",
                             resource="192.0.2.77", type="phishing" if kind == "abuse" else "")  # fmt: skip
        report = Report.objects.create(sha256=uuid.uuid4().hex * 2, size=10, status="filed",
                                       subject=f"{marker} report", sender=f"{label}@reporter.example",
                                       evidence=f"{marker} evidence")  # fmt: skip
        raw = (f"From: {label}@reporter.example\r\nSubject: {marker} report\r\n"
               f"Content-Type: text/plain\r\n\r\n{marker} raw body\r\n").encode()  # fmt: skip
        ReportRaw.objects.create(report=report, content=raw)
        Event.objects.create(report=report, ticket=ticket, fingerprint=uuid.uuid4(), ip="192.0.2.77",
                             taxonomy="fraud", type="phishing", attribution="customer",
                             observed_at=ticket.created_at, evidence=f"{marker} event")  # fmt: skip
        action = Action.objects.create(ticket=ticket, customer=ticket.customer, kind="terminate",
                                       reason=f"{marker} action", status="requested")  # fmt: skip
        message = Message.objects.create(ticket=ticket, direction="in", visibility="customer",
                                         kind="inbound", status="pending", subject=f"{marker} message",
                                         body=f"{marker} body", from_address=f"{label}@customer.example")  # fmt: skip
        made[label] = Objects(ticket, report, action, message, marker)
    return made


def all_routes() -> list[tuple[str, str]]:
    """(route, qualified name) of every URL pattern, walked from the root resolver."""
    out: list[tuple[str, str]] = []

    def walk(patterns, prefix: str, namespace: str) -> None:  # type: ignore[no-untyped-def]
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = namespace
                if p.namespace:
                    ns = f"{namespace}:{p.namespace}" if namespace else p.namespace
                walk(p.url_patterns, prefix + str(p.pattern), ns)
            elif isinstance(p, URLPattern):
                name = f"{namespace}:{p.name}" if namespace and p.name else (p.name or "")
                out.append((prefix + str(p.pattern), name))

    walk(get_resolver().url_patterns, "", "")
    return out
