"""Compromise detection: rules as data, dry run versus apply, trust weighting, tickets raised
and suspension proposed."""

from __future__ import annotations

import hashlib
import io
import json
import uuid
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from complaints.models import Event, Message, Report, Reporter, Ticket
from complaints.tickets.services import ticket_open_or_join
from customers.models import CompromiseRule, Listing, ServiceCompromise
from customers.reputation.compromise import compromise_candidates, compromise_rules_apply

pytestmark = pytest.mark.django_db

IP = "192.0.2.12"


@pytest.fixture
def rules() -> dict[str, CompromiseRule]:
    """The seeded default rules (data migration)."""
    return {r.kind: r for r in CompromiseRule.objects.all()}


def _complaints(
    network, trust: int, count: int, *, fmt: str = "spamcop", ticket=None, prefix="r"
) -> None:  # type: ignore[no-untyped-def]
    """``count`` spam complaints about IP, each from its own reporter of ``trust``."""
    now = timezone.now()
    for index in range(count):
        reporter = Reporter.objects.create(
            address=f"{prefix}{trust}-{index}@reporters.example", trust=trust
        )
        digest = hashlib.sha256(f"{prefix}{trust}{index}{fmt}".encode()).hexdigest()
        report = Report.objects.create(
            sha256=digest, size=100, status="filed", format=fmt, reporter=reporter
        )
        Event.objects.create(
            report=report, ticket=ticket, fingerprint=uuid.uuid4(), ip=IP, taxonomy="abusive-content",
            type="spam", observed_at=now - timedelta(minutes=5), attribution="customer",
            customer=network["listed"], service=network["listed_service"],
        )  # fmt: skip


def _reporter_candidates() -> list:  # type: ignore[type-arg]
    return [c for c in compromise_candidates() if c.kind == "reporters"]


def test_three_unknown_reporters_stay_below_the_threshold(network, rules) -> None:
    _complaints(network, Reporter.Trust.UNKNOWN, 3)
    assert _reporter_candidates() == []
    assert compromise_rules_apply() == []


def test_two_trusted_reporters_reach_it(network, rules) -> None:
    _complaints(network, Reporter.Trust.TRUSTED, 2)
    [candidate] = _reporter_candidates()
    assert candidate.resource == IP and candidate.score == 3.0
    assert candidate.service_id == network["listed_service"].pk
    assert [r["trust"] for r in candidate.evidence["reporters"]] == [3, 3]


def test_blocked_reporters_weigh_nothing(network, rules) -> None:
    _complaints(network, Reporter.Trust.BLOCKED, 50)
    assert _reporter_candidates() == []


def test_one_reporter_complaining_many_times_counts_once(network, rules) -> None:
    reporter = Reporter.objects.create(
        address="loud@reporters.example", trust=Reporter.Trust.TRUSTED
    )
    for index in range(10):
        report = Report.objects.create(
            sha256=hashlib.sha256(str(index).encode()).hexdigest(),
            size=1,
            status="filed",
            reporter=reporter,
        )
        Event.objects.create(
            report=report, fingerprint=uuid.uuid4(), ip=IP, taxonomy="abusive-content", type="spam",
            observed_at=timezone.now(), attribution="customer", customer=network["listed"],
            service=network["listed_service"],
        )  # fmt: skip
    assert _reporter_candidates() == []


def test_dry_run_writes_nothing_apply_marks_raises_ticket_and_proposes(network, rules) -> None:
    ticket, _ = ticket_open_or_join(
        key=f"abuse:{network['listed'].pk}:spam:{IP}", kind="abuse", subject="Spam", type_="spam",
        customer_id=network["listed"].pk, resource=IP,
    )  # fmt: skip
    assert ticket.status == "new"
    _complaints(network, Reporter.Trust.TRUSTED, 2, ticket=ticket)
    out = io.StringIO()
    call_command("compromise_rules", "--json", stdout=out)
    [line] = [json.loads(x) for x in out.getvalue().splitlines()]
    assert line["resource"] == IP and line["marked"] is False
    assert ServiceCompromise.objects.count() == 0
    ticket.refresh_from_db()
    assert ticket.status == "new"

    [mark] = compromise_rules_apply()
    assert mark.service == network["listed_service"] and mark.rule == rules["reporters"]
    assert mark.ticket_id == ticket.pk
    ticket.refresh_from_db()
    assert ticket.status == "open"
    assert ticket.changes.filter(field="status", new_value="open").exists()
    note = Message.objects.filter(ticket=ticket, direction="note").last()
    assert "likely compromised" in note.body and IP in note.body
    assert mark.proposal in {"proposed", "action_created"}
    if mark.proposal == "action_created":  # a requested suspension
        from complaints.models import Action

        action = Action.objects.get(pk=mark.action_id)
        assert action.kind == "suspend" and action.status == "requested" and not action.automatic
        assert action.service_id == network["listed_service"].pk
    # Idempotent: applying again adds nothing.
    assert compromise_rules_apply() == []
    assert ServiceCompromise.objects.count() == 1
    [again] = _reporter_candidates()
    assert again.already_marked


def test_feedback_loop_surge(network, rules) -> None:
    rule = rules["fbl_surge"]
    rule.threshold = 5
    rule.save()
    _complaints(network, Reporter.Trust.UNKNOWN, 4, fmt="arf", prefix="fbl")
    assert [c for c in compromise_candidates() if c.kind == "fbl_surge"] == []
    _complaints(network, Reporter.Trust.UNKNOWN, 1, fmt="jmrp", prefix="fbl2")
    [candidate] = [c for c in compromise_candidates() if c.kind == "fbl_surge"]
    assert candidate.score == 5.0


def test_new_xbl_like_listing_marks_the_service(zones, network, rules) -> None:
    from customers.reputation import targets
    from customers.reputation.sweep import sweep_resources
    from customers.reputation.zones import zones_for_sweep

    sweep_resources(targets.all_resources(), zones_for_sweep())
    listing_candidates = [c for c in compromise_candidates() if c.kind == "listing"]
    # Only 192.0.2.10 answered the zone's attack code 127.0.0.4; .11 and .20 are plain listings.
    assert [c.resource for c in listing_candidates] == ["192.0.2.10"]
    [mark] = [m for m in compromise_rules_apply() if m.rule.kind == "listing"]
    assert mark.service == network["listed_service"]
    assert mark.ticket_id == Listing.objects.get(resource="192.0.2.10").ticket_id
    assert Ticket.objects.get(pk=mark.ticket_id).status == "open"


def test_protected_customer_is_never_suspended_automatically(network, rules) -> None:
    network["listed"].protected = True
    network["listed"].save()
    rule = rules["reporters"]
    rule.automatic = True
    rule.save()
    _complaints(network, Reporter.Trust.TRUSTED, 2)
    [mark] = compromise_rules_apply()
    if mark.proposal == "action_created":
        from complaints.models import Action

        assert Action.objects.get(pk=mark.action_id).automatic is False
        assert "protected" in mark.proposal_note
    else:
        assert mark.proposal == "proposed"
