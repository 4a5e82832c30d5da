"""Data subject requests (GDPR Art. 15/17/20; docs/architecture.md "Legal desk"): what the
desk holds on a person, for their export, and the erasure that keeps abuse evidence where a
legal basis requires it and says so.

The export is the customer record, its services, domains and holdings, its tickets and the
correspondence with it — with third parties taken out: every address that is not the
person's own (or at their own domains) is redacted (``complaints.mediation.redaction``),
reporters are named only as "a reporter", and other customers never appear (tickets and
events are the person's own). Restricted cases (investigations, legal cases) are left out
(Art. 23(1)(d): prevention and investigation of criminal offences), and so is everything of
the legal desk's own records. The export does not say so — that would tell the person of
the case; the request's history does (``subject_withheld_count``).

The erasure anonymises the customer record (name, contacts, phone, notes) and lifts nothing
else: the tickets, events and reports are abuse evidence kept for the establishment,
exercise or defence of legal claims and for the security of the network (Art. 17(3)(e),
Art. 6(1)(f) with Recital 49). A preservation hold refuses it outright. The request's
``erasure_report`` lists what was erased, what was kept and why.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.roles import AnyUser
from complaints.mediation.redaction import REDACTED, redact_for_customer
from complaints.models import Event, Message, Party, Ticket
from complaints.restriction import restricted_q
from customers.legal_holds import LegalHoldActive, preservation_check
from customers.models import Customer, Domain
from legal.models import LegalRequest, RequestType, State
from legal.services import LegalError, request_record, require_legal_actor

MAX_ROWS = 5000
KEPT_BASIS = (
    "Art. 17(3)(e) GDPR (establishment, exercise or defence of legal claims) and "
    "Art. 6(1)(f) with Recital 49 (network and information security)"
)
ERASED_NAME = "Erased customer"


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _own_addresses(customer: Customer) -> set[str]:
    keep = {a.lower() for a in (customer.abuse_email, customer.billing_email) if a}
    names = Domain.objects.filter(customer=customer).values_list("name", flat=True)[:2000]
    keep.update(f"@{name.lower()}" for name in names)
    return keep


def subject_tickets(customer: Customer) -> QuerySet[Ticket]:
    """The person's tickets, less the restricted cases (investigations, legal cases)."""
    return Ticket.objects.filter(customer=customer).exclude(restricted_q()).order_by("created_at")


def subject_withheld_count(customer: Customer) -> int:
    """The person's restricted cases left out of the export, for legal's own record."""
    return Ticket.objects.filter(customer=customer).filter(restricted_q()).count()


def subject_export_data(request: LegalRequest) -> dict[str, Any]:
    """Everything held on the request's data subject, third parties redacted."""
    customer = request.subject_customer
    if customer is None:
        raise LegalError("link the data subject to their customer record first")
    keep = _own_addresses(customer)

    def clean(text: str) -> str:
        return redact_for_customer(text or "", keep=keep)

    tickets = list(subject_tickets(customer)[:MAX_ROWS])
    ticket_ids = [t.pk for t in tickets]
    reporters = set(
        Party.objects.filter(ticket_id__in=ticket_ids, role=Party.Role.REPORTER).values_list(
            "email", flat=True
        )
    )
    messages = (
        Message.objects.filter(ticket_id__in=ticket_ids)
        .exclude(visibility=Message.Visibility.INTERNAL)
        .exclude(direction=Message.Direction.NOTE)
        .order_by("created_at")[:MAX_ROWS]
    )
    events = Event.objects.filter(ticket_id__in=ticket_ids).order_by("observed_at")[:MAX_ROWS]

    def party(address: str) -> str:
        if not address:
            return ""
        if address in reporters:
            return "a reporter"
        return clean(address)

    return {
        "request": request.reference,
        "built_at": timezone.now().isoformat(),
        "subject": {"name": request.subject_name, "email": request.subject_email},
        "customer": {
            "external_id": customer.external_id,
            "name": customer.name,
            "abuse_email": customer.abuse_email,
            "billing_email": customer.billing_email,
            "phone": customer.phone,
            "country": customer.country,
            "status": customer.status,
            "created_at": _iso(customer.created_at),
        },
        "services": [
            {"label": s.label, "kind": s.kind, "status": s.status, "created_at": _iso(s.created_at)}
            for s in customer.services.all()
        ],
        "domains": [
            {"name": d.name, "from": _iso(d.valid_from), "to": _iso(d.valid_to)}
            for d in customer.domains.all()
        ],
        "allocations": [
            {"network": str(a.network), "from": _iso(a.valid_from), "to": _iso(a.valid_to)}
            for a in customer.allocations.all()
        ],
        "tickets": [
            {
                "number": t.pk,
                "kind": t.kind,
                "type": t.type,
                "status": t.status,
                "subject": clean(t.subject),
                "resource": t.resource,
                "opened": _iso(t.created_at),
                "resolved": _iso(t.resolved_at),
            }
            for t in tickets
        ],
        "events": [
            {
                "ticket": e.ticket_id,
                "observed_at": _iso(e.observed_at),
                "type": e.type,
                "ip": e.ip,
                "domain": e.domain,
                "url": clean(e.url),
                "evidence": clean(e.evidence)[:4000],
            }
            for e in events
        ],
        "correspondence": [
            {
                "ticket": m.ticket_id,
                "at": _iso(m.created_at),
                "direction": m.direction,
                "from": party(m.from_address),
                "to": party(m.to_address),
                "subject": clean(m.subject),
                "body": clean(m.body),
            }
            for m in messages
        ],
        "redaction": f"addresses of other people are shown as {REDACTED}; reporters as 'a reporter'",
    }


@transaction.atomic
def request_erase(*, request_id: int, actor: AnyUser, reason: str) -> dict[str, Any]:
    """Carry out an approved erasure request: anonymise the customer record, keep the abuse
    evidence with its legal basis, and record both on the request. Refused under a
    preservation hold."""
    require_legal_actor(actor)
    request = LegalRequest.objects.select_for_update().get(pk=request_id)
    if request.type != RequestType.GDPR_ERASURE:
        raise LegalError("only an erasure request erases")
    if request.state != State.COLLECTING:
        raise LegalError("an erasure is carried out once approved and in progress (collecting)")
    customer = request.subject_customer
    if customer is None:
        raise LegalError("link the data subject to their customer record first")
    try:
        preservation_check(customer_id=customer.pk, what="the erasure")
    except LegalHoldActive as exc:
        raise LegalError(str(exc)) from exc
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    erased = {
        field: bool(getattr(customer, field))
        for field in ("name", "abuse_email", "billing_email", "phone", "notes")
    }
    customer.name = f"{ERASED_NAME} {customer.pk}"
    customer.abuse_email = customer.billing_email = customer.phone = customer.notes = ""
    customer.save(
        update_fields=["name", "abuse_email", "billing_email", "phone", "notes", "updated_at"]
    )
    ticket_count = Ticket.objects.filter(customer=customer).count()
    report = {
        "erased_at": timezone.now().isoformat(),
        "erased": sorted(field for field, had in erased.items() if had),
        "kept": {
            "tickets, events and reports": ticket_count,
            "basis": KEPT_BASIS,
            "why": "records of abuse from our network are kept to answer complaints, "
            "authorities and claims, and to protect the network",
        },
    }
    request.erasure_report = report
    request.save(update_fields=["erasure_report", "updated_at"])
    request_record(request, actor=actor, verb="subject.erased",
                   reason=f"{reason.strip() or 'erasure carried out'}: erased "
                          f"{', '.join(report['erased']) or 'nothing left to erase'}; kept "
                          f"{ticket_count} ticket(s) of abuse evidence under {KEPT_BASIS}")  # fmt: skip
    return report
