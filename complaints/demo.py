"""Demo tickets for ``seed_demo``: the scenario cases an agent walks through (phishing, spam,
brute force, malware, amplifiers, copyright, scans, botnets; investigations, legal, billing,
cancellation and deliverability cases) and a stream of everyday complaints.

Made the way real ones are (docs/architecture.md, "The path of a report"): each abuse case is
a complaint filed through the intake (``receiving.reports_receive`` then
``pipeline.reports_process``), so its customer is whoever held the address or domain at the
observed time by ``customers.resolution``, as ``manage.py resolve`` says. Everything after
the filing goes through the services that refuse impossible states: replies
(``mediation.replies``), status changes and assignments (``tickets.services``; assignees
picked from ``users_assignable``), escalation (``tickets.investigations``), actions
(``actions.services``); cases without a report (legal, billing, cancellation,
deliverability) open through ``ticket_open_or_join``, as the desk's other producers do.
Complaints arrive backdated (``Arrival.received_at``) so the queue has ages; their SLA clocks
start at that arrival, never before.

Idempotent: a scenario whose receipt (``demo-scenario/<name>``) or case key exists is
skipped; the stream is filed once. Only reserved names and ranges appear (the customers
come from ``customers.demo``).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from complaints.actions.services import action_request
from complaints.demo_reports import complaint_mail, mixed, spamcop, xarf
from complaints.intake.filing.pipeline import reports_process
from complaints.intake.receiving import Arrival, reports_receive
from complaints.mediation.replies import ticket_reply
from complaints.models import BusinessHours, PolicyRule, Receipt, SlaPolicy, Ticket
from complaints.tickets.investigations import ticket_escalate_to_investigations
from complaints.tickets.selectors import users_assignable
from complaints.tickets.services import (
    ticket_assign,
    ticket_note_add,
    ticket_open_or_join,
    ticket_status_change,
)
from customers.models import Customer, Domain, IPAllocation
from customers.resolution import domain_holdings_at, holding_at

SCENARIO_PATH = "demo-scenario/"


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


# --- what happens to a case after it is opened ----------------------------------------------


@dataclass(frozen=True)
class Step:
    """One thing a person does on the case, through its service. ``who`` is a demo user
    (accounts.demo); ``what``: assign | reply-customer | reply-reporter | note | status |
    warn | terminate | escalate."""

    who: str
    what: str
    text: str = ""
    wait: bool = True  # a reply waits for the answer


def _user(username: str) -> AbstractBaseUser:
    return get_user_model().objects.get(**{get_user_model().USERNAME_FIELD: username})


def _assign(ticket: Ticket, username: str, actor: AbstractBaseUser) -> None:
    """Hand the ticket to ``username`` if the assignable-users selector offers them (the
    service refuses anyone who may not see it anyway)."""
    offered = {user.get_username(): user for user in users_assignable(ticket=ticket)}
    if username not in offered:
        raise ValueError(f"{username} may not work ticket #{ticket.pk} ({ticket.kind})")
    ticket_assign(ticket=ticket, assignee_id=offered[username].pk, actor_id=actor.pk)


def _apply(ticket: Ticket, steps: list[Step]) -> None:
    for step in steps:
        ticket.refresh_from_db()
        actor = _user(step.who)
        if step.what == "assign":
            _assign(ticket, step.text or step.who, actor)
        elif step.what in ("reply-customer", "reply-reporter"):
            ticket_reply(ticket, author=actor, audience=step.what.split("-")[1], body=step.text,
                         await_answer=step.wait)  # fmt: skip
        elif step.what == "note":
            ticket_note_add(ticket=ticket, subject="Note", body=step.text, author_id=actor.pk)
        elif step.what == "status":
            ticket_status_change(ticket=ticket, status=step.text, actor_id=actor.pk)
        elif step.what in ("warn", "terminate"):
            action_request(ticket=ticket, kind=step.what, reason=step.text, actor=actor)
        elif step.what == "escalate":
            ticket_escalate_to_investigations(ticket=ticket, actor=actor, reason=step.text)
        else:
            raise ValueError(f"unknown demo step {step.what!r}")


# --- the complaints ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Complaint:
    """A scenario filed as a complaint: ``message(rng, resource, observed, n)`` makes its
    bytes; it arrives ``hours_ago``."""

    name: str
    resource: str  # an address, or "domain:<n>" for the n-th hosted domain
    hours_ago: float
    message: Callable[[random.Random, str, datetime, int], bytes]
    steps: list[Step] = field(default_factory=list)


def _mail(sender: str, name: str, subject: str, body: str) -> Callable[..., bytes]:
    def make(rng: random.Random, resource: str, at: datetime, n: int) -> bytes:
        text = body.format(resource=resource, at=f"{at:%Y-%m-%d %H:%M} UTC",
                           log=f"{at:%b %d %H:%M:%S}")  # fmt: skip
        return complaint_mail(
            rng, sender=sender, name=name, subject=subject.format(resource=resource),
            body=text, at=at + timedelta(minutes=20), message_id=f"demo-{n}@{sender.split('@')[1]}",
        )  # fmt: skip

    return make


def _spamcop(rng: random.Random, resource: str, at: datetime, n: int) -> bytes:
    return spamcop(rng, resource, at, 9000 + n)


def _xarf(rng: random.Random, resource: str, at: datetime, n: int) -> bytes:
    return xarf(rng, resource, at, 9000 + n)


PHISHING = _mail(
    "security@bank.example.org",
    "Bank Security",
    "Phishing page imitating our login on {resource}",
    "Hello abuse team,\n\nthe page hxxp://{resource}/secure-login/index.php imitates our online "
    "banking login and asks visitors for their card details. We first saw it at {at}.\n\n"
    "Please take it down.\n\nBank Security Operations\n",
)
MALWARE = _mail(
    "malware@cert.example.org",
    "CERT Malware Desk",
    "Malware served from {resource}",
    "Dear colleagues,\n\nhxxp://{resource}/wp-content/uploads/2026/invoice.exe is a trojan "
    "downloader (malware distribution, still online at {at}). It is linked from a phishing "
    "mail campaign against our constituents.\n\nRegards,\nCERT Malware Desk\n",
)
AMPLIFIER = _mail(
    "noc@isp.example.net",
    "ISP NOC",
    "Open DNS resolver {resource} used for amplification",
    "Hi,\n\n{resource} answers recursive DNS queries from anywhere: an open resolver that was "
    "used for amplification (reflection) against our customers at {at}, 2.3 Gbit/s.\n\n"
    "Please restrict recursion to your own clients.\n\nISP NOC\n",
)
SCAN = _mail(
    "soc@university.example.edu",
    "University SOC",
    "Port scan from {resource}",
    "Hello,\n\n{resource} has been port scanning our network:\n\n"
    "{log} fw1 kernel: DROP IN=eth0 SRC={resource} DST=192.0.2.10 PROTO=TCP DPT=23\n"
    "{log} fw1 kernel: DROP IN=eth0 SRC={resource} DST=192.0.2.11 PROTO=TCP DPT=2323\n"
    "{log} fw1 kernel: DROP IN=eth0 SRC={resource} DST=192.0.2.12 PROTO=TCP DPT=23\n\n"
    "University SOC\n",
)
C2 = _mail(
    "cert@national-cert.example",
    "National CERT",
    "Botnet command-and-control server on {resource}",
    "Dear abuse team,\n\n{resource} on port 443 is the command-and-control server of a botnet: "
    "infected machines in our constituency beacon to it (last seen {at}).\n\n"
    "National CERT\n",
)
COPYRIGHT = _mail(
    "notices@rights.example.com",
    "Rights Protection",
    "Copyright notice: film files on {resource}",
    'To the hosting provider,\n\nwe represent the rights holder of the film "Harbour Lights". '
    "The following copy is offered for download without authorisation, an infringement of "
    "copyright (seen {at}):\n\nhttp://{resource}/films/harbour-lights-2026.mkv\n\n"
    "Please remove it.\n\nRights Protection\n",
)
FRAUD = _mail(
    "fraud@payments.example",
    "Payments Risk Team",
    "Fraudulent sign-ups from {resource}",
    "Hello,\n\n{resource} ran a card fraud scheme against our merchants: 38 sign-ups with stolen "
    "cards in an hour, last at {at}. We suspect the server is rented for fraud, not "
    "compromised.\n\nPayments Risk Team\n",
)

_TAKE = Step("alice", "assign")
_ASK_CUSTOMER = (
    "Our abuse desk received a report about {what} on your service. Please investigate and "
    "answer within 48 hours."
)

COMPLAINTS: list[Complaint] = [
    Complaint("phishing-1", "198.18.0.21", 0.5, PHISHING),
    Complaint("phishing-2", "198.18.0.22", 5, PHISHING),
    Complaint("phishing-3", "198.18.0.23", 2, PHISHING, [_TAKE, Step("alice", "status", "open")]),
    Complaint(
        "spam-1",
        "192.0.2.17",
        7,
        _spamcop,
        [
            _TAKE,
            Step("alice", "status", "open"),
            Step(
                "alice",
                "note",
                "Nobody holds 192.0.2.17 in the registry: ask the mail team whose "
                "relay it is before writing to anyone.",
            ),
        ],
    ),
    Complaint("spam-2", "198.18.2.42", 9, _spamcop, [_TAKE, Step("alice", "status", "open")]),
    Complaint("spam-3", "198.18.2.43", 11, _spamcop),
    *(
        Complaint(
            f"brute-force-{n}",
            f"100.64.3.{8 + n}",
            3 + 4 * n,
            _xarf,
            [
                _TAKE,
                Step(
                    "alice", "reply-customer", _ASK_CUSTOMER.format(what="SSH brute force attacks")
                ),
            ],
        )
        for n in (1, 2, 3)
    ),
    *(
        Complaint(
            f"malware-{n}",
            f"198.18.1.{39 + n}",
            6 + 5 * n,
            MALWARE,
            [
                _TAKE,
                Step(
                    "alice",
                    "reply-reporter",
                    "Thank you. Is the file still served? A SHA-256 of the "
                    "sample would let the customer find it.",
                ),
            ],
        )
        for n in (1, 2, 3)
    ),
    *(
        Complaint(
            f"amplifier-{n}",
            f"100.64.8.{1 + n}",
            (2, 30, 50)[n - 1],
            AMPLIFIER,
            [
                _TAKE,
                Step(
                    "alice", "warn", "Open resolver abused for amplification; restrict recursion."
                ),
                Step(
                    "alice",
                    "reply-customer",
                    "Your server answered recursive DNS queries from "
                    "anywhere. Please restrict recursion to your own clients.",
                    wait=False,
                ),
                Step("alice", "status", "resolved"),
            ],
        )
        for n in (1, 2, 3)
    ),
    *(
        Complaint(
            f"copyright-{n}",
            f"domain:{n}",
            (3, 60, 75)[n - 1],
            COPYRIGHT,
            [
                _TAKE,
                Step(
                    "alice",
                    "reply-customer",
                    _ASK_CUSTOMER.format(what="a copyright notice"),
                    wait=False,
                ),
                Step("alice", "status", "resolved"),
                Step("alice", "status", "closed"),
            ],
        )
        for n in (1, 2, 3)
    ),
    *(Complaint(f"scan-{n}", f"100.64.2.{32 + n}", 1 + n, SCAN) for n in (1, 2, 3)),
    Complaint(
        "c2-1",
        "198.18.4.12",
        26,
        C2,
        [
            Step("alice", "assign", "arjun"),
            Step("arjun", "status", "open"),
            Step(
                "arjun",
                "terminate",
                "Botnet controller confirmed by the national CERT; the customer does not answer.",
            ),
        ],
    ),
    Complaint(
        "c2-2",
        "198.18.4.13",
        8,
        C2,
        [
            _TAKE,
            Step("alice", "status", "open"),
            Step(
                "alice",
                "note",
                "Checked the passive DNS: the controller's domains moved here two days ago.",
            ),
        ],
    ),
    Complaint("c2-3", "198.18.4.14", 1, C2),
    *(
        Complaint(
            f"investigation-{n}",
            f"198.18.5.{8 * n + 2}",
            20 + 3 * n,
            FRAUD,
            [
                _TAKE,
                Step(
                    "alice",
                    "escalate",
                    "Card fraud run from a rented server: deliberate abuse, "
                    "for the investigations team.",
                ),
                Step("ines", "assign"),
                Step("ines", "status", "open"),
            ],
        )
        for n in (1, 2, 3)
    ),
]


def _hosted_domain(n: int) -> str:
    """The n-th hosted domain of the demo registry (the copyright notices' sites)."""
    names = list(Domain.objects.order_by("name").values_list("name", flat=True)[: 40 * n + 1])
    return names[40 * (n - 1) + 7] if len(names) > 40 * (n - 1) + 7 else names[-1]


def _file_complaint(complaint: Complaint, now: datetime, n: int) -> Ticket | None:
    """File the complaint through the intake, arriving ``hours_ago``; its ticket."""
    arrived = now - timedelta(hours=complaint.hours_ago)
    resource = complaint.resource
    if resource.startswith("domain:"):
        resource = _hosted_domain(int(resource.split(":", 1)[1]))
    rng = random.Random(f"{SCENARIO_PATH}{complaint.name}")
    raw = complaint.message(rng, resource, arrived - timedelta(minutes=40), n)
    [received] = reports_receive(
        [Arrival(raw=raw, channel=Receipt.Channel.FILE, path=f"{SCENARIO_PATH}{complaint.name}",
                 received_at=arrived)],
        queue=False,
    )  # fmt: skip
    reports_process([received.report_id])
    return (
        Ticket.objects.filter(events__report_id=received.report_id)
        .order_by("pk")
        .distinct()
        .first()
    )


# --- cases without a report -------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """A case opened by hand or by another part of the desk: its key, kind and subject, the
    customer (resolved from ``resource`` at ``at`` when given) and what people did."""

    key: str
    kind: str
    subject: str
    customer: Customer | None
    resource: str = ""
    at: datetime | None = None
    steps: list[Step] = field(default_factory=list)


def _cases(now: datetime) -> list[Case]:
    """The legal, billing, cancellation and deliverability cases, on the demo registry."""
    cases: list[Case] = []
    # Preservation orders for addresses as they were held in the past: blocks that changed
    # hands since, so the customer named is the holder then, not today's.
    moved = (
        IPAllocation.objects.filter(
            valid_to__isnull=False, network__net_contained_or_equal="198.18.0.0/15"
        )
        .order_by("network", "valid_from")
        .distinct("network")[:3]
    )
    for n, allocation in enumerate(moved, start=1):
        if allocation.valid_to is None:  # not by the filter; for the type checker
            continue
        ip = str(allocation.network.network_address + 2)
        at = allocation.valid_from + (allocation.valid_to - allocation.valid_from) / 2
        holding = holding_at(ip, at)
        customer = Customer.objects.get(pk=holding.customer_id) if holding else None
        cases.append(Case(
            key=f"legal:LR-2026-{116 + n:04d}", kind="legal", customer=customer, resource=ip,
            at=at, subject=f"Court order LR-2026-{116 + n:04d}: preserve records of {ip}",
            steps=[
                Step("leo", "note", f"Order of the district court: preserve all records of {ip} "
                     f"as held on {at:%Y-%m-%d} (held then by "
                     f"{customer.name if customer else 'nobody'}) for 90 days."),
                Step("leo", "assign"), Step("leo", "status", "open"),
            ],
        ))  # fmt: skip
    # Billing and cancellation: customers of the amplifier cases (warned, some unhappy).
    warned = list(
        Customer.objects.filter(tickets__events__report__receipts__path__startswith=(
            f"{SCENARIO_PATH}amplifier-")).distinct().order_by("external_id")
    )  # fmt: skip
    for n, customer in enumerate(warned, start=1):
        cases.append(Case(
            key=f"billing:{customer.external_id}:chargeback-{n}", kind="billing",
            customer=customer, subject=f"Question about a chargeback ({customer.name})",
            steps=[Step("bill", "assign"), Step("bill", "status", "open")] if n == 1 else [],
        ))  # fmt: skip
        cases.append(Case(
            key=f"cancellation:{customer.external_id}", kind="cancellation", customer=customer,
            subject=f"{customer.name} asks to cancel after the warning",
            steps=[Step("bill", "assign"), Step("bill", "status", "open")],
        ))  # fmt: skip
    # Deliverability: the doctor's key, on domains whose holder the registry knows.
    domains = list(Domain.objects.order_by("-name").values_list("name", flat=True)[:3])
    for name, held in zip(domains, domain_holdings_at([(d, now) for d in domains]), strict=True):
        holder = Customer.objects.filter(pk=held.customer_id).first() if held else None
        cases.append(Case(
            key=f"deliverability:{holder.pk if holder else 'none'}:{name}", kind="deliverability",
            customer=holder, resource=name, at=now,
            subject=f"Deliverability of {name}",
            steps=[
                Step("alice", "note", f"Mail from {name} rejected by large mailbox providers: SPF "
                     "fails (the sending host is not in the record) and DMARC fails with it."),
                _TAKE,
                Step("alice", "reply-customer", f"Mail from {name} is being rejected: SPF and "
                     "DMARC fail. Please add your sending host to the SPF record."),
            ],
        ))  # fmt: skip
    return cases


def _open_case(case: Case) -> Ticket:
    ticket, _ = ticket_open_or_join(
        key=case.key, kind=case.kind, subject=case.subject,
        customer_id=case.customer.pk if case.customer else None,
        resource=case.resource, at=case.at,
    )  # fmt: skip
    return ticket


# --- seeding ------------------------------------------------------------------------------------


def seed_tickets() -> dict[str, int]:
    """File the scenario complaints and open the other cases (each once), then walk each
    through its steps. Returns the number of scenario tickets and how many are new."""
    _sla_defaults()
    _rules()
    if not Customer.objects.exists():
        return {"tickets": 0, "created": 0}
    now = timezone.now()
    created = 0
    for n, complaint in enumerate(COMPLAINTS):
        if Receipt.objects.filter(path=f"{SCENARIO_PATH}{complaint.name}").exists():
            continue
        ticket = _file_complaint(complaint, now, n)
        if ticket is None:
            raise ValueError(f"demo complaint {complaint.name} opened no ticket")
        created += 1
        with transaction.atomic():
            _apply(ticket, complaint.steps)
    for case in _cases(now):
        if Ticket.objects.filter(aggregation_key=case.key).exists():
            continue
        with transaction.atomic():
            ticket = _open_case(case)
            created += 1
            _apply(ticket, case.steps)
    return {"tickets": demo_scenario_tickets().count(), "created": created}


def demo_scenario_tickets() -> QuerySet[Ticket]:
    """The scenario tickets: those the scenario complaints reached, and the cases opened
    without a report."""
    from_complaints = Ticket.objects.filter(
        events__report__receipts__path__startswith=SCENARIO_PATH
    ).values("pk")
    keys = [
        case.key for case in _cases(timezone.now())
    ] if Customer.objects.exists() else []  # fmt: skip
    return Ticket.objects.filter(Q(pk__in=from_complaints) | Q(aggregation_key__in=keys))


def seed_report_stream(*, count: int = 400) -> dict[str, int]:
    """File a realistic stream of complaints about the demo customers through the real
    intake (receive, parse, attribute, aggregate), once: a second run finds the stream's
    receipts and adds nothing. A few unreadable messages land in the quarantine."""
    _sla_defaults()  # the tickets it opens start their clocks as they open
    _rules()
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
