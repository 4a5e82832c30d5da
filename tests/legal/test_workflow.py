"""The legal request's workflow (issue 14 items 1, 2, 4, 5): states moved only by the
services, each change with who and why in the history and the audit trail; the scope
answered from the registry; emergency vetting with a callback and four eyes; preservation
and gag with their holds on the customers in scope; the customer told once the gag ends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from complaints.models import AuditEntry, Message
from customers.legal_holds import customers_under_legal_hold
from customers.models import CustomerLegalHold
from legal import services
from legal.models import LegalRequest, Reminder, ScopeMatch
from legal.scope import request_scope_resolve
from legal.services import LegalError
from tests.legal.support import (
    HANDOVER,
    IP,
    NESTED_FROM,
    LegalWorld,
    subpoena,
    walk_to_collecting,
)

pytestmark = pytest.mark.django_db


def test_the_registry_answers_who_held_the_ip_piece_by_piece(lw: LegalWorld) -> None:
    request = subpoena(lw)
    spans = [(m.customer.external_id, m.held_from, m.held_to)
             for m in ScopeMatch.objects.filter(item__request=request).order_by("held_from")]  # fmt: skip
    assert spans == [
        ("C-OLD", datetime(2025, 2, 25, tzinfo=UTC), HANDOVER),
        ("C-NEW", HANDOVER, NESTED_FROM),
        ("C-NEST", NESTED_FROM, datetime(2025, 3, 20, tzinfo=UTC)),  # the nested /29 wins
    ]
    # a range inside one holding finds one holder; a domain finds its host
    only_old = subpoena(lw, scope=[services.ScopeInput("ip", IP, datetime(2025, 1, 5, tzinfo=UTC),
                                                       datetime(2025, 1, 6, tzinfo=UTC)),
                                   services.ScopeInput("domain", "shop.nested-shop.example")])  # fmt: skip
    found = sorted(
        ScopeMatch.objects.filter(item__request=only_old).values_list(
            "customer__external_id", flat=True
        )
    )
    assert found == ["C-NEST", "C-OLD"]


def test_every_transition_is_recorded_with_who_and_why(lw: LegalWorld) -> None:
    request = walk_to_collecting(lw, subpoena(lw))
    history = list(
        request.history.filter(verb="transition").values_list(
            "from_state", "to_state", "actor_name"
        )
    )
    assert history == [
        ("received", "triaged", "leo"), ("triaged", "verified", "leo"),
        ("verified", "legal_review", "leo"), ("legal_review", "approved", "leo"),
        ("approved", "collecting", "leo"),
    ]  # fmt: skip
    assert all(e.reason for e in request.history.all())
    audited = AuditEntry.objects.filter(object_type="legalrequest", object_id=str(request.pk),
                                        verb="legal.transition")  # fmt: skip
    assert audited.count() == 5 and {a.actor_name for a in audited} == {"leo"}
    assert request.verified_by == lw.leo and "clerk" in request.verification_method


def test_the_workflow_refuses_skips_missing_reasons_and_other_roles(lw: LegalWorld) -> None:
    request = subpoena(lw)
    with pytest.raises(LegalError, match="cannot move"):
        services.request_transition(
            request_id=request.pk, actor=lw.leo, to_state="collecting", reason="x"
        )
    with pytest.raises(LegalError, match="say why"):
        services.request_transition(
            request_id=request.pk, actor=lw.leo, to_state="triaged", reason=" "
        )
    with pytest.raises(LegalError, match="own form"):
        services.request_transition(
            request_id=request.pk, actor=lw.leo, to_state="verified", reason="x"
        )
    with pytest.raises(LegalError, match="legal role"):
        services.request_transition(
            request_id=request.pk, actor=lw.agent, to_state="triaged", reason="x"
        )
    assert LegalRequest.objects.get(pk=request.pk).state == "received"


def test_an_emergency_is_disclosed_only_after_callback_harm_and_a_second_approver(
    lw: LegalWorld,
) -> None:
    request = subpoena(lw, type="emergency", officer_phone="+1 555 0199")
    pk = request.pk
    assert request.emergency and request.due_at == request.received_at + timedelta(hours=1)
    services.request_transition(
        request_id=pk, actor=lw.leo, to_state="triaged", reason="threat to life"
    )
    services.request_verify(
        request_id=pk, actor=lw.leo, reason="ok", method="agency confirmed via its switchboard"
    )
    services.request_transition(
        request_id=pk, actor=lw.leo, to_state="legal_review", reason="review"
    )
    with pytest.raises(LegalError, match="callback"):
        services.request_approve(request_id=pk, actor=lw.leo, reason="urgent")
    with pytest.raises(LegalError, match="independently"):  # the number the request gave
        services.request_callback_record(request_id=pk, actor=lw.leo, number="+1 (555) 0199",
                                         source="the request's signature", note="",
                                         harm_description="A person threatens to harm a child today.")  # fmt: skip
    with pytest.raises(LegalError, match="harm"):
        services.request_callback_record(request_id=pk, actor=lw.leo, number="+1 555 0000",
                                         source="agency website", note="", harm_description="bad")  # fmt: skip
    services.request_callback_record(request_id=pk, actor=lw.leo, number="+1 555 0000",
                                     source="the agency's website, contact page", note="Sgt. Doe confirmed",
                                     harm_description="A person threatens to harm a child today.")  # fmt: skip
    services.request_approve(request_id=pk, actor=lw.leo, reason="credible, imminent")
    with pytest.raises(LegalError, match="second legal approver"):
        services.request_transition(request_id=pk, actor=lw.leo, to_state="collecting", reason="go")
    with pytest.raises(LegalError, match="another person"):
        services.request_second_approve(request_id=pk, actor=lw.leo, reason="me again")
    services.request_second_approve(
        request_id=pk, actor=lw.lea, reason="within the stated emergency"
    )
    services.request_transition(request_id=pk, actor=lw.leo, to_state="collecting", reason="go")
    request = LegalRequest.objects.get(pk=pk)
    assert (request.approved_by, request.second_approved_by) == (lw.leo, lw.lea)


def test_a_preservation_holds_the_customers_in_scope_extends_once_and_lapses(
    lw: LegalWorld,
) -> None:
    now = timezone.now()
    request = subpoena(lw, type="preservation", received_at=now - timedelta(days=1),
                       scope=[services.ScopeInput("customer", "C-NEST")])  # fmt: skip
    pk = request.pk
    services.request_transition(request_id=pk, actor=lw.leo, to_state="triaged", reason="preserve")
    services.request_verify(
        request_id=pk, actor=lw.leo, reason="ok", method="agency confirmed by its published number"
    )
    services.request_transition(
        request_id=pk, actor=lw.leo, to_state="legal_review", reason="review"
    )
    services.request_approve(request_id=pk, actor=lw.leo, reason="preserve for 90 days")
    request = LegalRequest.objects.get(pk=pk)
    assert request.preservation_state == "active"
    assert request.preserve_until.date() == (request.received_at + timedelta(days=90)).date()
    assert customers_under_legal_hold(kind="preservation") == {lw.nested.pk}
    with pytest.raises(LegalError, match="lapses, or is converted"):
        services.request_transition(request_id=pk, actor=lw.leo, to_state="closed", reason="done")
    services.request_preservation_extend(request_id=pk, actor=lw.leo, reason="renewed request")
    with pytest.raises(LegalError, match="extended already"):
        services.request_preservation_extend(request_id=pk, actor=lw.leo, reason="again")
    request.refresh_from_db()
    assert request.preservation_state == "extended"
    hold = CustomerLegalHold.objects.get(reference=request.hold_reference, kind="preservation")
    assert hold.ends_at == request.preserve_until
    assert services.preservation_lapse(request_id=pk) is False  # not due yet
    LegalRequest.objects.filter(pk=pk).update(preserve_until=timezone.now() - timedelta(seconds=1))
    assert services.preservations_lapse_due() == [pk]
    assert services.preservation_lapse(request_id=pk) is True
    assert LegalRequest.objects.get(pk=pk).preservation_state == "lapsed"
    assert customers_under_legal_hold(kind="preservation") == set()
    services.request_transition(request_id=pk, actor=lw.leo, to_state="closed", reason="lapsed")


def test_a_preservation_converted_keeps_its_hold_under_the_production_request(
    lw: LegalWorld,
) -> None:
    preservation = subpoena(lw, type="preservation", received_at=timezone.now(),
                            scope=[services.ScopeInput("customer", "C-OLD")])  # fmt: skip
    pk = preservation.pk
    services.request_transition(request_id=pk, actor=lw.leo, to_state="triaged", reason="preserve")
    services.request_verify(
        request_id=pk, actor=lw.leo, reason="ok", method="agency confirmed by its published number"
    )
    services.request_transition(
        request_id=pk, actor=lw.leo, to_state="legal_review", reason="review"
    )
    services.request_approve(request_id=pk, actor=lw.leo, reason="ok")
    production = subpoena(lw, received_at=timezone.now(), scope=[])
    services.request_preservation_convert(
        request_id=pk, actor=lw.leo, into_id=production.pk, reason="warrant came"
    )
    assert LegalRequest.objects.get(pk=pk).preservation_state == "converted"
    assert production.scope.filter(kind="customer", value="C-OLD").exists()
    live = CustomerLegalHold.objects.filter(
        customer=lw.old, kind="preservation", lifted_at__isnull=True
    )
    assert list(live.values_list("reference", flat=True)) == [production.hold_reference]


def test_a_gag_holds_the_customers_delays_the_notice_and_ends_with_notify_the_customer_now(
    lw: LegalWorld,
) -> None:
    request = walk_to_collecting(
        lw, subpoena(lw, received_at=timezone.now() - timedelta(days=2)), narrow=True
    )
    pk = request.pk
    from legal.packages import package_build, package_request

    package = package_request(request_id=pk, actor=lw.leo, kind="production")
    assert package_build(package_id=package.pk) == "ready"
    services.request_produce(request_id=pk, actor=lw.leo, package_id=package.pk, channel="secure portal",
                             recipient="Det. Jane Roe", reason="produced as narrowed")  # fmt: skip
    request = LegalRequest.objects.get(pk=pk)
    assert (
        request.outcome == "partial"
        and request.produced_sha256 == package.__class__.objects.get(pk=package.pk).sha256
    )
    with pytest.raises(LegalError, match="no non-disclosure"):
        services.request_transition(
            request_id=pk, actor=lw.leo, to_state="notice_delayed", reason="x"
        )
    services.request_gag_set(request_id=pk, actor=lw.leo, reason="2705(b) order")
    request.refresh_from_db()
    assert request.nondisclosure_until.date() == (request.received_at + timedelta(days=90)).date()
    assert customers_under_legal_hold(kind="gag") == {lw.old.pk, lw.new.pk, lw.nested.pk}
    services.request_transition(
        request_id=pk, actor=lw.leo, to_state="notice_delayed", reason="gagged"
    )
    with pytest.raises(LegalError, match="non-disclosure order is in force"):
        services.request_customer_notify(request_id=pk, actor=lw.leo, body="b", reason="r")
    first_end = request.nondisclosure_until
    services.request_gag_renew(request_id=pk, actor=lw.leo, reason="renewed by the court")
    request.refresh_from_db()
    assert request.nondisclosure_until.date() == (first_end + timedelta(days=90)).date()
    # the gag ends: beat fires "notify the customer now"
    ended = timezone.now() - timedelta(seconds=1)
    LegalRequest.objects.filter(pk=pk).update(nondisclosure_until=ended)
    CustomerLegalHold.objects.filter(reference=request.hold_reference).update(ends_at=ended)
    Reminder.objects.filter(request_id=pk, kind="notify_customer").update(due_at=ended)
    due = services.reminders_due()
    reminder = Reminder.objects.get(request_id=pk, kind="notify_customer")
    assert reminder.pk in due
    assert services.reminder_fire(reminder_id=reminder.pk) is True
    assert services.reminder_fire(reminder_id=reminder.pk) is False  # once
    assert LegalRequest.objects.get(pk=pk).customer_notice_due_at is not None
    assert customers_under_legal_hold() == set()
    sent = services.request_customer_notify(request_id=pk, actor=lw.leo, reason="gag over",
                                            body="The court's order allows us to tell you now.")  # fmt: skip
    assert {m.to_address for m in sent} == {
        "abuse@old.example",
        "abuse@new.example",
        "owner@nested-shop.example",
    }
    assert all(m.author_id == lw.leo.pk and m.status == Message.Status.QUEUED for m in sent)
    request = LegalRequest.objects.get(pk=pk)
    assert request.state == "customer_notified" and request.customer_notice_due_at is None
    services.request_transition(request_id=pk, actor=lw.leo, to_state="closed", reason="done")


def test_an_order_with_its_own_end_and_another_gag_in_force(lw: LegalWorld) -> None:
    first = walk_to_collecting(lw, subpoena(lw, received_at=timezone.now()))
    services.request_gag_set(request_id=first.pk, actor=lw.leo, reason="order",
                             order_end=timezone.localdate() + timedelta(days=30))  # fmt: skip
    first.refresh_from_db()
    assert first.nondisclosure_until.date() == timezone.localdate() + timedelta(days=30)
    with pytest.raises(LegalError, match="already ended"):
        services.request_gag_set(request_id=first.pk, actor=lw.leo, reason="old order",
                                 order_end=timezone.localdate() - timedelta(days=1))  # fmt: skip
    other = walk_to_collecting(lw, subpoena(lw, received_at=timezone.now()))
    services.request_transition(
        request_id=other.pk, actor=lw.leo, to_state="no_records", reason="none"
    )
    # the other request has no gag of its own, but a customer in its scope is gagged
    with pytest.raises(LegalError, match="another non-disclosure"):
        services.request_customer_notify(request_id=other.pk, actor=lw.leo, body="b", reason="r")


def test_a_gdpr_extension_moves_the_deadline_and_closes_its_reminder(lw: LegalWorld) -> None:
    request = services.request_receive(actor=lw.leo, type="gdpr_access", authority="Erika Mustermann",
                                       jurisdiction="DE", subject_name="Erika Mustermann",
                                       subject_email="owner@nested-shop.example")  # fmt: skip
    assert Reminder.objects.filter(request=request, kind="extension_notice").exists()
    services.request_extension_notice_record(
        request_id=request.pk, actor=lw.leo, reason="complex request"
    )
    request.refresh_from_db()
    assert request.extended_due_at is not None and request.extended_due_at > request.due_at
    assert request.current_due_at == request.extended_due_at
    with pytest.raises(LegalError, match="extended already"):
        services.request_extension_notice_record(
            request_id=request.pk, actor=lw.leo, reason="again"
        )


def test_rescoping_moves_the_holds(lw: LegalWorld) -> None:
    request = walk_to_collecting(lw, subpoena(lw, received_at=timezone.now()))
    services.request_gag_set(request_id=request.pk, actor=lw.leo, reason="order")
    item = request.scope.get()
    services.scope_item_remove(
        request_id=request.pk, actor=lw.leo, item_id=item.pk, reason="narrowed"
    )
    services.scope_item_add(request_id=request.pk, actor=lw.leo, reason="narrowed to one customer",
                            item=services.ScopeInput("customer", "C-NEW"))  # fmt: skip
    request_scope_resolve(request_id=request.pk, actor=lw.leo)
    assert customers_under_legal_hold(kind="gag") == {lw.new.pk}
