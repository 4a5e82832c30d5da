"""The dashboards' read queries: each reads a rollup's rows through ``Viewer.figures_q``
(the desk's permission rule on the rows' visibility class, and the viewer's scope), or,
for the one live figure, the tickets through ``Viewer.tickets_q`` (docs/architecture.md,
"leads/"). Panels, CSV exports and the weekly digest all come through here.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, Q, Sum
from django.utils import timezone

from complaints.models import Ticket
from complaints.models.tickets import OPEN_STATUSES, QUEUE_SLA_DUE
from leads.models import (
    BacklogFigure,
    RollupState,
    SlaFigure,
    TrendDay,
    TrendFigure,
    WorkloadFigure,
    WorstFigure,
)
from leads.permissions import Viewer

# Classifications whose tickets a person worked less than this share of are flagged
# "left unworked", once they have at least UNWORKED_MIN_TICKETS tickets in the window.
UNWORKED_SHARE = 0.5
UNWORKED_MIN_TICKETS = 5


def class_label(kind: str, restricted_group: str) -> str:
    """A visibility class as a reader sees it: the kind, and the group it is restricted to."""
    label = Ticket.Kind(kind).label if kind in Ticket.Kind.values else kind
    return f"{label} (restricted: {restricted_group})" if restricted_group else label


def rollups_state() -> dict[str, RollupState]:
    return {state.name: state for state in RollupState.objects.all()}


# --- SLA ------------------------------------------------------------------------------------


def sla_by_kind(viewer: Viewer, *, window: int, by_type: bool = False) -> list[SlaFigure]:
    """The SLA rows of ``window`` days, per visibility class, and per classification too
    when ``by_type``."""
    rows = SlaFigure.objects.filter(viewer.figures_q(), window_days=window)
    rows = rows.filter(type__isnull=not by_type)
    return list(rows.order_by("kind", "restricted_group", "type"))


@dataclass(frozen=True)
class DueSoon:
    kind: str
    restricted_group: str
    due_4h: int
    due_24h: int


def sla_due_soon(viewer: Viewer, *, now: datetime | None = None) -> list[DueSoon]:
    """Open tickets whose next SLA deadline falls in the next 4 and 24 hours, per visibility
    class: live, one range of the queue's SLA-due index (``ticket_q_sla_due_idx``); a
    paused clock (awaiting the customer) is not running, so it is not due."""
    now = now or timezone.now()
    due = QUEUE_SLA_DUE
    rows = (
        Ticket.objects.alias(due=due)
        .filter(viewer.tickets_q())
        .filter(
            due__gte=now,
            due__lt=now + timedelta(hours=24),
            status__in=OPEN_STATUSES,
            sla_paused_since__isnull=True,
        )
        .values("kind", "restricted_group")
        .annotate(
            due_4h=Count("pk", filter=Q(due__gte=now, due__lt=now + timedelta(hours=4))),
            due_24h=Count("pk"),
        )
        .order_by("kind", "restricted_group")
    )
    return [DueSoon(**row) for row in rows]


# --- backlog --------------------------------------------------------------------------------


def backlog_by_kind(viewer: Viewer) -> dict[tuple[str, str], dict[int, BacklogFigure]]:
    """Open tickets per visibility class and age band."""
    table: dict[tuple[str, str], dict[int, BacklogFigure]] = defaultdict(dict)
    for row in BacklogFigure.objects.filter(viewer.figures_q()).order_by("kind", "age_band"):
        table[(row.kind, row.restricted_group)][row.age_band] = row
    return dict(table)


# --- workload -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Workload:
    user_id: int
    username: str
    assigned_open: int
    touched: int
    solved: int
    reopened: int


def workload_by_agent(viewer: Viewer, *, window: int) -> list[Workload]:
    """Each agent's work (a lead: every agent; an agent: their own row), summed over the
    visibility classes the viewer may count."""
    rows = WorkloadFigure.objects.filter(viewer.visibility, window_days=window)
    if not viewer.team:
        rows = rows.filter(Q(user_id=viewer.user.pk))
    summed = (
        rows.values("user_id", "username")
        .annotate(
            assigned_open=Sum("assigned_open"),
            touched=Sum("touched"),
            solved=Sum("solved"),
            reopened=Sum("reopened"),
        )
        .order_by("username")
    )
    return [Workload(**row) for row in summed]


# --- trends ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Trend:
    type: str
    reporter_id: int | None
    reporter_label: str
    tickets: int
    worked: int
    tickets_before: int

    @property
    def unworked_share(self) -> float | None:
        return (self.tickets - self.worked) / self.tickets if self.tickets else None

    @property
    def left_unworked(self) -> bool:
        share = self.unworked_share
        return (
            share is not None and self.tickets >= UNWORKED_MIN_TICKETS and share >= UNWORKED_SHARE
        )


def trends_by_type(viewer: Viewer, *, window: int) -> list[Trend]:
    """Tickets per classification in the window, the window before, and worked."""
    rows = (
        TrendFigure.objects.filter(viewer.figures_q(), window_days=window)
        .values("type")
        .annotate(t=Sum("tickets"), w=Sum("worked"), b=Sum("tickets_before"))
        .order_by("-t", "type")
    )
    return [Trend(r["type"], None, "", r["t"], r["w"], r["b"]) for r in rows if r["t"] or r["b"]]


def trends_by_type_and_reporter(viewer: Viewer, *, window: int) -> list[Trend]:
    rows = (
        TrendFigure.objects.filter(viewer.figures_q(), window_days=window)
        .values("type", "reporter_id", "reporter_label")
        .annotate(t=Sum("tickets"), w=Sum("worked"), b=Sum("tickets_before"))
        .order_by("-t", "type", "reporter_label")
    )
    return [
        Trend(r["type"], r["reporter_id"], r["reporter_label"], r["t"], r["w"], r["b"])
        for r in rows
        if r["t"] or r["b"]
    ]


def trend_weeks(viewer: Viewer, *, days: int = 90) -> tuple[list[date], dict[str, list[int]]]:
    """Tickets opened per week (Mondays) and classification over the last ``days``."""
    today = timezone.now().date()
    first = today - timedelta(days=days)
    first_monday = first - timedelta(days=first.weekday())
    weeks = [first_monday + timedelta(weeks=n) for n in range((today - first_monday).days // 7 + 1)]
    index = {week: n for n, week in enumerate(weeks)}
    series: dict[str, list[int]] = {}
    rows = (
        TrendDay.objects.filter(viewer.figures_q(), day__gte=first)
        .values("day", "type")
        .annotate(n=Sum("tickets"))
    )
    for row in rows:
        week = row["day"] - timedelta(days=row["day"].weekday())
        counts = series.setdefault(row["type"], [0] * len(weeks))
        counts[index[week]] += row["n"]
    return weeks, series


# --- worst ----------------------------------------------------------------------------------


def worst_rows(viewer: Viewer, *, entity: str, limit: int = 25) -> list[WorstFigure]:
    """The top of a "worst" table; empty for a viewer who does not see the team's figures."""
    if not viewer.sees_worst:
        return []
    return list(WorstFigure.objects.filter(entity=entity).order_by("rank")[:limit])
