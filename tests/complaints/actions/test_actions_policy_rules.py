"""Policy rules: dry run vs apply, automatic only when marked, never against protected
customers or the provider's own infrastructure, within the hourly cap, and one switch."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError
from django.utils import timezone

from complaints.actions.policy_rules import policy_rules_apply, policy_rules_dry_run
from complaints.actions.services import automation_switch_set
from complaints.models import Action, Message, PolicyRule
from tests.complaints.actions_support import make_ticket
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def repeat_rule(*, automatic: bool, proposes: str = "suspend", threshold: int = 2) -> PolicyRule:
    return PolicyRule.objects.create(
        name=f"repeat {proposes} {automatic}", type="spam", condition="repeat_count",
        threshold=threshold, window_days=30, proposes=proposes, automatic=automatic,
    )  # fmt: skip


def repeat_offender(**customer_fields):  # type: ignore[no-untyped-def]
    customer = CustomerFactory(**customer_fields)
    make_ticket(customer=customer, status="resolved")
    return make_ticket(customer=customer)


def test_dry_run_writes_nothing_and_apply_proposes(users):
    repeat_rule(automatic=False)
    offender = repeat_offender()
    make_ticket()  # a first offence: the rule does not fire
    dry = policy_rules_dry_run()
    assert [(p.ticket_id, p.kind, p.outcome) for p in dry] == [(offender.pk, "suspend", "proposed")]
    assert "2 spam tickets within 30 days" in dry[0].why
    assert Action.objects.count() == 0
    applied = policy_rules_apply()
    assert [p.ticket_id for p in applied] == [offender.pk]
    action = Action.objects.get()
    assert (action.status, action.automatic, action.requested_by) == ("requested", False, None)
    assert policy_rules_apply() == []  # nothing twice
    assert Action.objects.count() == 1


def test_automatic_rule_acts_only_when_switched_on(users):
    repeat_rule(automatic=True)
    offender = repeat_offender()
    automation_switch_set(enabled=False, actor=users["admin"])
    (proposal,) = policy_rules_apply()
    assert proposal.outcome == "proposed" and "switched off" in proposal.note
    Action.objects.all().delete()
    automation_switch_set(enabled=True, actor=users["admin"])  # takes effect on the next call
    (proposal,) = policy_rules_apply()
    assert proposal.outcome == "automatic"
    action = Action.objects.get(ticket=offender)
    assert (action.status, action.automatic) == ("approved", True)


def test_protected_customers_and_provider_infrastructure(users, settings):
    settings.PROVIDER_CUSTOMER_IDS = ["PROVIDER-1"]
    automation_switch_set(enabled=True, actor=users["admin"])
    repeat_rule(automatic=True)
    protected = repeat_offender(protected=True)
    own = repeat_offender(external_id="PROVIDER-1")
    ordinary = repeat_offender()
    outcomes = {p.ticket_id: (p.outcome, p.note) for p in policy_rules_apply()}
    assert outcomes[ordinary.pk] == ("automatic", "")
    assert outcomes[protected.pk][0] == "proposed" and "protected" in outcomes[protected.pk][1]
    assert own.pk not in outcomes
    assert not Action.objects.filter(ticket=own).exists()
    assert not Action.objects.filter(customer=protected.customer, automatic=True).exists()


def test_hourly_cap_on_automatic_actions(users, settings):
    settings.AUTOMATIC_ACTIONS_PER_HOUR = 2
    automation_switch_set(enabled=True, actor=users["admin"])
    repeat_rule(automatic=True)
    offenders = [repeat_offender() for _ in range(4)]
    dry = policy_rules_dry_run()
    assert [p.outcome for p in dry] == ["automatic", "automatic", "proposed", "proposed"]
    applied = policy_rules_apply()
    assert [p.outcome for p in applied] == ["automatic", "automatic", "proposed", "proposed"]
    assert Action.objects.filter(automatic=True).count() == 2
    assert set(Action.objects.filter(automatic=False).values_list("ticket_id", flat=True)) == {
        offenders[2].pk, offenders[3].pk}  # fmt: skip
    assert all("cap" in p.note for p in applied[2:])


def test_four_eyes_kinds_can_never_be_automatic(users):
    with pytest.raises(IntegrityError):
        repeat_rule(automatic=True, proposes="terminate")


def test_no_customer_answer_condition(users):
    automation_switch_set(enabled=True, actor=users["admin"])
    PolicyRule.objects.create(name="silent", type="phishing", condition="no_customer_answer_days",
                              threshold=3, proposes="suspend", automatic=True)  # fmt: skip
    silent = make_ticket(type="phishing", status="awaiting_customer")
    answered = make_ticket(type="phishing", status="awaiting_customer")
    recent = make_ticket(type="phishing", status="awaiting_customer")
    old = timezone.now() - timedelta(days=4)
    for ticket in (silent, answered, recent):
        notice = Message.objects.create(ticket=ticket, direction="out", visibility="customer",
                                        kind="notice", status="sent", subject="Abuse notice")  # fmt: skip
        if ticket is not recent:
            Message.objects.filter(pk=notice.pk).update(created_at=old)
    Message.objects.create(ticket=answered, direction="in", visibility="customer", kind="inbound",
                           status="received", subject="Re: Abuse notice")  # fmt: skip
    assert [p.ticket_id for p in policy_rules_dry_run()] == [silent.pk]
    (proposal,) = policy_rules_apply()
    assert proposal.ticket_id == silent.pk and proposal.outcome == "automatic"
    assert "3+ days" in Action.objects.get().reason


def test_restricted_tickets_are_left_to_their_team(users):
    repeat_rule(automatic=False)
    offender = repeat_offender()
    offender.restricted_group = "investigations"
    offender.save()
    assert policy_rules_dry_run() == []
