"""REST for customers and allocations: roles x endpoints, validation answers 400 JSON."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

from accounts import roles
from tests.factories import AllocationFactory, CustomerFactory

pytestmark = pytest.mark.django_db

READERS = {roles.AGENT, roles.LEAD, roles.LEGAL, roles.INVESTIGATIONS, roles.BILLING, roles.ADMIN}
EVERYONE = [*roles.ALL_ROLES, "none", None]


@pytest.fixture
def held() -> dict[str, object]:
    customer = CustomerFactory(external_id="C7")
    allocation = AllocationFactory(
        network=ipaddress.ip_network("198.51.100.0/28"), customer=customer
    )
    return {"customer": customer, "allocation": allocation}


@pytest.mark.parametrize("role", EVERYONE)
@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/customers/",
        "/api/v1/customers/C7/",
        "/api/v1/allocations/",
        "/api/v1/allocations/{id}/",
    ],
)
def test_read_endpoints_by_role(
    api_client_for: Callable[[str | None], APIClient], held: dict, role: str | None, url: str
) -> None:
    response = api_client_for(role).get(url.format(id=held["allocation"].pk))
    if role is None:
        assert response.status_code == 401
    elif role in READERS:
        assert response.status_code == 200
    else:
        assert response.status_code == 403
        assert "C7" not in response.content.decode()


@pytest.mark.parametrize("role", EVERYONE)
def test_only_admins_create_allocations(
    api_client_for: Callable[[str | None], APIClient], held: dict, role: str | None
) -> None:
    body = {"network": "198.51.100.64/28", "customer": "C7", "valid_from": "2024-01-01T00:00:00Z"}
    response = api_client_for(role).post("/api/v1/allocations/", body, format="json")
    expected = {None: 401, roles.ADMIN: 201}.get(role, 403)
    assert response.status_code == expected, response.content


def test_filter_by_containing_ip_and_time(
    api_client_for: Callable[[str | None], APIClient], held: dict
) -> None:
    client = api_client_for(roles.AGENT)
    hit = client.get(
        "/api/v1/allocations/", {"ip": "198.51.100.5", "at": "2024-06-01T00:00:00"}
    ).json()
    assert [row["network"] for row in hit["results"]] == ["198.51.100.0/28"]
    assert client.get("/api/v1/allocations/", {"ip": "198.51.100.99"}).json()["results"] == []
    assert client.get("/api/v1/allocations/", {"at": "2020-01-01"}).json()["results"] == []


@pytest.mark.parametrize(
    ("params", "field"),
    [({"ip": "not-an-ip"}, "ip"), ({"at": "yesterday"}, "at")],
)
def test_bad_filters_answer_400_json(
    api_client_for: Callable[[str | None], APIClient], held: dict, params: dict, field: str
) -> None:
    response = api_client_for(roles.AGENT).get("/api/v1/allocations/", params)
    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.parametrize(
    "body",
    [
        {"network": "198.51.100.5/28", "customer": "C7", "valid_from": "2024-01-01T00:00:00Z"},
        {"network": "nonsense", "customer": "C7", "valid_from": "2024-01-01T00:00:00Z"},
        {"network": "198.51.100.0/28", "customer": "C7", "valid_from": "2024-03-01T00:00:00Z"},
        {"network": "198.51.100.64/28", "customer": "nobody", "valid_from": "2024-01-01T00:00:00Z"},
        {
            "network": "198.51.100.64/28",
            "customer": "C7",
            "valid_from": "2024-01-01T00:00:00Z",
            "valid_to": "2023-01-01T00:00:00Z",
        },
        {"network": "198.51.100.64/28", "customer": "C7"},
        {"network": "198.51.100.64/28", "customer": "C7", "valid_from": "not a time"},
    ],
)
def test_invalid_allocations_answer_400_never_500(
    api_client_for: Callable[[str | None], APIClient], held: dict, body: dict
) -> None:
    response = api_client_for(roles.ADMIN).post("/api/v1/allocations/", body, format="json")
    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith("application/json")


def test_revoked_and_unknown_tokens_are_refused(users: dict) -> None:
    from accounts.models import ApiToken
    from accounts.services import api_token_issue, api_token_revoke

    token, key = api_token_issue(user=users[roles.AGENT], name="laptop")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/customers/").status_code == 200
    api_token_revoke(token=token)
    assert client.get("/api/v1/customers/").status_code == 401
    client.credentials(HTTP_AUTHORIZATION="Token tsd_guessed")
    assert client.get("/api/v1/customers/").status_code == 401
    assert not ApiToken.objects.filter(key_hash=key).exists()  # only the hash is stored


def test_schema_and_docs_are_served_without_inline_script(users: dict) -> None:
    from django.test import Client

    client = Client()
    client.force_login(users[roles.AGENT])
    schema = client.get("/api/schema/")
    assert schema.status_code == 200 and b"/api/v1/allocations/" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "<script>" not in html.replace(" ", "")
    assert "script-src 'self'" in docs["Content-Security-Policy"]
