"""The ticket page and its parts: facts, events, evidence viewer, timeline, reply box,
status and assignment, self-service links, guidance.

Every view finds the ticket through ``tickets_visible_to`` (a ticket the user may not see
is a 404, indistinguishable from one that does not exist) and every POST also checks
``can_work_ticket``. Views call services (mediation, selfservice, ticket_services) and
never write models themselves.
"""

from __future__ import annotations

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from complaints.mediation import followups, inbound, parties, selfservice
from complaints.mediation.guidance import guidance_for_type
from complaints.models import Event, Message, Report, ResponseTemplate, SelfServiceLink, Ticket
from complaints.permissions import can_work_ticket, tickets_visible_to
from complaints.restriction import ticket_is_restricted
from complaints.tickets import evidence_view
from complaints.tickets.selectors import users_assignable
from complaints.tickets.services import ticket_assign, ticket_status_change
from complaints.tickets.timeline import ticket_timeline

EVENTS_PER_PAGE = 50


def ticket_for(request: HttpRequest, pk: int, *, work: bool = False) -> Ticket:
    ticket = (
        tickets_visible_to(request.user, Ticket.objects.filter(pk=pk))
        .select_related("customer", "service", "assignee")
        .first()
    )
    if ticket is None:
        raise Http404("No such ticket")
    if work and not can_work_ticket(request.user, ticket):
        raise PermissionDenied
    return ticket


def _events_page(ticket: Ticket, page: int) -> dict:
    """Offset pages without a COUNT (the ticket keeps its own count): one row more than a
    page tells whether there is a next one."""
    page = max(1, min(page, 10_000))
    start = (page - 1) * EVENTS_PER_PAGE
    rows = list(
        Event.objects.filter(ticket=ticket)
        .select_related("allocation", "service", "hosted_domain")
        .order_by("-observed_at", "-id")[start : start + EVENTS_PER_PAGE + 1]
    )
    return {
        "events": rows[:EVENTS_PER_PAGE],
        "page": page,
        "has_next": len(rows) > EVENTS_PER_PAGE,
        "has_previous": page > 1,
        "first_index": start + 1,
    }


def _templates_for(ticket: Ticket) -> list[ResponseTemplate]:
    return list(
        ResponseTemplate.objects.filter(active=True, type__in=[ticket.type, ""]).order_by(
            "audience", "purpose", "-type", "name"
        )
    )


@login_required
@require_GET
def ticket_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = ticket_for(request, pk)
    customer = ticket.customer
    past = []
    if customer is not None:
        past = list(
            tickets_visible_to(request.user, Ticket.objects.filter(customer=customer))
            .exclude(pk=ticket.pk)
            .order_by("-created_at")[:10]
        )
    latest = (
        Event.objects.filter(ticket=ticket)
        .select_related("allocation", "service", "hosted_domain")
        .order_by("-observed_at")
        .first()
    )
    context = {
        "ticket": ticket,
        "customer": customer,
        "past_tickets": past,
        "latest_event": latest,
        "allocation": latest.allocation if latest else None,
        "service": ticket.service or (latest.service if latest else None),
        "message_count": Message.objects.filter(ticket=ticket).count(),
        "reports": list(evidence_view.ticket_reports(ticket, user=request.user)[:50]),
        "timeline": ticket_timeline(ticket, user=request.user),
        "templates": _templates_for(ticket),
        "statuses": Ticket.Status.choices,
        "assignable": users_assignable(ticket=ticket),
        "links": list(
            SelfServiceLink.objects.filter(ticket=ticket).select_related("created_by")[:20]
        ),
        "new_link_url": request.session.pop(f"selfservice-url-{ticket.pk}", ""),
        "guidance": list(guidance_for_type(ticket.type)),
        "can_work": can_work_ticket(request.user, ticket),
        "now": timezone.now(),
        **_events_page(ticket, 1),
    }
    return render(request, "workspace/ticket_detail.html", context)


@login_required
@require_GET
def ticket_events_view(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = ticket_for(request, pk)
    try:
        page = int(request.GET.get("page", "1"))
    except ValueError:
        page = 1
    return render(
        request, "workspace/_ticket_events.html", {"ticket": ticket, **_events_page(ticket, page)}
    )


@login_required
@require_GET
def ticket_timeline_view(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = ticket_for(request, pk)
    return render(
        request,
        "workspace/_ticket_timeline.html",
        {
            "ticket": ticket,
            "timeline": ticket_timeline(ticket, user=request.user),
            "can_work": can_work_ticket(request.user, ticket),
        },
    )


# --- evidence viewer ----------------------------------------------------------------------


def _report_for(request: HttpRequest, pk: int, report_id: int) -> tuple[Ticket, Report]:
    ticket = ticket_for(request, pk)
    report = evidence_view.ticket_report(ticket, report_id, user=request.user)
    if report is None:
        raise Http404("No such report on this ticket")
    return ticket, report


@login_required
@require_GET
def ticket_report_view(request: HttpRequest, pk: int, report_id: int) -> HttpResponse:
    ticket, report = _report_for(request, pk, report_id)
    view = evidence_view.report_view(report)
    template = (
        "workspace/_ticket_report.html"
        if getattr(request, "htmx", False)
        else "workspace/ticket_report.html"
    )
    return render(request, template, {"ticket": ticket, "view": view, "report": report})


@login_required
@require_GET
def ticket_report_html_view(
    request: HttpRequest, pk: int, report_id: int, index: int
) -> HttpResponse:
    """One sanitized HTML part, for the sandboxed iframe only."""
    _, report = _report_for(request, pk, report_id)
    document = evidence_view.html_document(report, index)
    if document is None:
        raise Http404("No such HTML part")
    response = HttpResponse(document, content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = evidence_view.SANDBOX_CSP
    response["X-Content-Type-Options"] = "nosniff"
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "private, no-store"
    response["X-Frame-Options"] = "SAMEORIGIN"
    return response


def _download(filename: str, payload: bytes) -> HttpResponse:
    response = HttpResponse(payload, content_type="application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = evidence_view.DOWNLOAD_CSP
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def ticket_report_download_view(
    request: HttpRequest, pk: int, report_id: int, index: int
) -> HttpResponse:
    _, report = _report_for(request, pk, report_id)
    found = evidence_view.attachment(report, index)
    if found is None:
        raise Http404("No such part")
    return _download(*found)


@login_required
@require_GET
def ticket_report_raw_view(request: HttpRequest, pk: int, report_id: int) -> HttpResponse:
    ticket, report = _report_for(request, pk, report_id)
    raw = evidence_view.report_raw(report)
    if raw is None:  # the report's page, saying so, in place of a file that does not exist
        view = evidence_view.report_view(report)
        context = {"ticket": ticket, "view": view, "report": report}
        return render(request, "workspace/ticket_report.html", context, status=404)
    return _download(f"report-{report.pk}.eml.bin", bytes(raw.content))


# --- replies (the reply box itself: complaints/workspace/reply_views.py) ---------------


@login_required
@require_POST
def ticket_message_decide_view(
    request: HttpRequest, pk: int, message_id: int, decision: str
) -> HttpResponse:
    ticket = ticket_for(request, pk, work=True)
    message = Message.objects.filter(pk=message_id, ticket=ticket).first()
    if message is None:
        raise Http404("No such message")
    try:
        if decision == "confirm":
            inbound.message_confirm(message, actor=request.user)
            flash.success(request, "The mail was added to the ticket.")
        else:
            inbound.message_reject(message, actor=request.user)
            flash.success(request, "The mail was removed from the ticket.")
    except parties.MediationError as exc:
        flash.error(request, str(exc))
    return redirect(reverse("workspace:ticket-detail", args=[ticket.pk]) + "#timeline")


# --- status and assignment (the queue's services) -----------------------------------------


@login_required
@require_POST
def ticket_status_view(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = ticket_for(request, pk, work=True)
    status = request.POST.get("status", "")
    if status not in Ticket.Status.values:
        flash.error(request, "Unknown status.")
    else:
        try:
            ticket_status_change(
                ticket=ticket,
                status=status,
                actor_id=request.user.pk,
                note=request.POST.get("note", "")[:500],
            )
        except ValidationError as exc:
            flash.error(request, " ".join(exc.messages))
        else:
            if status in (Ticket.Status.RESOLVED, Ticket.Status.CLOSED):
                followups.ticket_closed_notify_later(ticket.pk)
            flash.success(request, f"Status set to {Ticket.Status(status).label}.")
    return redirect("workspace:ticket-detail", pk=ticket.pk)


@login_required
@require_POST
def ticket_assign_view(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = ticket_for(request, pk, work=True)
    choice = request.POST.get("assignee", "")
    if choice == "me":
        assignee_id: int | None = request.user.pk
    elif choice.isdigit():
        assignee_id = int(choice)
        if not any(u.pk == assignee_id for u in users_assignable(ticket=ticket)):
            flash.error(request, "That person cannot work this ticket.")
            return redirect("workspace:ticket-detail", pk=ticket.pk)
    else:
        assignee_id = None
    try:
        ticket_assign(ticket=ticket, assignee_id=assignee_id, actor_id=request.user.pk)
    except ValidationError as exc:
        flash.error(request, " ".join(exc.messages))
    else:
        flash.success(request, "Assignment saved.")
    return redirect("workspace:ticket-detail", pk=ticket.pk)


# --- self-service links ---------------------------------------------------------------------


@login_required
@require_POST
def ticket_link_issue_view(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = ticket_for(request, pk, work=True)
    link, url = selfservice.link_issue(ticket=ticket, created_by_id=request.user.pk)
    if link is None and ticket_is_restricted(ticket):
        flash.error(request, "A restricted case has no self-service: no link issued.")
    elif link is None:
        flash.error(request, "The ticket has no customer: no self-service link possible.")
    else:
        # Shown once on the next page (the token is not stored); the session is server-side.
        request.session[f"selfservice-url-{ticket.pk}"] = url
    return redirect(reverse("workspace:ticket-detail", args=[ticket.pk]) + "#selfservice")


@login_required
@require_POST
def ticket_link_revoke_view(request: HttpRequest, pk: int, link_id: int) -> HttpResponse:
    ticket = ticket_for(request, pk, work=True)
    link = SelfServiceLink.objects.filter(pk=link_id, ticket=ticket).first()
    if link is None:
        raise Http404("No such link")
    selfservice.link_revoke(link=link, actor_id=request.user.pk)
    flash.success(request, f"Link {link.prefix}… revoked.")
    return redirect(reverse("workspace:ticket-detail", args=[ticket.pk]) + "#selfservice")
