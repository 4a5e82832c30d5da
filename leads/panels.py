"""The dashboards' panels and their registry: how an app adds a panel to ``/leads/``
(docs/architecture.md, "leads/").

A panel is a titled set of tables; a table may name a chart drawn from its own columns.
The page, the CSV export and the weekly digest all render the same ``Table``: a chart is
never shown without its table, and every table is downloadable.

To add a panel, an app writes a module ``<app>/leads_panels.py`` (found at start-up the way
Django's admin finds ``admin.py``) that calls ``panel_register`` with a ``Panel`` whose
``build(viewer, window)`` returns tables. The build reads through a selector with the
viewer's filter (``Viewer.figures_q`` on rows that carry the tickets' visibility class, or
``Viewer.tickets_q`` on tickets), so restricted cases stay out of every count.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from accounts import roles
from leads.permissions import DASHBOARD_ROLES, Viewer

WINDOWS = (7, 30, 90)
DEFAULT_WINDOW = 30

# Column formats: how a value is shown, exported to CSV and drawn.
TEXT = "text"
COUNT = "count"
HOURS = "hours"  # a duration in seconds, shown as minutes/hours/days, exported in hours
SHARE = "share"  # a fraction, shown and exported as a percentage
RATE = "rate"  # a ratio with two decimals
FORMATS = (TEXT, COUNT, HOURS, SHARE, RATE)


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    format: str = TEXT
    series: bool = False  # one dataset of the table's chart

    def __post_init__(self) -> None:
        if self.format not in FORMATS:
            raise ValueError(f"unknown column format {self.format!r}")

    @property
    def export_label(self) -> str:
        unit = {HOURS: " (hours)", SHARE: " (%)"}.get(self.format, "")
        return self.label + unit


@dataclass(frozen=True)
class Chart:
    """A chart of the table: its rows along one axis (labelled by ``label_column``), one
    dataset per ``series`` column."""

    kind: str = "bar"  # "bar", "stacked" (stacked bars) or "line"
    label_column: str = ""
    horizontal: bool = False
    unit: str = ""  # the value axis's title


@dataclass(frozen=True)
class Cell:
    text: str  # what the page shows
    value: str  # what the chart draws and the CSV holds ("" for none)
    numeric: bool
    link: str = ""


@dataclass
class Table:
    slug: str
    caption: str
    columns: Sequence[Column]
    rows: list[dict[str, Any]]
    chart: Chart | None = None
    note: str = ""
    flag_key: str = ""  # rows whose value under this key is true are highlighted
    flag_label: str = ""
    link_key: str = ""  # a row's value under this key links its first cell
    empty: str = "Nothing to show yet."
    page_limit: int = 0  # the page shows this many rows (0: all); the CSV has every row

    def page_cells(self) -> list[tuple[bool, list[Cell]]]:
        return self.cells(limit=self.page_limit or None)

    def cells(self, *, limit: int | None = None) -> list[tuple[bool, list[Cell]]]:
        """(flagged, cells) per row (the first ``limit`` rows), formatted."""
        out = []
        for row in self.rows[:limit]:
            cells = [cell_of(column, row.get(column.key)) for column in self.columns]
            if self.link_key and row.get(self.link_key) and cells:
                first = cells[0]
                cells[0] = Cell(first.text, first.value, first.numeric, str(row[self.link_key]))
            out.append((bool(self.flag_key and row.get(self.flag_key)), cells))
        return out

    def export_rows(self) -> list[list[str]]:
        """The CSV: a header of labels with units, then each row's values. Text that a
        spreadsheet would take for a formula (names come from outside: reporters,
        customers) is prefixed with an apostrophe."""
        lines = [[column.export_label for column in self.columns]]
        for _, cells in self.cells():
            lines.append([cell.value if cell.numeric else spreadsheet_safe(cell.value)
                          for cell in cells])  # fmt: skip
        return lines


@dataclass(frozen=True)
class Panel:
    """A section of the dashboards.

    ``build(viewer, window)`` returns the panel's tables for a window of days taken from
    ``windows`` (the page's choice, or ``windows``' default when the panel has no such
    window). ``audience`` lists the roles that see it at all; ``team_only`` panels are
    for leads (agents see only their own numbers, and a team-wide ranking is not theirs).
    ``digest_tables`` names the tables the weekly digest carries.
    """

    slug: str
    title: str
    build: Callable[[Viewer, int], list[Table]]
    description: str = ""
    windows: tuple[int, ...] = WINDOWS
    default_window: int = DEFAULT_WINDOW
    audience: frozenset[str] = DASHBOARD_ROLES
    team_only: bool = False
    order: int = 100
    digest_tables: tuple[str, ...] = field(default=())

    def window_for(self, asked: int | None) -> int:
        return asked if asked in self.windows else self.default_window

    def visible_to(self, viewer: Viewer) -> bool:
        if self.team_only and not viewer.team:
            return False
        return roles.has_any_role(viewer.user, self.audience)


_PANELS: dict[str, Panel] = {}


def panel_register(panel: Panel) -> Panel:
    """Add ``panel`` to the dashboards; a second panel with the same slug is a mistake."""
    known = _PANELS.get(panel.slug)
    if known is not None and known is not panel:
        raise ImproperlyConfigured(f"two dashboard panels are called {panel.slug!r}")
    _PANELS[panel.slug] = panel
    return panel


def panel_unregister(slug: str) -> None:
    """Take a panel off the dashboards (an app that is switched off; tests)."""
    _PANELS.pop(slug, None)


def panels_for(viewer: Viewer) -> list[Panel]:
    return sorted(
        (p for p in _PANELS.values() if p.visible_to(viewer)), key=lambda p: (p.order, p.slug)
    )


def panel_get(slug: str) -> Panel | None:
    return _PANELS.get(slug)


# --- formatting -----------------------------------------------------------------------------


def spreadsheet_safe(text: str) -> str:
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def duration_text(seconds: float) -> str:
    if seconds < 3600:
        return f"{max(1, round(seconds / 60))} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} d"


def cell_of(column: Column, value: Any) -> Cell:
    numeric = column.format != TEXT
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return Cell("-", "", numeric)
    if column.format == COUNT:
        return Cell(f"{int(value):,}", str(int(value)), True)
    if column.format == HOURS:
        return Cell(duration_text(float(value)), f"{float(value) / 3600:.2f}", True)
    if column.format == SHARE:
        return Cell(f"{100 * float(value):.0f} %", f"{100 * float(value):.1f}", True)
    if column.format == RATE:
        return Cell(f"{float(value):,.2f}", f"{float(value):.2f}", True)
    return Cell(str(value), str(value), False)
