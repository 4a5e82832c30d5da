"""Authorization matrix: every route x every role x tickets of every kind.

Routes are enumerated from the URL resolver: a route missing from ``EXPECT`` fails
``test_every_route_has_an_expectation``, so a new page cannot ship unreviewed. For each
role the expectations come from the roles table of docs/architecture.md (``VISIBLE``), not from the code:
a ticket a role may not see is a 404 on every ticket route (never a 403 that would confirm
it exists), and its subject, report, evidence, action reason and messages never appear in
any response the role gets — pages, partials, search, counts, autocomplete or API.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any
from unittest import mock

import pytest
from django.test import Client
from django.urls import reverse

from complaints.models import AuditEntry, Event, Message, Report, ReportRaw
from tests.authz_support import (
    KINDS,
    Mediated,
    Objects,
    all_routes,
    make_legal_objects,
    make_mediated,
    make_objects,
)

ROLES = ["agent", "lead", "legal", "investigations", "billing", "admin", "none", "anonymous"]
VISIBLE: dict[str, set[str]] = {
    "agent": {"abuse", "listing"},
    "lead": {"abuse", "listing", "billing"},
    "legal": {"legal"},
    "investigations": {"investigation", "restricted"},
    "billing": {"billing"},
    "admin": {"abuse", "listing"},
    "none": set(),
    "anonymous": set(),
}
ACTING = {"agent", "lead", "admin"}  # may request actions (on tickets they see)
LEDGER = {"agent", "lead", "billing", "admin"}  # read the billing ledger (billing/selectors.py)
DESK = {"agent", "lead", "admin"}

# --- the expectation table ----------------------------------------------------------------
# Ticket routes: (method, category). Categories:
#   read    visible -> 200, invisible -> 404
#   sub     a part of the ticket (report, part, download): visible -> not 404-for-the-ticket,
#           invisible -> 404
#   act     visible and acting role -> 200, visible otherwise -> 403, invisible -> 404
#   work    a form page for whoever works the ticket: visible -> 200, invisible -> 404
#   post    visible -> anything but 404/5xx, invisible -> 404
#   ledger  visible and a ledger reader -> 200, visible otherwise -> 403, invisible -> 404
TICKET_ROUTES: dict[str, tuple[str, str]] = {
    "workspace:ticket-detail": ("GET", "read"),
    "workspace:ticket-events": ("GET", "read"),
    "workspace:ticket-timeline": ("GET", "read"),
    "workspace:ticket-report": ("GET", "sub"),
    "workspace:ticket-report-html": ("GET", "sub"),
    "workspace:ticket-report-download": ("GET", "sub"),
    "workspace:ticket-report-raw": ("GET", "sub"),
    "workspace:ticket-reply": ("POST", "post"),
    "workspace:ticket-reply-preview": ("POST", "post"),
    "workspace:ticket-reply-fill": ("POST", "post"),
    "workspace:ticket-message-confirm": ("POST", "post"),
    "workspace:ticket-message-reject": ("POST", "post"),
    "workspace:ticket-status": ("POST", "post"),
    "workspace:ticket-assign": ("POST", "post"),
    "workspace:ticket-link-issue": ("POST", "post"),
    "workspace:ticket-link-revoke": ("POST", "sub"),  # the link id does not exist
    "workspace:action-request": ("GET", "act"),
    "workspace:action-status": ("GET", "read"),
    "workspace:action-approve": ("POST", "post"),
    "workspace:action-reject": ("POST", "post"),
    "workspace:action-revert": ("POST", "post"),
    "workspace:action-cancel": ("POST", "post"),
    "workspace:action-retry": ("POST", "post"),
    "workspace:ticket-escalate": ("GET", "work"),
    "ticket-detail": ("GET", "api-read"),
    "ticket-actions": ("GET", "api-read"),
    "ticket-messages": ("GET", "api-read"),
    "ticket-action-approve": ("POST", "api-post"),
    "billing:ticket-panel": ("GET", "ledger"),
    "billing:ticket-resolve": ("POST", "post"),
}
# Other routes: (method, roles answered 2xx/3xx-in-app; everyone else authenticated -> 403/404).
# "public" routes answer everyone; "token" routes answer a bogus token with 404 for everyone.
PAGE_ROLES: dict[str, tuple[str, set[str] | str]] = {
    "home": ("GET", "authenticated"),
    "health": ("GET", "public"),
    "favicon": ("GET", "public"),
    "notifications-read": ("POST", set(ROLES) - {"anonymous"}),  # one's own notifications
    "accounts:login": ("GET", "public"),
    "accounts:logout": ("POST", "public"),
    "customers:customer-search": ("GET", DESK | {"legal", "investigations", "billing"}),
    "customers:customer-detail": ("GET", "object"),
    "complaints:complaint-new": ("GET", "probe"),
    "complaints:report-detail": ("GET", "object"),
    "complaints:report-status": ("GET", "object"),
    "complaints:report-raw": ("GET", "object"),
    "complaints:report-reprocess": ("POST", "object"),
    "complaints:quarantine": ("GET", "probe"),
    "complaints:quarantine-reprocess": ("POST", "probe"),
    "workspace:queue": ("GET", "probe"),
    "workspace:queue-rows": ("GET", "probe"),
    "workspace:queue-new": ("GET", "probe"),
    "workspace:queue-bulk": ("POST", "probe"),
    "workspace:saved-view-save": ("POST", "probe"),
    "workspace:saved-view-open": ("GET", "object"),
    "workspace:saved-view-delete": ("POST", "object"),
    "workspace:saved-view-move": ("POST", "object"),
    "workspace:template-list": ("GET", "probe"),
    "workspace:template-new": ("GET", "probe"),
    "workspace:template-edit": ("GET", "object"),
    "workspace:template-preview": ("POST", "probe"),
    "workspace:guidance-list": ("GET", "probe"),
    "workspace:guidance-detail": ("GET", "object"),
    "workspace:policy-rules": ("GET", {"lead", "admin"}),
    "workspace:automation-switch": ("POST", {"admin"}),
    "workspace:sla-policies": ("GET", {"lead", "admin"}),
    "reputation:overview": ("GET", "probe"),
    "reputation:listings": ("GET", "probe"),
    "reputation:listing-detail": ("GET", "object"),
    "reputation:delisting-list": ("GET", "probe"),
    "reputation:delisting-create": ("GET", "probe"),
    "reputation:delisting-detail": ("GET", "object"),
    "reputation:doctor": ("GET", "probe"),
    "reputation:doctor-detail": ("GET", "object"),
    "reputation:doctor-result": ("GET", "object"),
    "reputation:doctor-attach": ("POST", "object"),
    "reputation:doctor-send": ("POST", "object"),
    "reputation:compromise": ("GET", "probe"),
    "reputation:zone-edit": ("GET", "object"),
    "leads:dashboard": ("GET", {"lead", "agent"}),
    "leads:table-csv": ("GET", "object"),  # per role and panel: tests/leads/test_pages.py
    "campaigns:list": ("GET", DESK),
    "campaigns:create": ("GET", {"lead"}),
    "campaigns:detail": ("GET", "object"),
    "campaigns:edit": ("GET", "object"),
    "campaigns:launch": ("POST", "object"),
    "campaigns:stop": ("POST", "object"),
    "campaigns:notices-csv": ("GET", "object"),
    "campaigns:notice-detail": ("GET", "object"),
    "campaigns:notice-recheck": ("POST", "object"),
    "campaigns:suppressions": ("GET", DESK),
    "campaigns:suppression-delete": ("POST", "object"),
    "campaigns:public-notice": ("GET", "token"),
    "campaigns:public-ack": ("POST", "token"),
    "campaigns:public-fixed": ("POST", "token"),
    "selfservice:page": ("GET", "token"),
    "selfservice:reply": ("POST", "token"),
    "selfservice:fixed": ("POST", "token"),
    "customer-list": ("GET", "api"),
    "customer-detail": ("GET", "api-object"),
    "allocation-list": ("GET", "api"),
    "allocation-detail": ("GET", "api-object"),
    "report-list": ("GET", "api"),
    "report-detail": ("GET", "api-object"),
    "ticket-list": ("GET", "api"),
    "provisioning-callback": ("POST", "signed"),
    "api-schema": ("GET", "public-or-auth"),
    "api-docs": ("GET", "public-or-auth"),
    # the legal desk (legal/): its own test below walks them on real legal objects
    "legal:queue": ("GET", {"legal"}),
    "legal:request-new": ("GET", {"legal"}),
    "legal:transparency": ("GET", {"legal"}),
    "legal:transparency-csv": ("GET", {"legal"}),
    "legal:request-detail": ("GET", "object"),
    "legal:request-step": ("POST", "object"),
    "legal:request-mail": ("GET", "object"),
    "legal:package-download": ("GET", "object"),
    "legal:reminder-done": ("POST", "object"),
    "legal-request-list": ("GET", "api"),
    "legal-request-detail": ("GET", "api-object"),
    "legal-transparency": ("GET", "api"),
    "api-not-found": ("GET", "token"),  # any other /api/ path: a JSON 404 to everyone
    "billing:customer-panel": ("GET", "object"),
    "billing:customer-ledger": ("GET", "object"),
    "billing:sources": ("GET", LEDGER),
    "billing:contact": ("GET", "public"),
    "billing:inquiry-new": ("GET", {"billing"}),
    "billing-inquiry-create": ("POST", "probe"),  # billing: 400 on an empty body; others 403
    "billing-customer-ledger": ("GET", "api-object"),
    "billing:adjustment-new": ("POST", "object"),
    "billing:adjustment-approve": ("POST", "object"),
    "billing:adjustment-reject": ("POST", "object"),
    "billing:adjustment-done": ("POST", "object"),
    "retention:cancel": ("GET", "token"),
    "retention:survey": ("GET", "token"),
    "retention:customer-cancel": ("GET", "object"),
    "retention:cancel-link-send": ("POST", "object"),
    "retention:figures": ("GET", {"lead"}),
    "retention-cancellation-create": ("POST", "probe"),  # billing: 400 on an empty body
}
EXPECT = set(TICKET_ROUTES) | set(PAGE_ROLES)
MISSING_ID = 987654321


def _fill(route: str, values: dict[str, Any]) -> str:
    def sub(match: re.Match[str]) -> str:
        name = match.group(2) or match.group(3)
        return str(values.get(name, MISSING_ID))

    path = re.sub(
        r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)|\(\?P<(\w+)>[^)]+\)",
        lambda m: str(values.get(m.group(1) or m.group(2) or m.group(3), MISSING_ID)),
        route,
    )
    path = path.replace("^", "").replace("$", "")
    return "/" + path


def _ticket_values(obj: Objects) -> dict[str, Any]:
    return {"pk": obj.ticket.pk, "ticket_id": obj.ticket.pk, "report_id": obj.report.pk, "index": 0,
            "message_id": obj.message.pk, "action_id": obj.action.pk, "link_id": MISSING_ID}  # fmt: skip


@pytest.fixture
def clients(users) -> dict[str, Client]:  # type: ignore[no-untyped-def]
    made = {}
    for role in ROLES:
        client = Client()
        if role != "anonymous":
            client.force_login(users[role])
        made[role] = client
    return made


@pytest.fixture
def objects(db) -> dict[str, Objects]:  # type: ignore[no-untyped-def]
    return make_objects()


def _assert_no_leak(role: str, objects: dict[str, Objects], content: bytes, where: str) -> None:
    # The bare marker may be echoed back in a search box; the data carrying it may not show.
    text = content.decode("utf-8", "replace")
    for label, obj in objects.items():
        if label not in VISIBLE[role]:
            for what in (
                "subject",
                "report",
                "evidence",
                "event",
                "action",
                "message",
                "body",
                "raw body",
            ):
                assert f"{obj.subject} {what}" not in text, f"{role} sees {label} {what} at {where}"


def test_every_route_has_an_expectation():
    # The Django admin's own routes are covered by the admin test below (its redirects are unnamed).
    names = {name for route, name in all_routes() if not route.startswith("admin/")}
    unknown = sorted(names - EXPECT)
    assert not unknown, f"routes without an authorization expectation: {unknown}"
    assert "" not in names, "every route must be named"


@pytest.mark.django_db
def test_ticket_routes_by_role_and_kind(clients, objects):
    routes = {name: route for route, name in all_routes()}
    failures = []
    for name, (method, category) in TICKET_ROUTES.items():
        if name not in routes:
            failures.append(f"{name}: route gone")
            continue
        for label, obj in objects.items():
            path = _fill(routes[name], _ticket_values(obj))
            for role in ROLES:
                client = clients[role]
                response = client.get(path) if method == "GET" else client.post(path, {})
                status = response.status_code
                visible = label in VISIBLE[role]
                ok = _expected(category, role, visible, label, status)
                if not ok:
                    failures.append(f"{method} {path} ({name}) as {role} on {label}: {status}")
                _assert_no_leak(role, objects, response.content, f"{name} on {label}")
                if name == "workspace:ticket-detail" and visible and role != "anonymous":
                    # The leak check can see a subject when it is there.
                    assert f"{obj.subject} subject".encode() in response.content
    assert not failures, "\n".join(failures)


def _expected(category: str, role: str, visible: bool, label: str, status: int) -> bool:
    if status >= 500:
        return False
    api = category.startswith("api")
    if role == "anonymous":
        return status in ((401, 403) if api else (302,))
    if not visible:
        return status == 404
    if category in ("read", "api-read", "work"):
        return status == 200
    if category == "act":
        return status == (200 if role in ACTING else 403)
    if category == "ledger":
        return status == (200 if role in LEDGER else 403)
    if category in ("sub", "post", "api-post"):
        return status != 404 or category == "sub"
    return False


@pytest.mark.django_db
def test_other_routes_by_role(clients, objects, users):
    routes = {name: route for route, name in all_routes()}
    failures = []
    for name, (method, who) in PAGE_ROLES.items():
        if name not in routes:
            continue
        path = _fill(routes[name], {})
        for role in ROLES:
            client = clients[role]
            if name == "accounts:logout":  # would log the shared client out
                client = Client()
                if role != "anonymous":
                    client.force_login(users[role])
            response = client.get(path) if method == "GET" else client.post(path, {})
            status = response.status_code
            _assert_no_leak(role, objects, response.content, name)
            if status >= 500:
                failures.append(f"{name} as {role}: {status}")
                continue
            api = name in ("customer-list", "customer-detail", "allocation-list", "allocation-detail",
                           "report-list", "report-detail", "ticket-list")  # fmt: skip
            if who == "public":
                ok = status < 400 or (method == "POST" and status in (302, 405))
            elif who == "token":
                ok = status == 404
            elif who == "signed":
                ok = status == 401
            elif role == "anonymous":
                ok = status in ((401, 403) if api else (302, 401, 403)) or who == "public-or-auth"
            elif who == "authenticated":
                ok = status == 200
            elif who in ("object", "api-object"):
                ok = status in (403, 404)  # nothing exists at MISSING_ID: never a 200
            elif isinstance(who, set):
                ok = status in ((200, 302) if role in who else (403,))
            else:  # "probe", "api", "public-or-auth": the owner's role rules; no 5xx, no leak
                ok = True
            if not ok:
                failures.append(f"{method} {path} ({name}) as {role}: {status}")
    assert not failures, "\n".join(failures)


SEARCHES: list[tuple[str, Callable[[Objects], str]]] = [
    ("/tickets/?q={}", lambda o: o.subject),
    ("/tickets/rows/?q={}", lambda o: o.subject),
    ("/tickets/?ip=192.0.2.77&q={}", lambda o: o.subject),
    ("/tickets/?ip=192.0.2.0/24", lambda o: ""),
    ("/customers/?q={}", lambda o: o.ticket.customer.external_id),
    ("/api/v1/tickets/?q={}", lambda o: o.subject),
    ("/api/v1/tickets/?ip=192.0.2.77", lambda o: ""),
    ("/api/v1/reports/", lambda o: ""),
]


@pytest.mark.django_db
def test_search_counts_and_lists_never_leak(clients, objects):
    for role in ROLES:
        for template, value in SEARCHES:
            for obj in objects.values():
                path = template.format(value(obj))
                response = clients[role].get(path)
                assert response.status_code < 500, path
                _assert_no_leak(role, objects, response.content, path)
        # A count that includes hidden tickets would leak them: the API list counts only visible.
        if role not in ("anonymous", "none"):
            response = clients[role].get("/api/v1/tickets/?ip=192.0.2.77")
            if response.status_code == 200:
                data = response.json()
                rows = data.get("results", data) if isinstance(data, dict) else data
                ids = {row["id"] for row in rows}
                expected = {objects[label].ticket.pk for label in VISIBLE[role]}
                assert ids == expected, f"{role}: {ids} != {expected}"


@pytest.mark.django_db
def test_django_admin_index_never_leaks(clients, objects, users, django_user_model):
    root = django_user_model.objects.create_superuser("root", "root@desk.example", "pw-root-12345")
    client = Client()
    client.force_login(root)
    for path in ("/admin/", "/admin/complaints/report/", "/admin/complaints/auditentry/",
                 "/admin/complaints/report/?q=Marker"):  # fmt: skip
        response = client.get(path)
        assert response.status_code == 200
        _assert_no_leak("none", objects, response.content, path)
    for role in ROLES:
        response = clients[role].get("/admin/")
        _assert_no_leak(role, objects, response.content, "/admin/")


def test_kinds_cover_the_design(objects):
    assert set(KINDS) == {"abuse", "listing", "legal", "investigation", "restricted", "billing"}


# --- reports reached through mediation ------------------------------------------------------
# A reply or bounce threaded onto a ticket (``Message.report``) has no event: it is the
# ticket's mail all the same. Every path that serves a report — the intake pages, the raw
# download, the evidence viewer's parts, attachments and raw, the API, the admin, the
# quarantine — must hide it exactly as it hides the ticket, and audit restricted reads.

INTAKE_REPORT_ROUTES = (
    "complaints:report-detail",
    "complaints:report-status",
    "complaints:report-raw",
)
EVIDENCE_ROUTES = ("workspace:ticket-report", "workspace:ticket-report-raw",
                   "workspace:ticket-report-download", "workspace:ticket-report-html")  # fmt: skip


@pytest.fixture
def mediated(objects) -> dict[str, Mediated]:  # type: ignore[no-untyped-def]
    return make_mediated(objects)


def _part_index(report: Report, what: str) -> int:
    from complaints.tickets.evidence_view import report_view

    view = report_view(report)
    parts = view.attachments if what == "attachment" else view.htmls
    assert parts, f"the fixture has no {what} part"
    return parts[0].index


def _evidence_path(name: str, ticket_id: int, report: Report) -> str:
    args: dict[str, int] = {"pk": ticket_id, "report_id": report.pk}
    if name == "workspace:ticket-report-download":
        args["index"] = _part_index(report, "attachment")
    elif name == "workspace:ticket-report-html":
        args["index"] = _part_index(report, "html")
    return reverse(name, kwargs=args)


def _assert_no_mediated_leak(
    role: str, mediated: dict[str, Mediated], content: bytes, where: str
) -> None:
    text = content.decode("utf-8", "replace")
    for label, item in mediated.items():
        if label not in VISIBLE[role]:
            assert item.marker not in text, f"{role} sees {label}'s threaded mail at {where}"


def _intake_expected(role: str, visible: bool, status: int) -> bool:
    if role == "anonymous":
        return status == 302
    if role not in DESK:
        return status in (403, 404)
    return status == (200 if visible else 404)


def _api_expected(role: str, visible: bool, status: int) -> bool:
    if role == "anonymous":
        return status in (401, 403)
    if role not in DESK:
        return status in (403, 404)
    return status == (200 if visible else 404)


@pytest.mark.django_db
def test_threaded_reports_follow_their_ticket_on_every_route(clients, objects, mediated):
    failures = []
    for label, item in mediated.items():
        for report in item.reports:
            for role in ROLES:
                visible = label in VISIBLE[role]
                client = clients[role]
                for name in INTAKE_REPORT_ROUTES:
                    response = client.get(reverse(name, kwargs={"report_id": report.pk}))
                    if not _intake_expected(role, visible, response.status_code):
                        failures.append(
                            f"{name} {report.kind} on {label} as {role}: {response.status_code}"
                        )
                    _assert_no_mediated_leak(role, mediated, response.content, name)
                response = client.get(f"/api/v1/reports/{report.pk}/")
                if not _api_expected(role, visible, response.status_code):
                    failures.append(
                        f"API detail {report.kind} on {label} as {role}: {response.status_code}"
                    )
                _assert_no_mediated_leak(role, mediated, response.content, "API detail")
                for name in EVIDENCE_ROUTES:
                    response = client.get(_evidence_path(name, item.ticket.pk, report))
                    expected = 302 if role == "anonymous" else (200 if visible else 404)
                    if response.status_code != expected:
                        failures.append(
                            f"{name} {report.kind} on {label} as {role}: {response.status_code}"
                        )
                    _assert_no_mediated_leak(role, mediated, response.content, name)
                    if expected == 200:  # the check can see the mail when it is served
                        assert item.marker.encode() in response.content, name
    assert not failures, "\n".join(failures)


@pytest.mark.django_db
def test_the_reports_api_lists_only_threaded_mail_of_visible_tickets(clients, objects, mediated):
    for role in DESK:
        response = clients[role].get("/api/v1/reports/?page_size=200")
        assert response.status_code == 200
        listed = {row["id"] for row in response.json()["results"]}
        for label, item in mediated.items():
            ids = {r.pk for r in item.reports}
            if label in VISIBLE[role]:
                assert ids <= listed, f"{role} misses {label}'s threaded mail"
            else:
                assert not ids & listed, f"{role} lists {label}'s threaded mail"
        _assert_no_mediated_leak(role, mediated, response.content, "API list")


@pytest.mark.django_db
def test_a_report_reaching_a_restricted_ticket_by_mail_is_hidden_through_visible_ones(
    clients, objects, make_user
):
    """A freetext reply both complains (an event on the abuse ticket) and answers the
    investigation (threaded onto it): it is the investigation's mail, so the agents do not
    read it through the abuse ticket either — only someone who may see both tickets does."""
    abuse, restricted = objects["abuse"], objects["restricted"]
    marker = f"{abuse.subject}Crossed"
    raw = f"From: c@customer.example\r\nSubject: {marker} subject\r\n\r\n{marker} text\r\n".encode()
    report = Report.objects.create(sha256=uuid.uuid4().hex * 2, size=len(raw), status="filed",
                                   format="freetext", event_count=1, subject=f"{marker} subject")  # fmt: skip
    ReportRaw.objects.create(report=report, content=raw)
    Event.objects.create(report=report, ticket=abuse.ticket, fingerprint=uuid.uuid4(), ip="192.0.2.77",
                         taxonomy="fraud", type="phishing", attribution="customer",
                         observed_at=abuse.ticket.created_at, evidence="crossed event")  # fmt: skip
    Message.objects.create(ticket=restricted.ticket, report=report, direction="in", kind="inbound",
                           status="received", visibility="customer", subject="threaded")  # fmt: skip
    both = Client()
    both.force_login(make_user("user-agent-investigations", "agent", "investigations"))
    for role, client, allowed in (("agent", clients["agent"], False), ("lead", clients["lead"], False),
                                  ("investigations", clients["investigations"], False),
                                  ("agent+investigations", both, True)):  # fmt: skip
        paths = [reverse(n, kwargs={"report_id": report.pk}) for n in INTAKE_REPORT_ROUTES]
        paths += [f"/api/v1/reports/{report.pk}/"]
        paths += [_evidence_path(n, t.pk, report) for n in ("workspace:ticket-report", "workspace:ticket-report-raw")
                  for t in (abuse.ticket, restricted.ticket)]  # fmt: skip
        for path in paths:
            response = client.get(path)
            if role == "investigations" and path.startswith("/intake/"):
                assert response.status_code == 403, path  # not a desk role at all
            elif role == "investigations" and path.startswith("/api/"):
                assert response.status_code == 403, path
            elif allowed:
                assert response.status_code == 200, (role, path)
            else:
                assert response.status_code == 404, (role, path)
            if not allowed:
                assert marker not in response.content.decode("utf-8", "replace"), (role, path)
        for page in (reverse("workspace:ticket-detail", args=[abuse.ticket.pk]),
                     reverse("workspace:ticket-timeline", args=[abuse.ticket.pk])):  # fmt: skip
            response = client.get(page)
            assert response.status_code == (404 if role == "investigations" else 200)
            assert (marker in response.content.decode()) is allowed, (role, page)
    # the reads of the one who may see it are audited against the restricted ticket
    reads = AuditEntry.objects.filter(verb="report.read", ticket=restricted.ticket)
    assert reads.count() >= len(INTAKE_REPORT_ROUTES) + 1
    assert {r.actor_name for r in reads} == {"user-agent-investigations"}
    assert all(r.detail["report"] == report.pk for r in reads)


@pytest.mark.django_db
def test_reads_of_restricted_threaded_mail_are_audited_and_never_cached(
    clients, objects, mediated, make_user
):
    legal = mediated["legal"]
    both = Client()
    both.force_login(make_user("user-agent-legal", "agent", "legal"))
    paths = [reverse(n, kwargs={"report_id": legal.reply.pk}) for n in INTAKE_REPORT_ROUTES]
    paths.append(f"/api/v1/reports/{legal.reply.pk}/")
    for path in paths:
        response = both.get(path)
        assert response.status_code == 200, path
        assert "no-store" in response["Cache-Control"], path
    reads = AuditEntry.objects.filter(verb="report.read", ticket=legal.ticket)
    assert reads.count() == len(paths)
    assert {r.detail["report"] for r in reads} == {legal.reply.pk}
    assert {r.actor_name for r in reads} == {"user-agent-legal"}
    # legal reads its case's mail through the ticket: the ticket read and the report read
    response = clients["legal"].get(
        _evidence_path("workspace:ticket-report-raw", legal.ticket.pk, legal.bounce)
    )
    assert response.status_code == 200
    assert AuditEntry.objects.filter(verb="report.read", ticket=legal.ticket,
                                     detail__report=legal.bounce.pk, actor_name="user-legal").exists()  # fmt: skip
    assert AuditEntry.objects.filter(
        verb="ticket.read", ticket=legal.ticket, actor_name="user-legal"
    ).exists()
    # an ordinary case's mail is not audited
    before = AuditEntry.objects.count()
    assert (
        clients["agent"]
        .get(reverse("complaints:report-detail", args=[mediated["abuse"].reply.pk]))
        .status_code
        == 200
    )
    assert AuditEntry.objects.count() == before


@pytest.mark.django_db
def test_admin_and_quarantine_hide_threaded_mail_of_restricted_tickets(
    clients, objects, mediated, users, django_user_model
):
    # A desk admin (staff with the admin role) sees the abuse and listing cases' mail; a
    # superuser without roles gets no exception and sees no case's mail at all.
    desk_admin = users["admin"]
    desk_admin.is_staff = True
    desk_admin.save(update_fields=["is_staff"])
    admin = Client()
    admin.force_login(desk_admin)
    root = Client()
    root.force_login(
        django_user_model.objects.create_superuser("root", "root@desk.example", "pw-root-12345")
    )
    hidden = {
        r.pk for label, m in mediated.items() if label not in VISIBLE["admin"] for r in m.reports
    }
    shown = {r.pk for label, m in mediated.items() if label in VISIBLE["admin"] for r in m.reports}
    for path, of_report in (("/admin/complaints/report/?q=Mediated", lambda row: row.pk),
                            ("/admin/complaints/receipt/?q=Mediated", lambda row: row.report_id)):  # fmt: skip
        response = admin.get(path)
        assert response.status_code == 200
        listed = {of_report(row) for row in response.context["cl"].result_list}
        assert shown <= listed and not hidden & listed, path
        _assert_no_mediated_leak("admin", mediated, response.content, path)
        response = root.get(path)
        assert response.status_code == 200 and not response.context["cl"].result_list, path
    for report_id in hidden:
        assert admin.get(f"/admin/complaints/report/{report_id}/change/").status_code in (302, 404)
    # a threaded mail quarantined later (reprocessed, cut off) is still its case's mail
    Report.objects.filter(pk__in=hidden | shown).update(
        status="quarantined", quarantine_reason="worker-lost"
    )
    for role in ("lead", "admin"):
        response = clients[role].get(reverse("complaints:quarantine"))
        assert response.status_code == 200
        _assert_no_mediated_leak(role, mediated, response.content, "quarantine")
        theirs = {
            r.pk for label, m in mediated.items() if label in VISIBLE[role] for r in m.reports
        }
        assert dict(response.context["counts"])["worker-lost"] == len(theirs)
        assert {r.pk for r in response.context["page"].reports} == theirs
    # "Reprocess all" releases, and counts, only the mail the admin may see.
    with mock.patch("complaints.intake.quarantine._queue"):
        response = clients["admin"].post(
            reverse("complaints:quarantine-reprocess"), {"reason": "worker-lost"}, follow=True
        )
    released = set(Report.objects.filter(pk__in=hidden | shown).exclude(status="quarantined")
                   .values_list("pk", flat=True))  # fmt: skip
    assert released == shown
    assert f"{len(shown)} quarantined report(s)" in response.content.decode()


# --- the legal desk (legal/): the legal role only, through every path ------------------------

LEGAL_ROUTES: list[tuple[str, str, str]] = [  # (route name, method, category)
    ("legal:queue", "GET", "list"),
    ("legal:request-new", "GET", "list"),
    ("legal:transparency", "GET", "list"),
    ("legal:transparency-csv", "GET", "list"),
    ("legal:request-detail", "GET", "object"),
    ("legal:request-step", "POST", "object"),
    ("legal:request-mail", "GET", "object"),
    ("legal:package-download", "GET", "object"),
    ("legal:reminder-done", "POST", "object"),
    ("legal-request-list", "GET", "api-list"),
    ("legal-request-detail", "GET", "api-object"),
    ("legal-transparency", "GET", "api-list"),
]

LEGAL_SHOWING = {"legal:queue", "legal:request-detail", "legal:package-download",
                 "legal-request-list", "legal-request-detail"}  # fmt: skip


def _assert_no_legal_leak(legal, content: bytes, where: str) -> None:  # type: ignore[no-untyped-def]
    # The bare marker may be echoed back in a search box; the data carrying it may not show.
    text = content.decode("utf-8", "replace")
    for what in ("authority", "case", "description", "order", "zip", ".json"):
        assert f"{legal.marker} {what}" not in text and f"{legal.marker}{what}" not in text, where


def _legal_path(name: str, legal) -> str:  # type: ignore[no-untyped-def]
    kwargs = {
        "legal:request-detail": {"pk": legal.request.pk},
        "legal:request-step": {"pk": legal.request.pk, "step": "assign"},
        "legal:request-mail": {"pk": legal.request.pk},
        "legal:package-download": {"package_id": legal.package.pk},
        "legal:reminder-done": {"reminder_id": legal.reminder.pk},
        "legal-request-detail": {"pk": legal.request.pk},
    }.get(name, {})
    path = reverse(name, kwargs=kwargs)
    return path + ("?half=2000-H1" if "transparency" in name else "")


@pytest.mark.django_db
def test_the_legal_desk_by_role(clients, objects, users):
    """Every legal route, on real legal objects, as every role: the legal role is served,
    everyone else is refused (a 404 on an object, never confirming it exists) and sees
    nothing of it; the legal role's reads and downloads are audited."""
    legal = make_legal_objects(users["legal"])
    failures = []
    for name, method, category in LEGAL_ROUTES:
        path = _legal_path(name, legal)
        for role in ROLES:
            client = clients[role]
            response = client.get(path) if method == "GET" else client.post(path, {"assignee": ""})
            status = response.status_code
            if role == "anonymous":
                ok = status in ((401, 403) if category.startswith("api") else (302,))
            elif role == "legal":
                ok = status in (200, 302)
            elif category in ("object", "api-object"):
                ok = status == 404
            else:
                ok = status == 403
            if not ok:
                failures.append(f"{method} {path} ({name}) as {role}: {status}")
            if role != "legal":
                _assert_no_legal_leak(legal, response.content, f"{name} as {role}")
            elif name in LEGAL_SHOWING:  # the check can see the request where it is served
                assert legal.marker in response.content.decode("utf-8", "replace"), name
    assert not failures, "\n".join(failures)
    # reads and downloads by the legal role were audited; nothing leaves a cache
    audited = set(AuditEntry.objects.filter(actor_name="user-legal").values_list("verb", flat=True))
    assert {"legal.read", "legal.package.download"} <= audited
    response = clients["legal"].get(_legal_path("legal:request-detail", legal))
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_the_legal_desk_never_leaks_through_the_rest_of_the_desk(clients, objects, users):
    """Search, counts, the customer page, the API, the home page and the admin show nothing
    of a legal request to anyone outside legal: the held customer carries only the neutral
    badge."""
    legal = make_legal_objects(users["legal"])
    customer = legal.customer
    desk_admin = users["admin"]
    desk_admin.is_staff = True
    desk_admin.save(update_fields=["is_staff"])
    paths = [
        "/", f"/tickets/?q={legal.marker}", f"/customers/?q={legal.marker}",
        f"/customers/?q={customer.external_id}",
        reverse("customers:customer-detail", args=[customer.external_id]),
        f"/api/v1/tickets/?q={legal.marker}", f"/api/v1/customers/?q={customer.external_id}",
        "/api/v1/reports/", "/admin/", "/admin/complaints/auditentry/",
        f"/admin/complaints/auditentry/?q={legal.request.pk}",
    ]  # fmt: skip
    for role in ROLES:
        client = clients[role]
        for path in paths:
            response = client.get(path)
            assert response.status_code < 500, (role, path)
            text = response.content.decode("utf-8", "replace")
            if role != "legal":
                _assert_no_legal_leak(legal, response.content, f"{path} as {role}")
            assert "legal-request:" not in text, (role, path)
        home = client.get("/").content.decode("utf-8", "replace")
        assert ("Legal desk" in home) is (role == "legal"), role
    page = reverse("customers:customer-detail", args=[customer.external_id])
    agent_page = clients["agent"].get(page)
    assert "Legal hold — do not contact, ask legal" in agent_page.content.decode()
    # the desk admin's audit log holds no legal entry
    admin_log = clients["admin"].get("/admin/complaints/auditentry/")
    assert admin_log.status_code == 200
    assert not [e for e in admin_log.context["cl"].result_list if e.verb.startswith("legal.")]
    # nor does the desk admin (staff, not legal) see the legal desk's models in the admin
    for model in ("legalrequest", "package", "requestevent", "reminder", "scopeitem"):
        assert clients["admin"].get(f"/admin/legal/{model}/").status_code in (302, 403, 404)
