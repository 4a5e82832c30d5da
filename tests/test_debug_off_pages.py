"""With DEBUG off (the default: tests/test_production_settings.py), an unknown URL and a
server error answer the desk's plain 404 and 500 pages, never Django's technical pages with
the URL map or the traceback; under /api/ both are JSON (issue 17 item 7). A control with
DEBUG on shows the technical pages are what these checks would catch."""

from __future__ import annotations

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path

import trustsafety.urls

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.test_debug_off_pages")]

LEAKS = ("Using the URLconf", "Django tried these URL patterns", "Traceback", "Exception Value",
         "DEBUG = True", "urlpatterns", "settings.py", "SECRET")  # fmt: skip


def explode(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("boom: a server error with SECRET details")


# This module is the URLconf of its tests: the desk's, and two routes that fail.
urlpatterns = [
    path("explode/", explode),
    path("api/v1/explode/", explode),
    *trustsafety.urls.urlpatterns,
]
handler500 = trustsafety.urls.handler500


@pytest.fixture
def debug_off(settings) -> None:  # type: ignore[no-untyped-def]
    settings.DEBUG = False


def client(users, role: str = "agent") -> Client:  # type: ignore[no-untyped-def]
    c = Client(raise_request_exception=False)
    c.force_login(users[role])
    return c


def test_an_unknown_url_is_the_plain_404(debug_off, users) -> None:  # type: ignore[no-untyped-def]
    for who in (client(users), Client()):
        response = who.get("/no-such-page/at-all/")
        assert response.status_code == 404
        page = response.content.decode()
        assert "Not found" in page and "There is no page at this address" in page
        assert not [leak for leak in LEAKS if leak in page]


def test_a_server_error_is_the_plain_500(debug_off, users) -> None:  # type: ignore[no-untyped-def]
    response = client(users).get("/explode/")
    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong" in page
    assert not [leak for leak in LEAKS if leak in page]


def test_the_api_answers_json_for_both(debug_off, users) -> None:  # type: ignore[no-untyped-def]
    error = client(users).get("/api/v1/explode/")
    assert (error.status_code, error.json()) == (500, {"detail": "Server error."})
    missing = client(users).get("/api/v1/no-such-thing/")
    assert (missing.status_code, missing.json()) == (404, {"detail": "Not found."})


def test_control_debug_on_would_show_them(settings, users) -> None:  # type: ignore[no-untyped-def]
    settings.DEBUG = True
    assert "Using the URLconf" in client(users).get("/no-such-page/").content.decode()
    assert "boom" in client(users).get("/explode/").content.decode()
