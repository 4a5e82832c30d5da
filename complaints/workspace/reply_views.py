"""The ticket page's reply box: choosing a template fills the subject and body for editing
(an htmx swap of the box's fields, no inline script), a preview, and sending.

Sending says what it does: whether the ticket then waits for the answer is the agent's
choice on the form (absent, nothing changes: never a silent move to "awaiting"), and the box
offers to take the ticket. Every view finds the ticket through ``ticket_for`` (404 for a
ticket the user may not see, 403 for one they may not work) and writes through
``complaints.mediation.replies``.
"""

from __future__ import annotations

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from complaints.mediation import parties, replies
from complaints.mediation.templating import TemplateError
from complaints.models import ResponseTemplate, Ticket
from complaints.restriction import ticket_is_restricted
from complaints.workspace.ticket_views import ticket_for

# What the two answers of "After sending" mean, in the flash message.
_WAITING = {"customer": "the customer's answer", "reporter": "the reporter's answer"}


def _template(request: HttpRequest) -> ResponseTemplate | None:
    template_id = request.POST.get("template", "")
    if not template_id.isdigit():
        return None
    return ResponseTemplate.objects.filter(pk=int(template_id), active=True).first()


def _reply_input(request: HttpRequest) -> dict:
    audience = request.POST.get("audience", "customer")
    if audience not in replies.AUDIENCES:
        audience = "internal"
    return {
        "audience": audience,
        "template": _template(request),
        # The box holds the template's text as the agent edited it (filled through htmx).
        "template_filled": request.POST.get("filled") == "1",
        "subject": request.POST.get("subject", "")[:300],
        "body": request.POST.get("body", "")[:100_000],
    }


@login_required
@require_POST
def ticket_reply_fill_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The reply box's fields with the chosen template's subject and body, to edit."""
    ticket = ticket_for(request, pk, work=True)
    template = _template(request)
    error = ""
    try:
        fill = replies.reply_template_fill(
            ticket,
            template=template,
            subject=request.POST.get("subject", "")[:300],
            body=request.POST.get("body", "")[:100_000],
            filled_subject=request.POST.get("filled_subject", "")[:300],
            filled_body=request.POST.get("filled_body", "")[:100_000],
        )
    except TemplateError as exc:  # a broken template: said, and the box left as it was
        error = f"The template could not be filled in: {exc}"
        fill = replies.Fill(request.POST.get("subject", ""), request.POST.get("body", ""), "")
        template = None
    context = {"ticket": ticket, "fill": fill, "template": template, "error": error,
               "placeholder": replies.SELF_SERVICE_PLACEHOLDER}  # fmt: skip
    return render(request, "workspace/_reply_fields.html", context)


@login_required
@require_POST
def ticket_reply_preview_view(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = ticket_for(request, pk, work=True)
    data = _reply_input(request)
    error = ""
    draft = None
    if data["audience"] != "internal":
        try:
            draft = replies.reply_draft(
                ticket,
                audience=data["audience"],
                body=data["body"],
                subject=data["subject"],
                template=data["template"],
                template_filled=data["template_filled"],
                self_service_url="(a new self-service link is added when sent)"
                if data["audience"] == "customer" and not ticket_is_restricted(ticket)
                else "",
            )
        except (TemplateError, parties.MediationError) as exc:  # shown, not raised
            error = f"{type(exc).__name__}: {exc}"
    return render(
        request,
        "workspace/_ticket_reply_preview.html",
        {"ticket": ticket, "draft": draft, "error": error, **data},
    )


@login_required
@require_POST
def ticket_reply_view(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = ticket_for(request, pk, work=True)
    data = _reply_input(request)
    await_answer = request.POST.get("await") == "1"
    take = request.POST.get("take") == "1"
    assigned_before = ticket.assignee_id
    try:
        message = replies.ticket_reply(
            ticket,
            author=request.user,
            audience=data["audience"],
            body=data["body"],
            subject=data["subject"],
            template=data["template"],
            template_filled=data["template_filled"],
            await_answer=await_answer,
            take=take,
        )
    except (parties.MediationError, ValidationError, ValueError) as exc:
        reason = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        flash.error(request, f"Not sent: {reason}")
    else:
        ticket.refresh_from_db(fields=["status", "assignee"])
        if data["audience"] == "internal":
            what = f"Internal note added (#{message.pk})."
        else:
            what = f"Reply to the {data['audience']} queued (#{message.pk})."
            if await_answer:
                what += f" The ticket waits for {_WAITING[data['audience']]}."
            else:
                what += f" The ticket stays {Ticket.Status(ticket.status).label.lower()}."
        if ticket.assignee_id == request.user.pk != assigned_before:
            what += " You have taken the ticket."
        flash.success(request, what)
    return redirect(reverse("workspace:ticket-detail", args=[ticket.pk]) + "#timeline")
