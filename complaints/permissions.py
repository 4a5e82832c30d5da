"""Who may see and work which tickets: the one permission filter that every page, API
endpoint, search, count and autocomplete goes through (docs/architecture.md promise 6).

- Abuse, listing and deliverability tickets: agents, leads and admins.
- Legal tickets: the legal role only. Investigation tickets, and any ticket escalated to a
  restricted group (``Ticket.restricted_group``): that role only. Superusers and the Django
  admin get no exception: the rule is in the queryset, not in a flag.
- Billing and cancellation tickets: billing, and leads.

Reports follow their tickets (``reports_reaching_only_visible``): a report is readable only
when every ticket it reaches, through its events or the messages it became, is visible.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.expressions import Combinable

from accounts import roles
from accounts.roles import AnyUser
from complaints.models import Event, Message, Report, Ticket

WORKING_ROLES = frozenset({roles.AGENT, roles.LEAD, roles.ADMIN})
KINDS_BY_ROLE: dict[str, set[str]] = {
    roles.AGENT: {Ticket.Kind.ABUSE, Ticket.Kind.LISTING, Ticket.Kind.DELIVERABILITY},
    roles.LEAD: {
        Ticket.Kind.ABUSE, Ticket.Kind.LISTING, Ticket.Kind.DELIVERABILITY,
        Ticket.Kind.BILLING, Ticket.Kind.CANCELLATION,
    },
    roles.ADMIN: {Ticket.Kind.ABUSE, Ticket.Kind.LISTING, Ticket.Kind.DELIVERABILITY},
    roles.LEGAL: {Ticket.Kind.LEGAL},
    roles.INVESTIGATIONS: {Ticket.Kind.INVESTIGATION},
    roles.BILLING: {Ticket.Kind.BILLING, Ticket.Kind.CANCELLATION},
}  # fmt: skip
RESTRICTED_GROUPS = frozenset({roles.LEGAL, roles.INVESTIGATIONS})


def ticket_filter_for(user: AnyUser, *, through: str = "") -> Q:
    """The Q that limits tickets to those ``user`` may see (matches nothing for nobody).

    ``through`` names the foreign key from another model to the ticket ("ticket" on events
    and messages): the same rule then filters those rows on the joined ticket's own
    columns, which an EXISTS subquery probes row by row instead of listing every visible
    ticket (a million of them on a busy desk)."""
    p = f"{through}__" if through else ""
    held = roles.roles_of(user)
    kinds = kinds_seen_by(user)
    if kinds:
        visible = Q(**{f"{p}kind__in": sorted(kinds), f"{p}restricted_group": ""})
    else:
        visible = Q(**{f"{p}pk__in": []})
    for group in sorted(RESTRICTED_GROUPS & held):
        visible |= Q(**{f"{p}restricted_group": group})
    return visible


def roles_seeing(*, kind: str, restricted_group: str = "") -> frozenset[str]:
    """The roles whose holders see a ticket of ``kind`` (escalated to ``restricted_group``):
    ``ticket_filter_for`` read the other way, from the same tables."""
    if restricted_group:
        return frozenset({restricted_group} & RESTRICTED_GROUPS)
    return frozenset(role for role, kinds in KINDS_BY_ROLE.items() if kind in kinds)


def kinds_seen_by(user: AnyUser) -> set[str]:
    """The ticket kinds ``user`` sees outside the restricted groups."""
    kinds: set[str] = set()
    for role in roles.roles_of(user):
        kinds |= KINDS_BY_ROLE.get(role, set())
    return kinds


def tickets_visible_to(user: AnyUser, queryset: QuerySet[Ticket] | None = None) -> QuerySet[Ticket]:
    base = queryset if queryset is not None else Ticket.objects.all()
    return base.filter(ticket_filter_for(user))


def can_see_ticket(user: AnyUser, ticket: Ticket) -> bool:
    return tickets_visible_to(user, Ticket.objects.filter(pk=ticket.pk)).exists()


def can_work_ticket(user: AnyUser, ticket: Ticket) -> bool:
    """Reply, change status, assign: anyone who sees it and holds a working role for its
    kind (agents for abuse cases, legal for legal cases, ...)."""
    return can_see_ticket(user, ticket)


def can_act(user: AnyUser) -> bool:
    """Request countermeasures (warn, suspend, ...)."""
    return roles.has_any_role(user, {roles.AGENT, roles.LEAD, roles.ADMIN})


def can_approve_actions(user: AnyUser) -> bool:
    """Approve terminate / null-route (the second person of the four-eyes rule)."""
    return roles.has_any_role(user, {roles.LEAD, roles.ADMIN})


def reports_reaching_only_visible(
    user: roles.AnyUser, queryset: QuerySet[Report]
) -> QuerySet[Report]:
    """``queryset`` without the reports that reach, through an event or a message, a ticket
    ``user`` may not see.

    Two NOT EXISTS probes per report, each on an index of the report's rows
    (``event_report_idx``, the message's ``report_id`` index) joined to the ticket by its
    primary key; the permission rule is applied to that ticket's own columns, so nothing
    lists the visible tickets."""
    return queryset.filter(*report_reach_visible(user))


def report_reach_visible(user: roles.AnyUser, *, report: str = "pk") -> list[Combinable]:
    """The two conditions of ``reports_reaching_only_visible`` on the report named by the
    outer query's field ``report`` ("pk" on reports, "report_id" on receipts)."""
    hidden = ~ticket_filter_for(user, through="ticket")
    ref = OuterRef(report)
    by_event = Event.objects.filter(report=ref, ticket__isnull=False).filter(hidden)
    by_message = Message.objects.filter(report=ref, ticket__isnull=False).filter(hidden)
    return [~Exists(by_event), ~Exists(by_message)]
