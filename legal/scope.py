"""The scope of a legal request answered from the registry (docs/architecture.md "Legal
desk"): who held an IP at the times asked (``customers.resolution``: the most specific
allocation valid at each moment), who hosted a domain, which customer or service an
identifier names. The answers are stored as ``ScopeMatch`` rows, so the holds, the
production package and the page all read one answer.

An IP over a time range can change hands: the holder can only change where an allocation
containing the address starts or ends, so the range is cut at those moments and each piece
resolved at its start — exactly the resolution rule, with no containment search of our own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.roles import AnyUser
from customers.models import Customer, Domain, IPAllocation, Service
from customers.resolution import domain_holdings_at, holdings_at
from legal.models import LegalRequest, ScopeItem, ScopeMatch
from legal.services import holds_sync, request_record, require_legal_actor


@dataclass(frozen=True)
class Span:
    customer_id: int
    service_id: int | None
    holding: str
    held_from: datetime | None
    held_to: datetime | None


def _cut_points(
    start: datetime, end: datetime, bounds: list[tuple[datetime, datetime | None]]
) -> list[datetime]:
    points = {start}
    for valid_from, valid_to in bounds:
        for moment in (valid_from, valid_to):
            if moment is not None and start < moment < end:
                points.add(moment)
    return sorted(points)


def _spans(points: list[datetime], end: datetime, answers: list) -> list[Span]:  # type: ignore[type-arg]
    spans: list[Span] = []
    for index, (moment, holding) in enumerate(zip(points, answers, strict=True)):
        upto = points[index + 1] if index + 1 < len(points) else end
        if holding is None:
            continue
        label = str(getattr(holding, "network", None) or getattr(holding, "name", ""))
        last = spans[-1] if spans else None
        if (
            last
            and last.holding == label
            and last.customer_id == holding.customer_id
            and last.held_to == moment
        ):
            spans[-1] = Span(last.customer_id, last.service_id, label, last.held_from, upto)
        else:
            spans.append(Span(holding.customer_id, holding.service_id, label, moment, upto))
    return spans


def ip_holders(ip: str, start: datetime, end: datetime) -> list[Span]:
    """Who held ``ip`` over ``[start, end)``, piece by piece."""
    bounds = list(
        IPAllocation.objects.filter(network__net_contains_or_equals=ip, valid_from__lt=end)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=start))
        .values_list("valid_from", "valid_to")
    )
    points = _cut_points(start, end, bounds)
    return _spans(points, end, holdings_at([(ip, moment) for moment in points]))


def _suffixes(name: str) -> list[str]:
    labels = name.split(".")
    return [".".join(labels[i:]) for i in range(len(labels) - 1)]


def domain_holders(name: str, start: datetime | None, end: datetime | None) -> list[Span]:
    """Who hosted ``name`` (or the parent domain covering it) over the range; now, when the
    request gives no range."""
    if start is None or end is None:
        start = timezone.now()
        end = start + timedelta(seconds=1)
    bounds = list(
        Domain.objects.filter(name__in=_suffixes(name), valid_from__lt=end)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=start))
        .values_list("valid_from", "valid_to")
    )
    points = _cut_points(start, end, bounds)
    return _spans(points, end, domain_holdings_at([(name, moment) for moment in points]))


def _item_spans(item: ScopeItem) -> list[Span]:
    if item.kind == ScopeItem.Kind.IP and item.starts_at and item.ends_at:
        return ip_holders(item.value, item.starts_at, item.ends_at)
    if item.kind == ScopeItem.Kind.DOMAIN:
        return domain_holders(item.value, item.starts_at, item.ends_at)
    if item.kind == ScopeItem.Kind.CUSTOMER:
        customer = Customer.objects.filter(external_id=item.value).first()
        if customer is None:
            return []
        return [
            Span(
                customer.pk, None, f"customer {customer.external_id}", item.starts_at, item.ends_at
            )
        ]
    if item.kind == ScopeItem.Kind.SERVICE:
        return [
            Span(
                service.customer_id,
                service.pk,
                f"service {service.label}",
                item.starts_at,
                item.ends_at,
            )
            for service in Service.objects.filter(label__iexact=item.value)
        ]
    return []


@transaction.atomic
def request_scope_resolve(*, request_id: int, actor: AnyUser) -> int:
    """Answer every scope item of the request from the registry (replacing earlier
    answers); the request's holds follow the customers found. How many matches."""
    require_legal_actor(actor)
    request = LegalRequest.objects.select_for_update().get(pk=request_id)
    found = 0
    now = timezone.now()
    for item in request.scope.all():
        ScopeMatch.objects.filter(item=item).delete()
        for span in _item_spans(item):
            ScopeMatch.objects.create(item=item, customer_id=span.customer_id, service_id=span.service_id,
                                      holding=span.holding[:120], held_from=span.held_from,
                                      held_to=span.held_to)  # fmt: skip
            found += 1
        item.resolved_at = now
        item.save(update_fields=["resolved_at"])
    holds_sync(request)
    customers = (
        ScopeMatch.objects.filter(item__request=request).values("customer_id").distinct().count()
    )
    request_record(request, actor=actor, verb="scope.resolved",
                   reason=f"{found} holding(s) of {customers} customer(s) found in the registry")  # fmt: skip
    return found
