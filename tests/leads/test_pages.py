"""The dashboards' page and CSV exports: who may open them (role x route), what each panel
shows, a chart only beside its own table, no inline script, spreadsheet-safe CSV, and the
panel registry another app adds its panel through."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import reverse

from leads.panels import (
    COUNT,
    Chart,
    Column,
    Panel,
    Table,
    panel_register,
    panel_unregister,
    panels_for,
)
from leads.permissions import viewer_for
from leads.rollups import rollups_refresh_every
from tests.leads.support import NOW, days, hours, reporter, ticket

pytestmark = pytest.mark.django_db

ROLES = ["agent", "lead", "legal", "investigations", "billing", "admin", "none"]
PANELS = {"lead": ["sla", "backlog", "workload", "trends", "worst"],
          "agent": ["sla", "backlog", "workload", "trends"]}  # fmt: skip
TABLES = {
    "sla": ["by-kind", "by-queue", "due"],
    "backlog": ["by-age"],
    "workload": ["agents"],
    "trends": ["by-classification", "by-reporter", "weekly"],
    "worst": ["customer", "service", "net24", "net48"],
}


@pytest.fixture
def clients(users):  # type: ignore[no-untyped-def]
    made = {}
    for role in ROLES:
        made[role] = Client()
        made[role].force_login(users[role])
    made["anonymous"] = Client()
    return made


@pytest.fixture
def figures(users):  # type: ignore[no-untyped-def]
    for n in range(4):
        ticket(age=days(n + 1), type="phishing", assignee=users["agent"], responded_after=hours(1),
               reported_by=reporter("=HYPERLINK(\"http://evil.example\")"))  # fmt: skip
    rollups_refresh_every(now=NOW)


def test_every_route_by_role_and_panel(clients, figures):
    failures = []
    for role, client in clients.items():
        response = client.get(reverse("leads:dashboard"))
        expected = 200 if role in PANELS else (302 if role == "anonymous" else 403)
        if response.status_code != expected:
            failures.append(f"dashboard as {role}: {response.status_code}")
        for panel, tables in TABLES.items():
            for table in [*tables, "no-such-table"]:
                response = client.get(reverse("leads:table-csv", args=[panel, table]))
                if role == "anonymous":
                    want = 302
                elif role not in PANELS:
                    want = 403
                elif panel in PANELS[role] and table != "no-such-table":
                    want = 200
                else:
                    want = 404  # a lead's panel is not there for an agent
                if response.status_code != want:
                    failures.append(f"{panel}/{table}.csv as {role}: {response.status_code}")
        response = client.get(reverse("leads:table-csv", args=["no-such-panel", "x"]))
        if response.status_code != {"anonymous": 302}.get(role, 404 if role in PANELS else 403):
            failures.append(f"unknown panel as {role}: {response.status_code}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("role", ["lead", "agent"])
def test_the_page_shows_each_panel_with_charts_beside_their_tables(clients, figures, role):
    response = clients[role].get(reverse("leads:dashboard") + "?window=7")
    page = response.content.decode()
    assert (
        response["Cache-Control"].startswith("max-age=0") and "private" in response["Cache-Control"]
    )
    # the dashboards' own panels, in order (other apps may add theirs: the registry)
    own = [s.panel.slug for s in response.context["sections"] if s.panel.slug in TABLES]
    assert own == PANELS[role]
    for figure_table in re.findall(r'<figure class="chart" data-table="([^"]+)"', page):
        assert f'<table class="list dash" id="{figure_table}"' in page
    assert 'data-table="t-sla-by-kind"' in page and 'data-table="t-backlog-by-age"' in page
    # every script is a file of our own: nothing inline for the CSP to refuse
    scripts = re.findall(r"<script([^>]*)>", page)
    assert scripts and all('src="/static/' in attrs for attrs in scripts)
    assert "/static/vendor/chartjs/chart.umd.min.js" in page
    assert "style=" not in page
    # the four phishing tickets, with their first response (1 hour)
    by_kind = next(t for s in response.context["sections"] for t in s.tables if t.slug == "by-kind")
    assert by_kind.rows[0]["tickets"] == 4 and by_kind.rows[0]["fr50"] == pytest.approx(3600)


def test_csv_holds_values_with_units_and_defuses_formulas(clients, figures):
    response = clients["lead"].get(
        reverse("leads:table-csv", args=["trends", "by-reporter"]) + "?window=7"
    )
    assert response["Content-Disposition"] == 'attachment; filename="trends-by-reporter-7d.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["Classification", "Reporter", "Last 7 days", "The 7 days before", "Worked",
                       "Not worked", "Not worked, share (%)"]  # fmt: skip
    assert rows[1] == [
        "phishing",
        '\'=HYPERLINK("http://evil.example")',
        "4",
        "0",
        "0",
        "4",
        "100.0",
    ]
    sla = clients["lead"].get(reverse("leads:table-csv", args=["sla", "by-kind"]) + "?window=7")
    header, first = list(csv.reader(io.StringIO(sla.content.decode())))[:2]
    assert header[2] == "First response, median (hours)" and first[2] == "1.00"


def test_the_window_is_chosen_from_the_offered_ones(clients, figures):
    for asked, used in (("7", 7), ("90", 90), ("13", 30), ("x", 30), ("", 30)):
        response = clients["lead"].get(reverse("leads:dashboard") + f"?window={asked}")
        assert response.context["window"] == used
    response = clients["lead"].get(reverse("leads:dashboard") + "?window=90")
    sections = {
        s.panel.slug: s.window for s in response.context["sections"] if s.panel.slug in TABLES
    }
    # workload offers 7 and 30 days (its default 7); the worst tables always 90
    assert sections == {"sla": 90, "backlog": 30, "workload": 7, "trends": 90, "worst": 90}


def test_another_app_adds_a_panel_through_the_registry(clients, figures, users):
    def build(viewer, window):  # type: ignore[no-untyped-def]
        return [Table("kept", "Customers kept", [Column("label", "Month"),
                      Column("kept", "Kept", COUNT, series=True)],
                      [{"label": "2026-02", "kept": 12}], chart=Chart("bar", "label"))]  # fmt: skip

    panel = panel_register(
        Panel("retention-test", "Retention", build, audience=frozenset({"lead"}), order=60)
    )
    try:
        assert panel_register(panel) is panel  # registering the same panel twice is harmless
        with pytest.raises(ImproperlyConfigured):
            panel_register(Panel("retention-test", "Another", build))
        assert "retention-test" in [p.slug for p in panels_for(viewer_for(users["lead"]))]
        assert "retention-test" not in [p.slug for p in panels_for(viewer_for(users["agent"]))]
        page = clients["lead"].get(reverse("leads:dashboard")).content.decode()
        assert 'id="panel-retention-test"' in page and 'data-table="t-retention-test-kept"' in page
        csv_text = clients["lead"].get(reverse("leads:table-csv", args=["retention-test", "kept"]))
        assert csv_text.content.decode().splitlines() == ["Month,Kept", "2026-02,12"]
        assert (
            clients["agent"]
            .get(reverse("leads:table-csv", args=["retention-test", "kept"]))
            .status_code
            == 404
        )
    finally:
        panel_unregister("retention-test")


def test_before_the_first_refresh_the_page_says_so(clients):
    page = clients["lead"].get(reverse("leads:dashboard")).content.decode()
    assert "have not been computed yet" in page
