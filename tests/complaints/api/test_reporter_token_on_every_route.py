"""A reporter's token on any API route but the reports' is a 403 "this token may only file
reports" (issue 17 item 7): every route under /api/v1/ is walked from the URL resolver, so
an endpoint added later (by any app) is held to it too, and no view can opt out by choosing
its own authentication classes. The provisioning callback is signed, not token-authenticated,
and is left out; the reports' own routes accept the token (test_reporter_token_scope.py)."""

from __future__ import annotations

import re

import pytest

from complaints.api.authentication import REPORTER_TOKEN_ONLY
from tests.authz_support import all_routes
from tests.complaints.api.test_reports_api import reporter_client
from tests.complaints.intake_support import clean_throttles_fixture  # noqa: F401 - fixture

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clean_throttles")]

NOT_TOKEN_ROUTES = {"provisioning-callback", "api-not-found"}


def api_routes() -> list[tuple[str, str]]:
    found = []
    for route, name in all_routes():
        if not route.startswith("api/v1/") or name in NOT_TOKEN_ROUTES:
            continue
        if name.startswith("report-") or name.split(":")[-1].startswith("report-"):
            continue
        # A concrete path: converters and regex groups become a plausible value.
        path = re.sub(r"<int:[^>]+>", "1", route)
        path = re.sub(r"<(?:str|slug|uuid|path):?[^>]*>", "x", path)
        path = re.sub(r"\(\?P<[^>]+>[^)]*\)", "x", path).replace("^", "").replace("$", "")
        path = path.replace("\\.", ".").replace("/?", "/")
        found.append(("/" + path, name))
    return found


def test_the_walk_finds_the_desk_endpoints() -> None:
    names = {name for _, name in api_routes()}
    assert {"ticket-list", "ticket-actions", "ticket-messages"} <= names
    assert any("allocation" in name for name in names) and any("customer" in name for name in names)


@pytest.mark.parametrize(("path", "name"), api_routes())
def test_every_desk_route_refuses_a_reporter_token_with_the_reason(path: str, name: str) -> None:
    client, _ = reporter_client()
    for method in ("get", "post"):
        response = (
            getattr(client, method)(path, {}, format="json")
            if method == "post"
            else client.get(path)
        )
        assert response.status_code == 403, (name, method, response.status_code)
        assert response.json() == {"detail": REPORTER_TOKEN_ONLY}, (name, method)
