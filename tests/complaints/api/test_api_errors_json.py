"""Every error of the API answers JSON and the schema says which errors each operation
gives: found by the API fuzz (tests/test_api_fuzz.py), each class pinned here.

- a path under /api/v1/ that matches no route (an identifier that is not a number, a
  dropped trailing slash) answered Django's HTML 404 page;
- an unexpected exception in an API view answered Django's HTML 500 page;
- the schema documented only each operation's success (no 400/401/403/404/429), and said
  ``string`` for values that are null (an automatic action's requester, a message's author,
  a report's reporter);
- query parameters of the wrong type or outside their choices were silently ignored
  (``page_size=abc``, ``replied=maybe``, ``status=%20filed``): a 200 with a different
  answer than asked for, instead of a 400 naming the parameter.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from accounts import roles
from complaints.api import tickets as tickets_api
from complaints.models import Action, Message, Report
from tests.complaints.queue_support import make_ticket
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def _is_json(response) -> bool:  # type: ignore[no-untyped-def]
    return response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize(
    "path",
    ["/api/v1/tickets/abc/", "/api/v1/tickets/1/actions/x/approve/", "/api/v1/nothing-here/",
     "/api/v1/reports/-1.5/", "/api/v2/tickets/", "/api/"],
)  # fmt: skip
def test_an_unknown_api_path_is_a_json_404(api_client_for: Callable, path: str) -> None:
    client = api_client_for(roles.AGENT)
    for response in (client.get(path), client.post(path, {}, format="json")):
        assert response.status_code == 404
        assert _is_json(response)
        assert response.json() == {"detail": "Not found."}


def test_a_dropped_trailing_slash_is_a_json_404_that_names_the_path(
    api_client_for: Callable,
) -> None:
    response = api_client_for(roles.AGENT).post("/api/v1/reports", {}, format="json")
    assert response.status_code == 404 and _is_json(response)
    assert response.json()["detail"] == "Not found. API paths end with a slash: /api/v1/reports/"


def test_a_page_outside_the_api_keeps_its_html_404(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert not _is_json(response)


def test_an_unexpected_error_in_an_api_view_is_a_logged_json_500(
    api_client_for: Callable, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the queue broke")

    monkeypatch.setattr(tickets_api, "ticket_queue_page", broken)
    with caplog.at_level(logging.ERROR, logger="trustsafety.api"):
        response = api_client_for(roles.AGENT).get("/api/v1/tickets/")
    assert response.status_code == 500 and _is_json(response)
    assert response.json() == {"detail": "Internal error: it has been logged."}
    assert "the queue broke" not in response.content.decode()
    assert any(r.exc_info and "the queue broke" in str(r.exc_info[1]) for r in caplog.records)


# --- the schema ------------------------------------------------------------------------------


@pytest.fixture
def schema(client) -> dict:  # type: ignore[no-untyped-def]
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    return response.json()


def test_every_operation_documents_its_errors_as_json(schema: dict) -> None:
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            expected = {"401", "403", "429"}
            if method != "get" or any(p["in"] == "query" for p in operation.get("parameters", [])):
                expected.add("400")
            if "{" in path:
                expected.add("404")
            if "requestBody" in operation:
                expected |= {"413", "415"}
            assert expected <= set(responses), f"{method} {path}: {sorted(responses)}"
            for code in expected:
                content = responses[code]["content"]["application/json"]["schema"]["$ref"]
                assert content.rsplit("/", 1)[1] in ("Error", "ValidationError")
    assert schema["components"]["schemas"]["Error"]["required"] == ["detail"]


def test_the_schema_says_null_where_the_api_answers_null(
    schema: dict, api_client_for: Callable
) -> None:
    components = schema["components"]["schemas"]
    for component, field in [
        ("Action", "requested_by"), ("Action", "approved_by"), ("Action", "rule"),
        ("Action", "service"), ("Message", "author"), ("ReportDetail", "reporter"),
    ]:  # fmt: skip
        assert components[component]["properties"][field].get("nullable") is True, field
    # And the API does answer null there: an automatic action, an inbound message, a report
    # with no reporter.
    ticket = make_ticket()
    Action.objects.create(ticket=ticket, customer=CustomerFactory(), kind="warn",
                          reason="automatic", status="requested")  # fmt: skip
    Message.objects.create(ticket=ticket, direction="in", visibility="customer", kind="inbound",
                           status="pending", subject="answer", body="text")  # fmt: skip
    report = Report.objects.create(sha256="ab" * 32, size=1, status="filed")
    client = api_client_for(roles.AGENT)
    action = client.get(f"/api/v1/tickets/{ticket.pk}/actions/").json()[0]
    assert action["requested_by"] is None and action["rule"] is None
    assert client.get(f"/api/v1/tickets/{ticket.pk}/messages/").json()[0]["author"] is None
    assert client.get(f"/api/v1/reports/{report.pk}/").json()["reporter"] is None


def test_blank_optional_query_parameters_are_documented_as_not_given(schema: dict) -> None:
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/reports/"]["get"]["parameters"]}
    assert parameters["status"]["allowEmptyValue"] is True
    assert parameters["page_size"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 200}


# --- query parameters --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("page_size=abc", {"page_size"}),
        ("page_size=0", {"page_size"}),
        ("page_size=201", {"page_size"}),
        ("page_size=%EF%BC%95", {"page_size"}),  # a full-width digit five
        ("status=%20filed", {"status"}),
        ("status=lost&page_size=-1&format=" + "x" * 40, {"status", "page_size", "format"}),
        ("format=" + "x" * 33, {"format"}),
    ],
)
def test_invalid_report_list_parameters_are_a_400_naming_them(
    api_client_for: Callable, query: str, named: set[str]
) -> None:
    response = api_client_for(roles.AGENT).get(f"/api/v1/reports/?{query}")
    assert response.status_code == 400, response.content
    assert set(response.json()) == named


def test_blank_or_valid_report_list_parameters_are_accepted(api_client_for: Callable) -> None:
    Report.objects.create(sha256="cd" * 32, size=1, status="filed")
    client = api_client_for(roles.AGENT)
    for query in ("status=&format=&page_size=&cursor=", "status=filed&page_size=1"):
        response = client.get(f"/api/v1/reports/?{query}")
        assert response.status_code == 200, (query, response.content)
        assert len(response.json()["results"]) == 1
    assert client.get("/api/v1/reports/?status=received").json()["results"] == []


def test_invalid_queue_parameters_are_a_400_naming_every_one(api_client_for: Callable) -> None:
    response = api_client_for(roles.AGENT).get(
        "/api/v1/tickets/?replied=maybe&sla=%20breached&sort=sideways&ip=nonsense"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"replied", "sla", "sort", "ip"}
    for query in ("replied=&sla=&sort=", "replied=true&sla=breached&sort=created"):
        assert api_client_for(roles.AGENT).get(f"/api/v1/tickets/?{query}").status_code == 200


# --- found past the fuzz: the same classes on routes outside the schema ------------------------


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_the_provisioning_callback_refuses_other_methods_in_json(client, method: str) -> None:  # type: ignore[no-untyped-def]
    response = getattr(client, method)("/api/v1/provisioning/callback/")
    assert response.status_code == 405 and _is_json(response)
    assert response["Allow"] == "POST"


@pytest.mark.parametrize(
    "path",
    ["/api/v1/customers/a%00b/", "/api/v1/customers/?q=%00", "/api/v1/tickets/?q=a%00",
     "/api/v1/allocations/?customer=%00"],
)  # fmt: skip
def test_a_nul_character_in_a_request_is_a_400_that_says_so(
    api_client_for: Callable, path: str
) -> None:
    response = api_client_for(roles.ADMIN).get(path)
    assert response.status_code == 400 and _is_json(response)
    assert response.json() == {
        "detail": "A value contains a NUL character, which no field may hold."
    }


@pytest.mark.parametrize("path", ["/api/v1/tickets/{t}/messages/", "/api/v1/tickets/{t}/actions/",
                                  "/api/v1/allocations/", "/api/v1/reports/"])  # fmt: skip
def test_a_json_body_nested_too_deeply_is_a_400(api_client_for: Callable, path: str) -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    url = path.format(t=make_ticket().pk)
    response = api_client_for(roles.ADMIN).generic(
        "POST", url, deep, content_type="application/json"
    )
    assert response.status_code == 400 and _is_json(response)
    assert "nested too deeply" in response.json()["detail"]


def test_the_schema_generates_without_a_warning_and_validates(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # A warning is a part of the API the schema does not describe (an authenticator, a field
    # type it could not resolve): the fuzz would then test a schema that lies.
    from django.core.management import call_command

    out = tmp_path / "schema.json"
    call_command("spectacular", "--fail-on-warn", "--validate", "--format", "openapi-json",
                 "--file", str(out))  # fmt: skip
    assert out.stat().st_size > 10_000
