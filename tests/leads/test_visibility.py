"""Restricted cases never leak through the dashboards' counts, and agents see only their own
numbers: through the page, every CSV export and the weekly digest.

Each visibility class gets a distinct number of open tickets (abuse 3, listing 4, legal 5,
investigation 6, abuse escalated to investigations 7, billing 8), so a count that included a
class would show a number no visible class has. Expectations come from the roles table
(docs/architecture.md "Who uses it"), not from the code."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse

from leads.digest import digest_compose
from leads.models import BacklogFigure, SlaFigure, TrendFigure
from leads.panels import panels_for
from leads.permissions import viewer_for
from leads.rollups import rollups_refresh_every
from leads.selectors import (
    backlog_by_kind,
    class_label,
    sla_by_kind,
    trends_by_type,
    workload_by_agent,
)
from tests.leads.support import NOW, change, days, holder, hours, ticket

pytestmark = pytest.mark.django_db

CLASSES = {  # label -> (kind, restricted_group, open tickets)
    "abuse": ("abuse", "", 3),
    "listing": ("listing", "", 4),
    "legal": ("legal", "", 5),
    "investigation": ("investigation", "investigations", 6),
    "restricted": ("abuse", "investigations", 7),
    "billing": ("billing", "", 8),
}
SEES = {
    "lead": {"abuse", "listing", "billing"},
    "lead+investigations": {"abuse", "listing", "billing", "investigation", "restricted"},
    "lead+legal": {"abuse", "listing", "billing", "legal"},
}


@pytest.fixture
def desk(make_user):  # type: ignore[no-untyped-def]
    agent = make_user("agent-v", "agent")
    customer = holder("192.0.2.16/28", name="Restricted Holder")
    for kind, group, n in CLASSES.values():
        for i in range(n):
            t = ticket(age=hours(1 + i), kind=kind, restricted_group=group, customer=customer,
                       type="phishing", responded_after=hours(1), ip="192.0.2.17",
                       assignee=agent if kind in ("abuse", "listing") and not group else None)  # fmt: skip
            change(t, actor=agent, field="note", old="", new="x", at=NOW - hours(1))
    rollups_refresh_every(now=NOW)
    return {"agent": agent}


def _backlog_totals(user) -> dict[tuple[str, str], int]:  # type: ignore[no-untyped-def]
    return {
        key: sum(b.tickets for b in bands.values())
        for key, bands in backlog_by_kind(viewer_for(user)).items()
    }


@pytest.mark.parametrize("who", sorted(SEES))
def test_leads_count_exactly_the_classes_they_may_see(desk, make_user, who):
    user = make_user(f"user-{who}", *who.split("+"))
    viewer = viewer_for(user)
    expected = {(CLASSES[c][0], CLASSES[c][1]): CLASSES[c][2] for c in SEES[who]}
    assert _backlog_totals(user) == expected
    assert {
        (r.kind, r.restricted_group): r.tickets for r in sla_by_kind(viewer, window=7)
    } == expected
    assert sum(t.tickets for t in trends_by_type(viewer, window=7)) == sum(expected.values())
    workload = workload_by_agent(viewer, window=7)
    visible_agent_work = sum(n for c, (k, g, n) in CLASSES.items() if c in SEES[who] and k in ("abuse", "listing") and not g)  # fmt: skip
    assert [w.touched for w in workload] == [
        sum(n for c, (k, g, n) in CLASSES.items() if c in SEES[who])
    ]
    assert workload[0].assigned_open == visible_agent_work


def test_an_agent_sees_only_their_own_tickets(desk, make_user):
    other = make_user("agent-other", "agent")
    ticket(age=days(1), assignee=other)
    rollups_refresh_every(now=NOW)
    mine = viewer_for(desk["agent"])
    assert _backlog_totals(desk["agent"]) == {("abuse", ""): 3, ("listing", ""): 4}
    assert _backlog_totals(other) == {("abuse", ""): 1}
    assert [w.username for w in workload_by_agent(mine, window=7)] == ["agent-v"]
    assert [w.username for w in workload_by_agent(viewer_for(other), window=7)] == ["agent-other"]
    # the team's rows and other agents' rows exist, and are not the agent's
    assert BacklogFigure.objects.filter(assignee_id__isnull=True).exists()
    assert {r.assignee_id for r in SlaFigure.objects.filter(mine.figures_q())} == {desk["agent"].pk}
    assert {r.assignee_id for r in TrendFigure.objects.filter(mine.figures_q())} == {
        desk["agent"].pk
    }
    assert "worst" not in [p.slug for p in panels_for(mine)]


def test_worst_tables_never_count_restricted_cases(desk, make_user):
    lead = Client()
    lead.force_login(make_user("lead-w", "lead", "investigations", "legal"))
    response = lead.get(reverse("leads:table-csv", args=["worst", "customer"]))
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    # abuse 3 + listing 4 (billing is not abuse work; the rest is restricted), even for a
    # lead in both restricted groups: a ranking that moved with an escalation would tell
    assert [r[1] for r in rows[1:]] == ["7"]


def _page_numbers(client: Client) -> str:
    response = client.get(reverse("leads:dashboard") + "?window=7")
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("who", sorted(SEES))
def test_pages_and_csv_exports_follow_the_same_rule(desk, make_user, who):
    client = Client()
    client.force_login(make_user(f"page-{who}", *who.split("+")))
    page = _page_numbers(client)
    for label in ("Legal request", "Investigation", "restricted: investigations"):
        shown = any(
            (label == "Legal request" and c == "legal")
            or (label == "Investigation" and c == "investigation")
            or (label == "restricted: investigations" and c == "restricted")
            for c in SEES[who]
        )
        assert (label in page) is shown, (who, label)
    labels = {class_label(CLASSES[c][0], CLASSES[c][1]) for c in SEES[who]}
    for panel, table in (
        ("sla", "by-kind"),
        ("sla", "by-queue"),
        ("sla", "due"),
        ("backlog", "by-age"),
    ):
        response = client.get(reverse("leads:table-csv", args=[panel, table]) + "?window=7")
        assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        assert {row[0] for row in rows[1:]} == labels, (panel, table)
        if table == "by-age":  # the open tickets of each class, in the "Open" column
            column = rows[0].index("Open")
            assert sorted(int(row[column]) for row in rows[1:]) == sorted(
                CLASSES[c][2] for c in SEES[who]
            )


def test_the_digest_carries_no_restricted_figures_whoever_reads_it(desk, make_user):
    both = make_user("lead-digest", "lead", "legal", "investigations")
    _, body = digest_compose(both, today=NOW.date())
    assert "Legal request" not in body and "Investigation" not in body
    assert "(restricted:" not in body
    assert "Abuse" in body and "Billing" in body
