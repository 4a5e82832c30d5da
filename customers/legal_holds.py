"""Legal holds on customers: the rows the legal desk places and lifts, and the one question
the rest of the desk asks of them (docs/architecture.md "Legal desk").

The legal desk (``legal``) writes; everything else only reads, through
``customers_under_legal_hold`` (campaigns, surveys, the customer page) or through
``complaints.restriction``, which turns a hold into refused mail and dead self-service
links. The rows say *that* a customer is held, never why: the request, its authority and
its scope stay in the legal app, visible to the legal role only.

This module sits in ``customers`` beside the model so that the lowest layer can ask it:
``complaints.restriction`` reads it without importing the legal app, and the legal app
imports it to write (no import cycle, docs/architecture.md "Import layers").
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from customers.models import Customer, CustomerLegalHold


def legal_holds_live(
    *, at: datetime | None = None, kind: str | None = None
) -> QuerySet[CustomerLegalHold]:
    """Holds in force at ``at`` (now): started, not ended, not lifted."""
    now = at or timezone.now()
    holds = CustomerLegalHold.objects.filter(lifted_at__isnull=True, starts_at__lte=now).filter(
        Q(ends_at__isnull=True) | Q(ends_at__gt=now)
    )
    return holds.filter(kind=kind) if kind else holds


def customers_under_legal_hold(
    customer_ids: Iterable[int | None] | None = None,
    *,
    kind: str | None = None,
    at: datetime | None = None,
) -> set[int]:
    """The ids of the customers under a legal hold (of ``kind``, or any) among
    ``customer_ids`` (all when None): the one question campaigns, surveys and every
    automatic sender ask before writing to a customer. A held customer gets nothing
    automatic, whatever the reason; the reason is not for the caller to know."""
    holds = legal_holds_live(at=at, kind=kind)
    if customer_ids is not None:
        ids = sorted({pk for pk in customer_ids if pk is not None})
        if not ids:
            return set()
        holds = holds.filter(customer_id__in=ids)
    return set(holds.order_by().values_list("customer_id", flat=True).distinct())


def customer_under_legal_hold(customer_id: int | None, *, kind: str | None = None) -> bool:
    if customer_id is None:
        return False
    return bool(customers_under_legal_hold([customer_id], kind=kind))


def customer_preserved(customer_id: int | None) -> bool:
    """A preservation hold: the customer's record, tickets and correspondence must not be
    deleted, anonymised or purged while it lasts."""
    return customer_under_legal_hold(customer_id, kind=CustomerLegalHold.Kind.PRESERVATION)


class LegalHoldActive(Exception):
    """Refused: a preservation hold covers what was to be deleted or anonymised."""


def preservation_check(*, customer_id: int | None, what: str) -> None:
    """Raise ``LegalHoldActive`` when ``what`` (a deletion, an anonymisation, a purge)
    would destroy material a preservation hold covers."""
    if customer_preserved(customer_id):
        raise LegalHoldActive(f"{what} refused: a legal hold preserves this customer's data")


@transaction.atomic
def legal_hold_place(
    *,
    customer: Customer,
    kind: str,
    reference: str,
    starts_at: datetime,
    ends_at: datetime | None,
) -> CustomerLegalHold:
    """Place (or move the end of) the hold ``reference`` puts on ``customer``. Idempotent:
    the same reference, customer and kind is one row, whose end follows the order."""
    hold, created = CustomerLegalHold.objects.get_or_create(
        reference=reference,
        customer=customer,
        kind=kind,
        defaults={"starts_at": starts_at, "ends_at": ends_at},
    )
    if not created and (hold.ends_at != ends_at or hold.lifted_at is not None):
        hold.ends_at = ends_at
        hold.lifted_at = None
        hold.save(update_fields=["ends_at", "lifted_at"])
    return hold


@transaction.atomic
def legal_holds_lift(*, reference: str, kind: str | None = None) -> int:
    """Lift every live hold ``reference`` placed (of ``kind``); how many."""
    holds = CustomerLegalHold.objects.filter(reference=reference, lifted_at__isnull=True)
    if kind:
        holds = holds.filter(kind=kind)
    return holds.update(lifted_at=timezone.now())
