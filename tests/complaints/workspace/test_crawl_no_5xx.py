"""Every page of the demo desk, as each demo role, answers without a server error (issue 17
item 1): the demo is seeded by ``manage.py seed_demo`` itself, then a crawler logged in as
alice (agent), lena (lead), leo (legal), ines (investigations), bill (billing) and ada (admin)
follows every same-site link, htmx ``hx-get`` and GET form it finds, from the home page and
from the demo's scenario tickets.

Bounded: each route is visited a few times (and each set of query names on it fewer), the
least-visited routes first, so every kind of page is reached without walking all the
stream's tickets or every combination of a list's filters. GET only; the logout links are skipped (a POST anyway).

It fails on any 5xx, on any same-site link that is not found (a dead link) or forbidden to
the user it is shown to (a link the page should not offer), and on a stylesheet, script or
icon a page names that is not among the static files (a page's small 404s).
"""

from __future__ import annotations

import io
import re
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import pytest
from django.contrib.auth import get_user_model
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import Client
from django.urls import Resolver404, resolve

from complaints.demo import demo_scenario_tickets
from complaints.models import Ticket
from complaints.permissions import tickets_visible_to

ROLES = ("alice", "lena", "leo", "ines", "bill", "ada")
PER_ROUTE = 8  # visits of one route (a page with any query)
PER_ADMIN_ROUTE = 2  # ... of the Django admin's (its own pages, our configuration of them)
PER_KIND = 3  # visits of one route with one set of query names
PER_ROLE = 600  # pages per role at most
SKIP = re.compile(r"^/(accounts/logout|admin/logout|static/|api/docs/)")
STATIC = "/static/"


@dataclass
class Found:
    links: list[str] = field(default_factory=list)  # same-site GETs to follow
    assets: list[str] = field(default_factory=list)  # static files the page loads


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found = Found()
        self._form: dict[str, str] | None = None
        self._form_action = ""
        self._select: str | None = None
        self._select_first: str | None = None
        self._select_chosen = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.found.links.append(a["href"])
        if a.get("hx-get"):
            self.found.links.append(a["hx-get"])
        if tag == "iframe" and a.get("src"):
            self.found.links.append(a["src"])
        if tag == "link" and a.get("href") and a.get("rel") in ("stylesheet", "icon"):
            self.found.assets.append(a["href"])
        if tag in ("script", "img") and a.get("src"):
            self.found.assets.append(a["src"])
        # A GET form, submitted as it stands (its defaults): the queue's filters, searches.
        if tag == "form" and a.get("method", "get").lower() == "get":
            self._form, self._form_action = {}, a.get("action", "")
        elif self._form is not None and a.get("name"):
            name = a["name"]
            if tag == "input" and a.get("type", "text") not in ("checkbox", "radio", "submit"):
                self._form[name] = a.get("value", "")
            elif tag == "input" and "checked" in a:
                self._form[name] = a.get("value", "on")
            elif tag == "select":
                self._select, self._select_first, self._select_chosen = name, None, False
        if tag == "option" and self._form is not None and self._select is not None:
            if self._select_first is None:
                self._select_first = a.get("value", "")
            if "selected" in a and not self._select_chosen:
                self._form[self._select] = a.get("value", "")
                self._select_chosen = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "select" and self._form is not None and self._select is not None:
            if not self._select_chosen and self._select_first is not None:
                self._form[self._select] = self._select_first
            self._select = None
        if tag == "form" and self._form is not None:
            query = urlencode([(k, v) for k, v in self._form.items() if v])
            self.found.links.append(f"{self._form_action or '.'}?{query}")
            self._form = None


def _same_site(base: str, href: str) -> str | None:
    if href.startswith(("mailto:", "javascript:", "tel:", "#", "data:")):
        return None
    split = urlsplit(urljoin(base, href))
    if split.scheme not in ("", "http") or split.netloc not in ("", "testserver"):
        return None
    return urlunsplit(("", "", split.path, split.query, ""))


def _kind(url: str) -> tuple[str, str]:
    """(route, route and query names): the kind of page a URL shows."""
    split = urlsplit(url)
    try:
        route = resolve(split.path).route
    except Resolver404:
        route = split.path
    names = sorted({name for name, _ in parse_qsl(split.query, keep_blank_values=True)})
    return route, f"{route}?{'&'.join(names)}"


def _route_cap(route: str) -> int:
    return PER_ADMIN_ROUTE if route.startswith("admin/") else PER_ROUTE


@dataclass
class Crawl:
    visited: int = 0
    errors: list[str] = field(default_factory=list)
    dead: list[str] = field(default_factory=list)
    forbidden: list[str] = field(default_factory=list)
    missing_assets: set[str] = field(default_factory=set)
    statuses: Counter[int] = field(default_factory=Counter)


def crawl(username: str, starts: list[str]) -> Crawl:
    """Visit every page of ``starts``, then what they link to, least-visited route first."""
    client = Client(raise_request_exception=False)
    client.force_login(get_user_model().objects.get(username=username))
    result = Crawl()
    began = time.monotonic()
    seen: set[str] = set()
    per_route: Counter[str] = Counter()
    per_kind: Counter[str] = Counter()
    frontier: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)

    def visit(url: str, source: str) -> None:
        seen.add(url)
        result.visited += 1
        response = client.get(url)
        result.statuses[response.status_code] += 1
        if response.status_code >= 500:
            result.errors.append(f"{response.status_code} {url} (linked from {source})")
            return
        if response.status_code == 403:
            result.forbidden.append(f"{url} (linked from {source})")
        if response.status_code == 404 and source != "start":
            result.dead.append(f"404 {url} (linked from {source})")
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            return
        page = _Page()
        page.feed(response.content.decode("utf-8", "replace"))
        for asset in page.found.assets:
            path = urlsplit(asset).path
            if path.startswith(STATIC) and finders.find(path[len(STATIC) :]) is None:
                result.missing_assets.add(f"{path} (on {url})")
        for href in page.found.links:
            target = _same_site(url, href)
            if target is not None and target not in seen and not SKIP.match(target):
                frontier[_kind(target)].append((target, url))

    for url in starts:  # the walk of the issue: each one, whatever the bounds
        visit(url, "start")
        route, kind = _kind(url)
        per_route[route] += 1
        per_kind[kind] += 1
    while result.visited < PER_ROLE:
        # The least-visited route next, then its least-visited query: every kind of page
        # is reached early, and a list's filter combinations do not crowd out the rest.
        open_kinds = [
            k for k, urls in frontier.items()
            if urls and per_kind[k[1]] < PER_KIND and per_route[k[0]] < _route_cap(k[0])
        ]  # fmt: skip
        if not open_kinds:
            break
        kind = min(open_kinds, key=lambda k: (per_route[k[0]], per_kind[k[1]]))
        url, source = frontier[kind].pop(0)
        if url in seen:
            continue
        per_route[kind[0]] += 1
        per_kind[kind[1]] += 1
        visit(url, source)
    # Shown with -s: how far the crawl went.
    print(username, result.visited, dict(result.statuses), f"{time.monotonic() - began:.1f}s")
    return result


@pytest.fixture
def demo_desk(db: None, settings, tmp_path: Path) -> list[int]:  # type: ignore[no-untyped-def]
    """The demo as ``make run`` seeds it (the command refuses without DEBUG); its blocklist
    zone file goes to a temporary directory."""
    settings.DEBUG = True
    settings.BASE_DIR = tmp_path
    call_command("seed_demo", stdout=io.StringIO())
    settings.DEBUG = False
    return list(demo_scenario_tickets().order_by("pk").values_list("pk", flat=True))


def test_every_page_as_every_demo_role_answers_without_a_server_error(demo_desk) -> None:  # type: ignore[no-untyped-def]
    problems: list[str] = []
    for username in ROLES:
        user = get_user_model().objects.get(username=username)
        scenario = tickets_visible_to(user, Ticket.objects.filter(pk__in=demo_desk))
        starts = ["/", *(f"/tickets/{pk}/" for pk in scenario.values_list("pk", flat=True))]
        result = crawl(username, starts)
        assert result.visited > 10, f"{username} reached only {result.visited} pages"
        problems += [f"{username}: {line}" for line in result.errors + result.dead]
        problems += [f"{username}: 403 {line}" for line in result.forbidden]
        problems += [f"{username}: missing static {a}" for a in sorted(result.missing_assets)]
    assert problems == [], "\n".join(problems)


@pytest.mark.django_db
def test_every_page_names_an_icon_and_favicon_ico_finds_it(client, users) -> None:  # type: ignore[no-untyped-def]
    """No 404 for a favicon (issue 17 item 8): the desk's pages link the icon files, and
    ``/favicon.ico`` (asked by browsers on pages that name none, the admin's) leads to one."""
    client.force_login(users["agent"])
    page = _Page()
    page.feed(client.get("/").content.decode())
    icons = [urlsplit(a).path for a in page.found.assets if "favicon" in a]
    assert len(icons) == 2
    for path in icons:
        assert finders.find(path[len(STATIC) :]) is not None, path
    answer = client.get("/favicon.ico")
    assert answer.status_code == 302
    target = urlsplit(answer["Location"]).path
    assert target.startswith(STATIC) and finders.find(target[len(STATIC) :]) is not None
    assert finders.find("favicon.ico") is not None
    with open(finders.find("favicon.ico"), "rb") as icon:
        assert icon.read(4) == b"\x00\x00\x01\x00"  # an ICO file
