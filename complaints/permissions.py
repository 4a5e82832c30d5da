"""Who may see and work which tickets: the one permission filter that every page, API
endpoint, search, count and autocomplete goes through (DESIGN.md promise 6).

- Abuse, listing and deliverability tickets: agents, leads and admins.
- Legal tickets: the legal role only. Investigation tickets, and any ticket escalated to a
  restricted group (``Ticket.restricted_group``): that role only. Superusers and the Django
  admin get no exception: the rule is in the queryset, not in a flag.
- Billing and cancellation tickets: billing, and leads.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts import roles
from accounts.roles import AnyUser
from complaints.models import Ticket

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


def ticket_filter_for(user: AnyUser) -> Q:
    """The Q that limits tickets to those ``user`` may see (matches nothing for nobody)."""
    held = roles.roles_of(user)
    kinds: set[str] = set()
    for role in held:
        kinds |= KINDS_BY_ROLE.get(role, set())
    visible = Q(kind__in=sorted(kinds), restricted_group="") if kinds else Q(pk__in=[])
    for group in RESTRICTED_GROUPS & held:
        visible |= Q(restricted_group=group)
    return visible


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
