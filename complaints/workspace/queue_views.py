"""The agents' queue: the page, its htmx partials (next page, new items), saved views and
bulk actions.

Every read goes through ``complaints.tickets.selectors`` (and so through the permission filter);
every change through ``complaints.tickets.services`` / ``complaints.tickets.saved_views``. Bulk actions
re-select the posted ids through the permission filter: an id the agent cannot see is refused
as if it did not exist.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_GET, require_POST

from accounts import roles
from complaints.audit import audit_ticket_read, ticket_is_audited
from complaints.mediation.replies import ticket_reply_from_template
from complaints.models import ResponseTemplate, SavedView, Ticket
from complaints.models.tickets import OPEN_STATUSES
from complaints.permissions import KINDS_BY_ROLE, can_work_ticket, tickets_visible_to
from complaints.tickets import saved_views
from complaints.tickets import services as ticket_services
from complaints.tickets.clocks import sla_state
from complaints.tickets.selectors import (
    SORTS,
    STATUS_ACTIVE,
    STATUS_ANY,
    QueueFilters,
    ticket_queue_count,
    ticket_queue_newer,
    ticket_queue_page,
    type_filter_choices,
    users_assignable,
)

QUEUE_ROLES = frozenset(KINDS_BY_ROLE) | {roles.INVESTIGATIONS, roles.LEGAL}
POLL_SECONDS = 20
BULK_LIMIT = 200
# Query-string keys that are not filters (kept out of saved views and links).
_NOT_FILTERS = ("after", "since", "since_id", "view")


def _require_queue_role(request: HttpRequest) -> None:
    roles.require_any_role(request.user, QUEUE_ROLES)


def ticket_url(ticket_id: int, anchor: str = "") -> str:
    """The ticket page (served by the ticket views)."""
    url = reverse("workspace:ticket-detail", args=[ticket_id])
    return f"{url}#{anchor}" if anchor else url


def _filters(request: HttpRequest) -> QueueFilters:
    return QueueFilters.from_query(request.GET)


def _audit_reads(request: HttpRequest, tickets: list[Ticket]) -> None:
    """A restricted ticket shown in a list is read too (its subject, customer, status)."""
    for ticket in tickets:
        if ticket_is_audited(ticket):
            audit_ticket_read(request, ticket, what="queue")


def _rows(tickets: list[Ticket]) -> list[dict[str, Any]]:
    return [
        {
            "ticket": t,
            "url": ticket_url(t.pk),
            "sla": sla_state(t),
            "activity": t.last_event_at or t.created_at,
        }
        for t in tickets
    ]


def _poll_state(rows: list[Ticket]) -> dict[str, str]:
    newest = max((t.last_event_at or t.created_at for t in rows), default=None)
    return {
        "since": newest.isoformat() if newest else "",
        "since_id": str(max((t.pk for t in rows), default=0)),
    }


def _choice_group(
    name: str, label: str, choices: list[tuple[str, str]], chosen: tuple[str, ...], empty: str
) -> dict[str, Any]:
    """A multi-value filter as a group of checkboxes (no Ctrl-click), with a summary of what
    is ticked for its closed state."""
    names = [text for value, text in choices if value in chosen]
    summary = ", ".join(names[:2]) + (f" +{len(names) - 2}" if len(names) > 2 else "")
    return {
        "name": name,
        "label": label,
        "summary": summary or empty,
        "options": [(value, text, value in chosen) for value, text in choices],
    }


def _canonical_redirect(request: HttpRequest, filters: QueueFilters) -> HttpResponse | None:
    """A submitted filter form carries every field, most of them empty; the page answers
    with the same state under its short query (what a bookmark or a shared link holds)."""
    empty = any(value == "" for _, values in request.GET.lists() for value in values)
    if filters.errors or not empty:
        return None
    params = request.GET.copy()
    for name in list(params):
        kept = [v for v in params.getlist(name) if v != ""]
        if kept:
            params.setlist(name, kept)
        else:
            del params[name]
    return HttpResponseRedirect(_queue_url(params.urlencode()))


def _query_without(request: HttpRequest, *names: str) -> str:
    params = request.GET.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()


@login_required
@require_GET
def queue_view(request: HttpRequest) -> HttpResponse:
    _require_queue_role(request)
    filters = _filters(request)
    if (canonical := _canonical_redirect(request, filters)) is not None:
        return canonical
    after = request.GET.get("after", "")[:100]
    page = ticket_queue_page(request.user, filters, after=after)
    _audit_reads(request, page.rows)
    filter_query = filters.to_query()
    held = roles.roles_of(request.user)
    visible_kinds = set().union(*(KINDS_BY_ROLE.get(r, set()) for r in held)) if held else set()
    context = {
        "filters": filters,
        "rows": _rows(page.rows),
        "next_cursor": page.next_cursor,
        "paged": bool(after),
        "count": ticket_queue_count(request.user, filters),
        "filter_query": filter_query,
        "saved_views": saved_views.saved_views_of(_owner(request)),
        "choice_groups": [
            _choice_group(
                "status",
                "Status",
                [(STATUS_ACTIVE, "Any open"), *Ticket.Status.choices, (STATUS_ANY, "Any")],
                filters.status,
                "any open",
            ),
            _choice_group(
                "kind",
                "Kind",
                [c for c in Ticket.Kind.choices if c[0] in visible_kinds],
                filters.kind,
                "any",
            ),
            _choice_group("type", "Classification", type_filter_choices(), filters.type, "any"),
        ],
        "sort_choices": [(name, key.label) for name, key in SORTS.items()],
        "assignable": users_assignable(viewer=request.user),
        "templates": ResponseTemplate.objects.filter(active=True).order_by("name"),
        "bulk_statuses": Ticket.Status.choices,
        "poll_seconds": POLL_SECONDS,
        "poll": _poll_state(page.rows),
        "queue_query": _query_without(request, "after"),
    }
    return render(request, "workspace/queue.html", context)


@login_required
@require_GET
def queue_rows_view(request: HttpRequest) -> HttpResponse:
    """The next keyset page, appended under the current rows ("Show more")."""
    _require_queue_role(request)
    filters = _filters(request)
    page = ticket_queue_page(request.user, filters, after=request.GET.get("after", "")[:100])
    _audit_reads(request, page.rows)
    return render(
        request,
        "workspace/_queue_more.html",
        {
            "rows": _rows(page.rows),
            "next_cursor": page.next_cursor,
            "filter_query": filters.to_query(),
        },
    )


@login_required
@require_GET
def queue_new_view(request: HttpRequest) -> HttpResponse:
    """Rows that appeared since the page was drawn: polled by htmx, inserted at the top.
    queue.js sends the high-water mark (``since``, ``since_id``) read from the rows shown and
    drops the older copy of a row that moved up."""
    _require_queue_role(request)
    filters = _filters(request)
    since_text = request.GET.get("since", "")[:40].replace(" ", "+")
    since: datetime | None = parse_datetime(since_text) if since_text else None
    since_id = request.GET.get("since_id", "")
    rows = ticket_queue_newer(
        request.user, filters, since=since, since_id=int(since_id) if since_id.isdigit() else 0
    )
    _audit_reads(request, rows)
    return render(request, "workspace/_queue_new.html", {"rows": _rows(rows), "fresh": True})


# --- saved views ----------------------------------------------------------------------------


def _owner(request: HttpRequest) -> int:
    assert request.user.pk is not None  # login_required
    return int(request.user.pk)


def _queue_url(query: str = "") -> str:
    url = reverse("workspace:queue")
    return f"{url}?{query}" if query else url


@login_required
@require_POST
def saved_view_save_view(request: HttpRequest) -> HttpResponse:
    _require_queue_role(request)
    query = request.POST.get("query", "")[:2000]
    try:
        view = saved_views.saved_view_save(
            owner_id=_owner(request), name=request.POST.get("name", ""), query=query
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return HttpResponseRedirect(_queue_url(query))
    messages.success(request, f"Saved the view “{view.name}”.")
    return HttpResponseRedirect(_queue_url(view.query))


@login_required
@require_GET
def saved_view_open_view(request: HttpRequest, view_id: int) -> HttpResponse:
    _require_queue_role(request)
    view = saved_views.saved_views_of(_owner(request)).filter(pk=view_id).first()
    if view is None:
        raise Http404
    return HttpResponseRedirect(_queue_url(view.query))


@login_required
@require_POST
def saved_view_delete_view(request: HttpRequest, view_id: int) -> HttpResponse:
    _require_queue_role(request)
    if not saved_views.saved_view_delete(owner_id=_owner(request), view_id=view_id):
        raise Http404
    messages.success(request, "Deleted the saved view.")
    return HttpResponseRedirect(_queue_url())


@login_required
@require_POST
def saved_view_move_view(request: HttpRequest, view_id: int) -> HttpResponse:
    _require_queue_role(request)
    try:
        saved_views.saved_view_move(
            owner_id=_owner(request),
            view_id=view_id,
            step=-1 if request.POST.get("direction") == "up" else 1,
        )
    except SavedView.DoesNotExist as exc:
        raise Http404 from exc
    return HttpResponseRedirect(_queue_url())


# --- bulk actions ---------------------------------------------------------------------------


def _selected_tickets(request: HttpRequest) -> list[Ticket]:
    ids = {int(v) for v in request.POST.getlist("ticket")[: BULK_LIMIT + 1] if v.isdigit()}
    if not ids:
        raise ValidationError("Select at least one ticket.")
    if len(ids) > BULK_LIMIT:
        raise ValidationError(f"At most {BULK_LIMIT} tickets at once.")
    found = list(
        tickets_visible_to(request.user, Ticket.objects.filter(pk__in=ids)).defer("search_vector")
    )
    if len(found) != len(ids) or not all(can_work_ticket(request.user, t) for t in found):
        raise Http404  # an id the agent cannot see does not exist for them
    return sorted(found, key=lambda t: t.pk)


def _bulk_assign(request: HttpRequest, tickets: list[Ticket]) -> str:
    target = request.POST.get("assignee", "")
    if target == "me":
        assignee_id: int | None = request.user.pk
    elif target in ("", "none"):
        assignee_id = None
    elif target.isdigit():
        assignee_id = int(target)
    else:
        raise ValidationError("Choose whom to assign to.")
    with transaction.atomic():
        for ticket in tickets:
            ticket_services.ticket_assign(
                ticket=ticket, assignee_id=assignee_id, actor_id=request.user.pk
            )
    return f"Assigned {len(tickets)} ticket(s)."


def _bulk_status(request: HttpRequest, tickets: list[Ticket]) -> str:
    status = request.POST.get("status", "")
    note = request.POST.get("note", "")[:500]
    with transaction.atomic():
        for ticket in tickets:
            ticket_services.ticket_status_change(
                ticket=ticket, status=status, actor_id=request.user.pk, note=note
            )
    return f"Moved {len(tickets)} ticket(s) to {Ticket.Status(status).label.lower()}."


def _bulk_merge(request: HttpRequest, tickets: list[Ticket]) -> str:
    if len(tickets) < 2:
        raise ValidationError("Select two or more tickets to merge.")
    chosen = request.POST.get("merge_target", "")
    target = next((t for t in tickets if str(t.pk) == chosen), tickets[0])
    ticket_services.tickets_merge(
        target=target, sources=[t for t in tickets if t.pk != target.pk], actor_id=request.user.pk
    )
    return f"Merged {len(tickets) - 1} ticket(s) into #{target.pk}."


def _bulk_template(request: HttpRequest, tickets: list[Ticket]) -> str:
    template_id = request.POST.get("template", "")
    template = ResponseTemplate.objects.filter(
        pk=int(template_id) if template_id.isdigit() else 0, active=True
    ).first()
    if template is None:
        raise ValidationError("Choose a template.")
    sent, failed = 0, []
    for ticket in tickets:  # one transaction per ticket: one failure does not undo the others
        try:
            ticket_reply_from_template(ticket, author=request.user, template=template)
            sent += 1
        except Exception as exc:  # noqa: BLE001 - mediation's refusals (no contact, ...) are reported per ticket
            failed.append(f"#{ticket.pk}: {exc}")
    if failed:
        messages.warning(request, "Not sent: " + "; ".join(failed)[:900])
    return f"Sent “{template.name}” on {sent} ticket(s)."


BULK_ACTIONS: dict[str, Callable[[HttpRequest, list[Ticket]], str]] = {
    "assign": _bulk_assign,
    "status": _bulk_status,
    "merge": _bulk_merge,
    "template": _bulk_template,
}


@login_required
@require_POST
def queue_bulk_view(request: HttpRequest) -> HttpResponse:
    _require_queue_role(request)
    back = request.POST.get("back", "")
    back_query = back if back and "://" not in back and "\n" not in back else ""
    action = BULK_ACTIONS.get(request.POST.get("action", ""))
    try:
        if action is None:
            raise ValidationError("Choose an action.")
        tickets = _selected_tickets(request)
        messages.success(request, action(request, tickets))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return HttpResponseRedirect(_queue_url(QueryDict(back_query).urlencode()))


__all__ = ["OPEN_STATUSES", "queue_view", "ticket_url"]
