"""The working day's walk, in Chromium (issue 17, "done means"): the demo as ``make run``
seeds it; each demo role logs in and walks its home page, every page of the main menu and
the scenario tickets it may see, with the report pages they link to. No response the
browser receives (pages, htmx fragments, static files) is a 5xx; every ticket page names
the customer resolution gives for its resource at its first report's arrival; every ticket
assigned to a role opens for it. Screenshots of each role's home page under
test-output/screenshots/.

The Django-client crawl (tests/complaints/workspace/test_crawl_no_5xx.py) follows every
link; this walk is the browser's: htmx loads, scripts and the CSP included."""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Min

from accounts.demo import DEMO_PASSWORD, DEMO_USERS
from complaints.demo import demo_scenario_tickets
from complaints.models import Ticket
from complaints.permissions import tickets_visible_to
from customers.models import Customer
from tests.browser.conftest import (
    SCREENSHOTS,
    WATCH,
    assert_nothing_ran,
    login,
    migration_rows_restore,
)
from tests.complaints.test_demo_made_by_services import resolved_customer

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

TICKETS_PER_ROLE = 12  # scenario tickets opened per role (each with up to two report pages)


@pytest.fixture
def demo_desk(settings, tmp_path: Path) -> Iterator[list[int]]:  # type: ignore[no-untyped-def]
    """The demo as ``make run`` seeds it (the command refuses without DEBUG); its blocklist
    zone file goes to a temporary directory. The live server then runs with DEBUG off."""
    migration_rows_restore()  # a transactional test before this one flushed them
    settings.DEBUG = True
    settings.BASE_DIR = tmp_path
    call_command("seed_demo", stdout=io.StringIO())
    settings.DEBUG = False
    yield list(demo_scenario_tickets().order_by("pk").values_list("pk", flat=True))


def _walk(page, username: str, scenario: list[int], seen: Counter[str]) -> list[str]:  # type: ignore[no-untyped-def]
    """Walk as ``username``; the problems found (``seen`` counts what was looked at)."""
    problems: list[str] = []
    server_errors: list[str] = []
    page.on(
        "response",
        lambda r: server_errors.append(f"{r.status} {r.url}") if r.status >= 500 else None,
    )
    login(page, username, DEMO_PASSWORD)
    assert "/accounts/login/" not in page.url, f"{username} could not log in"
    page.screenshot(path=str(SCREENSHOTS / f"home-{username}.png"), full_page=True)
    menu = page.eval_on_selector_all(
        "nav[aria-label=Main] a", "links => links.map(a => a.getAttribute('href'))"
    )
    assert menu, f"{username} has no main menu"
    for href in menu:
        answer = page.goto(href)
        page.wait_for_load_state("networkidle")
        if answer is None or answer.status >= 400:
            problems.append(f"menu {href}: {answer.status if answer else 'no answer'}")

    user = get_user_model().objects.get(username=username)
    visible = tickets_visible_to(user, Ticket.objects.filter(pk__in=scenario))
    assigned = list(visible.filter(assignee=user).values_list("pk", flat=True))
    unreachable = Ticket.objects.filter(pk__in=scenario, assignee=user).exclude(pk__in=assigned)
    problems += [
        f"#{pk} assigned but not visible" for pk in unreachable.values_list("pk", flat=True)
    ]
    chosen = [*assigned, *visible.exclude(pk__in=assigned).values_list("pk", flat=True)]
    for pk in chosen[:TICKETS_PER_ROLE]:
        answer = page.goto(f"/tickets/{pk}/")
        page.wait_for_load_state("networkidle")
        if answer is None or answer.status != 200:
            problems.append(f"ticket #{pk}: {answer.status if answer else 'no answer'}")
            continue
        seen["tickets"] += 1
        problems += _customer_shown_wrong(page, pk, seen)
        reports = page.eval_on_selector_all(
            "a[href*='/reports/']", "links => links.map(a => a.getAttribute('href'))"
        )
        pages = [h for h in dict.fromkeys(reports) if h.rstrip("/").split("/")[-1].isdigit()]
        for href in pages[:2]:
            answer = page.goto(href)
            seen["reports"] += 1
            if answer is None or answer.status >= 400:
                problems.append(f"report {href}: {answer.status if answer else 'no answer'}")
        assert_nothing_ran(page)
    return problems + [f"server error: {line}" for line in server_errors]


def _customer_shown_wrong(page, pk: int, seen: Counter[str]) -> list[str]:  # type: ignore[no-untyped-def]
    """The ticket page's customer against resolution's answer for its resource."""
    ticket = Ticket.objects.annotate(first=Min("events__report__received_at")).get(pk=pk)
    if not ticket.resource or ticket.first is None:
        return []
    expected = resolved_customer(ticket.resource, ticket.first)
    if expected is None:
        return []
    customer = Customer.objects.get(pk=expected)
    seen["customers"] += 1
    shown = page.locator("#customer").inner_text()
    if customer.external_id not in shown:
        return [f"#{pk} ({ticket.resource}) shows {shown[:80]!r}, resolution: {customer}"]
    return []


def test_each_demo_role_walks_the_desk_with_no_server_error_and_the_right_customers(
    browser, live_server, demo_desk
) -> None:  # type: ignore[no-untyped-def]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    seen: Counter[str] = Counter()
    for username, _roles, _staff in DEMO_USERS:
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": 1400, "height": 1000}
        )
        context.add_init_script(WATCH)
        page = context.new_page()
        page.dialogs = []
        page.on("dialog", lambda d, page=page: (page.dialogs.append(d.message), d.dismiss()))
        try:
            problems += [f"{username}: {line}" for line in _walk(page, username, demo_desk, seen)]
        finally:
            context.close()
    assert problems == [], "\n".join(problems)
    # the walk looked at something: tickets of several roles, their reports and customers
    assert seen["tickets"] > 30 and seen["reports"] > 20 and seen["customers"] > 10, seen
