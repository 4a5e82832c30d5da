"""Objects of every kind for the authorization matrix (tests/test_authorization_matrix.py)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from complaints.models import Action, Event, Message, Receipt, Report, ReportRaw, Ticket
from legal import services as legal_services
from legal.models import LegalMail, Package, Reminder
from legal.scope import request_scope_resolve
from tests.complaints.actions_support import make_ticket
from tests.factories import CustomerFactory

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


@dataclass
class Mediated:
    """A customer's reply and a bounce threaded onto one ticket by ``Message.report``:
    reports with no event at all, the way ``complaints.mediation.inbound`` files them."""

    ticket: Ticket
    reply: Report
    bounce: Report
    marker: str  # in the reports' subjects, raw bytes, parts, messages and receipts

    @property
    def reports(self) -> tuple[Report, Report]:
        return (self.reply, self.bounce)


def _mediated_raw(marker: str, sender: str, what: str) -> bytes:
    return (
        f"From: {sender}\r\nTo: abuse@desk.example\r\nSubject: {marker} {what} subject\r\n"
        'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n'
        f"--b\r\nContent-Type: text/plain\r\n\r\n{marker} {what} text\r\n"
        f"--b\r\nContent-Type: text/html\r\n\r\n<p>{marker} {what} html</p>\r\n"
        "--b\r\nContent-Type: application/octet-stream\r\n"
        'Content-Disposition: attachment; filename="proof.txt"\r\n\r\n'
        f"{marker} {what} attachment\r\n--b--\r\n"
    ).encode()


def make_mediated(objects: dict[str, Objects]) -> dict[str, Mediated]:
    """For every kind's ticket, a reply and a bounce threaded onto it (no events)."""
    made = {}
    for label, obj in objects.items():
        marker = f"{obj.subject}Mediated"
        reports = []
        for what, kind, sender in (
            ("reply", Message.Kind.INBOUND, f"{label}@customer.example"),
            ("bounce", Message.Kind.BOUNCE, "mailer-daemon@mx.customer.example"),
        ):
            raw = _mediated_raw(marker, sender, what)
            report = Report.objects.create(
                sha256=uuid.uuid4().hex * 2, size=len(raw), status="filed", kind=what,
                format="autoreply" if what == "bounce" else "freetext", event_count=0,
                subject=f"{marker} {what} subject", sender=sender,
                evidence=f"{marker} {what} evidence",
            )  # fmt: skip
            ReportRaw.objects.create(report=report, content=raw)
            Receipt.objects.create(report=report, channel="file", outcome="new",
                                   path=f"/var/mail/{marker}-{what}.eml")  # fmt: skip
            Message.objects.create(
                ticket=obj.ticket, report=report, direction="in", kind=kind, status="received",
                visibility="customer" if what == "reply" else "internal", from_address=sender,
                subject=f"{marker} {what} message", body=f"{marker} {what} text",
            )  # fmt: skip
            reports.append(report)
        made[label] = Mediated(obj.ticket, reports[0], reports[1], marker)
    return made


# --- the legal desk (legal/) ----------------------------------------------------------------


@dataclass
class LegalObjects:
    """A legal request with everything that hangs off it, each carrying ``marker``: the
    request (authority, case number, description), its scope on a customer, a history, a
    fired reminder, a built package, the mail it came in and a gag on that customer."""

    request: object
    package: object
    reminder: object
    customer: object
    marker: str


def make_legal_objects(legal_user) -> LegalObjects:  # type: ignore[no-untyped-def]
    marker = f"ZqLegalMarker{uuid.uuid4().hex[:6]}"
    customer = CustomerFactory()  # the customer is no secret: the request is
    request = legal_services.request_receive(
        actor=legal_user, type="subpoena", authority=f"{marker} authority", jurisdiction="US",
        case_number=f"{marker} case", description=f"{marker} description",
        data_categories=["subscriber"],
        scope=[legal_services.ScopeInput("customer", customer.external_id)],
    )  # fmt: skip
    request_scope_resolve(request_id=request.pk, actor=legal_user)
    legal_services.request_gag_set(
        request_id=request.pk, actor=legal_user, reason=f"{marker} order"
    )
    reminder = Reminder.objects.filter(request=request).first()
    Reminder.objects.filter(pk=reminder.pk).update(fired_at=timezone.now() - timedelta(minutes=1))
    package = Package.objects.create(request=request, kind="production", status="ready",
                                     content=f"{marker} zip".encode(), sha256="0" * 64,
                                     manifest={"files": [{"name": f"{marker}.json"}]})  # fmt: skip
    raw = f"From: cop@police.example\r\nSubject: {marker} order\r\n\r\n{marker} zip\r\n".encode()
    LegalMail.objects.create(sha256=uuid.uuid4().hex * 2, raw=raw, size=len(raw), request=request,
                             sender="cop@police.example", subject=f"{marker} order")  # fmt: skip
    return LegalObjects(request, package, reminder, customer, marker)
