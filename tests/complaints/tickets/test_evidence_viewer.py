"""The evidence viewer never runs attacker content: escaped text, sanitized HTML in a
sandboxed frame under CSP default-src 'none', attachments only as downloads."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from accounts import roles
from complaints.tickets.evidence_view import html_sanitize, report_view, safe_filename
from tests.complaints.ticket_support import Case, _fresh_cache, case  # noqa: F401


def agent_client(users) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(users[roles.AGENT])
    return client


def test_report_view_escapes_text_and_frames_html(case: Case, users) -> None:  # noqa: F811
    url = reverse("workspace:ticket-report", args=[case.ticket.pk, case.report.pk])
    html = agent_client(users).get(url).content.decode()
    assert "&lt;img src=x onerror=&quot;alert(&#x27;text&#x27;)&quot;&gt;" in html
    assert "<img src=x" not in html
    assert "<script>alert(" not in html
    view = report_view(case.report)
    [html_part] = view.htmls
    frame = reverse(
        "workspace:ticket-report-html", args=[case.ticket.pk, case.report.pk, html_part.index]
    )
    assert '<iframe class="html-part" sandbox="" referrerpolicy="no-referrer"' in html
    assert f'src="{frame}"' in html
    assert "allow-scripts" not in html and "allow-same-origin" not in html


def test_html_part_is_sanitized_and_served_under_a_locked_policy(case: Case, users) -> None:  # noqa: F811
    [html_part] = report_view(case.report).htmls
    url = reverse(
        "workspace:ticket-report-html", args=[case.ticket.pk, case.report.pk, html_part.index]
    )
    response = agent_client(users).get(url)
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert csp.startswith("default-src 'none'")
    assert "style-src 'unsafe-inline'" in csp
    assert "img-src" not in csp and "script-src" not in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    body = response.content.decode()
    for forbidden in ("<script", "onload", "onerror", "javascript:", "<img", "<iframe", "<form",
                      "tracker.example.net", "window.top"):  # fmt: skip
        assert forbidden not in body, forbidden
    assert 'href="http://192.0.2.70/secure-login/index.php"' in body
    assert 'rel="noopener noreferrer nofollow"' in body


def test_sanitizer_removes_script_handlers_and_javascript_urls() -> None:
    cleaned = html_sanitize(
        '<p onclick="x()">hi</p><script>alert(1)</script><a href="javascript:alert(1)">a</a>'
        '<a href="JaVaScRiPt&#58;alert(1)">b</a><svg onload=alert(1)></svg>'
        "<img src=x onerror=alert(1)><math><mtext><table><mglyph><style><img src=x onerror=alert(1)>"
    )
    lowered = cleaned.lower()
    assert "<script" not in lowered and "onclick" not in lowered and "onload" not in lowered
    assert "javascript" not in lowered and "onerror" not in lowered and "<img" not in lowered
    assert "<p>hi</p>" in cleaned


def test_attachments_are_downloads_only(case: Case, users) -> None:  # noqa: F811
    [attachment] = report_view(case.report).attachments
    assert attachment.filename.startswith('kit"><script>')  # shown escaped in the list
    listing = (
        agent_client(users)
        .get(reverse("workspace:ticket-report", args=[case.ticket.pk, case.report.pk]))
        .content.decode()
    )
    assert "kit&quot;&gt;&lt;script&gt;" in listing
    url = reverse(
        "workspace:ticket-report-download", args=[case.ticket.pk, case.report.pk, attachment.index]
    )
    response = agent_client(users).get(url)
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Content-Type-Options"] == "nosniff"
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="')
    assert (
        disposition.endswith('.bin"') and "<" not in disposition and '"' not in disposition[22:-1]
    )
    assert response.content == b"<script>alert('attachment')</script>"
    raw = agent_client(users).get(
        reverse("workspace:ticket-report-raw", args=[case.ticket.pk, case.report.pk])
    )
    assert raw["Content-Disposition"].startswith("attachment;")
    assert raw["Content-Type"] == "application/octet-stream"


def test_a_report_of_another_ticket_is_not_reachable(case: Case, users) -> None:  # noqa: F811
    from complaints.tickets.services import ticket_open_or_join

    other, _ = ticket_open_or_join(
        key="abuse:other", kind="abuse", subject="other", customer_id=None
    )
    url = reverse("workspace:ticket-report-html", args=[other.pk, case.report.pk, 0])
    assert agent_client(users).get(url).status_code == 404
    legal = Client()
    legal.force_login(users[roles.LEGAL])
    url = reverse("workspace:ticket-report-download", args=[case.ticket.pk, case.report.pk, 0])
    assert legal.get(url).status_code == 404


def test_safe_filename() -> None:
    assert safe_filename("../../etc/passwd") == "etc_passwd.bin"
    assert safe_filename("invoice\u202egpj.exe") == "invoicegpj.exe.bin"
    assert safe_filename('"><script>') == "script.bin"
