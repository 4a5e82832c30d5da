"""Demo tickets for ``seed_demo``: the queue filled with cases in every state and kind, with
events, messages, SLA clocks, policy rules and a few actions — believable, idempotent, and
only reserved names and ranges (the customers come from ``customers.demo``).

Called by ``seed_demo`` after the registry and the users exist. Runs again without creating
duplicates: each ticket has a fixed ``demo:`` aggregation key.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from complaints.models import (
    Action,
    BusinessHours,
    Event,
    Message,
    PolicyRule,
    Report,
    SlaPolicy,
    Ticket,
)
from complaints.sla import sla_start
from customers.models import Customer

# (kind, type, status, subject, resource)
_CASES = [
    ("abuse", "phishing", "new", "Phishing page imitating a bank login", "198.18.0.21"),
    ("abuse", "spam", "open", "Spam run from a compromised mailbox", "192.0.2.17"),
    (
        "abuse",
        "brute-force",
        "awaiting_customer",
        "SSH brute force against third parties",
        "100.64.3.9",
    ),
    (
        "abuse",
        "malware-distribution",
        "awaiting_reporter",
        "Malware served from /wp-content/uploads",
        "198.18.1.40",
    ),
    (
        "abuse",
        "ddos-amplifier",
        "resolved",
        "Open DNS resolver used for amplification",
        "100.64.7.2",
    ),
    (
        "abuse",
        "copyright",
        "closed",
        "Copyright notice: film files on a web server",
        "198.51.100.60",
    ),
    ("abuse", "scanner", "new", "Port scans towards a university network", "100.64.2.33"),
    ("abuse", "c2-server", "open", "Botnet command-and-control server", "198.18.4.12"),
    ("listing", "blacklist", "open", "Listed on a DNS blocklist", "192.0.2.30"),
    ("deliverability", "", "awaiting_customer", "Mail rejected: SPF and DMARC fail", ""),
    ("legal", "", "open", "Court order: preserve records for a customer", ""),
    ("investigation", "", "open", "Suspected fraudulent sign-ups with stolen cards", ""),
    ("billing", "", "new", "Question about a chargeback", ""),
    ("cancellation", "", "open", "Customer asks to cancel after suspension", ""),
]


def _sla_defaults() -> None:
    office, _ = BusinessHours.objects.get_or_create(
        name="Office hours (Mon-Fri 09-17 UTC)",
        defaults={"time_zone": "UTC", "weekdays": [0, 1, 2, 3, 4],
                  "opens_at": dt.time(9), "closes_at": dt.time(17)},
    )  # fmt: skip
    for kind, type_, first, resolution, hours in [
        ("abuse", "", 240, 2880, None),
        ("abuse", "phishing", 60, 480, None),
        ("listing", "", 480, 4320, None),
        ("deliverability", "", 480, 4320, office),
        ("legal", "", 1440, 14400, office),
        ("investigation", "", 1440, 20160, office),
        ("billing", "", 480, 2880, office),
        ("cancellation", "", 480, 2880, office),
    ]:
        SlaPolicy.objects.get_or_create(kind=kind, type=type_, defaults={
            "first_response_minutes": first, "resolution_minutes": resolution,
            "business_hours": hours})  # fmt: skip


def _rules() -> None:
    for name, values in [
        ("Suspend phishing after 2 days without answer", {
            "type": "phishing", "condition": "no_customer_answer_days", "threshold": 2,
            "proposes": "suspend", "automatic": True,
            "description": "A phishing page left up two days after the notice is taken down."}),
        ("Warn repeat spammers", {
            "type": "spam", "condition": "repeat_count", "threshold": 3, "window_days": 30,
            "proposes": "warn", "automatic": False,
            "description": "Three spam cases in a month: a formal warning."}),
        ("Null-route amplifiers with heavy traffic", {
            "type": "ddos-amplifier", "condition": "event_count", "threshold": 50,
            "proposes": "null_route", "automatic": False,
            "description": "Proposed only: null-routing always needs a second person."}),
    ]:  # fmt: skip
        PolicyRule.objects.get_or_create(name=name, defaults=values)


@transaction.atomic
def seed_tickets(*, per_case: int = 3) -> dict[str, int]:
    """Create the demo tickets (``per_case`` of each case, for different customers)."""
    _sla_defaults()
    _rules()
    customers = list(Customer.objects.order_by("external_id")[: len(_CASES) * per_case + 5])
    if not customers:
        return {"tickets": 0, "created": 0}
    agent = get_user_model().objects.filter(username="alice").first()
    now = timezone.now()
    created = 0
    n = 0
    for i, (kind, type_, status, subject, resource) in enumerate(_CASES):
        for copy in range(per_case):
            n += 1
            customer = customers[(i * per_case + copy) % len(customers)]
            key = f"demo:{kind}:{type_}:{i}:{copy}"
            ticket = Ticket.objects.filter(aggregation_key=key).first()
            if ticket is not None:
                continue
            when = now - timedelta(hours=3 * n + copy)
            ip = (
                resource.rsplit(".", 1)[0] + f".{(int(resource.rsplit('.', 1)[1]) + copy) % 250}"
                if resource
                else ""
            )
            ticket = Ticket.objects.create(
                kind=kind, status=status, aggregation_key=key, subject=subject, type=type_,
                taxonomy="", resource=ip, customer=customer,
                service=customer.services.first(),
                restricted_group="investigations" if kind == "investigation" else "",
                first_event_at=when, last_event_at=when, event_count=0,  # counted by the events' trigger
                report_count=0, assignee=agent if status in ("open", "awaiting_customer") else None,
                resolved_at=now if status in ("resolved", "closed") else None,
            )  # fmt: skip
            Ticket.objects.filter(pk=ticket.pk).update(created_at=when)
            ticket.refresh_from_db()
            created += 1
            _evidence(ticket, ip, type_ or kind, when, n)
            sla_start(ticket=ticket)
            if status == "awaiting_customer":
                Message.objects.create(
                    ticket=ticket, direction="out", visibility="customer", kind="notice",
                    status="recorded", to_address=customer.abuse_email or "abuse@customer.example",
                    subject=f"[Example Hosting] {subject} (case {ticket.pk})",
                    body="Please investigate and answer within 48 hours.", author=agent,
                )  # fmt: skip
    # One breached case and a couple of actions, so those views have something to show.
    late = Ticket.objects.filter(aggregation_key__startswith="demo:abuse:c2-server").first()
    if late is not None and not late.sla_breached:
        Ticket.objects.filter(pk=late.pk).update(
            first_response_due_at=now - timedelta(hours=2), sla_breached=True)  # fmt: skip
    done = Ticket.objects.filter(aggregation_key__startswith="demo:abuse:ddos-amplifier").first()
    if done is not None and done.customer is not None and not done.actions.exists():
        Action.objects.create(ticket=done, customer=done.customer, service=done.service, kind="suspend",
                              status="done", reason="Open resolver abused for amplification.",
                              requested_by=agent, approved_by=agent, attempts=1,
                              result={"reference": "PRV-DEMO-1"}, completed_at=now)  # fmt: skip
    return {
        "tickets": Ticket.objects.filter(aggregation_key__startswith="demo:").count(),
        "created": created,
    }


def _evidence(ticket: Ticket, ip: str, type_: str, when: dt.datetime, n: int) -> None:
    digest = hashlib.sha256(f"demo-report-{ticket.aggregation_key}".encode()).hexdigest()
    report, _ = Report.objects.get_or_create(sha256=digest, defaults={
        "size": 512, "status": "filed", "format": "freetext", "kind": "complaint",
        "sender": f"abuse-desk{n % 5}@reporter.example", "subject": ticket.subject,
        "evidence": f"{when:%Y-%m-%d %H:%M} UTC {type_} observed from {ip or 'the customer'}",
        "evidence_status": "complete", "event_count": 1})  # fmt: skip
    if ticket.kind in ("abuse", "listing"):
        Event.objects.get_or_create(
            fingerprint=uuid.uuid5(uuid.NAMESPACE_URL, ticket.aggregation_key),
            defaults={"report": report, "ticket": ticket, "ip": ip or None, "taxonomy": "abusive-content",
                      "type": type_, "observed_at": when, "attribution": "customer",
                      "customer": ticket.customer, "service": ticket.service,
                      "evidence": report.evidence},
        )  # fmt: skip


def seed_report_stream(*, count: int = 400) -> dict[str, int]:
    """File a realistic stream of complaints about the demo customers through the real
    intake (receive, parse, attribute, aggregate), once: a second run finds the stream's
    receipts and adds nothing. A few unreadable messages land in the quarantine."""
    import random

    from complaints.demo_reports import mixed
    from complaints.models import Receipt
    from complaints.processing import reports_process
    from complaints.receiving import Arrival, reports_receive
    from customers.models import IPAllocation

    if Receipt.objects.filter(path__startswith="demo-stream/").exists():
        return {"reports": 0}
    now = timezone.now()
    held = IPAllocation.objects.filter(
        shared=False, valid_to__isnull=True, network__masklen__gte=24
    )
    networks = sorted({str(a.network) for a in held if a.network.version == 4})
    if not networks:
        return {"reports": 0}
    rng = random.Random(2026)
    raws = [
        mixed(rng, networks, now - timedelta(minutes=rng.randrange(72 * 60)), n)
        for n in range(count)
    ]
    raws.append(b"\x00\x01garbled bytes from a broken mail gateway\xff\xfe" * 20)
    raws.append(
        b"From: someone@victim.example.org\r\nSubject: Your network is bad\r\n\r\n"
        b"Stop the attacks from your servers now!\r\n"
    )
    filed = 0
    for start in range(0, len(raws), 100):
        chunk = raws[start : start + 100]
        received = reports_receive(
            [
                Arrival(raw=raw, channel=Receipt.Channel.FILE, path=f"demo-stream/{start + i}")
                for i, raw in enumerate(chunk)
            ],
            queue=False,
        )
        filed += len(reports_process([r.report_id for r in received if r.outcome == "new"]))
    return {"reports": filed}
