"""Template tags for the ticket page's actions and SLA panels (the partials are included by
the ticket page, whose view does not know about actions)."""

from __future__ import annotations

from typing import Any

from django import template

from complaints import permissions
from complaints.models import Action, Ticket
from complaints.models.actions import FOUR_EYES_KINDS, REVERTIBLE_KINDS, ActionKind
from complaints.tickets.clocks import SLA_STATES, SLA_WORDS, sla_state

register = template.Library()


@register.simple_tag
def ticket_actions_panel(ticket: Ticket, user: Any) -> dict[str, Any]:
    can_act = permissions.can_act(user) and permissions.can_work_ticket(user, ticket)
    return {
        "actions": list(
            Action.objects.filter(ticket=ticket)
            .select_related(
                "requested_by", "approved_by", "cancelled_by", "rule", "service", "customer"
            )
            .order_by("-requested_at")[:50]
        ),
        "kinds": ActionKind.choices,
        "four_eyes": sorted(FOUR_EYES_KINDS),
        "revertible": sorted(REVERTIBLE_KINDS),
        "can_act": can_act,
        "can_approve": can_act and permissions.can_approve_actions(user),
        "can_escalate": permissions.can_work_ticket(user, ticket)
        and ticket.restricted_group != "investigations",
    }


@register.simple_tag
def ticket_sla(ticket: Ticket) -> dict[str, Any]:
    state = sla_state(ticket)
    return {"state": state, "word": SLA_WORDS[state], "label": SLA_STATES[state]}


@register.filter
def sla_word(state: str) -> str:
    """A state of ``clocks.sla_state`` as its badge says it ("at_risk" -> "due soon")."""
    return SLA_WORDS.get(state, state)


@register.filter
def sla_label(state: str) -> str:
    """... and as a sentence, for the badge's title."""
    return SLA_STATES.get(state, "")
