"""The agents' "New complaint" form and the report page: who may use them, pasted and
taken-down complaints filed through the normal intake, attacker text shown escaped, raw
bytes only as escaped text or a download, and the htmx status refresh."""

from __future__ import annotations

import json
import time

import pytest
from django.test import Client

from accounts import roles
from complaints.intake.filing.pipeline import reports_process
from complaints.models import Receipt, Report
from tests.complaints.intake_support import (
    OUR_IP,
    held_ip_fixture,  # noqa: F401 - fixture
    spam_message,
)

pytestmark = pytest.mark.django_db

NEW = "/intake/new/"
SUBMITTERS = {roles.AGENT, roles.LEAD, roles.ADMIN}
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def client_for(users: dict, role: str) -> Client:
    client = Client()
    client.force_login(users[role])
    return client


def taken_down(**overrides: str) -> dict[str, str]:
    form = {
        "raw_message": "",
        "reporter_email": "Jane.Doe@victim.example.org",
        "reporter_name": "Jane Doe",
        "organisation": "Victim Ltd",
        "type": "phishing",
        "resources": f"{OUR_IP}, 2024-05-01T10:00:00Z, 443\nhttp://login.shop.example.net/verify\n",
        "description": "Called the desk: a phishing page on your network.",
        "evidence": "GET /verify HTTP/1.1 Host: login.shop.example.net",
    }
    form.update(overrides)
    return form


@pytest.mark.parametrize("role", [*roles.ALL_ROLES, "none"])
def test_who_may_open_and_submit_the_form(users: dict, role: str) -> None:
    client = client_for(users, role)
    page = client.get(NEW)
    posted = client.post(NEW, {"raw_message": spam_message(tag=f"r-{role}").decode()})
    if role in SUBMITTERS:
        assert page.status_code == 200 and b"New complaint" in page.content
        assert posted.status_code == 302
    else:
        assert (page.status_code, posted.status_code) == (403, 403)
        assert Report.objects.count() == 0


def test_anonymous_is_sent_to_log_in() -> None:
    for url in (NEW, "/intake/quarantine/", "/intake/reports/1/", "/intake/reports/1/raw/"):
        response = Client().get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_navigation_shows_new_complaint_to_agents_only(users: dict) -> None:
    assert b'href="/intake/new/"' in client_for(users, roles.AGENT).get("/").content
    assert b'href="/intake/new/"' not in client_for(users, roles.BILLING).get("/").content


def test_pasted_message_is_received_and_redirects_to_its_report(users: dict) -> None:
    raw = spam_message(tag="pasted")
    response = client_for(users, roles.AGENT).post(NEW, {"raw_message": raw.decode()})
    report = Report.objects.get()
    assert response["Location"] == f"/intake/reports/{report.pk}/"
    assert bytes(report.raw.content) == raw
    receipt = report.receipts.get()
    assert (receipt.channel, receipt.submitted_by) == (Receipt.Channel.WEB, users[roles.AGENT])


def test_taken_down_complaint_is_filed_through_the_api_schema(users: dict, held_ip: object) -> None:
    client = client_for(users, roles.AGENT)
    response = client.post(NEW, taken_down())
    assert response.status_code == 302, response.content.decode()[:2000]
    report = Report.objects.get()
    stored = json.loads(bytes(report.raw.content))
    assert stored["reporter"]["email"] == "jane.doe@victim.example.org"
    assert stored["resources"] == [
        {"ip": OUR_IP, "observed_at": "2024-05-01T10:00:00+00:00", "port": 443},
        {"url": "http://login.shop.example.net/verify"},
    ]
    # The same complaint entered twice is one report.
    again = client.post(NEW, taken_down(), follow=True)
    assert Report.objects.count() == 1
    assert b"received before" in again.content

    [outcome] = reports_process([report.pk])
    assert (outcome.status, outcome.format) == ("filed", "api")
    page = client.get(response["Location"]).content.decode()
    assert "Filed" in page and "phishing" in page and "C-API-1" in page
    assert f"#{outcome.ticket_ids[0]}" in page


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"raw_message": "Subject: x\r\n\r\nhello"}, "not both"),
        ({"resources": "999.1.1.1"}, "Line 1 (999.1.1.1)"),
        ({"resources": "198.51.100.7, yesterday"}, "Line 1"),
        ({"resources": f"{OUR_IP}\n{OUR_IP}, 2024-01-01, 99999"}, "Line 2"),
        ({"resources": ""}, "Give at least one IP address"),
        ({"resources": "javascript:alert(1)"}, "Line 1 (javascript:alert(1)): domain"),
        ({"resources": "hxxp://evil[.]example/x y"}, "Line 1"),
        ({"type": ""}, "Choose a classification."),
        ({"type": "made-up"}, "Select a valid choice"),
        ({"reporter_email": ""}, "Give the reporter&#x27;s e-mail address."),
        ({"reporter_email": "not an address"}, "valid email"),
        ({"description": "d" * 10_001}, "at most 10000 characters"),
    ],
)
def test_invalid_complaints_are_shown_back_not_stored(
    users: dict, fields: dict, message: str
) -> None:
    response = client_for(users, roles.AGENT).post(NEW, taken_down(**fields))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Report.objects.count() == 0


def test_empty_form_is_refused(users: dict) -> None:
    response = client_for(users, roles.AGENT).post(NEW, {"raw_message": "  "})
    assert response.status_code == 200 and b"Paste a raw message" in response.content
    assert Report.objects.count() == 0


def test_attacker_text_is_escaped_on_the_report_page(users: dict, held_ip: object) -> None:
    client = client_for(users, roles.AGENT)
    raw = spam_message(subject=XSS, tag="xss").replace(
        b"Cheap watches", XSS.encode() + b" {{ request.user }} {% now 'Y' %}"
    )
    client.post(NEW, {"raw_message": raw.decode()})
    typed = taken_down(description=XSS + "\nmore", evidence=XSS)
    client.post(NEW, typed)
    ids = list(Report.objects.order_by("pk").values_list("pk", flat=True))
    reports_process(ids)
    for report_id in ids:
        page = client.get(f"/intake/reports/{report_id}/").content.decode()
        assert "<script>alert" not in page and "<img src=x" not in page
        assert "&lt;script&gt;alert(" in page and "&lt;img src=x" in page
    raw_page = client.get(f"/intake/reports/{ids[0]}/").content.decode()
    assert "{{ request.user }}" in raw_page  # template syntax in a body stays text
    assert users[roles.AGENT].get_username() + " {%" not in raw_page


def test_raw_bytes_download_is_an_attachment_never_sniffed(users: dict) -> None:
    raw = b"Subject: x\r\nContent-Type: text/html\r\n\r\n<html><script>alert(1)</script>\xff\r\n"
    client = client_for(users, roles.AGENT)
    client.post(NEW, {"raw_message": raw.decode("latin-1")})
    report = Report.objects.get()
    response = client.get(f"/intake/reports/{report.pk}/raw/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == f'attachment; filename="report-{report.pk}.bin"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert response.content == bytes(report.raw.content)
    assert (
        client_for(users, roles.BILLING).get(f"/intake/reports/{report.pk}/raw/").status_code == 403
    )


def test_report_page_polls_only_while_received(users: dict) -> None:
    client = client_for(users, roles.LEAD)
    client.post(NEW, {"raw_message": spam_message(tag="poll").decode()})
    report = Report.objects.get()
    page = client.get(f"/intake/reports/{report.pk}/").content.decode()
    assert f'hx-get="/intake/reports/{report.pk}/status/"' in page
    assert 'hx-trigger="every 2s"' in page and "processing…" in page
    assert "<script>" not in page.replace('<script src="', "")  # no inline script
    reports_process([report.pk])
    fragment = client.get(f"/intake/reports/{report.pk}/status/", HTTP_HX_REQUEST="true")
    text = fragment.content.decode()
    assert fragment.status_code == 200
    assert "hx-trigger" not in text and "Filed" in text and "<html" not in text
    assert (
        client_for(users, roles.LEGAL).get(f"/intake/reports/{report.pk}/status/").status_code
        == 403
    )


def test_reports_of_restricted_tickets_are_hidden(users: dict, held_ip: object) -> None:
    client = client_for(users, roles.AGENT)
    client.post(NEW, {"raw_message": spam_message(tag="restricted").decode()})
    report = Report.objects.get()
    [outcome] = reports_process([report.pk])
    from complaints.models import Ticket

    Ticket.objects.filter(pk__in=outcome.ticket_ids).update(restricted_group=roles.LEGAL)
    assert client.get(f"/intake/reports/{report.pk}/").status_code == 404
    assert client.get(f"/intake/reports/{report.pk}/raw/").status_code == 404


@pytest.mark.worker
def test_form_submission_is_filed_by_a_real_worker(
    celery_worker_process: object, users: dict, held_ip: object
) -> None:
    client = client_for(users, roles.AGENT)
    response = client.post(NEW, taken_down(type="brute-force"))
    report_id = int(response["Location"].rstrip("/").rsplit("/", 1)[1])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        report = Report.objects.get(pk=report_id)
        if report.status != Report.Status.RECEIVED:
            break
        time.sleep(0.2)
    assert (report.status, report.format) == ("filed", "api")
    assert report.event_count == 2
    fragment = client.get(f"/intake/reports/{report_id}/status/").content.decode()
    assert "hx-trigger" not in fragment and "C-API-1" in fragment
