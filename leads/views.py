"""The dashboards' pages: ``/leads/`` with every panel the reader may see, and each table
as CSV (docs/architecture.md, "leads/"). Views read through the panels (which read
through ``leads.selectors``) and write nothing."""

from __future__ import annotations

import csv
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from leads.panels import DEFAULT_WINDOW, WINDOWS, Panel, Table, panel_get, panels_for
from leads.permissions import viewer_for
from leads.selectors import rollups_state


@dataclass(frozen=True)
class Section:
    panel: Panel
    window: int
    tables: list[Table]


def _window(request: HttpRequest) -> int:
    asked = request.GET.get("window", "")
    return int(asked) if asked.isdigit() and int(asked) in WINDOWS else DEFAULT_WINDOW


@login_required
@never_cache
def dashboard_view(request: HttpRequest) -> HttpResponse:
    viewer = viewer_for(request.user)
    window = _window(request)
    sections = []
    for panel in panels_for(viewer):
        own = panel.window_for(window)
        sections.append(Section(panel, own, panel.build(viewer, own)))
    return render(
        request,
        "leads/dashboard.html",
        {
            "sections": sections,
            "window": window,
            "windows": WINDOWS,
            "team": viewer.team,
            "states": sorted(rollups_state().values(), key=lambda s: s.name),
        },
    )


@login_required
@never_cache
def table_csv_view(request: HttpRequest, panel: str, table: str) -> HttpResponse:
    viewer = viewer_for(request.user)
    found = panel_get(panel)
    if found is None or not found.visible_to(viewer):
        raise Http404
    window = found.window_for(_window(request))
    tables = {t.slug: t for t in found.build(viewer, window)}
    if table not in tables:
        raise Http404
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{found.slug}-{table}-{window}d.csv"'
    writer = csv.writer(response)
    writer.writerows(tables[table].export_rows())
    return response
