"""Saved queue views: each agent's named filter sets (services and the one read query).

Every query takes the owner: a view id from another agent is simply not found, so nobody can
list, open, rename or delete someone else's views.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, QuerySet

from complaints.models import SavedView
from complaints.tickets.selectors import QueueFilters

MAX_VIEWS_PER_OWNER = 50


def saved_views_of(owner_id: int) -> QuerySet[SavedView]:
    return SavedView.objects.filter(owner_id=owner_id).order_by("position", "id")


@transaction.atomic
def saved_view_save(*, owner_id: int, name: str, query: str) -> SavedView:
    """Create the view ``name`` or replace its filters. The query is stored in its canonical
    form, so what is saved is exactly what the queue understood."""
    name = " ".join(name.split())[:80]
    if not name:
        raise ValidationError("Give the view a name.")
    from django.http import QueryDict

    canonical = QueueFilters.from_query(QueryDict(query)).to_query()
    existing = SavedView.objects.select_for_update().filter(owner_id=owner_id, name=name).first()
    if existing is not None:
        existing.query = canonical
        existing.save(update_fields=["query"])
        return existing
    if SavedView.objects.filter(owner_id=owner_id).count() >= MAX_VIEWS_PER_OWNER:
        raise ValidationError(f"At most {MAX_VIEWS_PER_OWNER} saved views.")
    last = SavedView.objects.filter(owner_id=owner_id).aggregate(last=Max("position"))["last"]
    return SavedView.objects.create(
        owner_id=owner_id, name=name, query=canonical, position=(last or 0) + 1
    )


@transaction.atomic
def saved_view_delete(*, owner_id: int, view_id: int) -> bool:
    deleted, _ = SavedView.objects.filter(owner_id=owner_id, pk=view_id).delete()
    return bool(deleted)


@transaction.atomic
def saved_view_move(*, owner_id: int, view_id: int, step: int) -> None:
    """Swap the view with its neighbour (step -1: up, +1: down)."""
    views = list(saved_views_of(owner_id).select_for_update())
    index = next((i for i, v in enumerate(views) if v.pk == view_id), None)
    if index is None:
        raise SavedView.DoesNotExist
    other = index + (1 if step > 0 else -1)
    if not 0 <= other < len(views):
        return
    views[index], views[other] = views[other], views[index]
    for position, view in enumerate(views, start=1):
        if view.position != position:
            SavedView.objects.filter(pk=view.pk).update(position=position)
