"""Escalation of a ticket to the restricted investigations team.

After escalation the ticket belongs to the ``investigations`` group alone: the permission
filter (``complaints.permissions``) hides it from everyone else — the agent who escalated
it, leads and superusers included — and every read of it is audited. The customer is cut
off in the same transaction (``complaints.restriction``): its self-service links are
revoked, customer mail still queued is withheld, and nothing automatic writes to it again.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts import roles
from accounts.roles import AnyUser
from complaints import permissions
from complaints.audit import audit_record
from complaints.models import Ticket, TicketChange
from complaints.restriction import ticket_customer_cut_off
from complaints.tickets.services import ticket_assign


@transaction.atomic
def ticket_escalate_to_investigations(
    *, ticket: Ticket, actor: AnyUser, reason: str, keep_kind: bool = False
) -> Ticket:
    reason = reason.strip()
    if not reason:
        raise ValidationError("a reason is required")
    if not permissions.can_work_ticket(actor, ticket) or not (
        permissions.can_act(actor) or roles.has_any_role(actor, {roles.INVESTIGATIONS})
    ):
        raise PermissionDenied("not allowed to escalate this ticket")
    locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if locked.restricted_group == roles.INVESTIGATIONS:
        raise ValidationError("the ticket is already with investigations")
    old_kind, old_group = locked.kind, locked.restricted_group
    new_kind = old_kind if keep_kind else Ticket.Kind.INVESTIGATION
    Ticket.objects.filter(pk=locked.pk).update(restricted_group=roles.INVESTIGATIONS, kind=new_kind)
    TicketChange.objects.create(
        ticket=locked, actor=actor if actor.is_authenticated else None,  # type: ignore[misc]
        field="restricted_group", old_value=old_group, new_value=roles.INVESTIGATIONS,
        note=f"Escalated to investigations: {reason}"[:500],
    )  # fmt: skip
    if new_kind != old_kind:
        TicketChange.objects.create(
            ticket=locked, actor=actor if actor.is_authenticated else None,  # type: ignore[misc]
            field="kind", old_value=old_kind, new_value=new_kind,
        )  # fmt: skip
    actor_id = actor.pk if actor.is_authenticated else None
    # The assignee may not see the case any more (an agent, the escalating one included):
    # it is nobody's until the team takes it, never assigned to someone who cannot open it.
    locked.refresh_from_db(fields=["kind", "restricted_group"])
    assignee = locked.assignee
    if assignee is not None and not permissions.can_see_ticket(assignee, locked):
        ticket_assign(ticket=locked, assignee_id=None, actor_id=actor_id,
                      note="unassigned on escalation to investigations")  # fmt: skip
    cut = ticket_customer_cut_off(ticket=locked, actor_id=actor_id)
    audit_record(
        actor=actor, verb="ticket.escalated", ticket=locked,
        detail={"to": roles.INVESTIGATIONS, "reason": reason[:1000], "kind": [old_kind, new_kind],
                "links_revoked": cut.links_revoked, "messages_withheld": cut.messages_withheld},
    )  # fmt: skip
    locked.refresh_from_db()
    return locked
