"""The legal desk's API (item 8: a request filed through the API never enters the abuse
queue) and the transparency report (item 9: counts per half-year by type, jurisdiction and
outcome, accounts affected; a page, a CSV and the API), counted by hand below."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from django.test import Client

from complaints.models import Message, Report, Ticket
from legal import services
from legal.models import LegalRequest
from legal.packages import package_build, package_request
from tests.legal.support import LegalWorld, subpoena, walk_to_collecting

pytestmark = pytest.mark.django_db


def test_a_request_filed_through_the_api_is_legal_only_and_never_an_abuse_ticket(
    lw: LegalWorld, api_client_for, users
) -> None:
    body = {
        "type": "eu_production", "authority": "Staatsanwaltschaft Berlin", "jurisdiction": "de",
        "case_number": "276 Js 1/25", "received_at": "2025-03-20T10:00:00+01:00",
        "time_zone": "Europe/Berlin", "data_categories": ["subscriber"],
        "scope": [{"kind": "ip", "value": "198.51.100.7", "starts_at": "2025-03-01T00:00:00Z",
                   "ends_at": "2025-03-02T00:00:00Z"}],
    }  # fmt: skip
    before = (Ticket.objects.count(), Report.objects.count(), Message.objects.count())
    created = api_client_for("legal").post("/api/v1/legal/requests/", body, format="json")
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["channel"] == "api" and data["jurisdiction"] == "DE"
    assert data["due_at"] == "2025-03-30T21:59:59.999999Z"  # 10 days, DST day in Berlin
    assert (Ticket.objects.count(), Report.objects.count(), Message.objects.count()) == before
    assert api_client_for("legal").get("/api/v1/legal/requests/").json()["count"] == 1
    detail = api_client_for("legal").get(f"/api/v1/legal/requests/{data['id']}/")
    assert detail.status_code == 200 and "no-store" in detail["Cache-Control"]
    for role in ("agent", "lead", "admin", "investigations", "billing"):
        client = api_client_for(role)
        assert client.get("/api/v1/legal/requests/").status_code == 403
        assert client.post("/api/v1/legal/requests/", body, format="json").status_code == 403
        assert client.get(f"/api/v1/legal/requests/{data['id']}/").status_code == 404
        assert client.get("/api/v1/legal/transparency/").status_code == 403
    bad = api_client_for("legal").post(
        "/api/v1/legal/requests/", {**body, "type": "nonsense"}, format="json"
    )
    assert bad.status_code == 400


def test_the_transparency_report_counts_by_half_year_type_jurisdiction_and_outcome(
    lw: LegalWorld,
) -> None:
    h1 = datetime(2025, 2, 1, tzinfo=UTC)
    produced = walk_to_collecting(lw, subpoena(lw, received_at=h1))  # 3 customers in scope
    package = package_request(request_id=produced.pk, actor=lw.leo, kind="production")
    package_build(package_id=package.pk)
    services.request_produce(request_id=produced.pk, actor=lw.leo, package_id=package.pk,
                             channel="portal", recipient="court", reason="done")  # fmt: skip
    partial = walk_to_collecting(lw, subpoena(lw, received_at=h1, scope=[services.ScopeInput("customer", "C-OLD")]),
                                 narrow=True)  # fmt: skip
    package = package_request(request_id=partial.pk, actor=lw.leo, kind="production")
    package_build(package_id=package.pk)
    services.request_produce(request_id=partial.pk, actor=lw.leo, package_id=package.pk,
                             channel="portal", recipient="court", reason="narrowed")  # fmt: skip
    rejected = subpoena(lw, received_at=h1, jurisdiction="FR", type="mlat")
    services.request_transition(
        request_id=rejected.pk, actor=lw.leo, to_state="rejected", reason="no MLAT"
    )
    none = walk_to_collecting(lw, subpoena(lw, received_at=h1, jurisdiction="FR", type="mlat"))
    services.request_transition(
        request_id=none.pk, actor=lw.leo, to_state="no_records", reason="none held"
    )
    subpoena(lw, received_at=h1)  # pending
    subpoena(lw, received_at=datetime(2025, 7, 1, tzinfo=UTC))  # H2: not counted
    subpoena(lw, received_at=h1, type="dsa_art18", jurisdiction="DE")  # ours, counted apart
    leo = Client()
    leo.force_login(lw.leo)
    response = leo.get("/legal/transparency.csv?half=2025-H1")
    assert response.status_code == 200
    rows = {
        (r["type"], r["jurisdiction"]): r
        for r in csv.DictReader(io.StringIO(response.content.decode()))
    }
    us = rows[("subpoena", "US")]
    assert (us["received"], us["produced"], us["partial"], us["no_records"], us["rejected"], us["pending"]) == \
        ("3", "1", "1", "0", "0", "1")  # fmt: skip
    assert us["accounts_affected"] == "3"  # C-OLD, C-NEW, C-NEST (C-OLD counted once)
    fr = rows[("mlat", "FR")]
    assert (fr["received"], fr["no_records"], fr["rejected"], fr["accounts_affected"]) == (
        "2",
        "1",
        "1",
        "0",
    )
    total = rows[("all", "all")]
    assert (total["received"], total["accounts_affected"]) == ("5", "3")
    assert rows[("dsa_art18 (outbound)", "all")]["received"] == "1"
    page = leo.get("/legal/transparency/?half=2025-H1")
    assert page.status_code == 200 and "2025 H1" in page.content.decode()
    assert LegalRequest.objects.count() == 7  # five counted, one in H2, one of ours
