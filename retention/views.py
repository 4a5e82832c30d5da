"""Retention's pages: the customer's cancellation page and survey page (signed links, no
login), the staff's cancellation form, and the leads' figures with CSV export
(docs/architecture.md "retention/").

The customer's pages follow the self-service page's rules: a GET only shows (mail scanners
fetch links), every change is a CSRF-protected POST rate-limited per link, and an unknown,
expired or revoked link gets the same neutral 404. The save offer is one choice among the
form's fields, defaulting to cancelling: one page, one click, to the confirmation.
"""

from __future__ import annotations

import contextlib
import csv

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from billing.models import LedgerService
from billing.selectors import can_adjust
from customers.models import Customer
from retention import cancellations, links, selectors, surveys
from retention.forms import KEEP, CancelForm, StaffCancelForm, SurveyForm
from retention.models import Cancellation, SaveOffer, SurveyInvitation


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _refused(request: HttpRequest) -> HttpResponse:
    return _private(render(request, "retention/refused.html", status=404))


@require_http_methods(["GET", "HEAD", "POST"])
def cancel_view(request: HttpRequest, token: str) -> HttpResponse:
    try:
        link = links.cancel_link_resolve(token)
    except links.LinkRefused:
        return _refused(request)
    services = cancellations.services_cancellable(link.customer)
    offers = cancellations.offers_for()
    form = CancelForm(request.POST or None, services=services, offers=offers)
    if request.method == "POST":
        try:
            links.rate_check(link.token_hash)
        except links.RateLimited:
            response = render(request, "retention/refused.html", {"rate_limited": True}, status=429)
            response["Retry-After"] = "3600"
            return _private(response)
        if form.is_valid():
            data = form.cleaned_data
            service = next(s for s in services if str(s.pk) == data["service"])
            shown = [o.code for o in offers]
            channel = link.channel if link.channel in Cancellation.Channel.values else "selfservice"
            if data["offer"] != KEEP:
                offer = next(o for o in offers if o.code == data["offer"])
                cancellations.cancellation_save(
                    customer=link.customer, service=service, reason=data["reason"],
                    comment=data["comment"], offer=offer, channel=channel, link=link,
                    offers_shown=shown,
                )  # fmt: skip
                return _private(render(request, "retention/saved.html", {"offer": offer}))
            requested = cancellations.cancellation_request(
                customer=link.customer, service=service, type=data["type"], reason=data["reason"],
                comment=data["comment"], channel=channel, link=link, offers_shown=shown,
            )  # fmt: skip
            if requested.survey_token:
                return redirect(
                    reverse("retention:survey", kwargs={"token": requested.survey_token})
                    + f"?cancelled={requested.cancellation.pk}"
                )
            return _private(render(request, "retention/saved.html", {"already": True}))
    context = {"form": form, "customer": link.customer, "services": services}
    return _private(
        render(request, "retention/cancel.html", context, status=400 if form.errors else 200)
    )


@require_http_methods(["GET", "HEAD", "POST"])
def survey_view(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = links.survey_resolve(token)
    except links.LinkRefused:
        return _refused(request)
    cancelled = None
    if invitation.cancellation_id and request.GET.get("cancelled") == str(
        invitation.cancellation_id
    ):
        cancelled = invitation.cancellation
    form = SurveyForm(request.POST or None)
    answered = invitation.status == SurveyInvitation.Status.ANSWERED
    if request.method == "POST" and not answered:
        try:
            links.rate_check(invitation.token_hash or "")
        except links.RateLimited:
            return _private(
                render(request, "retention/refused.html", {"rate_limited": True}, status=429)
            )
        if form.is_valid():
            with contextlib.suppress(surveys.SurveyClosed):  # a second tab's answer
                surveys.survey_answer(
                    invitation=invitation,
                    rating=form.cleaned_data["rating"],
                    comment=form.cleaned_data["comment"],
                )
            return _private(render(request, "retention/survey.html", {"thanks": True}))
    context = {"form": form, "invitation": invitation, "answered": answered, "cancelled": cancelled}
    return _private(render(request, "retention/survey.html", context))


# --- staff -----------------------------------------------------------------------------------


def _require_billing(request: HttpRequest) -> None:
    if not can_adjust(request.user):
        raise PermissionDenied


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def customer_cancel_view(request: HttpRequest, external_id: str) -> HttpResponse:
    """Billing staff cancel a service for a customer who asked them (and verified)."""
    _require_billing(request)
    customer = get_object_or_404(Customer, external_id=external_id)
    services = cancellations.services_cancellable(customer)
    form = StaffCancelForm(request.POST or None, services=services, offers=[])
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        service = LedgerService.objects.get(pk=int(data["service"]))
        requested = cancellations.cancellation_request(
            customer=customer, service=service, type=data["type"], reason=data["reason"],
            comment=data["comment"], channel=Cancellation.Channel.AGENT, actor=request.user,
        )  # fmt: skip
        flash.success(request, f"Cancellation of {requested.cancellation.service_label} recorded.")
        if requested.cancellation.ticket_id:
            return redirect("workspace:ticket-detail", pk=requested.cancellation.ticket_id)
        return redirect("billing:customer-ledger", external_id=customer.external_id)
    recent = Cancellation.objects.filter(customer=customer).order_by("-created_at")[:20]
    return render(request, "retention/customer_cancel.html",
                  {"form": form, "customer": customer, "recent": recent, "services": services})  # fmt: skip


@login_required
@require_POST
def cancel_link_send_view(request: HttpRequest, external_id: str) -> HttpResponse:
    _require_billing(request)
    customer = get_object_or_404(Customer, external_id=external_id)
    link = cancellations.cancel_link_send(customer=customer, actor=request.user)
    flash.success(
        request, f"A cancellation link went to the account's contact (ticket #{link.ticket_id})."
    )
    return redirect("retention:customer-cancel", external_id=customer.external_id)


# --- figures ---------------------------------------------------------------------------------

TABLES = {
    "churn": ("Churn", selectors.churn, [("kind", "Kind"), ("customers", "Customers"),
              ("services", "Services"), ("billed", "Customers billed"), ("rate", "Churn rate")]),
    "reasons": ("Reasons (voluntary)", selectors.reason_mix, [("reason", "Reason"),
                ("cancellations", "Cancellations"), ("share", "Share")]),
    "offers": ("Save rate by offer", selectors.save_rates, [("offer", "Offer"), ("kind", "Kind"),
               ("shown", "Shown"), ("taken", "Taken"), ("rate", "Save rate")]),
    "csat-agents": ("CSAT per agent", selectors.csat_by_agent, [("label", "Agent"),
                    ("answers", "Answers"), ("mean", "Mean (1-5)"), ("satisfied", "Satisfied (4-5)"),
                    ("sent", "Sent"), ("withheld", "Withheld")]),
    "csat-kinds": ("CSAT per kind of case", selectors.csat_by_kind, [("label", "Kind"),
                   ("answers", "Answers"), ("mean", "Mean (1-5)"), ("satisfied", "Satisfied (4-5)"),
                   ("sent", "Sent"), ("withheld", "Withheld")]),
    "exit": ("Exit surveys", selectors.exit_surveys, [("label", ""), ("answers", "Answers"),
             ("mean", "Mean (1-5)")]),
}  # fmt: skip
SHARES = {"rate", "share", "satisfied"}


def _cell(key: str, value: object) -> str:
    if value is None:
        return ""
    if key in SHARES:
        return f"{100 * float(value):.1f}"  # type: ignore[arg-type]
    if key == "mean":
        return f"{float(value):.2f}"  # type: ignore[arg-type]
    return str(value)


def _spreadsheet_safe(text: str) -> str:
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@login_required
@require_http_methods(["GET", "HEAD"])
def figures_view(request: HttpRequest) -> HttpResponse:
    if not selectors.can_read_figures(request.user):
        raise PermissionDenied
    try:
        days = int(request.GET.get("days", "30"))
    except ValueError:
        days = 30
    days = days if days in selectors.WINDOWS else 30
    wanted = request.GET.get("csv", "")
    if wanted:
        if wanted not in TABLES:
            raise Http404("No such table")
        title, build, columns = TABLES[wanted]
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="retention-{wanted}-{days}d.csv"'
        writer = csv.writer(response)
        writer.writerow([label + (" (%)" if key in SHARES else "") for key, label in columns])
        for row in build(request.user, days):
            writer.writerow([_spreadsheet_safe(_cell(key, row.get(key))) for key, _ in columns])
        return response
    tables = []
    for slug, (title, build, columns) in TABLES.items():
        rows = [[(_cell(key, row.get(key)) + ("%" if key in SHARES and row.get(key) is not None else ""))
                 or "—" for key, _ in columns] for row in build(request.user, days)]  # fmt: skip
        tables.append(
            {"slug": slug, "title": title, "columns": [label for _, label in columns], "rows": rows}
        )
    return render(request, "retention/figures.html",
                  {"tables": tables, "days": days, "windows": selectors.WINDOWS,
                   "offers": SaveOffer.objects.filter(active=True)})  # fmt: skip
