"""Attacker text never runs: payloads in report subjects, sender names, bodies, HTML parts
and attachment names, shown in the queue, the ticket page, search and the timeline. Any
dialog, any script-set marker (window.__xss) or any CSP violation fails."""

from __future__ import annotations

import uuid

import pytest

from complaints.models import Event, Message, Party, Report, ReportRaw
from tests.browser.conftest import assert_nothing_ran, login
from tests.complaints.actions_support import make_ticket
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAYLOADS = [
    "<script>window.__xss=1;alert(1)</script>",
    '"><img src=x onerror="window.__xss=2;alert(2)">',
    "<svg/onload=window.__xss=3>",
    "javascript:window.__xss=4",
    "';window.__xss=5;//",
    '<iframe srcdoc="<script>parent.__xss=6</script>"></iframe>',
]
P = " ".join(PAYLOADS)


def _hostile_report(ticket):  # type: ignore[no-untyped-def]
    raw = (
        f'From: "{PAYLOADS[1]}" <evil@attacker.example>\r\n'
        f"Subject: {PAYLOADS[0]}\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        "--b\r\nContent-Type: text/plain\r\n\r\n" + P + "\r\n"
        "--b\r\nContent-Type: text/html\r\n\r\n"
        "<html><body><script>window.__xss=7;parent.__xss=7</script>"
        '<img src="http://192.0.2.1/track.gif" onerror="parent.__xss=8">'
        '<a href="javascript:parent.__xss=9">click</a><p>phish</p></body></html>\r\n'
        "--b\r\nContent-Type: application/octet-stream\r\n"
        f'Content-Disposition: attachment; filename="{PAYLOADS[1]}.html"\r\n\r\n'
        "<script>window.__xss=10</script>\r\n--b--\r\n"
    ).encode()
    report = Report.objects.create(
        sha256=uuid.uuid4().hex * 2, size=len(raw), status="filed", format="freetext",
        subject=PAYLOADS[0], sender=f"{PAYLOADS[1]} <evil@attacker.example>", evidence=P,
        summary=P, evidence_status="complete",
    )  # fmt: skip
    ReportRaw.objects.create(report=report, content=raw, filename=f"{PAYLOADS[2]}.eml")
    Event.objects.create(report=report, ticket=ticket, fingerprint=uuid.uuid4(), ip="192.0.2.5",
                         url=PAYLOADS[3], taxonomy="fraud", type="phishing", attribution="customer",
                         observed_at=ticket.created_at, evidence=P, identifier=PAYLOADS[4])  # fmt: skip
    party = Party.objects.create(
        ticket=ticket, role="reporter", name=PAYLOADS[1], email="evil@attacker.example"
    )
    Message.objects.create(ticket=ticket, party=party, direction="in", visibility="reporter", kind="inbound",
                           status="received", from_address=f"{PAYLOADS[1]} <evil@attacker.example>",
                           subject=PAYLOADS[0], body=P)  # fmt: skip
    return report


def test_payloads_never_execute(page, users):
    ticket = make_ticket(subject="Phish " + PAYLOADS[0] + PAYLOADS[1], type="phishing")
    report = _hostile_report(ticket)
    login(page, "user-agent", PASSWORD)
    visited = [
        "/tickets/",
        "/tickets/?q=phish",
        "/tickets/?q=" + "%3Cscript%3E",
        f"/tickets/{ticket.pk}/",
        f"/tickets/{ticket.pk}/timeline/",
        f"/tickets/{ticket.pk}/events/",
        f"/tickets/{ticket.pk}/reports/{report.pk}/",
    ]
    for path in visited:
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        page.wait_for_timeout(300)  # let htmx and frames load
        assert_nothing_ran(page)
    # The HTML part was shown (sanitized, in a sandboxed frame) and the attachment offered.
    page.goto(f"/tickets/{ticket.pk}/reports/{report.pk}/")
    page.wait_for_timeout(300)
    assert page.locator("iframe").count() >= 1
    assert "sandbox" in (page.locator("iframe").first.evaluate("f => f.outerHTML") or "")
    assert_nothing_ran(page)
    # The text is shown, escaped, not dropped.
    page.goto(f"/tickets/{ticket.pk}/")
    assert "<script>window.__xss=1;alert(1)</script>" in page.inner_text("body")
    # The ticket page's timeline partial and the queue's rows partial through htmx.
    page.goto("/tickets/")
    assert "<script>" in page.inner_text("#queue-rows")
    assert_nothing_ran(page)
