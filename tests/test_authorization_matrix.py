"""Authorization matrix: every route x every role x tickets of every kind.

Routes are enumerated from the URL resolver: a route missing from ``EXPECT`` fails
``test_every_route_has_an_expectation``, so a new page cannot ship unreviewed. For each
role the expectations come from DESIGN.md's roles table (``VISIBLE``), not from the code:
a ticket a role may not see is a 404 on every ticket route (never a 403 that would confirm
it exists), and its subject, report, evidence, action reason and messages never appear in
any response the role gets — pages, partials, search, counts, autocomplete or API.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from tests.authz_support import KINDS, Objects, all_routes, make_objects

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
DESK = {"agent", "lead", "admin"}

# --- the expectation table ----------------------------------------------------------------
# Ticket routes: (method, category). Categories:
#   read    visible -> 200, invisible -> 404
#   sub     a part of the ticket (report, part, download): visible -> not 404-for-the-ticket,
#           invisible -> 404
#   act     visible and acting role -> 200, visible otherwise -> 403, invisible -> 404
#   work    a form page for whoever works the ticket: visible -> 200, invisible -> 404
#   post    visible -> anything but 404/5xx, invisible -> 404
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
    "workspace:ticket-escalate": ("GET", "work"),
    "ticket-detail": ("GET", "api-read"),
    "ticket-actions": ("GET", "api-read"),
    "ticket-messages": ("GET", "api-read"),
    "ticket-action-approve": ("POST", "api-post"),
}
# Other routes: (method, roles answered 2xx/3xx-in-app; everyone else authenticated -> 403/404).
# "public" routes answer everyone; "token" routes answer a bogus token with 404 for everyone.
PAGE_ROLES: dict[str, tuple[str, set[str] | str]] = {
    "home": ("GET", "authenticated"),
    "health": ("GET", "public"),
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
