"""A report whose raw bytes are missing or unreadable is a page that says so, never a 500
(issue 17 item 1): the ticket's report page, its raw download, its parts, and the intake's
report page and raw download."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from accounts import roles
from complaints.models import ReportRaw
from complaints.tickets.evidence_view import RAW_MISSING
from tests.complaints.ticket_support import Case, _fresh_cache, case  # noqa: F401

NESTED = (
    "".join(f'Content-Type: multipart/mixed; boundary="b{n}"\n\n--b{n}\n' for n in range(80))
    + "Content-Type: text/plain\n\ndeep\n"
).encode()


def client_of(users, role: str = roles.AGENT) -> Client:  # type: ignore[no-untyped-def]
    client = Client(raise_request_exception=False)
    client.force_login(users[role])
    return client


def test_missing_raw_is_a_page_saying_so(case: Case, users) -> None:  # noqa: F811
    ReportRaw.objects.filter(report=case.report).delete()
    agent = client_of(users)
    args = [case.ticket.pk, case.report.pk]

    page = agent.get(reverse("workspace:ticket-report", args=args))
    assert page.status_code == 200
    body = page.content.decode()
    assert RAW_MISSING in body
    assert reverse("workspace:ticket-report-raw", args=args) not in body  # no dead link

    download = agent.get(reverse("workspace:ticket-report-raw", args=args))
    assert download.status_code == 404
    assert RAW_MISSING in download.content.decode()
    assert download["Content-Type"].startswith("text/html")

    for name in ("workspace:ticket-report-html", "workspace:ticket-report-download"):
        assert agent.get(reverse(name, args=[*args, 0])).status_code == 404

    ticket_page = agent.get(reverse("workspace:ticket-detail", args=[case.ticket.pk]))
    assert ticket_page.status_code == 200


def test_missing_raw_on_the_intake_report_page(case: Case, users) -> None:  # noqa: F811
    ReportRaw.objects.filter(report=case.report).delete()
    agent = client_of(users)
    page = agent.get(reverse("complaints:report-detail", args=[case.report.pk]))
    assert page.status_code == 200
    assert RAW_MISSING in page.content.decode()
    assert reverse("complaints:report-raw", args=[case.report.pk]) not in page.content.decode()
    download = agent.get(reverse("complaints:report-raw", args=[case.report.pk]))
    assert download.status_code == 404
    assert RAW_MISSING in download.content.decode()


def test_unreadable_raw_is_a_page_naming_the_reason(case: Case, users) -> None:  # noqa: F811
    agent = client_of(users)
    args = [case.ticket.pk, case.report.pk]
    for content, reason in ((b"", "empty"), (NESTED, "mime-too-deep")):
        ReportRaw.objects.filter(report=case.report).update(content=content)
        page = agent.get(reverse("workspace:ticket-report", args=args))
        assert page.status_code == 200, reason
        assert f"Cannot decode: {reason}" in page.content.decode()
        assert (
            agent.get(reverse("workspace:ticket-report-html", args=[*args, 0])).status_code == 404
        )
        raw = agent.get(reverse("workspace:ticket-report-raw", args=args))
        assert (raw.status_code, bytes(raw.content)) == (200, content)  # the bytes are still there
