"""Billing's pages: the billing panel on a ticket and on a customer's page, a customer's
full ledger page, and the sources' state (docs/architecture.md "billing/").

The panels are loaded into the ticket and customer pages by htmx (those pages belong to
``complaints`` and ``customers``, which never import billing). Every view checks on the
server: a ticket through ``tickets_visible_to`` (one the user may not see is a 404, as on
the ticket page), then the ledger readers' role (agents read; billing also adjusts). Views
call selectors and services and never write models.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.client_address import client_address
from accounts.roles import can_read_customers
from billing import adjustments, selectors
from billing.forms import InquiryForm, StaffInquiryForm
from billing.inquiries import InquiryIn, inquiry_file, inquiry_ticket_resolve
from billing.models import Adjustment, BillingSource, Inquiry, SyncRun
from complaints.models import Ticket
from complaints.permissions import can_work_ticket, tickets_visible_to
from customers.models import Customer


def _require_reader(request: HttpRequest) -> None:
    if not (selectors.can_read_ledger(request.user) and can_read_customers(request.user)):
        raise PermissionDenied


def ticket_for(request: HttpRequest, ticket_id: int) -> Ticket:
    ticket = (
        tickets_visible_to(request.user, Ticket.objects.filter(pk=ticket_id))
        .select_related("customer")
        .first()
    )
    if ticket is None:
        raise Http404("No such ticket")
    return ticket


def _panel_context(request: HttpRequest, customer: Customer | None, ticket: Ticket | None) -> dict:
    ledger = selectors.customer_ledger(customer) if customer is not None else None
    findings = [(f, selectors.refund_target(ledger, f)) for f in ledger.findings] if ledger else []
    return {
        "customer": customer,
        "ticket": ticket,
        "ledger": ledger,
        "findings": findings,
        "can_resolve": ticket is not None
        and can_work_ticket(request.user, ticket)
        and ticket.is_open,
        "user_id": request.user.pk,
        "inquiries": selectors.ticket_inquiries(ticket) if ticket is not None else [],
        "can_adjust": selectors.can_adjust(request.user),
        "rows": selectors.PANEL_ROWS,
    }


@login_required
@require_GET
def ticket_panel_view(request: HttpRequest, ticket_id: int) -> HttpResponse:
    ticket = ticket_for(request, ticket_id)
    _require_reader(request)
    context = _panel_context(request, ticket.customer, ticket)
    return render(request, "billing/_panel.html", context)


@login_required
@require_GET
def customer_panel_view(request: HttpRequest, external_id: str) -> HttpResponse:
    _require_reader(request)
    customer = get_object_or_404(Customer, external_id=external_id)
    return render(request, "billing/_panel.html", _panel_context(request, customer, None))


@login_required
@require_GET
def customer_ledger_view(request: HttpRequest, external_id: str) -> HttpResponse:
    _require_reader(request)
    customer = get_object_or_404(Customer, external_id=external_id)
    return render(request, "billing/ledger.html", _panel_context(request, customer, None))


@login_required
@require_GET
def sources_view(request: HttpRequest) -> HttpResponse:
    _require_reader(request)
    sources = list(BillingSource.objects.all())
    runs = {
        source.pk: list(SyncRun.objects.filter(source=source).order_by("-started_at")[:5])
        for source in sources
    }
    return render(
        request,
        "billing/sources.html",
        {"sources": [(source, runs[source.pk]) for source in sources]},
    )


# --- inquiries -------------------------------------------------------------------------------


def _inquiry_in(form: InquiryForm, channel: str) -> InquiryIn:
    data = form.cleaned_data
    return InquiryIn(
        channel=channel,
        sender_email=data.get("email") or "",
        sender_name=data.get("name") or "",
        customer_number=data.get("customer_number") or "",
        invoice_number=data.get("invoice_number") or "",
        reason=data["reason"],
        subject=data.get("subject") or "",
        body=data["message"],
    )


def _form_rate_ok(request: HttpRequest) -> bool:
    """At most ``BILLING_FORM_PER_HOUR`` questions an hour from one address."""
    hour = int(timezone.now().timestamp() // 3600)
    key = f"billing-form:{client_address(request) or 'unknown'}:{hour}"
    cache.add(key, 0, timeout=3700)
    return cache.incr(key) <= settings.BILLING_FORM_PER_HOUR


@require_http_methods(["GET", "HEAD", "POST"])
def contact_view(request: HttpRequest) -> HttpResponse:
    """The customers' billing question form (no login). The answer never says whether the
    customer number exists: the desk answers at the account's registered contact."""
    form = InquiryForm(request.POST or None)
    if request.method == "POST":
        if not _form_rate_ok(request):
            response = render(
                request, "billing/contact.html", {"form": form, "limited": True}, status=429
            )
            response["Retry-After"] = "3600"
            return response
        if form.is_valid():
            if not form.cleaned_data.get("website"):
                inquiry_file(data=_inquiry_in(form, Inquiry.Channel.WEB))
            return redirect(reverse("billing:contact") + "?sent=1")
    return render(
        request, "billing/contact.html", {"form": form, "sent": request.GET.get("sent") == "1"}
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def inquiry_new_view(request: HttpRequest) -> HttpResponse:
    """Billing staff take down a question that came by phone or letter."""
    if not selectors.can_adjust(request.user):
        raise PermissionDenied
    form = StaffInquiryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        inquiry = inquiry_file(data=_inquiry_in(form, Inquiry.Channel.AGENT), actor=request.user)
        flash.success(request, f"Inquiry filed on ticket #{inquiry.ticket_id}.")
        return redirect("workspace:ticket-detail", pk=inquiry.ticket_id)
    return render(request, "billing/inquiry_new.html", {"form": form})


# --- refunds and credits ---------------------------------------------------------------------


def _back(request: HttpRequest, customer: Customer, ticket: Ticket | None) -> HttpResponse:
    if ticket is not None:
        return redirect("workspace:ticket-detail", pk=ticket.pk)
    return redirect("billing:customer-ledger", external_id=customer.external_id)


def _optional_ticket(request: HttpRequest, value: str) -> Ticket | None:
    if not value:
        return None
    try:
        return ticket_for(request, int(value))
    except ValueError:
        raise Http404("No such ticket") from None


@login_required
@require_POST
def adjustment_new_view(request: HttpRequest, external_id: str) -> HttpResponse:
    if not selectors.can_adjust(request.user):
        raise PermissionDenied
    customer = get_object_or_404(Customer, external_id=external_id)
    ticket = _optional_ticket(request, request.POST.get("ticket", ""))
    finding = None
    if request.POST.get("finding"):
        finding = selectors.finding_by_key(
            selectors.customer_ledger(customer), request.POST["finding"]
        )
        if finding is None:
            flash.error(request, "The ledger changed: that finding is no longer there.")
            return _back(request, customer, ticket)
    try:
        amount = Decimal(request.POST.get("amount", ""))
    except InvalidOperation:
        flash.error(request, "The amount is not a number.")
        return _back(request, customer, ticket)
    try:
        adjustment = adjustments.adjustment_request(
            actor=request.user, kind=request.POST.get("kind", ""), customer=customer,
            amount=amount, reason=request.POST.get("reason", ""), ticket=ticket,
            invoice_remote_id=request.POST.get("invoice", "")[:64],
            transaction_remote_id=request.POST.get("transaction", "")[:64], finding=finding,
        )  # fmt: skip
    except adjustments.AdjustmentError as exc:
        flash.error(request, str(exc))
    else:
        flash.success(request, f"{adjustment.get_kind_display()} of {adjustment.amount}: "
                      f"{adjustment.get_status_display().lower()}.")  # fmt: skip
    return _back(request, customer, ticket)


@login_required
@require_POST
def adjustment_decide_view(request: HttpRequest, adjustment_id: int, what: str) -> HttpResponse:
    if not selectors.can_adjust(request.user):
        raise PermissionDenied
    adjustment = get_object_or_404(
        Adjustment.objects.select_related("customer", "ticket"), pk=adjustment_id
    )
    ticket = adjustment.ticket
    if (
        ticket is not None
        and not tickets_visible_to(request.user, Ticket.objects.filter(pk=ticket.pk)).exists()
    ):
        ticket = None  # decided from the customer's ledger page instead
    try:
        if what == "approve":
            adjustments.adjustment_approve(
                adjustment=adjustment, actor=request.user, note=request.POST.get("note", "")
            )
        elif what == "reject":
            adjustments.adjustment_reject(
                adjustment=adjustment, actor=request.user, note=request.POST.get("note", "")
            )
        else:
            adjustments.adjustment_done_by_hand(
                adjustment=adjustment, actor=request.user,
                reference=request.POST.get("reference", ""),
            )  # fmt: skip
    except adjustments.AdjustmentError as exc:
        flash.error(request, str(exc))
    return _back(request, adjustment.customer, ticket)


@login_required
@require_POST
def ticket_resolve_view(request: HttpRequest, ticket_id: int) -> HttpResponse:
    ticket = ticket_for(request, ticket_id)
    _require_reader(request)
    if not can_work_ticket(request.user, ticket):
        raise PermissionDenied
    finding = None
    if request.POST.get("finding") and ticket.customer is not None:
        finding = selectors.finding_by_key(
            selectors.customer_ledger(ticket.customer), request.POST["finding"]
        )
        if finding is None:
            flash.error(request, "The ledger changed: that finding is no longer there.")
            return redirect("workspace:ticket-detail", pk=ticket.pk)
    try:
        inquiry_ticket_resolve(
            ticket=ticket, finding=finding, actor=request.user, note=request.POST.get("note", "")
        )
    except (ValueError, ValidationError) as exc:
        flash.error(request, str(exc))
    else:
        flash.success(request, f"Ticket #{ticket.pk} resolved.")
    return redirect("workspace:ticket-detail", pk=ticket.pk)
