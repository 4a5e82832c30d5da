"""Reputation pages: the overview for leads, listings, delisting requests, the
deliverability doctor, compromise rules (dry run and apply) and zone configuration.

Every view checks the user's roles on the server (``customers.reputation.permissions``);
reads go through ``customers.reputation.selectors``, writes through the services.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from complaints.models import Ticket
from complaints.permissions import can_see_ticket, tickets_visible_to
from customers.reputation import permissions, selectors
from customers.reputation.compromise import compromise_candidates, compromise_rules_apply
from customers.reputation.delisting import (
    delisting_request_create,
    delisting_request_update,
    provider_for_zone,
)
from customers.reputation.doctor import (
    NotSendable,
    domain_check_attach,
    domain_check_create,
    domain_check_send,
)
from customers.reputation.forms import (
    DelistingCreateForm,
    DelistingUpdateForm,
    DoctorForm,
    ZoneForm,
)
from customers.reputation.models import (
    BlocklistZone,
    CompromiseRule,
    DelistingRequest,
    DomainCheck,
    Listing,
)
from customers.reputation.zones import ZONE_EDITABLE_FIELDS, blocklist_zone_update

View = Callable[..., HttpResponse]


def requires(check: Callable[[Any], bool]) -> Callable[[View], View]:
    def decorate(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not check(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


def _uid(request: HttpRequest) -> int | None:
    return request.user.pk if request.user.is_authenticated else None


def _visible_ticket_ids(request: HttpRequest, *rows: Any) -> set[int]:
    """The ticket ids of these rows that the reader may see: the tables name only those
    (a restricted case's number is not shown to people it is hidden from)."""
    ids = {row.ticket_id for group in rows for row in group if row.ticket_id}
    if not ids:
        return set()
    return set(
        tickets_visible_to(request.user, Ticket.objects.filter(pk__in=ids)).values_list(
            "pk", flat=True
        )
    )


# --- overview ------------------------------------------------------------------------------


@requires(permissions.can_read_reputation)
def overview_view(request: HttpRequest) -> HttpResponse:
    week = timezone.now() - timedelta(days=7)
    new_this_week = list(selectors.listings_new_since(week, limit=100))
    marks = list(selectors.compromise_marks_open(limit=20))
    context = {
        "by_zone": selectors.listings_by_zone(),
        "worst_ranges": selectors.listings_worst_ranges(),
        "worst_customers": selectors.listings_worst_customers(),
        "new_this_week": new_this_week,
        "pending": selectors.delisting_requests_pending()[:50],
        "stale_ids": set(selectors.delisting_requests_stale().values_list("pk", flat=True)),
        "marks": marks,
        "visible_ticket_ids": _visible_ticket_ids(request, new_this_week, marks),
        "zones": BlocklistZone.objects.order_by("-enabled", "name"),
        "can_work": permissions.can_work_reputation(request.user),
        "can_edit_zones": permissions.can_edit_zones(request.user),
    }
    return render(request, "reputation/overview.html", context)


@requires(permissions.can_read_reputation)
def listings_view(request: HttpRequest) -> HttpResponse:
    zone = request.GET.get("zone", "")[:120]
    listings = list(selectors.listings_current(zone=zone))
    context = {
        "listings": listings,
        "zone": zone,
        "visible_ticket_ids": _visible_ticket_ids(request, listings),
    }
    return render(request, "reputation/listings.html", context)


@requires(permissions.can_read_reputation)
def listing_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    listing = get_object_or_404(
        Listing.objects.select_related("zone", "customer", "service", "ticket"), pk=pk
    )
    context = {
        "listing": listing,
        # The listing's ticket only when the reader may see it (a restricted case is not
        # named on the reputation pages).
        "ticket": listing.ticket
        if listing.ticket is not None and can_see_ticket(request.user, listing.ticket)
        else None,
        "history": listing.history.all(),
        "requests": listing.delisting_requests.select_related("requested_by"),
        "can_work": permissions.can_work_reputation(request.user),
    }
    return render(request, "reputation/listing_detail.html", context)


# --- delisting requests --------------------------------------------------------------------


@requires(permissions.can_read_reputation)
def delisting_list_view(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "pending")
    if status not in {"", "pending", *DelistingRequest.Status.values}:
        status = "pending"
    context = {
        "requests": selectors.delisting_requests_list(status=status),
        "stale_ids": set(selectors.delisting_requests_stale().values_list("pk", flat=True)),
        "status": status,
        "statuses": DelistingRequest.Status.choices,
        "can_work": permissions.can_work_reputation(request.user),
    }
    return render(request, "reputation/delisting_list.html", context)


@requires(permissions.can_work_reputation)
@require_http_methods(["GET", "POST"])
def delisting_create_view(request: HttpRequest) -> HttpResponse:
    listing = None
    listing_id = request.GET.get("listing") or request.POST.get("listing")
    if listing_id and str(listing_id).isdigit():
        listing = get_object_or_404(Listing.objects.select_related("zone"), pk=int(listing_id))
    initial = {}
    if listing is not None:
        initial = {"provider": provider_for_zone(listing.zone.name), "resource": listing.resource}
    form = DelistingCreateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if listing is None and not data["resource"]:
            form.add_error("resource", "Name the IP, range or domain (or start from a listing).")
        else:
            created = delisting_request_create(
                provider=data["provider"],
                user_id=_uid(request),
                listing_id=listing.pk if listing else None,
                resource=data["resource"],
                reference=data["reference"],
                status=data["status"],
                note=data["note"],
            )
            messages.success(request, "Delisting request recorded.")
            return redirect("reputation:delisting-detail", pk=created.pk)
    return render(request, "reputation/delisting_form.html", {"form": form, "listing": listing})


@requires(permissions.can_read_reputation)
@require_http_methods(["GET", "POST"])
def delisting_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(
        DelistingRequest.objects.select_related("listing__zone", "customer", "requested_by"), pk=pk
    )
    can_work = permissions.can_work_reputation(request.user)
    initial = {
        "status": item.status,
        "reference": item.reference,
        "outcome": item.outcome,
        "next_reminder_at": item.next_reminder_at,
    }
    form = DelistingUpdateForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if not can_work:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            delisting_request_update(
                request_id=item.pk,
                user_id=_uid(request),
                status=data["status"],
                reference=data["reference"],
                outcome=data["outcome"],
                note=data["note"],
                next_reminder_at=data["next_reminder_at"],
            )
            messages.success(request, "Delisting request updated.")
            return redirect("reputation:delisting-detail", pk=item.pk)
    context = {
        "item": item,
        "events": item.events.select_related("author"),
        "form": form,
        "can_work": can_work,
    }
    return render(request, "reputation/delisting_detail.html", context)


# --- deliverability doctor -----------------------------------------------------------------


@requires(permissions.can_work_reputation)
@require_http_methods(["GET", "POST"])
def doctor_view(request: HttpRequest) -> HttpResponse:
    form = DoctorForm(request.POST or None, initial={"domain": request.GET.get("domain", "")[:253]})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        check = domain_check_create(
            domain=data["domain"], ip=data["ip"], selectors=data["selectors"], user_id=_uid(request)
        )
        return redirect("reputation:doctor-detail", pk=check.pk)
    recent = list(selectors.domain_checks_recent())
    context = {
        "form": form,
        "recent": recent,
        "visible_ticket_ids": _visible_ticket_ids(request, recent),
    }
    return render(request, "reputation/doctor.html", context)


def _check_context(request: HttpRequest, check: DomainCheck) -> dict[str, Any]:
    order = {"error": 0, "warning": 1, "info": 2, "ok": 3}
    findings = sorted(check.findings or [], key=lambda f: order.get(f.get("severity", ""), 4))
    shown = check.ticket is not None and can_see_ticket(request.user, check.ticket)
    return {
        "check": check,
        "findings": findings,
        "ticket_shown": shown,
        "can_send": bool(check.customer_id and check.customer and check.customer.abuse_email)
        and (check.ticket is None or shown),
    }


@requires(permissions.can_work_reputation)
def doctor_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    check = get_object_or_404(DomainCheck.objects.select_related("customer", "ticket"), pk=pk)
    return render(request, "reputation/doctor_detail.html", _check_context(request, check))


@requires(permissions.can_work_reputation)
def doctor_result_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The result fragment the detail page polls while the check runs."""
    check = get_object_or_404(DomainCheck.objects.select_related("customer", "ticket"), pk=pk)
    return render(request, "reputation/_doctor_result.html", _check_context(request, check))


@requires(permissions.can_work_reputation)
@require_POST
def doctor_attach_view(request: HttpRequest, pk: int) -> HttpResponse:
    check = get_object_or_404(DomainCheck, pk=pk, status=DomainCheck.Status.DONE)
    try:
        check = domain_check_attach(check_id=check.pk, user_id=_uid(request))
    except NotSendable as exc:
        messages.error(request, f"Not attached: {exc}.")
    else:
        messages.success(request, f"Attached to ticket #{check.ticket_id}.")
    return redirect("reputation:doctor-detail", pk=check.pk)


@requires(permissions.can_work_reputation)
@require_POST
def doctor_send_view(request: HttpRequest, pk: int) -> HttpResponse:
    check = get_object_or_404(DomainCheck, pk=pk, status=DomainCheck.Status.DONE)
    try:
        message = domain_check_send(check_id=check.pk, user_id=_uid(request))
    except NotSendable as exc:
        messages.error(request, f"Not sent: {exc}.")
    else:
        messages.success(request, f"Queued to {message.to_address}.")
    return redirect("reputation:doctor-detail", pk=check.pk)


# --- compromise rules ----------------------------------------------------------------------


@requires(permissions.can_run_compromise_rules)
@require_http_methods(["GET", "POST"])
def compromise_view(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        marks = compromise_rules_apply()
        messages.success(request, f"{len(marks)} service(s) marked likely compromised.")
        return redirect("reputation:compromise")
    marks = list(selectors.compromise_marks_open())
    context = {
        "candidates": compromise_candidates(),
        "rules": CompromiseRule.objects.order_by("name"),
        "marks": marks,
        "visible_ticket_ids": _visible_ticket_ids(request, marks),
    }
    return render(request, "reputation/compromise.html", context)


# --- zones ---------------------------------------------------------------------------------


@requires(permissions.can_edit_zones)
@require_http_methods(["GET", "POST"])
def zone_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    zone = get_object_or_404(BlocklistZone, pk=pk)
    form = ZoneForm(request.POST or None, instance=zone)
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in ZONE_EDITABLE_FIELDS}
        blocklist_zone_update(zone_id=zone.pk, changes=changes)
        messages.success(request, f"Zone {zone.name} saved.")
        return redirect("reputation:overview")
    return render(request, "reputation/zone_form.html", {"zone": zone, "form": form})
