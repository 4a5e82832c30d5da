"""Headless Chromium through Playwright against pytest-django's live server.

Debian's chromium is used (Playwright cannot download browsers here). Every page gets an
init script that records ``securitypolicyviolation`` events, and any dialog fails the test:
attacker text that ran would show up in one of those, or in ``window.__xss``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]  # fmt: skip
WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__csp.push(e.violatedDirective + ' ' + e.blockedURI);
  try { window.top.__csp_any = (window.top.__csp_any || 0) + 1; } catch (err) {}
});
"""


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    # Playwright's sync API runs an event loop; Django refuses ORM calls from such a thread
    # unless told it is fine (the test code, not the loop, makes them).
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server):  # type: ignore[no-untyped-def]
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1400, "height": 1000}
    )
    context.add_init_script(WATCH)
    tab = context.new_page()
    dialogs: list[str] = []
    tab.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    tab.dialogs = dialogs  # type: ignore[attr-defined]
    yield tab
    context.close()


def assert_nothing_ran(page) -> None:  # type: ignore[no-untyped-def]
    assert page.dialogs == [], f"a dialog opened: {page.dialogs}"
    assert page.evaluate("window.__xss") is None, "attacker script ran"
    assert page.evaluate("window.__csp") == [], f"CSP violations: {page.evaluate('window.__csp')}"
    for frame in page.frames:
        try:
            assert frame.evaluate("window.__xss") is None, "attacker script ran in a frame"
        except Exception as exc:
            if "__xss" in str(exc):
                raise


def migration_rows_restore() -> None:
    """Make again the rows the migrations make (role groups, templates, guidance, blocklist
    zones, save offers): a transactional test flushes them, and a later browser test that
    seeds the demo needs them. Every data migration here is idempotent (get_or_create)."""
    from django.apps import apps
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.operations import RunPython

    loader = MigrationLoader(connection, ignore_no_migrations=True)
    for (app_label, _name), migration in sorted(loader.disk_migrations.items()):
        if app_label not in _OWN_APPS:
            continue
        for operation in migration.operations:
            if isinstance(operation, RunPython):
                operation.code(apps, None)


_OWN_APPS = {
    "accounts",
    "complaints",
    "customers",
    "legal",
    "campaigns",
    "billing",
    "retention",
    "leads",
}


def login(page, username: str, password: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()
