"""Counsel's day in the browser (issue 14, "done means"): ``leo`` works a subpoena end to
end — files it, answers the scope from the registry, triages, verifies, reviews, approves,
collects, builds and produces the package, records the gag — and a data subject request
from identity check to the downloaded export; an agent meanwhile sees only the neutral
badge on the customer. Screenshots under test-output/screenshots/."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

import pytest
from playwright.sync_api import expect

from legal.models import LegalRequest, Package
from legal.packages import package_build
from tests.browser.conftest import SCREENSHOTS, assert_nothing_ran, login
from tests.conftest import PASSWORD
from tests.legal.support import abuse_history, world_make

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def move(page, to_state: str, reason: str) -> None:  # type: ignore[no-untyped-def]
    page.select_option("#transition-to", to_state)
    page.fill("#transition-reason", reason)
    page.click("#transition-submit")
    page.wait_for_load_state()


def build_packages() -> None:
    """What the Celery worker does with the queued build (no worker runs in this test)."""
    for package in Package.objects.filter(status="queued"):
        assert package_build(package_id=package.pk) == "ready"


def test_counsel_works_a_subpoena_and_a_data_subject_request(page, make_user) -> None:  # type: ignore[no-untyped-def]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    world = world_make(make_user)
    abuse_history(world.nested, at=world.nested.allocations.first().valid_from, marker="SHOPCASE")
    login(page, "leo", PASSWORD)
    page.click("nav[aria-label=Main] >> text=Legal desk")
    page.wait_for_url("**/legal/")

    # --- a subpoena -------------------------------------------------------------------------
    page.click("#legal-new")
    page.select_option("#id_type", "subpoena")
    page.fill("#id_authority", "District Court of Example")
    page.fill("#id_jurisdiction", "US")
    page.fill("#id_case_number", "CR-2025-17")
    page.fill("#id_officer_name", "Det. Jane Roe")
    page.check("#id_data_categories_0")  # subscriber
    page.select_option("#id_scope_kind", "ip")
    page.fill("#id_scope_value", "198.51.100.7")
    page.fill("#id_scope_from", "2025-02-25 00:00")
    page.fill("#id_scope_to", "2025-03-20 00:00")
    page.click("#request-submit")
    page.wait_for_url("**/legal/requests/*/")
    request = LegalRequest.objects.get(case_number="CR-2025-17")
    expect(page.locator("#request-state")).to_have_text("Received")
    expect(page.locator("#due-at")).to_contain_text("UTC")
    page.click("#scope-resolve")
    page.wait_for_load_state()
    expect(page.locator(".scope-match")).to_have_count(3)  # three holders over the range
    move(page, "triaged", "Subpoena for one IP over three weeks")
    page.fill("#verify-method", "Called the clerk at the number on the court's own website")
    page.fill("#verify-reason", "The clerk confirmed the case and the signature")
    page.click("#verify-submit")
    page.wait_for_load_state()
    move(page, "legal_review", "Valid process on its face")
    page.fill("#approve-reason", "Scope proportionate to the case")
    page.click("#approve-submit")
    page.wait_for_load_state()
    move(page, "collecting", "Collect subscriber data")
    page.click("#package-submit")
    page.wait_for_load_state()
    build_packages()
    page.reload()
    expect(page.locator(".package-status").first).to_have_text("Ready")
    page.screenshot(path=str(SCREENSHOTS / "legal-request.png"), full_page=True)
    page.fill("#produce-channel", "law-enforcement portal")
    page.fill("#produce-recipient", "Det. Jane Roe")
    page.fill("#produce-reason", "Produced as approved")
    page.click("#produce-submit")
    page.wait_for_load_state()
    expect(page.locator("#request-state")).to_have_text("Produced")
    request.refresh_from_db()
    assert request.produced_sha256 == Package.objects.get(request=request).sha256
    page.click("#gag summary")
    page.fill("#gag-reason", "2705(b) order of the court")
    page.click("#gag-submit")
    page.wait_for_load_state()
    expect(page.locator("#gag-badge")).to_be_visible()
    move(page, "notice_delayed", "Non-disclosure order in force")
    expect(page.locator("#request-state")).to_have_text("Customer notice delayed (gag)")
    assert [e.to_state for e in request.history.filter(verb="transition")] == [
        "triaged", "verified", "legal_review", "approved", "collecting", "produced", "notice_delayed",
    ]  # fmt: skip
    assert_nothing_ran(page)

    # --- a data subject request --------------------------------------------------------------
    page.goto("/legal/new/")
    page.select_option("#id_type", "gdpr_access")
    page.fill("#id_authority", "Nina Nest")
    page.fill("#id_jurisdiction", "DE")
    page.fill("#id_subject_name", "Nina Nest")
    page.fill("#id_subject_email", "owner@nested-shop.example")
    page.click("#request-submit")
    page.wait_for_url("**/legal/requests/*/")
    dsar = LegalRequest.objects.get(type="gdpr_access")
    move(page, "triaged", "Access request by mail")
    page.fill("#verify-method", "Reply from the contract's address and the customer number")
    page.fill("#verify-reason", "Matches the contract")
    page.click("#verify-submit")
    page.wait_for_load_state()
    page.click("#subject summary")
    page.fill("#subject-external-id", "C-NEST")
    page.fill("#subject-reason", "Her hosting account")
    page.click("#subject-submit")
    page.wait_for_load_state()
    move(page, "legal_review", "Identity checked")
    page.fill("#approve-reason", "Art. 15 applies in full")
    page.click("#approve-submit")
    page.wait_for_load_state()
    move(page, "collecting", "Build the export")
    page.click("#package-submit")
    page.wait_for_load_state()
    build_packages()
    page.reload()
    with page.expect_download() as caught:
        page.click(".package-download")
    body = open(caught.value.path(), "rb").read()  # noqa: SIM115 - read at once
    package = Package.objects.get(request=dsar)
    assert hashlib.sha256(body).hexdigest() == package.sha256
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        export = json.loads(archive.read("export.json"))
        assert {"export.json", "export.html", "manifest.json"} == set(archive.namelist())
    assert export["customer"]["external_id"] == "C-NEST"
    assert "victim@mail.example.org" not in json.dumps(export)
    page.fill("#produce-channel", "encrypted mail")
    page.fill("#produce-recipient", "owner@nested-shop.example")
    page.fill("#produce-reason", "Export sent")
    page.click("#produce-submit")
    page.wait_for_load_state()
    move(page, "closed", "Answered within the month")
    expect(page.locator("#request-state")).to_have_text("Closed")
    page.screenshot(path=str(SCREENSHOTS / "legal-dsar.png"), full_page=True)
    assert_nothing_ran(page)

    # --- the rest of the desk sees only the badge -------------------------------------------
    page.click("text=Log out")
    login(page, "alice", PASSWORD)
    page.goto("/customers/C-NEST/")
    expect(page.locator("#legal-hold-badge")).to_have_text("Legal hold — do not contact, ask legal")
    html = page.content()
    assert "CR-2025-17" not in html and "District Court" not in html and "LR-" not in html
    assert page.goto("/legal/").status == 403
    assert page.goto(f"/legal/requests/{request.pk}/").status == 404
