"""``/api/v1/reports/``: who may post and read, the three bodies, 202 + URL, duplicates,
validation (400 JSON, never 500), size (413), throttling (429), and a raw message filed
end to end by a real Celery worker."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from accounts import roles
from complaints.intake.filing.pipeline import reports_process
from complaints.intake.reporter_tokens import (
    reporter_ensure,
    reporter_token_issue,
    reporter_token_revoke,
)
from complaints.models import Event, Receipt, Report, ReporterToken
from tests.complaints.intake_support import (
    OUR_IP,
    clean_throttles_fixture,  # noqa: F401 - fixture
    held_ip_fixture,  # noqa: F401 - fixture
    simple_report,
    spam_message,
    xarf_v4,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clean_throttles")]

URL = "/api/v1/reports/"
SUBMITTERS = {roles.AGENT, roles.LEAD, roles.ADMIN}
EVERYONE = [*roles.ALL_ROLES, "none", None]


def reporter_client(address: str = "abuse@honeypot.example.org") -> tuple[APIClient, object]:
    reporter = reporter_ensure(address=address, name="Honeypot", organisation="Example CERT")
    _, key = reporter_token_issue(reporter)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client, reporter


def post_raw(client: APIClient, raw: bytes, content_type: str = "message/rfc822"):  # type: ignore[no-untyped-def]
    return client.generic("POST", URL, raw, content_type=content_type)


# --- roles x endpoints -------------------------------------------------------------------


@pytest.mark.parametrize("role", EVERYONE)
def test_who_may_post_a_report(api_client_for: Callable, role: str | None) -> None:
    response = api_client_for(role).post(URL, simple_report(), format="json")
    expected = 401 if role is None else 202 if role in SUBMITTERS else 403
    assert response.status_code == expected, response.content
    assert response["Content-Type"].startswith("application/json")
    assert Report.objects.count() == (1 if expected == 202 else 0)


@pytest.mark.parametrize("role", EVERYONE)
def test_who_may_list_and_read_reports(api_client_for: Callable, role: str | None) -> None:
    agent = api_client_for(roles.AGENT)
    report_id = agent.post(URL, simple_report(), format="json").json()["id"]
    client = api_client_for(role)
    listing = client.get(URL)
    detail = client.get(f"{URL}{report_id}/")
    expected = 401 if role is None else 200 if role in SUBMITTERS else 403
    assert (listing.status_code, detail.status_code) == (expected, expected)
    if expected == 200:
        assert [row["id"] for row in listing.json()["results"]] == [report_id]
        assert detail.json()["id"] == report_id
    else:
        assert str(report_id) not in detail.content.decode()


def test_reporter_token_posts_and_reads_only_its_own_reports(api_client_for: Callable) -> None:
    mine, reporter = reporter_client()
    theirs, _ = reporter_client("reports@other-cert.example.net")
    agent_report = api_client_for(roles.AGENT).post(URL, simple_report(), format="json").json()
    posted = mine.post(
        URL, {k: v for k, v in simple_report().items() if k != "reporter"}, format="json"
    )
    assert posted.status_code == 202, posted.content
    my_id = posted.json()["id"]
    raw_id = post_raw(theirs, spam_message()).json()["id"]

    assert mine.get(f"{URL}{my_id}/").status_code == 200
    assert mine.get(f"{URL}{raw_id}/").status_code == 404  # another reporter's report
    assert theirs.get(f"{URL}{my_id}/").status_code == 404
    assert mine.get(f"{URL}{agent_report['id']}/").status_code == 404
    assert [row["id"] for row in mine.get(URL).json()["results"]] == [my_id]
    # The stored submission names the token's reporter whatever the body says.
    forged = mine.post(
        URL, simple_report(reporter={"email": "ceo@victim.example.org"}), format="json"
    )
    assert forged.status_code == 202
    # ... so it is the very submission made before, not a report in someone else's name.
    assert (forged.json()["id"], forged.json()["duplicate"]) == (my_id, True)
    raw = bytes(Report.objects.get(pk=my_id).raw.content)
    assert json.loads(raw)["reporter"]["email"] == reporter.address
    receipts = Receipt.objects.filter(report_id=my_id)
    assert {(r.reporter_token.reporter, r.channel) for r in receipts} == {
        (reporter, Receipt.Channel.API)
    }


def test_reporter_sees_no_customer_or_ticket(held_ip: object) -> None:
    client, _ = reporter_client()
    report_id = client.post(URL, simple_report(reporter=None) | {}, format="json")
    # reporter=None is refused: a reporter omits the field instead.
    assert report_id.status_code == 400
    body = {k: v for k, v in simple_report().items() if k != "reporter"}
    report_id = client.post(URL, body, format="json").json()["id"]
    reports_process([report_id])
    detail = client.get(f"{URL}{report_id}/").json()
    assert detail["status"] == "filed"
    assert [e["ip"] for e in detail["events"]] == [OUR_IP]
    text = json.dumps(detail)
    assert "C-API-1" not in text and "ticket" not in text and "attribution" not in text


def test_revoked_reporter_token_and_agents_only_endpoints(api_client_for: Callable) -> None:
    client, reporter = reporter_client()
    assert (
        client.post(URL, {"type": "spam", "resources": [{"ip": OUR_IP}]}, format="json").status_code
        == 202
    )
    # A reporter token opens nothing else in the API.
    assert client.get("/api/v1/customers/").status_code in (401, 403)
    reporter_token_revoke(ReporterToken.objects.get(reporter=reporter))
    assert client.post(URL, simple_report(), format="json").status_code == 401
    client.credentials(HTTP_AUTHORIZATION="Token tsr_guessed")
    assert client.get(URL).status_code == 401


def test_agent_session_posts_with_csrf(users: dict) -> None:
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(users[roles.AGENT])
    assert client.post(URL, simple_report(), format="json").status_code == 403  # no CSRF token
    client.get("/accounts/login/")
    token = client.cookies.get("csrftoken")
    if token is None:  # the login page sets it; fall back to Django's helper
        from django.middleware.csrf import _get_new_csrf_string

        token_value = _get_new_csrf_string()
        client.cookies["csrftoken"] = token_value
    else:
        token_value = token.value
    response = client.post(URL, simple_report(), format="json", HTTP_X_CSRFTOKEN=token_value)
    assert response.status_code == 202, response.content


# --- the three bodies ----------------------------------------------------------------------


def test_simple_schema_post_answers_202_with_id_and_url_then_files(
    api_client_for: Callable, held_ip: object
) -> None:
    client = api_client_for(roles.AGENT)
    response = client.post(URL, simple_report(), format="json")
    assert response.status_code == 202
    answer = response.json()
    assert answer["status"] == "received" and answer["duplicate"] is False
    assert answer["url"] == f"http://testserver{URL}{answer['id']}/"
    assert response["Location"] == answer["url"]
    # Promise 1: the bytes were committed before the answer.
    report = Report.objects.get(pk=answer["id"])
    stored = json.loads(bytes(report.raw.content))
    assert stored["schema"] == "tsd-report/1" and stored["type"] == "brute-force"

    reports_process([answer["id"]])
    detail = client.get(answer["url"]).json()
    assert detail["status"] == "filed"
    assert detail["format"] == "api"
    assert detail["evidence_status"] == "complete", detail["evidence_reasons"]
    event = detail["events"][0]
    assert event | {"observed_at": None} == {
        "ip": OUR_IP, "domain": "", "url": "", "port": 22, "type": "brute-force",
        "type_label": "Brute-force attack",
        "taxonomy": "intrusion-attempts", "rule": "", "observed_at": None,
        "observed_time_known": True,
        "attribution": "customer", "customer": "C-API-1", "ticket_id": detail["ticket_ids"][0],
    }  # fmt: skip
    assert event["observed_at"].startswith("2024-05-01T10:00:00")
    assert len(detail["ticket_ids"]) == 1


def test_duplicate_post_answers_the_original(api_client_for: Callable) -> None:
    client = api_client_for(roles.AGENT)
    first = client.post(URL, simple_report(), format="json").json()
    # Same submission, keys in another order and with insignificant white space.
    again = client.generic(
        "POST", URL, json.dumps(dict(reversed(simple_report().items())), indent=4),
        content_type="application/json",
    )  # fmt: skip
    assert again.status_code == 202
    assert again.json() == first | {"duplicate": True}
    raw = spam_message(tag="dup")
    one, two = post_raw(client, raw).json(), post_raw(client, raw).json()
    assert (two["id"], two["duplicate"], one["duplicate"]) == (one["id"], True, False)
    assert Report.objects.count() == 2
    assert Receipt.objects.filter(outcome="duplicate").count() == 2


def test_xarf_json_post_is_stored_as_sent_and_parsed_as_xarf(
    api_client_for: Callable, held_ip: object
) -> None:
    body = json.dumps(xarf_v4(), indent=2).encode()
    response = post_raw(api_client_for(roles.AGENT), body, "application/json")
    assert response.status_code == 202, response.content
    report_id = response.json()["id"]
    assert bytes(Report.objects.get(pk=report_id).raw.content) == body
    [outcome] = reports_process([report_id])
    assert (outcome.status, outcome.format) == ("filed", "xarf")
    assert [e["ip"] for e in outcome.events] == [OUR_IP]
    assert outcome.customers == ["C-API-1"]


def test_raw_message_post_is_stored_byte_for_byte(api_client_for: Callable) -> None:
    raw = spam_message(tag="bytes") + b"\xff\xfe odd bytes \x00 kept\r\n"
    response = post_raw(api_client_for(roles.LEAD), raw)
    assert response.status_code == 202
    assert bytes(Report.objects.get(pk=response.json()["id"]).raw.content) == raw


# --- refusals: 400 / 413 / 415, never 500 ---------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (simple_report(type="nonsense"), "type"),
        (simple_report(type=""), "type"),
        (simple_report(resources=[]), "resources"),
        (simple_report(resources=[{"ip": "999.0.0.1"}]), "resources"),
        (simple_report(resources=[{"ip": OUR_IP, "domain": "a.example"}]), "resources"),
        (simple_report(resources=[{"observed_at": "2024-01-01T00:00:00Z"}]), "resources"),
        (simple_report(resources=[{"domain": "not a domain"}]), "resources"),
        (simple_report(resources=[{"url": "javascript:alert(1)"}]), "resources"),
        (simple_report(resources=[{"ip": OUR_IP, "port": 70000}]), "resources"),
        (simple_report(resources=[{"ip": OUR_IP, "observed_at": "yesterday"}]), "resources"),
        (
            simple_report(resources=[{"ip": OUR_IP, "observed_at": "2999-01-01T00:00:00Z"}]),
            "resources",
        ),
        (simple_report(resources=[{"ip": OUR_IP, "colour": "red"}]), "resources"),
        (simple_report(resources=[{"ip": OUR_IP}] * 1001), "resources"),
        (simple_report(resources="198.51.100.7"), "resources"),
        (simple_report(reporter={"email": "not-an-address"}), "reporter"),
        (simple_report(reporter={"email": "a@example.org", "role": "x"}), "reporter"),
        ({k: v for k, v in simple_report().items() if k != "reporter"}, "reporter"),
        (simple_report(description="x" * 10_001), "description"),
        (simple_report(evidence="nul \x00 byte"), "evidence"),
        (simple_report(extra_field=1), "extra_field"),
        (simple_report(schema="other/9"), "schema"),
        ({"xarf_version": "4.0.0", "category": "connection"}, "xarf"),
        ({"Report": "not an object", "Version": "3"}, "xarf"),
        ([simple_report()], "detail"),
        ("just a string", "detail"),
    ],
)
def test_invalid_submissions_answer_400_json(
    api_client_for: Callable, body: object, field: str
) -> None:
    response = api_client_for(roles.AGENT).post(URL, body, format="json")
    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith("application/json")
    assert field in response.json()
    assert Report.objects.count() == 0


@pytest.mark.parametrize(
    ("raw", "content_type", "status"),
    [
        (b"{not json", "application/json", 400),
        (b"\xff\xfe\x00garbage", "application/json", 400),
        (b"[" * 100_000 + b"]" * 100_000, "application/json", 400),
        (b"", "application/json", 400),
        (b"", "message/rfc822", 400),
        (b"   \r\n", "message/rfc822", 400),
        (b"<xml/>", "application/xml", 415),
        (b"hello", "text/plain", 415),
        (b"a=b", "application/x-www-form-urlencoded", 415),
        (b"hello", "", 415),
    ],
)
def test_garbage_and_wrong_content_types_never_500(
    api_client_for: Callable, raw: bytes, content_type: str, status: int
) -> None:
    response = post_raw(api_client_for(roles.AGENT), raw, content_type)
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    assert Report.objects.count() == 0


@pytest.mark.parametrize("content_type", ["message/rfc822", "application/json"])
def test_bodies_over_the_limit_answer_413(
    api_client_for: Callable,
    settings,
    content_type: str,  # type: ignore[no-untyped-def]
) -> None:
    settings.REPORT_MAX_BYTES = 4096
    client = api_client_for(roles.AGENT)
    big = spam_message(tag="big") + b"x" * 5000
    if content_type == "application/json":
        big = json.dumps(simple_report(evidence="y" * 5000)).encode()
    response = post_raw(client, big, content_type)
    assert response.status_code == 413
    assert response["Content-Type"].startswith("application/json")
    assert "limit" in response.json()["detail"]
    assert Report.objects.count() == 0
    assert post_raw(client, spam_message(tag="small")).status_code == 202


def test_posting_is_throttled_per_token(api_client_for: Callable, settings) -> None:  # type: ignore[no-untyped-def]
    settings.REPORTS_API_THROTTLE = "3/min"
    client = api_client_for(roles.AGENT)
    codes = [post_raw(client, spam_message(tag=f"t{i}")).status_code for i in range(4)]
    assert codes == [202, 202, 202, 429]
    refused = post_raw(client, spam_message(tag="t5"))
    assert refused.status_code == 429 and "Retry-After" in refused
    assert Report.objects.count() == 3
    # Another token has its own budget; reading is not counted against posting.
    assert client.get(URL).status_code == 200
    other, _ = reporter_client()
    assert post_raw(other, spam_message(tag="t6")).status_code == 202


# --- list filters, pagination, schema --------------------------------------------------------


def test_list_filters_and_cursor_pagination(api_client_for: Callable) -> None:
    client = api_client_for(roles.AGENT)
    ids = [post_raw(client, spam_message(tag=f"p{i}")).json()["id"] for i in range(3)]
    empty = post_raw(client, b"Subject: nothing here\r\n\r\nhello").json()["id"]
    reports_process([*ids, empty])
    quarantined = client.get(URL, {"status": "quarantined"}).json()["results"]
    assert [row["id"] for row in quarantined] == [empty]
    assert quarantined[0]["quarantine_reason"] == "no-indicators"
    # The quarantined one was read by the free-text parser too (and found nothing).
    by_format = client.get(URL, {"format": "freetext", "status": "filed"}).json()["results"]
    assert {row["id"] for row in by_format} == set(ids)
    assert all("?" not in row["url"] for row in by_format)
    assert client.get(URL, {"format": "arf"}).json()["results"] == []
    assert client.get(URL, {"status": "bogus"}).status_code == 400
    page = client.get(URL, {"page_size": 2}).json()
    assert [row["id"] for row in page["results"]] == [empty, ids[2]]
    rest = client.get(page["next"]).json()
    assert [row["id"] for row in rest["results"]] == [ids[1], ids[0]]
    assert rest["next"] is None


def test_openapi_schema_documents_the_submission(users: dict) -> None:
    from django.test import Client

    client = Client()
    client.force_login(users[roles.AGENT])
    schema = client.get("/api/schema/", {"format": "json"}).content.decode()
    assert "/api/v1/reports/" in schema
    assert "SimpleReport" in schema and "message/rfc822" in schema
    assert "brute-force" in schema  # the RSIT types are listed


def test_reporter_token_command_prints_a_working_key(capsys) -> None:  # type: ignore[no-untyped-def]
    call_command("reporter_token", "Reports@CERT.example.net", "--organisation", "Example CERT")
    key = capsys.readouterr().out.strip()
    assert key.startswith("tsr_")
    token = ReporterToken.objects.get()
    assert token.reporter.address == "reports@cert.example.net"
    assert key not in token.key_hash and token.key_hash != key
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert post_raw(client, spam_message(tag="cmd")).status_code == 202


# --- end to end through a real worker --------------------------------------------------------


@pytest.mark.worker
def test_raw_message_is_filed_by_a_real_worker(
    celery_worker_process: object, api_client_for: Callable, held_ip: object
) -> None:
    client = api_client_for(roles.AGENT)
    answer = post_raw(client, spam_message(tag="worker")).json()
    assert answer["status"] == "received"
    deadline = time.monotonic() + 60
    detail = client.get(answer["url"]).json()
    while detail["status"] == "received" and time.monotonic() < deadline:
        time.sleep(0.2)
        detail = client.get(answer["url"]).json()
    assert detail["status"] == "filed", detail
    assert detail["format"] == "freetext"
    assert [(e["ip"], e["customer"]) for e in detail["events"]] == [(OUR_IP, "C-API-1")]
    assert len(detail["ticket_ids"]) == 1
    assert Event.objects.filter(report_id=answer["id"]).count() == 1
