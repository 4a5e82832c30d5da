"""The audit trail's writer, and the record of every read of a restricted ticket.

``audit_record`` is called by the services of every action and status change. Reads of
restricted tickets (legal, investigations) are recorded by ``audit_ticket_read`` — which the
ticket views call — and, as a net under every route that names a ticket, by
``RestrictedReadAuditMiddleware``: a new page that forgets the call is still audited.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import models
from django.http import HttpRequest, HttpResponse

from accounts.roles import AnyUser
from complaints.models import AuditEntry, Ticket

# Ticket kinds whose every read is audited, besides any ticket with a restricted group.
AUDITED_KINDS = frozenset({Ticket.Kind.LEGAL, Ticket.Kind.INVESTIGATION})
# URL keyword arguments that name a ticket ("pk" only on routes whose name says "ticket").
_TICKET_KWARGS = ("ticket_id", "ticket_pk", "pk")


def ticket_is_audited(ticket: Ticket) -> bool:
    return bool(ticket.restricted_group) or ticket.kind in AUDITED_KINDS


def audit_record(
    *,
    actor: AnyUser | None,
    verb: str,
    obj: models.Model | None = None,
    ticket: Ticket | int | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry. ``obj`` names the object acted on (defaults to the ticket)."""
    ticket_id = ticket.pk if isinstance(ticket, Ticket) else ticket
    target = obj if obj is not None else ticket if isinstance(ticket, Ticket) else None
    if target is not None:
        object_type, object_id = target._meta.model_name or "", str(target.pk)
    else:
        object_type, object_id = "ticket", str(ticket_id or "")
    user = actor if actor is not None and actor.is_authenticated else None
    return AuditEntry.objects.create(
        actor=user,  # type: ignore[misc]  # any auth user model
        actor_name=user.get_username() if user is not None else "",
        verb=verb,
        object_type=object_type,
        object_id=object_id,
        ticket_id=ticket_id,
        detail=detail or {},
    )


def audit_ticket_read(request: HttpRequest, ticket: Ticket, *, what: str = "page") -> None:
    """Record a read of ``ticket`` when it is restricted; at most once per request."""
    if not ticket_is_audited(ticket):
        return
    done: set[int] = request.__dict__.setdefault("_tsd_audited_reads", set())
    if ticket.pk in done:
        return
    done.add(ticket.pk)
    audit_record(
        actor=request.user,
        verb="ticket.read",
        ticket=ticket,
        detail={"path": request.path[:300], "method": request.method, "what": what},
    )


class RestrictedReadAuditMiddleware:
    """Audit every successful request to a route that names a restricted ticket, and keep
    the response out of every cache."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if match is None or response.status_code >= 400 or not request.user.is_authenticated:
            return response
        for key in _TICKET_KWARGS:
            value = match.kwargs.get(key)
            if value is None or (key == "pk" and "ticket" not in (match.url_name or "")):
                continue
            try:
                ticket = Ticket.objects.only("pk", "kind", "restricted_group").get(pk=int(value))
            except (Ticket.DoesNotExist, ValueError, TypeError):
                return response
            audit_ticket_read(request, ticket, what=match.view_name or "")
            if ticket_is_audited(ticket):
                # Promise 6: restricted (legal, investigation) data is never cached.
                response["Cache-Control"] = "private, no-store"
            break
        return response
