"""Template management (list, edit, preview with sample data) and the knowledge base pages.

Agents, leads and admins read templates and guidance; only leads and admins edit templates.
The preview renders through the same restricted engine as outbound mail
(``complaints.mediation.templating``), with sample values or the values of a ticket the user may see.
"""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import roles
from complaints.classification import type_choices
from complaints.mediation.guidance import GUIDANCE_READERS, guidance_article, guidance_as_text
from complaints.mediation.replies import template_context
from complaints.mediation.template_services import response_template_save
from complaints.mediation.templating import VARIABLES, TemplateError, template_render
from complaints.models import GuidanceArticle, ResponseTemplate, Ticket
from complaints.permissions import tickets_visible_to

READERS = frozenset({roles.AGENT, roles.LEAD, roles.ADMIN})
EDITORS = frozenset({roles.LEAD, roles.ADMIN})


def sample_context() -> dict[str, object]:
    now = timezone.now()
    return {
        "provider_name": "Example Hosting",
        "desk_address": "abuse@desk.example",
        "ticket_number": 12345,
        "ticket_subject": "Phishing from 192.0.2.10",
        "type": "phishing",
        "type_label": "Phishing",
        "customer_name": "Example Customer Ltd",
        "resources": ["192.0.2.10", "http://shop.example/.well-known/login/"],
        "resource_count": 2,
        "more_resources": 0,
        "evidence": "GET /.well-known/login/ HTTP/1.1 200 — page imitating a bank login\n"
        "Reported by [redacted]",
        "first_seen": now - timedelta(hours=6),
        "last_seen": now - timedelta(hours=1),
        "event_count": 3,
        "deadline": now + timedelta(hours=48),
        "self_service_url": "https://desk.example/self-service/EXAMPLE-TOKEN/",
        "report_subject": "Phishing site on your network",
        "report_received": now - timedelta(hours=1),
        "not_our_network": False,
        "tickets": [12345],
    }


class TemplateForm(forms.ModelForm):
    type = forms.ChoiceField(
        required=False,
        choices=[("", "any classification"), *type_choices()],
        label="Classification",
    )

    class Meta:
        model = ResponseTemplate
        fields = ["slug", "name", "purpose", "audience", "type", "subject", "body", "active"]
        widgets = {"body": forms.Textarea(attrs={"rows": 18})}


@login_required
@require_GET
def template_list_view(request: HttpRequest) -> HttpResponse:
    roles.require_any_role(request.user, READERS)
    return render(
        request,
        "workspace/templates_list.html",
        {
            "templates": ResponseTemplate.objects.all(),
            "can_edit": roles.has_any_role(request.user, EDITORS),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def template_edit_view(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    roles.require_any_role(request.user, READERS)
    template = None
    if pk is not None:
        template = ResponseTemplate.objects.filter(pk=pk).first()
        if template is None:
            raise Http404("No such template")
    can_edit = roles.has_any_role(request.user, EDITORS)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        form = TemplateForm(request.POST, instance=template)
        if form.is_valid():
            try:
                saved = response_template_save(template=template, data=form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                flash.success(request, f"Template “{saved.name}” saved.")
                return redirect("workspace:template-edit", pk=saved.pk)
    else:
        if template is None and not can_edit:
            raise PermissionDenied
        form = TemplateForm(instance=template)
    preview = None
    if template is not None:
        try:
            preview = template_render(
                subject=template.subject, body=template.body, context=sample_context()
            )
        except TemplateError:
            preview = None
    return render(
        request,
        "workspace/template_edit.html",
        {
            "form": form,
            "template": template,
            "can_edit": can_edit,
            "variables": VARIABLES,
            "preview": preview,
        },
    )


@login_required
@require_POST
def template_preview_view(request: HttpRequest) -> HttpResponse:
    """htmx: the posted subject and body rendered with sample data, or with the values of
    ``ticket`` when the user may see it."""
    roles.require_any_role(request.user, READERS)
    context = sample_context()
    ticket_id = request.POST.get("ticket", "")
    if ticket_id.isdigit():
        ticket = tickets_visible_to(request.user, Ticket.objects.filter(pk=int(ticket_id))).first()
        if ticket is None:
            raise Http404("No such ticket")
        context = {
            **context,
            **template_context(ticket, audience=request.POST.get("audience", "customer")),
        }
    error = ""
    rendered = None
    try:
        rendered = template_render(
            subject=request.POST.get("subject", "")[:1000],
            body=request.POST.get("body", "")[:100_000],
            context=context,
        )
    except TemplateError as exc:
        error = str(exc)
    return render(
        request, "workspace/_template_preview.html", {"rendered": rendered, "error": error}
    )


@login_required
@require_GET
def guidance_list_view(request: HttpRequest) -> HttpResponse:
    roles.require_any_role(request.user, GUIDANCE_READERS)
    return render(
        request, "workspace/guidance_list.html", {"articles": GuidanceArticle.objects.all()}
    )


@login_required
@require_GET
def guidance_detail_view(request: HttpRequest, slug: str) -> HttpResponse:
    roles.require_any_role(request.user, GUIDANCE_READERS)
    article = guidance_article(slug)
    if article is None:
        raise Http404("No such article")
    return render(
        request,
        "workspace/guidance_detail.html",
        {"article": article, "text": guidance_as_text(article)},
    )
