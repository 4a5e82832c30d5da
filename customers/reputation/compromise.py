"""Compromise detection: rules stored as data (``CompromiseRule``) over events and listings
that mark a service as likely compromised, raise its ticket and propose its suspension.

``compromise_candidates`` is the dry run (reads only): what each enabled rule would mark
now, with the evidence. ``compromise_rules_apply`` marks those candidates: one open
``ServiceCompromise`` per (service, rule) — re-running adds nothing — sets the evidence
ticket to "open" with an internal note, and proposes a suspension: an Action requested
through ``complaints.actions.services.action_request`` (taken automatically only for rules
marked automatic, within the workspace's safety limits: the automation switch, the hourly
cap, never for a protected customer or the provider's own infrastructure); where none may be
requested, the proposal is recorded on the mark.

Trust weighting: a reporter counts once per IP and window, with the weight its trust level
has in the rule's ``params["trust_weights"]``; blocked reporters weigh nothing, so made-up
reporters cannot get a competitor suspended.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from complaints.actions import services as actions
from complaints.intake.filing.pipeline import FEEDBACK_LOOP_FORMATS
from complaints.models import Action, Event, PolicyRule, Ticket
from complaints.models.tickets import OPEN_STATUSES
from complaints.restriction import restricted_q, restricted_ticket_ids, ticket_contact_withheld
from complaints.tickets.services import (
    ticket_note_add,
    ticket_open_or_join,
    ticket_status_change,
)
from customers.models import Service
from customers.reputation.models import CompromiseRule, Listing, ServiceCompromise

logger = logging.getLogger(__name__)

DEFAULT_TRUST_WEIGHTS = {"0": 0.0, "1": 0.5, "2": 1.0, "3": 1.5}


@dataclass
class Candidate:
    rule_id: int
    rule_name: str
    kind: str
    resource: str
    score: float
    service_id: int | None
    customer_id: int | None
    ticket_id: int | None
    evidence: dict[str, Any] = field(default_factory=dict)
    already_marked: bool = False

    @property
    def markable(self) -> bool:
        return self.service_id is not None and not self.already_marked


def compromise_candidates(
    *, rules: Sequence[CompromiseRule] | None = None, now: datetime | None = None
) -> list[Candidate]:
    """What the rules would mark now (the dry run)."""
    now = now or timezone.now()
    rules = list(rules) if rules is not None else list(CompromiseRule.objects.filter(enabled=True))
    found: list[Candidate] = []
    for rule in rules:
        since = now - timedelta(minutes=rule.window_minutes)
        if rule.kind == CompromiseRule.Kind.REPORTERS:
            found += _by_reporters(rule, since, now)
        elif rule.kind == CompromiseRule.Kind.FBL_SURGE:
            found += _by_feedback_loops(rule, since, now)
        elif rule.kind == CompromiseRule.Kind.LISTING:
            found += _by_listings(rule, since)
    open_marks = set(
        ServiceCompromise.objects.filter(resolved_at__isnull=True).values_list(
            "service_id", "rule_id"
        )
    )
    for candidate in found:
        candidate.already_marked = (candidate.service_id, candidate.rule_id) in open_marks
    return found


def _outside_restricted_cases(
    rows: list[tuple[Any, ...]], *, ticket_at: int
) -> list[tuple[Any, ...]]:
    """Event rows not on a restricted case (``complaints.restriction``): what a legal or
    investigation case holds — its reporters, its senders — is not evidence for a mark,
    a note or a suspension anyone else sees."""
    hidden = restricted_ticket_ids(row[ticket_at] for row in rows)
    return [row for row in rows if row[ticket_at] not in hidden] if hidden else rows


def _most_common(values: list[int | None]) -> int | None:
    present = [v for v in values if v is not None]
    return Counter(present).most_common(1)[0][0] if present else None


def _by_reporters(rule: CompromiseRule, since: datetime, now: datetime) -> list[Candidate]:
    weights = {
        **DEFAULT_TRUST_WEIGHTS,
        **{str(k): float(v) for k, v in (rule.params.get("trust_weights") or {}).items()},
    }
    types = rule.params.get("types") or ["spam"]
    rows = Event.objects.filter(
        type__in=types, observed_at__gte=since, observed_at__lte=now, ip__isnull=False
    ).values_list(
        "ip",
        "service_id",
        "customer_id",
        "ticket_id",
        "report__reporter_id",
        "report__reporter__trust",
        "report__reporter__address",
    )
    per_ip: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"reporters": {}, "services": [], "customers": [], "tickets": [], "events": 0}
    )
    for (
        ip,
        service_id,
        customer_id,
        ticket_id,
        reporter_id,
        trust,
        address,
    ) in _outside_restricted_cases(list(rows), ticket_at=3):
        group = per_ip[str(ip)]
        group["events"] += 1
        group["services"].append(service_id)
        group["customers"].append(customer_id)
        group["tickets"].append(ticket_id)
        if reporter_id is not None:
            group["reporters"][reporter_id] = (address, int(trust))
    found = []
    for ip, group in per_ip.items():
        reporters = group["reporters"]
        score = sum(weights.get(str(trust), 0.0) for _, trust in reporters.values())
        if score < rule.threshold:
            continue
        found.append(
            Candidate(
                rule_id=rule.pk,
                rule_name=rule.name,
                kind=rule.kind,
                resource=ip,
                score=round(score, 2),
                service_id=_most_common(group["services"]),
                customer_id=_most_common(group["customers"]),
                ticket_id=_most_common(group["tickets"]),
                evidence={
                    "events": group["events"],
                    "window_minutes": rule.window_minutes,
                    "threshold": rule.threshold,
                    "reporters": sorted(
                        (
                            {
                                "reporter": address,
                                "trust": trust,
                                "weight": weights.get(str(trust), 0.0),
                            }
                            for address, trust in reporters.values()
                        ),
                        key=lambda r: r["reporter"],
                    ),
                },
            )
        )
    return found


def _by_feedback_loops(rule: CompromiseRule, since: datetime, now: datetime) -> list[Candidate]:
    rows = Event.objects.filter(
        Q(report__format__in=FEEDBACK_LOOP_FORMATS) | Q(report__reporter__kind="feedback_loop"),
        observed_at__gte=since,
        observed_at__lte=now,
        ip__isnull=False,
    ).values_list("ip", "service_id", "customer_id", "ticket_id", "report__sender")
    per_ip: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    for ip, *rest in _outside_restricted_cases(list(rows), ticket_at=3):
        per_ip[str(ip)].append(tuple(rest))
    found = []
    for ip, items in per_ip.items():
        if len(items) < rule.threshold:
            continue
        found.append(
            Candidate(
                rule_id=rule.pk,
                rule_name=rule.name,
                kind=rule.kind,
                resource=ip,
                score=float(len(items)),
                service_id=_most_common([i[0] for i in items]),
                customer_id=_most_common([i[1] for i in items]),
                ticket_id=_most_common([i[2] for i in items]),
                evidence={
                    "feedback_loop_events": len(items),
                    "window_minutes": rule.window_minutes,
                    "threshold": rule.threshold,
                    "senders": sorted({str(i[3]) for i in items if i[3]})[:20],
                },
            )
        )
    return found


def _by_listings(rule: CompromiseRule, since: datetime) -> list[Candidate]:
    rows = (
        Listing.objects.filter(listed_since__gte=since)
        .exclude(state=Listing.State.DELISTED)
        .select_related("zone")
    )
    found = []
    for listing in rows:
        attack = sorted(set(listing.codes) & set(listing.zone.attack_codes or []))
        if not attack:
            continue
        meanings = dict(zip(listing.codes, listing.meanings, strict=False))
        found.append(
            Candidate(
                rule_id=rule.pk,
                rule_name=rule.name,
                kind=rule.kind,
                resource=listing.resource,
                score=1.0,
                service_id=listing.service_id,
                customer_id=listing.customer_id,
                ticket_id=listing.ticket_id,
                evidence={
                    "zone": listing.zone.name,
                    "codes": [f"{c} ({meanings.get(c, 'listed')})" for c in attack],
                    "listed_since": listing.listed_since.isoformat(),
                    "listing_id": listing.pk,
                },
            )
        )
    return found


def compromise_rules_apply(
    *, rules: Sequence[CompromiseRule] | None = None, now: datetime | None = None
) -> list[ServiceCompromise]:
    """Mark every markable candidate (see module docstring); returns the new marks."""
    marks = []
    for candidate in compromise_candidates(rules=rules, now=now):
        if not candidate.markable:
            continue
        mark = service_compromise_mark(candidate=candidate, now=now or timezone.now())
        if mark is not None:
            marks.append(mark)
    return marks


@transaction.atomic
def service_compromise_mark(*, candidate: Candidate, now: datetime) -> ServiceCompromise | None:
    assert candidate.service_id is not None
    rule = CompromiseRule.objects.get(pk=candidate.rule_id)
    service = Service.objects.select_related("customer").get(pk=candidate.service_id)
    try:
        with transaction.atomic():
            mark = ServiceCompromise.objects.create(
                service=service,
                rule=rule,
                resource=candidate.resource,
                evidence=candidate.evidence,
                score=candidate.score,
                created_at=now,
            )
    except IntegrityError:
        return None  # already marked by this rule and not resolved
    ticket = _raise_ticket(candidate, service, rule, now)
    mark.ticket = ticket
    _propose_suspension(mark, service, rule, ticket)
    mark.save(update_fields=["ticket", "proposal", "proposal_note", "action_id"])
    return mark


def _raise_ticket(
    candidate: Candidate, service: Any, rule: CompromiseRule, now: datetime
) -> Ticket:
    ticket = None
    if candidate.ticket_id:
        # Not a restricted case (complaints.restriction): the mark gets its own ticket.
        ticket = (
            Ticket.objects.select_for_update()
            .filter(pk=candidate.ticket_id, status__in=OPEN_STATUSES)
            .exclude(restricted_q())
            .first()
        )
    if ticket is None:
        ticket, _ = ticket_open_or_join(
            key=f"compromise:{service.pk}",
            kind="abuse",
            type_="system-compromise",
            subject=f"Likely compromised: {service.label}",
            customer_id=service.customer_id,
            service_id=service.pk,
            resource=candidate.resource,
            at=now,
        )
    if ticket.status != Ticket.Status.OPEN:
        ticket = ticket_status_change(
            ticket=ticket, status=Ticket.Status.OPEN, actor_id=None,
            note=f"likely compromised service (rule: {rule.name})",
        )  # fmt: skip
    lines = [
        f"Rule “{rule.name}” marks service {service.label} as likely compromised ({candidate.resource}, score {candidate.score})."
    ]
    for key, value in candidate.evidence.items():
        lines.append(f"- {key}: {value}")
    ticket_note_add(
        ticket=ticket, subject=f"Likely compromised: {service.label}", body="\n".join(lines)
    )
    return ticket


def _carrier_rule(rule: CompromiseRule) -> Any:
    """The (disabled) ``PolicyRule`` an action proposed by a compromise rule refers to:
    ``action_request`` needs a person or a policy rule behind every action, and its
    one-open-action-per-rule-and-ticket constraint then also holds for our proposals. It
    is disabled so the policy engine never evaluates it itself."""
    carrier, _ = PolicyRule.objects.get_or_create(
        name=f"Compromise detection: {rule.name}"[:120],
        defaults={
            "description": "Carrier of suspensions proposed by the compromise-detection rule "
            f"“{rule.name}” (Reputation → Compromise rules). Kept disabled on purpose.",
            "condition": PolicyRule.Condition.EVENT_COUNT,
            "threshold": 2**31 - 1,
            "proposes": "suspend",
            "automatic": False,
            "enabled": False,
        },
    )
    return carrier


def _automatic_allowed(rule: CompromiseRule, customer: Any) -> str:
    """Empty when the suspension may be taken automatically, else why it is only proposed:
    the workspace's safety limits (global switch, hourly cap, protected customers)."""
    if not rule.automatic:
        return "rule proposes only"
    if customer.protected:
        return "protected customer: never automatic"
    if not actions.automation_enabled():
        return "automatic actions are switched off"
    since = timezone.now() - timedelta(hours=1)
    if (
        Action.objects.filter(automatic=True, requested_at__gte=since).count()
        >= settings.AUTOMATIC_ACTIONS_PER_HOUR
    ):
        return "hourly cap of automatic actions reached"
    return ""


def _propose_suspension(
    mark: ServiceCompromise, service: Any, rule: CompromiseRule, ticket: Ticket
) -> None:
    customer = service.customer
    if customer.external_id in settings.PROVIDER_CUSTOMER_IDS or ticket.customer_id != customer.pk:
        mark.proposal = ServiceCompromise.Proposal.BLOCKED
        mark.proposal_note = "provider's own infrastructure or another customer's ticket: no action"
        return
    if ticket_contact_withheld(ticket):  # a suspension would tell the customer of the case
        mark.proposal = ServiceCompromise.Proposal.BLOCKED
        mark.proposal_note = "no action proposed on this ticket"
        return
    note = _automatic_allowed(rule, customer)
    reason = f"Likely compromised (rule “{rule.name}”: {mark.resource}, score {mark.score})." + (
        f" Proposed only: {note}." if note else ""
    )
    try:
        with transaction.atomic():
            action = actions.action_request(
                ticket=ticket,
                kind="suspend",
                reason=reason,
                actor=None,
                service=service,
                rule=_carrier_rule(rule),
                automatic=not note,
            )
    except IntegrityError:
        mark.proposal = ServiceCompromise.Proposal.PROPOSED
        mark.proposal_note = "a suspension proposed by this rule is already open on the ticket"
        return
    mark.proposal = ServiceCompromise.Proposal.ACTION_CREATED
    mark.action_id = action.pk
    mark.proposal_note = (
        f"suspension action #{action.pk} "
        + ("taken automatically" if not note else f"proposed ({note})")
    )[:300]
