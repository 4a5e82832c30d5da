"""Production packages and data subject requests (issue 14 items 5 and 7): the zip's
manifest names every file with its real SHA-256, the package's own SHA-256 is recorded,
the content follows the scope (who held what, when) and the categories asked for; a data
subject's export has third parties redacted; the erasure keeps abuse evidence and says why,
and a preservation hold refuses it."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from complaints.models import AuditEntry, Ticket
from customers.legal_holds import legal_hold_place
from customers.models import Customer
from legal import services
from legal.models import LegalRequest, Package
from legal.packages import package_build, package_request
from legal.services import LegalError
from legal.subjects import request_erase
from tests.legal.support import (
    HANDOVER,
    IP,
    LegalWorld,
    abuse_history,
    subpoena,
    walk_to_collecting,
)

pytestmark = pytest.mark.django_db


def unzip(package: Package) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(bytes(package.content))) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def built(lw: LegalWorld, request: LegalRequest, kind: str = "production") -> Package:
    package = package_request(request_id=request.pk, actor=lw.leo, kind=kind)
    assert package_build(package_id=package.pk) == "ready"
    assert package_build(package_id=package.pk) == "skipped"  # built once
    return Package.objects.get(pk=package.pk)


def test_the_manifest_names_every_file_with_its_sha256_and_the_package_its_own(
    lw: LegalWorld,
) -> None:
    abuse_history(lw.old, at=HANDOVER - timedelta(days=2), marker="OLDCASE")
    abuse_history(lw.old, at=HANDOVER - timedelta(days=200), marker="ANCIENT")  # outside the range
    abuse_history(lw.new, at=HANDOVER + timedelta(days=2), marker="NEWCASE")
    request = walk_to_collecting(
        lw, subpoena(lw, data_categories=["subscriber", "transactional", "content"])
    )
    package = built(lw, request)
    files = unzip(package)
    manifest = json.loads(files.pop("manifest.json"))
    assert {f["name"] for f in manifest["files"]} == set(files)
    for entry in manifest["files"]:
        data = files[entry["name"]]
        assert entry["sha256"] == hashlib.sha256(data).hexdigest() and entry["size"] == len(data)
    assert package.sha256 == hashlib.sha256(bytes(package.content)).hexdigest()
    assert manifest["request"] == request.reference
    # one folder per holder the registry found, each with the categories asked for
    assert {name.split("/")[0] for name in files} == {"request.json", "customer-C-OLD", "customer-C-NEW",
                                                      "customer-C-NEST"}  # fmt: skip
    old = json.loads(files["customer-C-OLD/transactional.json"])
    assert [e["ip"] for e in old["events"]] == [IP]  # the event while they held it
    content = files["customer-C-OLD/content.json"].decode()
    assert "OLDCASE our answer" in content and "ANCIENT" not in content
    assert (
        "NEWCASE" not in content and "to the reporter" not in content
    )  # reporter mail is not theirs
    assert json.loads(files["customer-C-NEST/subscriber.json"])["phone"] == "+49 30 1234"
    # the same data makes the same files (member times are fixed)
    again = built(lw, request)
    assert unzip(again).keys() == unzip(package).keys()


def test_a_package_holds_only_the_categories_asked_for(lw: LegalWorld) -> None:
    request = walk_to_collecting(lw, subpoena(lw, data_categories=["subscriber"]))
    names = set(unzip(built(lw, request)))
    assert all(not n.endswith(("transactional.json", "content.json")) for n in names)
    assert "customer-C-OLD/subscriber.json" in names


def test_downloads_are_for_legal_only_and_each_is_audited(lw: LegalWorld) -> None:
    request = walk_to_collecting(lw, subpoena(lw))
    package = built(lw, request)
    path = reverse("legal:package-download", args=[package.pk])
    agent = Client()
    agent.force_login(lw.agent)
    assert agent.get(path).status_code == 404
    leo = Client()
    leo.force_login(lw.leo)
    for _ in range(2):
        response = leo.get(path)
        assert response.status_code == 200 and response["Content-Type"] == "application/zip"
        assert (
            "attachment" in response["Content-Disposition"]
            and "no-store" in response["Cache-Control"]
        )
        assert hashlib.sha256(response.content).hexdigest() == package.sha256
    downloads = AuditEntry.objects.filter(verb="legal.package.download", actor_name="leo")
    assert downloads.count() == 2 and all(d.detail["sha256"] == package.sha256 for d in downloads)
    assert request.history.filter(verb="package.download").count() == 2


def test_a_package_waits_for_the_approval_and_the_registry(lw: LegalWorld) -> None:
    request = subpoena(lw)
    with pytest.raises(LegalError, match="collecting"):
        package_request(request_id=request.pk, actor=lw.leo, kind="production")
    empty = walk_to_collecting(lw, subpoena(lw, scope=[]))
    with pytest.raises(LegalError, match="registry"):
        package_request(request_id=empty.pk, actor=lw.leo, kind="production")


def dsar(lw: LegalWorld, type_: str) -> LegalRequest:
    request = services.request_receive(actor=lw.leo, type=type_, authority="The shop's owner",
                                       jurisdiction="DE", subject_name="Nina Nest",
                                       subject_email="owner@nested-shop.example")  # fmt: skip
    pk = request.pk
    services.request_transition(request_id=pk, actor=lw.leo, to_state="triaged", reason="a DSAR")
    services.request_verify(request_id=pk, actor=lw.leo, reason="matches the contract",
                            method="reply from the contract's address and ID document seen")  # fmt: skip
    services.request_subject_link(
        request_id=pk, actor=lw.leo, external_id="C-NEST", reason="her account"
    )
    services.request_transition(
        request_id=pk, actor=lw.leo, to_state="legal_review", reason="review"
    )
    services.request_approve(request_id=pk, actor=lw.leo, reason="identity checked")
    services.request_transition(request_id=pk, actor=lw.leo, to_state="collecting", reason="export")
    return LegalRequest.objects.get(pk=pk)


def test_the_subject_export_has_everything_on_the_person_and_no_third_party(lw: LegalWorld) -> None:
    abuse_history(lw.nested, at=datetime(2025, 3, 15, tzinfo=UTC), marker="SHOPCASE")
    hidden = abuse_history(lw.nested, at=datetime(2025, 3, 16, tzinfo=UTC), marker="SECRETCASE")
    Ticket.objects.filter(pk=hidden.pk).update(restricted_group="investigations")
    request = dsar(lw, "gdpr_access")
    files = unzip(built(lw, request, "subject_export"))
    data = json.loads(files["export.json"])
    html = files["export.html"].decode()
    assert (
        data["customer"]["external_id"] == "C-NEST"
        and data["domains"][0]["name"] == "nested-shop.example"
    )
    assert [t["subject"] for t in data["tickets"]] == [f"SHOPCASE spam from {IP}"]
    text = files["export.json"].decode() + html
    for third_party in (
        "victim@mail.example.org",
        "friend@other.example",
        "soc@reporter.example.org",
    ):
        assert third_party not in text
    assert "[redacted]" in text and "owner@nested-shop.example" in text
    assert "SECRETCASE" not in text and "restricted" not in text.lower()  # not even that one exists
    assert request.history.filter(verb="package.withheld").exists()  # legal's own record says so
    assert "SHOPCASE our answer" in html and "<script" not in html.lower()


def test_the_erasure_keeps_abuse_evidence_and_says_why(lw: LegalWorld) -> None:
    ticket = abuse_history(lw.nested, at=datetime(2025, 3, 15, tzinfo=UTC), marker="SHOPCASE")
    request = dsar(lw, "gdpr_erasure")
    report = request_erase(request_id=request.pk, actor=lw.leo, reason="Art. 17 request")
    customer = Customer.objects.get(pk=lw.nested.pk)
    assert (
        customer.name.startswith("Erased customer")
        and customer.abuse_email == ""
        and customer.phone == ""
    )
    assert set(report["erased"]) == {"name", "abuse_email", "phone"}
    assert (
        "17(3)(e)" in report["kept"]["basis"] and report["kept"]["tickets, events and reports"] == 1
    )
    assert Ticket.objects.filter(pk=ticket.pk).exists() and ticket.events.exists()
    assert LegalRequest.objects.get(pk=request.pk).erasure_report == report
    assert request.history.filter(verb="subject.erased").exists()


def test_a_preservation_hold_refuses_the_erasure(lw: LegalWorld) -> None:
    request = dsar(lw, "gdpr_erasure")
    legal_hold_place(customer=lw.nested, kind="preservation", reference="legal-request:77",
                     starts_at=timezone.now() - timedelta(minutes=1), ends_at=None)  # fmt: skip
    with pytest.raises(LegalError, match="legal hold preserves"):
        request_erase(request_id=request.pk, actor=lw.leo, reason="Art. 17 request")
    assert Customer.objects.get(pk=lw.nested.pk).name == "Nested Shop"


def test_an_emergency_package_is_limited_to_the_stated_emergency(lw: LegalWorld) -> None:
    request = subpoena(lw, type="emergency", officer_phone="+1 555 0199",
                       scope=[services.ScopeInput("customer", "C-NEST")])  # fmt: skip
    pk = request.pk
    services.request_transition(request_id=pk, actor=lw.leo, to_state="triaged", reason="threat")
    services.request_verify(
        request_id=pk, actor=lw.leo, reason="ok", method="agency confirmed via its switchboard"
    )
    services.request_transition(
        request_id=pk, actor=lw.leo, to_state="legal_review", reason="review"
    )
    services.request_callback_record(request_id=pk, actor=lw.leo, number="+1 555 0000",
                                     source="the agency's website", note="confirmed",
                                     harm_description="A named person is threatened with harm tonight.")  # fmt: skip
    services.request_approve(request_id=pk, actor=lw.leo, reason="credible")
    services.request_second_approve(request_id=pk, actor=lw.lea, reason="within the emergency")
    services.request_transition(request_id=pk, actor=lw.leo, to_state="collecting", reason="go")
    manifest = json.loads(unzip(built(lw, LegalRequest.objects.get(pk=pk)))["manifest.json"])
    assert "limited to the stated emergency" in manifest["limitation"]
    assert "threatened with harm tonight" in manifest["limitation"]


def test_a_preservation_hold_blocks_deleting_the_customer_in_the_admin(lw: LegalWorld, rf) -> None:
    from django.contrib.admin.sites import site

    lw.agent.is_superuser = True  # the strongest admin there is gets no exception
    request = rf.get("/admin/")
    request.user = lw.agent
    admin = site._registry[Customer]
    assert admin.has_delete_permission(request, lw.nested)
    legal_hold_place(customer=lw.nested, kind="preservation", reference="legal-request:78",
                     starts_at=timezone.now() - timedelta(minutes=1), ends_at=None)  # fmt: skip
    assert not admin.has_delete_permission(request, lw.nested)
    assert admin.has_delete_permission(request, lw.old)
