"""The pure rules of a campaign: the hold-out draw, the feed's verdict on a notice, the
notice's state and the measured effect (campaigns/remediation.py, campaigns/effect.py).
Expected values are worked out by hand in each test."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest

from campaigns.effect import Recipient, effect, kaplan_meier_median
from campaigns.remediation import holdout_draw, is_held_out, notice_state, remediation

D0 = date(2026, 5, 1)


def d(k: int) -> date:
    return D0 + timedelta(days=k)


def t(k: int, hour: int = 0) -> datetime:
    return datetime(D0.year, D0.month, D0.day, hour, tzinfo=UTC) + timedelta(days=k)


def test_holdout_is_reproducible_and_takes_the_configured_share():
    ids = list(range(1, 20_001))
    first = {i for i in ids if is_held_out("seed-a", i, 10)}
    shuffled = ids[:]
    random.Random(4).shuffle(shuffled)
    assert {i for i in shuffled if is_held_out("seed-a", i, 10)} == first  # order-free
    assert 0.09 < len(first) / len(ids) < 0.11
    assert 0.24 < sum(is_held_out("seed-a", i, 25) for i in ids) / len(ids) < 0.26
    # another seed draws another sample; 0 % holds nobody out
    assert {i for i in ids if is_held_out("seed-b", i, 10)} != first
    assert not any(is_held_out("seed-a", i, 0) for i in ids)
    assert 0.0 <= min(holdout_draw("s", i) for i in ids[:500]) < max(
        holdout_draw("s", i) for i in ids[:500]) < 1.0  # fmt: skip


FEED = [d(k) for k in range(0, 20)]


def test_fixed_after_n_absent_daily_reports_dated_from_the_first_absence():
    seen = {d(k): t(k, 3) for k in (0, 1, 2)}
    two = remediation(sightings=seen, feed_days=FEED[:5], assigned_at=t(0, 9), verify_reports=3)
    assert two.fixed_at is None  # days 3 and 4 absent: only two reports
    three = remediation(sightings=seen, feed_days=FEED[:6], assigned_at=t(0, 9), verify_reports=3)
    assert (three.fixed_at, three.verified_at, three.fixed_by) == (t(3), t(5), "feed")
    assert three.first_fixed_at == t(3) and three.recurred_at is None


def test_a_missing_daily_report_does_not_count_as_absence():
    seen = {d(k): t(k, 3) for k in (0, 1, 2)}
    gaps = [d(0), d(1), d(2), d(3), d(6), d(9)]  # no report on days 4, 5, 7, 8
    verdict = remediation(sightings=seen, feed_days=gaps, assigned_at=t(0), verify_reports=3)
    assert (verdict.fixed_at, verdict.verified_at) == (t(3), t(9))


def test_fixed_before_becoming_a_recipient_counts_from_the_assignment():
    seen = {d(0): t(0, 3)}
    verdict = remediation(sightings=seen, feed_days=FEED[:5], assigned_at=t(2, 9),
                          verify_reports=3)  # fmt: skip
    assert verdict.fixed_at == t(2, 9)  # absent since day 1, but no earlier than assigned


def test_seen_again_after_a_fix_is_a_recurrence_and_can_be_fixed_again():
    seen = {d(k): t(k, 3) for k in (0, 1, 8, 9)}
    verdict = remediation(sightings=seen, feed_days=FEED[:10], assigned_at=t(0),
                          verify_reports=3)  # fmt: skip
    assert verdict.first_fixed_at == t(2) and verdict.recurred_at == t(8, 3)
    assert verdict.fixed_at is None  # seen on day 9: not fixed now
    later = remediation(sightings=seen, feed_days=FEED[:13], assigned_at=t(0), verify_reports=3)
    assert later.fixed_at == t(10) and later.first_fixed_at == t(2)
    assert later.recurred_at == t(8, 3)  # the first recurrence stays


def test_a_recheck_fixes_at_once_and_a_later_sighting_still_recurs():
    seen = {d(k): t(k, 3) for k in (0, 1, 2, 3)}
    verdict = remediation(sightings=seen, feed_days=FEED[:4], assigned_at=t(0),
                          verify_reports=3, recheck_fixed_at=t(3, 15))  # fmt: skip
    assert (verdict.fixed_at, verdict.fixed_by) == (t(3, 15), "recheck")
    seen[d(4)] = t(4, 3)
    again = remediation(sightings=seen, feed_days=FEED[:5], assigned_at=t(0),
                        verify_reports=3, recheck_fixed_at=t(3, 15))  # fmt: skip
    assert again.fixed_at is None and again.recurred_at == t(4, 3)
    # a re-check the same morning as a later observation does not outweigh it
    early = remediation(sightings=seen, feed_days=FEED[:5], assigned_at=t(0),
                        verify_reports=3, recheck_fixed_at=t(4, 1))  # fmt: skip
    assert early.fixed_at is None and early.recurred_at == t(4, 3)


def test_the_state_shows_mail_progress_unless_the_feed_says_more():
    base = dict(queued_at=None, sent_at=None, delivered_at=None, bounced_at=None,
                acknowledged_at=None, fixed_at=None, recurred_at=None)  # fmt: skip
    assert notice_state(group="notify", **base) == "waiting"
    assert notice_state(group="notify", **{**base, "queued_at": t(0)}) == "queued"
    sent = {**base, "queued_at": t(0), "sent_at": t(0)}
    assert notice_state(group="notify", **sent) == "sent"
    assert notice_state(group="notify", **{**sent, "delivered_at": t(1)}) == "delivered"
    assert (
        notice_state(group="notify", **{**sent, "delivered_at": t(1), "bounced_at": t(2)})
        == "bounced"
    )
    assert notice_state(group="notify", **{**sent, "acknowledged_at": t(1)}) == "acknowledged"
    assert notice_state(group="notify", **{**sent, "fixed_at": t(3)}) == "fixed"
    assert notice_state(group="notify", **{**sent, "recurred_at": t(4)}) == "recurred"
    assert notice_state(group="holdout", **base) == "held_out"
    assert notice_state(group="holdout", **{**base, "fixed_at": t(3)}) == "fixed"
    assert notice_state(group="suppressed", **base) == "suppressed"


def test_kaplan_meier_median_counts_the_unfixed_until_today():
    # 4 fixed at 1, 2, 3, 4 days; 4 not fixed after 10 days: half fixed at day 4
    assert (
        kaplan_meier_median([(1, True), (2, True), (3, True), (4, True)] + [(10, False)] * 4) == 4
    )
    # fewer than half fixed: not reached
    assert kaplan_meier_median([(1, True), (10, False), (10, False)]) is None
    # censored early (a recent recipient) leaves the risk set: S = 1 * 2/3 * 1/2... at day 5
    assert kaplan_meier_median([(1, False), (2, True), (5, True), (9, False)]) == 5


def test_effect_compares_the_groups_by_assignment():
    now = t(40)
    rows = [
        Recipient("notify", t(0), t(3), None),
        Recipient("notify", t(0), t(10), t(20)),
        Recipient("notify", t(0), None, None),
        Recipient("notify", t(35), t(36), None),  # too recent for the 7-day window
        Recipient("holdout", t(0), t(20), None),
        Recipient("holdout", t(0), None, None),
    ]
    result = effect(rows, now)
    notified, held = result.notified, result.holdout
    assert [(w.days, w.eligible, w.fixed) for w in notified.windows] == [
        (7, 3, 1),
        (14, 3, 2),
        (30, 3, 2),
    ]
    assert [(w.days, w.eligible, w.fixed) for w in held.windows] == [
        (7, 2, 0),
        (14, 2, 0),
        (30, 2, 1),
    ]
    assert (notified.recurred, notified.fixed, held.recurred, held.fixed) == (1, 3, 0, 1)
    assert notified.median_days_to_fix == 3  # 1 (t36-t35), 3, 10 fixed; one unfixed at 40
    assert held.median_days_to_fix == 20
    assert result.difference_points == {
        7: pytest.approx(33.3),
        14: pytest.approx(66.7),
        30: pytest.approx(16.7),
    }
