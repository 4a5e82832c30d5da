"""``POST /api/v1/reports/`` names every problem of a simple-schema submission in one
answer (issue "A working day in the desk", the API): unknown fields, invalid fields, a
resource that names none or several of ip/domain/url, and a missing reporter, together,
instead of one per round trip (unknown fields used to hide every other error, and the
cross-field rules were checked only once every field was valid)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from accounts import roles
from complaints.models import Report
from tests.complaints.api.test_reports_api import reporter_client
from tests.complaints.intake_support import (
    clean_throttles_fixture,  # noqa: F401 - fixture
    simple_report,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clean_throttles")]

URL = "/api/v1/reports/"


def test_every_error_of_a_submission_is_named_at_once(api_client_for: Callable) -> None:
    body = {
        "typo": 1,
        "type": "not-a-type",
        "resources": [
            {"ip": "999.1.1.1", "port": 70000},
            {"ip": "192.0.2.1", "observed_at": "2024-05-01T10:00:00Z"},  # valid
            {"port": 22},  # names no resource
            {"ip": "192.0.2.2", "domain": "example.org", "colour": "red"},
        ],
        "description": "x" * 10_001,
    }
    response = api_client_for(roles.AGENT).post(URL, body, format="json")
    assert response.status_code == 400
    errors = response.json()
    assert set(errors) == {"typo", "type", "resources", "description", "reporter"}
    assert errors["typo"] == ["Unknown field."]
    assert errors["reporter"] == ["This field is required."]
    resources = errors["resources"]  # by index, the valid one left out
    assert set(resources) == {"0", "2", "3"}
    assert set(resources["0"]) == {"ip", "port"}
    assert resources["2"] == {"non_field_errors": ["Give exactly one of ip, domain or url."]}
    assert set(resources["3"]) == {"colour", "non_field_errors"}
    assert Report.objects.count() == 0


def test_a_nested_reporter_names_all_its_errors(api_client_for: Callable) -> None:
    body = simple_report(reporter={"email": "not-an-address", "name": "n" * 201, "x": 1})
    response = api_client_for(roles.AGENT).post(URL, body, format="json")
    assert response.status_code == 400
    assert set(response.json()["reporter"]) == {"email", "name", "x"}


def test_a_reporter_token_needs_no_reporter_field_but_gets_the_other_errors() -> None:
    client, _ = reporter_client()
    response = client.post(URL, {"type": "spam", "resources": []}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"resources"}  # not "reporter": the token names it


def test_a_valid_submission_still_files(api_client_for: Callable) -> None:
    response = api_client_for(roles.AGENT).post(URL, simple_report(), format="json")
    assert response.status_code == 202, response.content
