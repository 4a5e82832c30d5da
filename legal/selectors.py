"""Read queries of the legal desk, shared by its pages, API and admin (docs/architecture.md
"Legal desk"). Every one takes the user and returns nothing unless they hold the legal role:
the permission filter is in the query, so a page or endpoint that forgets to check shows
nothing rather than everything."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.roles import AnyUser
from complaints.models import AuditEntry, Message, Ticket
from complaints.restriction import restricted_q
from customers.models import Customer, Domain, Service
from legal.access import is_legal
from legal.models import OPEN_STATES, LegalRequest, Package, Reminder, ScopeMatch, State


def requests_visible_to(user: AnyUser) -> QuerySet[LegalRequest]:
    if not is_legal(user):
        return LegalRequest.objects.none()
    return LegalRequest.objects.all()


@dataclass(frozen=True)
class QueueFilters:
    state: str = ""
    type: str = ""
    q: str = ""
    closed: bool = False


def legal_queue(user: AnyUser, filters: QueueFilters) -> QuerySet[LegalRequest]:
    """The legal queue, what is due first on top: "notify the customer now" first, then by
    the current deadline (an extended one replaces the first), requests without one last."""
    rows = requests_visible_to(user).select_related("assignee")
    if not filters.closed:
        rows = rows.filter(state__in=sorted(OPEN_STATES))
    if filters.state:
        rows = rows.filter(state=filters.state)
    if filters.type:
        rows = rows.filter(type=filters.type)
    if filters.q:
        text = filters.q.strip()
        match = (
            Q(authority__icontains=text)
            | Q(case_number__icontains=text)
            | Q(subject_name__icontains=text)
            | Q(scope__value__iexact=text)
        )
        if text.upper().startswith("LR-") and text[3:].isdigit():
            match |= Q(pk=int(text[3:]))
        rows = rows.filter(match).distinct()
    return rows.annotate(
        notify_first=Case(
            When(customer_notice_due_at__isnull=False, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        ),
        next_due=Coalesce("extended_due_at", "due_at"),
    ).order_by("notify_first", F("next_due").asc(nulls_last=True), "pk")


def request_for(user: AnyUser, pk: int) -> LegalRequest | None:
    return (
        requests_visible_to(user)
        .select_related(
            "assignee",
            "verified_by",
            "approved_by",
            "second_approved_by",
            "callback_by",
            "subject_customer",
            "converted_to",
        )
        .filter(pk=pk)
        .first()
    )


def reminders_attention(user: AnyUser) -> QuerySet[Reminder]:
    """Fired reminders nobody marked done yet, oldest first."""
    if not is_legal(user):
        return Reminder.objects.none()
    return (
        Reminder.objects.filter(fired_at__isnull=False, done_at__isnull=True)
        .select_related("request")
        .order_by("due_at")
    )


def request_audit_trail(user: AnyUser, request: LegalRequest) -> QuerySet[AuditEntry]:
    """The desk's audit entries about the request (reads, downloads, changes)."""
    if not is_legal(user):
        return AuditEntry.objects.none()
    return AuditEntry.objects.filter(
        object_type="legalrequest", object_id=str(request.pk)
    ).order_by("-created_at")


def package_for(user: AnyUser, pk: int) -> Package | None:
    if not is_legal(user):
        return None
    return Package.objects.select_related("request").filter(pk=pk).first()


def requests_due_within(user: AnyUser, *, until: datetime | None = None) -> QuerySet[LegalRequest]:
    cut = until or timezone.now()
    return legal_queue(user, QueueFilters()).filter(
        Q(extended_due_at__lte=cut) | Q(extended_due_at__isnull=True, due_at__lte=cut)
    )


OPEN = sorted(OPEN_STATES)
CLOSED = State.CLOSED


@dataclass
class CustomerInScope:
    customer: Customer
    matches: list[ScopeMatch]
    services: list[Service]
    domains: list[Domain]
    tickets: list[Ticket]
    message_count: int


def scope_overview(user: AnyUser, request: LegalRequest) -> list[CustomerInScope]:
    """What the registry answered, per customer: the holdings found, the customer's services
    and domains, its tickets opened while it held what the request names (restricted cases
    of other groups left out) and how much correspondence they carry."""
    if not is_legal(user):
        return []
    matches = list(
        ScopeMatch.objects.filter(item__request=request)
        .select_related("item", "customer", "service")
        .order_by("customer_id", "held_from")
    )
    out: list[CustomerInScope] = []
    by_customer: dict[int, list[ScopeMatch]] = {}
    for match in matches:
        by_customer.setdefault(match.customer_id, []).append(match)
    for own in by_customer.values():
        customer = own[0].customer
        window = Q(pk__in=[])
        for match in own:
            part = Q()
            if match.held_from is not None:
                part &= Q(created_at__gte=match.held_from)
            if match.held_to is not None:
                part &= Q(created_at__lt=match.held_to)
            window |= part
        tickets = list(
            Ticket.objects.filter(customer=customer)
            .exclude(restricted_q())
            .filter(window)
            .order_by("-created_at")[:50]
        )
        out.append(
            CustomerInScope(
                customer=customer,
                matches=own,
                services=list(customer.services.all()),
                domains=list(customer.domains.all()),
                tickets=tickets,
                message_count=Message.objects.filter(ticket__in=tickets).count(),
            )
        )
    return out
