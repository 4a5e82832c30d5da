"""A reporter's token (``tsr_``) files reports and reads its own; on any other endpoint it
is answered 403 "this token may only file reports" (issue "A working day in the desk", the
API), not 401 "invalid or revoked", which sent reporters to check a key that works. A
revoked or unknown reporter token is still a 401, and a reporter may read the schema."""

from __future__ import annotations

import pytest

from complaints.api.authentication import REPORTER_TOKEN_ONLY
from complaints.intake.reporter_tokens import reporter_token_revoke
from complaints.models import ReporterToken
from tests.complaints.api.test_reports_api import reporter_client
from tests.complaints.intake_support import (
    clean_throttles_fixture,  # noqa: F401 - fixture
    simple_report,
)
from tests.complaints.queue_support import make_ticket

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clean_throttles")]

DESK_ENDPOINTS = [
    ("GET", "/api/v1/tickets/"),
    ("GET", "/api/v1/tickets/{ticket}/"),
    ("GET", "/api/v1/tickets/{ticket}/actions/"),
    ("POST", "/api/v1/tickets/{ticket}/actions/"),
    ("POST", "/api/v1/tickets/{ticket}/actions/1/approve/"),
    ("GET", "/api/v1/tickets/{ticket}/messages/"),
    ("POST", "/api/v1/tickets/{ticket}/messages/"),
    ("GET", "/api/v1/customers/"),
    ("GET", "/api/v1/customers/C1/"),
    ("GET", "/api/v1/allocations/"),
    ("POST", "/api/v1/allocations/"),
    ("GET", "/api/v1/allocations/1/"),
]


@pytest.mark.parametrize(("method", "path"), DESK_ENDPOINTS)
def test_a_reporter_token_on_a_desk_endpoint_is_told_what_it_may_do(method: str, path: str) -> None:
    client, _ = reporter_client()
    url = path.format(ticket=make_ticket().pk)
    response = client.get(url) if method == "GET" else client.post(url, {}, format="json")
    assert response.status_code == 403
    assert response.json() == {"detail": REPORTER_TOKEN_ONLY}
    assert REPORTER_TOKEN_ONLY == "this token may only file reports"


def test_the_same_token_still_files_and_reads_its_reports() -> None:
    client, _ = reporter_client()
    body = {k: v for k, v in simple_report().items() if k != "reporter"}
    posted = client.post("/api/v1/reports/", body, format="json")
    assert posted.status_code == 202
    assert client.get(f"/api/v1/reports/{posted.json()['id']}/").status_code == 200
    assert client.get("/api/v1/reports/").status_code == 200


def test_a_revoked_or_unknown_reporter_token_is_a_401_everywhere() -> None:
    client, reporter = reporter_client()
    reporter_token_revoke(ReporterToken.objects.get(reporter=reporter))
    for url in ("/api/v1/tickets/", "/api/v1/reports/"):
        response = client.get(url)
        assert response.status_code == 401
        assert response.json() == {"detail": "Invalid or revoked token."}
    client.credentials(HTTP_AUTHORIZATION="Token tsr_guessed")
    assert client.get("/api/v1/customers/").status_code == 401


def test_a_reporter_may_read_the_schema_it_files_by() -> None:
    client, _ = reporter_client()
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    assert "/api/v1/reports/" in response.json()["paths"]
