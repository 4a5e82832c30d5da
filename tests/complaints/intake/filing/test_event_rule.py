"""The classification rule that typed an event is stored with it (issue 13, item 5): the
filing's COPY writes it, ``ingest --json``, the report API and the agents' pages show it;
an event typed by its format's own field (an ARF Feedback-Type) has none."""

from __future__ import annotations

import io
import ipaddress
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts import roles
from complaints.models import Event
from tests.complaints import builders
from tests.factories import AllocationFactory, CustomerFactory

pytestmark = pytest.mark.django_db

BRUTE_FORCE = builders.freetext(
    "203.0.113.225 tried 120,000 leaked passwords against our SSH server. Please act.",
    subject="Credential stuffing from 203.0.113.225",
)


@pytest.fixture
def ours() -> None:
    AllocationFactory(
        network=ipaddress.ip_network("203.0.113.0/24"),
        customer=CustomerFactory(),
        valid_from=datetime(2024, 1, 1, tzinfo=UTC),
    )


def _ingest(tmp_path: Path, *messages: bytes) -> list[dict]:
    paths = []
    for index, raw in enumerate(messages):
        path = tmp_path / f"m{index}.eml"
        path.write_bytes(raw)
        paths.append(str(path))
    out = io.StringIO()
    call_command("ingest", "--json", *paths, stdout=out)
    return [json.loads(line) for line in out.getvalue().splitlines() if line.startswith("{")]


def test_the_copy_stores_the_rule_and_ingest_json_shows_it(ours: None, tmp_path: Path) -> None:
    [prose, arf] = _ingest(tmp_path, BRUTE_FORCE, builders.arf("203.0.113.5"))

    assert [(e["ip"], e["type"], e["rule"]) for e in prose["events"]] == [
        ("203.0.113.225", "brute-force", "subject:brute-force")
    ]
    assert [e["rule"] for e in arf["events"]] == [None]
    stored = dict(Event.objects.values_list("ip", "rule"))
    assert stored == {"203.0.113.225": "subject:brute-force", "203.0.113.5": ""}


def test_the_report_api_and_the_pages_show_the_rule(
    ours: None, tmp_path: Path, api_client_for, users, client
) -> None:
    [line] = _ingest(tmp_path, BRUTE_FORCE)

    body = api_client_for(roles.AGENT).get(f"/api/v1/reports/{line['report_id']}/").json()
    assert [e["rule"] for e in body["events"]] == ["subject:brute-force"]

    client.force_login(users[roles.AGENT])
    [ticket_id] = line["ticket_ids"]
    events_page = client.get(reverse("workspace:ticket-events", args=[ticket_id]))
    assert "subject:brute-force" in events_page.content.decode()
    report_page = client.get(reverse("complaints:report-detail", args=[line["report_id"]]))
    assert "subject:brute-force" in report_page.content.decode()
