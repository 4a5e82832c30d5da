"""The audit trail's writer, and the record of every read of a restricted ticket.

``audit_record`` is called by the services of every action and status change. Reads of
restricted tickets (legal, investigations) are recorded by ``audit_ticket_read`` — which the
ticket views call — and, as a net under every route that names a ticket, by
``RestrictedReadAuditMiddleware``: a new page that forgets the call is still audited.

A report is restricted material when it reaches a restricted ticket through its events or
through the messages it became (a reply or bounce threaded onto the case): the middleware
also audits every route that names a report (``audit_report_read``), once per restricted
ticket the report reaches.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import models
from django.http import HttpRequest, HttpResponse

from accounts.roles import AnyUser, roles_of
from complaints.models import AuditEntry, Ticket
from complaints.permissions import RESTRICTED_GROUPS
from complaints.restriction import RESTRICTED_KINDS, report_restricted_tickets

# Ticket kinds whose every read is audited, besides any ticket with a restricted group.
AUDITED_KINDS = RESTRICTED_KINDS
# URL keyword arguments that name a ticket ("pk" only on routes whose name says "ticket").
_TICKET_KWARGS = ("ticket_id", "ticket_pk", "pk")
# A report is named by "report_id", by "pk" on the API's report routes and by "object_id"
# on the Django admin's report pages.
_REPORT_ROUTES = {"report-detail": "pk", "complaints_report_change": "object_id"}
# Restricted tickets recorded per report read: a report can reach thousands of tickets.
MAX_AUDITED_TICKETS = 50


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
    named = actor is not None and actor.is_authenticated
    # An outside reporter's token (complaints.api.authentication) is named, not a user row.
    user = actor if named and getattr(actor, "pk", None) is not None else None
    return AuditEntry.objects.create(
        actor=user,  # type: ignore[misc]  # any auth user model
        actor_name=actor.get_username() if named else "",  # type: ignore[union-attr]
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


def audit_report_read(request: HttpRequest, report_id: int, *, what: str = "report") -> bool:
    """Record a read of a report once per restricted ticket it reaches (at most once per
    request and ticket); True when it reaches one."""
    user = request.user
    if getattr(user, "pk", None) is not None and not roles_of(user) & RESTRICTED_GROUPS:
        # A desk user outside the restricted groups sees no restricted ticket, so no report
        # served to them reaches one: spare a large report's scan of its events.
        return False
    tickets = report_restricted_tickets(report_id, limit=MAX_AUDITED_TICKETS)
    done: set[tuple[int, int]] = request.__dict__.setdefault("_tsd_audited_reports", set())
    for ticket in tickets:
        if (report_id, ticket.pk) in done:
            continue
        done.add((report_id, ticket.pk))
        audit_record(
            actor=request.user,
            verb="report.read",
            ticket=ticket,
            detail={
                "report": report_id,
                "path": request.path[:300],
                "method": request.method,
                "what": what,
            },
        )
    return bool(tickets)


def _report_of_route(match: Any) -> int | None:
    value = match.kwargs.get("report_id")
    if value is None:
        key = _REPORT_ROUTES.get(match.url_name or "")
        value = match.kwargs.get(key) if key else None
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


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
        report_id = _report_of_route(match)
        if report_id is not None and audit_report_read(
            request, report_id, what=match.view_name or ""
        ):
            response["Cache-Control"] = "private, no-store"
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
