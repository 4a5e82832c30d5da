"""Ninety days of desk history for ``seed_demo``, so the dashboards show real figures: tickets
of the demo customers at their allocated addresses, reported by a handful of reporters,
answered, assigned, solved and sometimes reopened by the demo agents (alice, arjun, lena),
with notices, suspensions, and classifications that nobody works (port scans and copyright
notices, as the studies of hosting desks find). Then the rollups run once.

Deterministic (a fixed random seed) and idempotent: each ticket has a fixed ``leads-demo:``
aggregation key, and a second run adds nothing. Reserved names and ranges only: the
reporters are ``.example`` addresses and the addresses come from the demo allocations.
Called by ``seed_demo`` after the registry, the users and the other demo cases exist.
"""

from __future__ import annotations

import hashlib
import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from complaints.models import Action, Event, Message, Report, Reporter, Ticket, TicketChange
from customers.models import IPAllocation
from leads.rollups import rollups_refresh_every

KEY = "leads-demo:"
DAYS = 90


@dataclass(frozen=True)
class Stream:
    """One kind of complaint: who reports it, how often, and how the desk treats it."""

    type: str
    reporter: tuple[str, str]  # (address, organisation)
    per_week: int
    worked: float  # share of its tickets someone works
    respond_hours: tuple[float, float]  # range of the first answer, when worked
    resolve_hours: tuple[float, float]
    suspend: float = 0.0  # share of worked tickets ending in a suspension
    kind: str = "abuse"


STREAMS = [
    Stream("phishing", ("cert@bank-cert.example", "Bank CERT (demo)"), 9, 0.95, (0.3, 3), (4, 30), 0.25),
    Stream("spam", ("reports@spamreports.example", "Spam reports (demo)"), 12, 0.8, (1, 10), (12, 96), 0.1),
    Stream("brute-force", ("noc@university.example", "University NOC (demo)"), 5, 0.7, (2, 20), (24, 120)),
    Stream("scanner", ("noc@university.example", "University NOC (demo)"), 8, 0.15, (20, 80), (48, 300)),
    Stream("copyright", ("notices@rights-agency.example", "Rights Agency (demo)"), 7, 0.2, (24, 120), (48, 400)),
    Stream("vulnerable-system", ("feeds@scanfeed.example", "Scan feed (demo)"), 6, 0.5, (4, 48), (72, 500)),
    Stream("malware-distribution", ("cert@bank-cert.example", "Bank CERT (demo)"), 2, 0.9, (1, 6), (6, 48), 0.4),
    Stream("blacklist", ("listings@scanfeed.example", "Scan feed (demo)"), 2, 0.85, (2, 24), (24, 200), 0.0, "listing"),
]  # fmt: skip
AGENTS = ("alice", "arjun", "lena")


def _reporter(address: str, organisation: str) -> Reporter:
    return Reporter.objects.get_or_create(
        address=address, defaults={"organisation": organisation, "kind": Reporter.Kind.FEED}
    )[0]


def _addresses() -> list[IPAllocation]:
    """Allocations held now, not shared: where the demo's abuse comes from."""
    return list(
        IPAllocation.objects.filter(valid_to__isnull=True, shared=False)
        .select_related("customer")
        .order_by("network")
    )


def _host(allocation: IPAllocation, rng: random.Random) -> str:
    network = allocation.network
    if network.num_addresses <= 2:
        return str(network.network_address)
    return str(network.network_address + 1 + rng.randrange(min(network.num_addresses - 2, 250)))


@transaction.atomic
def seed_lead_history(*, now: datetime | None = None) -> dict[str, int]:
    """Create the history (once) and run the rollups; the number of tickets created."""
    now = now or timezone.now()
    if Ticket.objects.filter(aggregation_key__startswith=KEY).exists():
        rollups_refresh_every(now=now)
        return {"tickets": 0}
    allocations = _addresses()
    users = {u.username: u for u in get_user_model().objects.filter(username__in=AGENTS)}
    if not allocations or not users:
        return {"tickets": 0}
    rng = random.Random(1515)
    agents = [users[name] for name in AGENTS if name in users]
    # A few customers cause most of the abuse: weights fall off with the rank.
    weights = [1 / (1 + rank) ** 1.1 for rank in range(len(allocations))]
    rng.shuffle(allocations)
    created = 0
    for stream in STREAMS:
        reporter = _reporter(*stream.reporter)
        for week in range(DAYS // 7 + 1):
            for _ in range(max(0, round(rng.gauss(stream.per_week, stream.per_week / 4)))):
                age = timedelta(days=7 * week + rng.random() * 7)
                if age > timedelta(days=DAYS):
                    continue
                allocation = rng.choices(allocations, weights)[0]
                created += 1
                _ticket(created, stream, reporter, allocation, now - age, now, rng, agents)
    _restricted_cases(now, allocations[0])
    rollups_refresh_every(now=now)
    return {"tickets": created}


def _ticket(
    n: int,
    stream: Stream,
    reporter: Reporter,
    allocation: IPAllocation,
    opened: datetime,
    now: datetime,
    rng: random.Random,
    agents: list,  # type: ignore[type-arg]
) -> None:
    ip = _host(allocation, rng)
    worked = rng.random() < stream.worked
    agent = rng.choice(agents) if worked else None
    responded = opened + timedelta(hours=rng.uniform(*stream.respond_hours)) if worked else None
    resolved: datetime | None = opened + timedelta(hours=rng.uniform(*stream.resolve_hours))
    if resolved is not None and resolved > now:
        status = "awaiting_customer" if worked else "open"
        resolved = None
    else:
        status = rng.choice(["resolved", "closed"])
    if not worked and status != "open" and rng.random() < 0.5:
        status, resolved = "new", None  # left in the queue
    if responded is not None and responded > now:
        responded = None
    ticket = Ticket.objects.create(
        kind=stream.kind, status=status, aggregation_key=f"{KEY}{n}",
        subject=f"{stream.type.replace('-', ' ').capitalize()} from {ip}", type=stream.type,
        taxonomy="", resource=ip, customer=allocation.customer, service=allocation.service,
        assignee=agent, first_event_at=opened, last_event_at=opened,
        resolved_at=resolved,
    )  # fmt: skip
    due = opened + timedelta(hours=4)
    Ticket.objects.filter(pk=ticket.pk).update(
        created_at=opened, first_responded_at=responded, first_response_due_at=due,
        resolution_due_at=opened + timedelta(days=2),
        sla_breached=(responded or now) > due and status not in ("resolved", "closed"),
    )  # fmt: skip
    digest = hashlib.sha256(f"{KEY}report-{n}".encode()).hexdigest()
    report = Report.objects.create(sha256=digest, size=600, status="filed", format="freetext",
                                   kind="complaint", reporter=reporter, sender=reporter.address,
                                   subject=f"Abuse report: {stream.type} from {ip}", event_count=1,
                                   evidence=f"{opened:%Y-%m-%d %H:%M} UTC {stream.type} from {ip}")  # fmt: skip
    Event.objects.create(report=report, ticket=ticket, fingerprint=uuid.uuid5(uuid.NAMESPACE_URL, f"{KEY}{n}"),
                         ip=ip, taxonomy="", type=stream.type, observed_at=opened - timedelta(minutes=30),
                         attribution="customer", customer=allocation.customer, service=allocation.service,
                         allocation=allocation, evidence=report.evidence)  # fmt: skip
    # The automatic first notice, then the people's work.
    _message(ticket, opened + timedelta(minutes=5), author=None)
    if agent is None:
        return
    _change(ticket, agent, "assignee", "", agent.get_username(), opened + timedelta(minutes=20))
    if responded is not None:
        _message(ticket, responded, author=agent)
    if rng.random() < stream.suspend and responded is not None:
        done = responded + timedelta(hours=rng.uniform(0.5, 6))
        if done < now:
            action = Action.objects.create(
                ticket=ticket, customer=allocation.customer, service=allocation.service,
                kind="suspend", status="done", reason="Abuse continued after the notice (demo).",
                requested_by=agent, approved_by=agent, attempts=1, completed_at=done,
            )  # fmt: skip
            Action.objects.filter(pk=action.pk).update(requested_at=done - timedelta(minutes=10))
    if resolved is not None:
        _change(ticket, agent, "status", "open", status, resolved)
        if rng.random() < 0.08 and resolved + timedelta(days=2) < now:
            _change(
                ticket, rng.choice(agents), "status", status, "open", resolved + timedelta(days=2)
            )
            Ticket.objects.filter(pk=ticket.pk).update(status="open", resolved_at=None)


def _message(ticket: Ticket, at: datetime, *, author: Any) -> None:
    message = Message.objects.create(
        ticket=ticket, direction="out", visibility="customer",
        kind="notice" if author is None else "reply", status="sent",
        to_address=ticket.customer.abuse_email or "abuse@customer.example" if ticket.customer else "",
        subject=f"[Example Hosting] {ticket.subject} (case {ticket.pk})",
        body="Please investigate and answer within 48 hours.", author=author, sent_at=at,
    )  # fmt: skip
    Message.objects.filter(pk=message.pk).update(created_at=at)


def _change(ticket: Ticket, actor: Any, field: str, old: str, new: str, at: datetime) -> None:
    change = TicketChange.objects.create(
        ticket=ticket, actor=actor, field=field, old_value=old, new_value=new
    )
    TicketChange.objects.filter(pk=change.pk).update(created_at=at)


def _restricted_cases(now: datetime, allocation: IPAllocation) -> None:
    """Two escalated cases: the leads' figures leave them out (docs/architecture.md)."""
    for n, (kind, group) in enumerate(
        [("investigation", "investigations"), ("abuse", "investigations")]
    ):
        ticket = Ticket.objects.create(
            kind=kind, status="open", aggregation_key=f"{KEY}restricted-{n}",
            subject="Escalated case (demo)", type="" if kind == "investigation" else "phishing",
            customer=allocation.customer, restricted_group=group,
        )  # fmt: skip
        Ticket.objects.filter(pk=ticket.pk).update(created_at=now - timedelta(days=3 + n))
