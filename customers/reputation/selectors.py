"""Read queries of the reputation pages: listings by zone and range, new listings, worst
ranges and customers, pending delisting requests, stored domain checks, compromise marks.

The pages, the dashboards and the commands share these, so "current" means the same
everywhere: a listing not delisted.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from customers.reputation.models import (
    BlocklistZone,
    DelistingRequest,
    DomainCheck,
    Listing,
    ServiceCompromise,
)

CURRENT = ~Q(state=Listing.State.DELISTED)


def listings_current(*, zone: str = "", limit: int = 500) -> QuerySet[Listing]:
    qs = Listing.objects.filter(CURRENT).select_related("zone", "customer", "ticket")
    if zone:
        qs = qs.filter(zone__name=zone)
    return qs.order_by("zone__name", "resource")[:limit]


def listings_by_zone() -> list[dict[str, Any]]:
    """Per zone: current listings (new / active), delisted in the last week."""
    week = timezone.now() - timedelta(days=7)
    rows = (
        BlocklistZone.objects.annotate(
            new=Count("listings", filter=Q(listings__state=Listing.State.NEW)),
            active=Count("listings", filter=Q(listings__state=Listing.State.ACTIVE)),
            delisted_week=Count(
                "listings",
                filter=Q(listings__state=Listing.State.DELISTED, listings__delisted_at__gte=week),
            ),
        )
        .filter(Q(enabled=True) | Q(new__gt=0) | Q(active__gt=0) | Q(delisted_week__gt=0))
        .order_by("-active", "-new", "name")
    )
    return [
        {
            "zone": zone,
            "new": zone.new,
            "active": zone.active,
            "current": zone.new + zone.active,
            "delisted_week": zone.delisted_week,
        }
        for zone in rows
    ]


_BY_RANGE = """
SELECT network(set_masklen(l.ip, CASE WHEN family(l.ip) = 4 THEN 24 ELSE 64 END))::text AS range,
       count(*) AS listings,
       count(DISTINCT l.zone_id) AS zones,
       count(DISTINCT l.customer_id) AS customers
  FROM customers_listing l
 WHERE l.state <> 'delisted' AND l.ip IS NOT NULL
 GROUP BY 1
 ORDER BY listings DESC, range
 LIMIT %s
"""


def listings_worst_ranges(*, limit: int = 10) -> list[dict[str, Any]]:
    """IPv4 /24s (IPv6 /64s) with the most current listings."""
    with connection.cursor() as cursor:
        cursor.execute(_BY_RANGE, [limit])
        return [{"range": r, "listings": n, "zones": z, "customers": c} for r, n, z, c in cursor]


def listings_worst_customers(*, limit: int = 10) -> list[dict[str, Any]]:
    """Customers (and our unallocated space, customer None) by current listings."""
    rows = (
        Listing.objects.filter(CURRENT)
        .values("customer_id", "customer__name", "customer__external_id")
        .annotate(listings=Count("id"), zones=Count("zone", distinct=True))
        .order_by("-listings", "customer__name")[:limit]
    )
    return [dict(row) for row in rows]


def listings_new_since(since: datetime, *, limit: int = 200) -> QuerySet[Listing]:
    return (
        Listing.objects.filter(listed_since__gte=since)
        .select_related("zone", "customer", "ticket")
        .order_by("-listed_since")[:limit]
    )


def delisting_requests_pending() -> QuerySet[DelistingRequest]:
    return (
        DelistingRequest.objects.filter(status__in=["open", "submitted"])
        .select_related("listing__zone", "customer", "requested_by")
        .order_by("next_reminder_at", "requested_at")
    )


def delisting_requests_stale(now: datetime | None = None) -> QuerySet[DelistingRequest]:
    """Pending requests whose reminder is due (nobody followed up in time)."""
    return delisting_requests_pending().filter(next_reminder_at__lte=now or timezone.now())


def delisting_requests_list(*, status: str = "", limit: int = 300) -> QuerySet[DelistingRequest]:
    qs = DelistingRequest.objects.select_related("listing__zone", "customer", "requested_by")
    if status == "pending":
        qs = qs.filter(status__in=["open", "submitted"])
    elif status:
        qs = qs.filter(status=status)
    return qs.order_by("-requested_at")[:limit]


def domain_checks_recent(*, limit: int = 30) -> QuerySet[DomainCheck]:
    return DomainCheck.objects.select_related("customer", "checked_by", "ticket").order_by(
        "-checked_at"
    )[:limit]


def compromise_marks_open(*, limit: int = 100) -> QuerySet[ServiceCompromise]:
    return (
        ServiceCompromise.objects.filter(resolved_at__isnull=True)
        .select_related("service__customer", "rule", "ticket")
        .order_by("-created_at")[:limit]
    )
