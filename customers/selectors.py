"""Read queries over customers and allocations, shared by pages, API and commands."""

from __future__ import annotations

import ipaddress

from django.contrib.postgres.search import TrigramSimilarity
from django.db.models import Q, QuerySet

from customers.models import Customer, IPAllocation


def customer_search(query: str, *, limit: int = 50) -> QuerySet[Customer]:
    """Customers matching an external id, name fragment, contact address, domain or IP.

    An IP or CIDR finds whoever holds (or held) space containing it."""
    text = query.strip()
    customers = Customer.objects.all()
    if not text:
        return customers.order_by("name")[:limit]
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        network = None
    if network is not None:
        holders = IPAllocation.objects.filter(network__net_contains_or_equals=network).values(
            "customer_id"
        )
        return customers.filter(pk__in=holders).order_by("name")[:limit]
    match = (
        Q(external_id__iexact=text)
        | Q(name__icontains=text)
        | Q(abuse_email__iexact=text)
        | Q(billing_email__iexact=text)
        | Q(domains__name__iexact=text.lower().rstrip("."))
    )
    return (
        customers.filter(match)
        .annotate(similarity=TrigramSimilarity("name", text))
        .order_by("-similarity", "name")
        .distinct()[:limit]
    )
