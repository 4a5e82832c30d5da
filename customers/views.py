"""Pages for agents: customer search and a customer's page (services, domains, holdings)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from accounts.roles import can_read_customers
from customers.models import Customer
from customers.selectors import customer_search


def _require_reader(request: HttpRequest) -> None:
    if not can_read_customers(request.user):
        raise PermissionDenied


@login_required
def customer_search_view(request: HttpRequest) -> HttpResponse:
    _require_reader(request)
    query = request.GET.get("q", "")[:200]
    results = list(customer_search(query))
    partial = bool(getattr(request, "htmx", False))  # set by django-htmx's middleware
    template = "customers/_results.html" if partial else "customers/search.html"
    return render(request, template, {"query": query, "results": results})


@login_required
def customer_detail_view(request: HttpRequest, external_id: str) -> HttpResponse:
    _require_reader(request)
    customer = get_object_or_404(Customer, external_id=external_id)
    allocations = customer.allocations.select_related("service").order_by("network", "-valid_from")
    context = {
        "customer": customer,
        "services": customer.services.all(),
        "domains": customer.domains.select_related("service").order_by("name", "-valid_from"),
        "allocations": allocations,
    }
    return render(request, "customers/detail.html", context)
