"""The demo gives ``lena`` (lead and agent) real figures on every panel, with port scans and
copyright notices showing as left unworked, and runs again without adding anything."""

from __future__ import annotations

import pytest

from accounts.demo import seed_users
from complaints.models import Ticket
from customers.demo import seed_registry
from leads.demo import KEY, seed_lead_history
from leads.panels import panels_for
from leads.permissions import viewer_for

pytestmark = pytest.mark.django_db


def test_the_demo_history_fills_every_panel_for_lena(django_user_model):
    seed_users()
    seed_registry()
    created = seed_lead_history()["tickets"]
    assert created > 300
    lena = django_user_model.objects.get(username="lena")
    viewer = viewer_for(lena)
    tables = {
        (panel.slug, table.slug): table
        for panel in panels_for(viewer)
        for table in panel.build(viewer, panel.window_for(30))
    }
    for key in [("sla", "by-kind"), ("backlog", "by-age"), ("workload", "agents"),
                ("trends", "by-classification"), ("trends", "weekly"), ("worst", "customer"),
                ("worst", "net24")]:  # fmt: skip
        assert tables[key].rows, key
    flagged = {row["label"] for row in tables[("trends", "by-classification")].rows if row["flag"]}
    assert {"scanner", "copyright"} <= flagged
    assert "phishing" not in flagged
    assert {row["label"] for row in tables[("workload", "agents")].rows} == {
        "alice",
        "arjun",
        "lena",
    }
    # the escalated demo cases are not lena's to count
    labels = {row["label"] for row in tables[("backlog", "by-age")].rows}
    assert not any("restricted" in label or "Investigation" in label for label in labels)
    assert seed_lead_history()["tickets"] == 0
    assert Ticket.objects.filter(aggregation_key__startswith=KEY).count() == created + 2
