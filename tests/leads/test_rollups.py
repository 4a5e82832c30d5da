"""The rollups compute what the dashboards promise, on tickets placed in time by hand:
medians per window, age bands, per-agent rows, worked and unworked tickets, and worst
tables normalised per active allocated address. Expected figures are worked out here from
the tickets each test makes, not read back from the code."""

from __future__ import annotations

import pytest

from customers.models import BlocklistZone, Listing
from leads.models import (
    BacklogFigure,
    RollupState,
    SlaFigure,
    TrendDay,
    TrendFigure,
    WorkloadFigure,
    WorstFigure,
)
from leads.rollups import rollup_refresh, rollups_refresh_every
from tests.leads.support import (
    NOW,
    change,
    days,
    holder,
    hours,
    notice,
    reporter,
    suspended,
    ticket,
)

pytestmark = pytest.mark.django_db


def _team(window: int, kind: str = "abuse", type: str | None = None) -> SlaFigure:
    return SlaFigure.objects.get(
        window_days=window, kind=kind, restricted_group="", type=type, assignee_id__isnull=True
    )


def test_sla_medians_and_percentiles_per_window():
    recent = [ticket(age=days(n), responded_after=hours(h)) for n, h in ((2, 1), (3, 2), (4, 3))]
    older = ticket(age=days(20), responded_after=hours(10))
    ticket(age=days(200), responded_after=hours(99))  # outside every window
    notice(recent[0], after=hours(0.5))
    notice(recent[0], after=hours(5))  # only the first mail counts
    notice(older, after=hours(2))
    ticket(age=days(1), status="resolved", resolved_after=hours(6))
    quick = ticket(age=days(1), status="resolved", resolved_after=hours(8))
    suspended(quick, after=hours(1))  # mitigated by the suspension, before the resolution

    rollup_refresh(name="sla", now=NOW)

    week, month = _team(7), _team(30)
    assert week.tickets == 5 and week.responded == 3
    assert week.first_response_p50_s == pytest.approx(2 * 3600)
    assert week.first_response_p90_s == pytest.approx(2.8 * 3600)  # 2 h + 0.8 of (3 h - 2 h)
    assert month.tickets == 6 and month.first_response_p50_s == pytest.approx(2.5 * 3600)
    assert week.noticed == 1 and week.notice_p50_s == pytest.approx(0.5 * 3600)
    assert month.noticed == 2 and month.notice_p50_s == pytest.approx(1.25 * 3600)
    assert week.mitigated == 2 and week.mitigation_p50_s == pytest.approx(3.5 * 3600)  # 1 h, 6 h
    assert _team(90).tickets == 6
    # per classification ("queue") as well as per kind
    assert _team(7, type="spam").tickets == 5
    state = RollupState.objects.get(name="sla")
    assert state.refreshed_at == NOW and state.rows == SlaFigure.objects.count()


def test_agents_get_rows_of_their_own_tickets_only(make_user):
    alice, bob = make_user("alice-l", "agent"), make_user("bob-l", "agent")
    for h in (1, 3):
        ticket(age=days(1), assignee=alice, responded_after=hours(h))
    ticket(age=days(1), assignee=bob, responded_after=hours(10))
    ticket(age=days(1), responded_after=hours(20))  # unassigned: the team's rows only

    rollup_refresh(name="sla", now=NOW)

    mine = SlaFigure.objects.get(window_days=7, kind="abuse", type=None, assignee_id=alice.pk)
    assert mine.tickets == 2 and mine.first_response_p50_s == pytest.approx(2 * 3600)
    assert (
        SlaFigure.objects.get(window_days=7, kind="abuse", type=None, assignee_id=bob.pk).tickets
        == 1
    )
    assert _team(7).tickets == 4
    assert (
        not SlaFigure.objects.filter(assignee_id__isnull=False)
        .exclude(assignee_id__in=[alice.pk, bob.pk])
        .exists()
    )


def test_backlog_counts_open_tickets_by_age_band(make_user):
    agent = make_user("carol-l", "agent")
    ticket(age=hours(2))
    ticket(age=days(2), assignee=agent, breached=True)
    ticket(age=days(10), status="awaiting_customer")
    ticket(age=days(100), kind="listing", type="blacklist")
    ticket(age=days(2), status="resolved", resolved_after=hours(1))  # not open

    rollup_refresh(name="backlog", now=NOW)

    team = {(r.kind, r.age_band): r for r in BacklogFigure.objects.filter(assignee_id__isnull=True)}
    assert {key: r.tickets for key, r in team.items()} == {
        ("abuse", 0): 1, ("abuse", 1): 1, ("abuse", 3): 1, ("listing", 5): 1,
    }  # fmt: skip
    assert team[("abuse", 1)].breached == 1 and team[("abuse", 1)].unassigned == 0
    assert team[("abuse", 0)].unassigned == 1
    own = BacklogFigure.objects.get(assignee_id=agent.pk)
    assert (own.kind, own.age_band, own.tickets) == ("abuse", 1, 1)


def test_workload_counts_touched_solved_and_reopened(make_user):
    alice, bob = make_user("alice-w", "agent"), make_user("bob-w", "agent")
    a = ticket(age=days(3), status="resolved", assignee=alice)
    change(a, actor=alice, field="status", old="open", new="resolved", at=NOW - days(2))
    b = ticket(age=days(20), status="open", assignee=alice)
    change(b, actor=alice, field="status", old="open", new="resolved", at=NOW - days(15))
    change(b, actor=bob, field="status", old="resolved", new="open", at=NOW - days(1))
    c = ticket(age=days(1), assignee=bob)
    notice(c, after=hours(1), author=bob)
    notice(c, after=hours(2))  # automatic: nobody's work
    d = ticket(age=days(40), status="closed")
    change(d, actor=alice, field="status", old="open", new="closed", at=NOW - days(35))

    rollup_refresh(name="workload", now=NOW)

    def row(user, window):  # type: ignore[no-untyped-def]
        return WorkloadFigure.objects.get(user_id=user.pk, window_days=window, kind="abuse")

    # alice: solved a (2 days ago) and b (15 days ago, reopened by bob yesterday)
    assert (row(alice, 7).touched, row(alice, 7).solved, row(alice, 7).reopened) == (1, 1, 1)
    assert (row(alice, 30).touched, row(alice, 30).solved, row(alice, 30).reopened) == (2, 2, 1)
    assert row(alice, 7).assigned_open == 1  # b is open again
    # bob: reopened b and wrote on c; solved nothing
    assert (row(bob, 7).touched, row(bob, 7).solved, row(bob, 7).reopened) == (2, 0, 0)
    assert row(bob, 7).assigned_open == 1
    assert row(alice, 7).username == "alice-w"


def test_trends_count_worked_and_unworked_per_classification_and_reporter(make_user):
    agent = make_user("dan-l", "agent")
    feed, person = reporter("Scan Feed"), reporter("Rights Agency")
    for n in range(6):
        ticket(age=days(n + 1), type="scanner", reported_by=feed)
    for n in range(4):
        ticket(age=days(n + 1), type="copyright", reported_by=person)
    worked = ticket(age=days(2), type="copyright", reported_by=person)
    notice(worked, after=hours(1), author=agent)
    ticket(age=days(10), type="scanner", reported_by=feed)  # the 7 days before this week
    ticket(age=days(2), type="phishing")  # no reporter (the web form)

    rollup_refresh(name="trends", now=NOW)

    rows = {(r.type, r.reporter_label): r
            for r in TrendFigure.objects.filter(window_days=7, assignee_id__isnull=True)}  # fmt: skip
    scans = rows[("scanner", "Scan Feed")]
    assert (scans.tickets, scans.worked, scans.tickets_before) == (6, 0, 1)
    rights = rows[("copyright", "Rights Agency")]
    assert (rights.tickets, rights.worked) == (5, 1)
    assert rows[("phishing", "")].reporter_id is None
    days_rows = TrendDay.objects.filter(type="scanner", assignee_id__isnull=True)
    assert sum(r.tickets for r in days_rows) == 7


def test_worst_tables_rank_per_active_address_not_by_size():
    big = holder("198.51.100.0/24", name="Big Hosting")  # 256 addresses
    small = holder("192.0.2.8/30", name="Small Shop")  # 4 addresses
    tiny = holder("192.0.2.12/30", name="Tiny")
    for n, type_ in enumerate(["spam", "spam", "spam", "spam", "phishing", "phishing"]):
        ticket(age=days(n + 1), type=type_, customer=big, service=big.services.first(),
               ip=f"198.51.100.{n + 1}", status="resolved" if n < 2 else "open",
               resolved_after=hours(4 * (n + 1)))  # fmt: skip
    for n in range(3):
        ticket(age=days(n + 1), customer=small, service=small.services.first(), ip="192.0.2.9")
    for n in range(2):  # below the ranking's minimum
        ticket(age=days(n + 1), customer=tiny, ip="192.0.2.13")
    ticket(age=days(1), customer=tiny, restricted_group="investigations", ip="192.0.2.13")
    ticket(age=days(120), customer=tiny, ip="192.0.2.13")  # outside the 90 days
    zone = BlocklistZone.objects.create(name="bl.test")
    Listing.objects.create(resource="192.0.2.9", ip="192.0.2.9", zone=zone, state="active",
                           first_seen=NOW, last_seen=NOW, listed_since=NOW, customer=small,
                           service=small.services.first())  # fmt: skip

    rollup_refresh(name="worst", now=NOW)

    customers = list(WorstFigure.objects.filter(entity="customer").order_by("rank"))
    assert [c.customer_id for c in customers] == [small.pk, big.pk]
    first, second = customers
    assert first.per_1k_addresses == pytest.approx(750.0) and first.addresses == 4
    assert first.listings == 1 and first.repeats == 2 and first.open_tickets == 3
    assert second.per_1k_addresses == pytest.approx(6000 / 256)
    assert (second.tickets, second.repeats, second.open_tickets) == (6, 4, 4)
    assert second.remediate_p50_s == pytest.approx(6 * 3600)  # resolved after 4 h and 8 h
    assert (
        second.per_service == pytest.approx(6.0) and second.customer_external_id == big.external_id
    )
    services = list(WorstFigure.objects.filter(entity="service").order_by("rank"))
    assert [s.service_id for s in services] == [small.services.first().pk, big.services.first().pk]
    nets = {n.network: n for n in WorstFigure.objects.filter(entity="net24")}
    assert set(nets) == {"192.0.2.0/24", "198.51.100.0/24"}
    # 192.0.2.0/24 holds two allocated /30s (8 addresses) and the three tickets of the
    # small shop (the tiny customer's two are counted there too: five tickets)
    assert nets["192.0.2.0/24"].tickets == 5 and nets["192.0.2.0/24"].addresses == 8
    assert nets["192.0.2.0/24"].services == 2 and nets["192.0.2.0/24"].listings == 1
    assert nets["198.51.100.0/24"].addresses == 256


def test_every_rollup_runs_on_an_empty_desk():
    assert rollups_refresh_every(now=NOW) == {
        "sla": 0, "backlog": 0, "workload": 0, "trends": 0, "worst": 0
    }  # fmt: skip
    assert set(RollupState.objects.values_list("name", flat=True)) == {
        "sla", "backlog", "workload", "trends", "worst"
    }  # fmt: skip
