"""Keyset pagination: walking every page returns each ticket exactly once, in order, for
every sort — also when many tickets share a sort key, and when rows arrive mid-walk."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.http import QueryDict
from django.utils import timezone

from complaints.tickets.selectors import QueueFilters, ticket_queue_for, ticket_queue_page
from tests.complaints.queue_support import T0, make_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def tickets():
    now = timezone.now()
    made = []
    for n in range(131):
        made.append(
            make_ticket(
                # Ties on purpose: 131 tickets share 9 activity times and 4 event counts.
                last_event_at=T0 + timedelta(hours=n % 9),
                event_count=n % 4,
                resolution_due_at=(now + timedelta(hours=n % 5)) if n % 3 else None,
            )
        )
    made.append(make_ticket(last_event_at=None))  # no event yet: sorted by its creation
    return made


def walk(user, query: str, size: int) -> list[int]:
    filters = QueueFilters.from_query(QueryDict(query))
    seen: list[int] = []
    cursor = ""
    for _ in range(100):
        page = ticket_queue_page(user, filters, after=cursor, size=size)
        seen.extend(t.pk for t in page.rows)
        if not page.next_cursor:
            return seen
        cursor = page.next_cursor
    raise AssertionError("pagination does not end")


@pytest.mark.parametrize("sort", ["last_event", "created", "events", "sla_due"])
@pytest.mark.parametrize("size", [50, 7])
def test_pages_cover_everything_once_in_order(users, tickets, sort, size):
    agent = users["agent"]
    walked = walk(agent, f"sort={sort}", size)
    everything = [
        t.pk for t in ticket_queue_for(agent, QueueFilters.from_query(QueryDict(f"sort={sort}")))
    ]
    assert len(walked) == len(set(walked)) == len(tickets)
    assert walked == everything


def test_new_rows_during_the_walk_do_not_shift_pages(users, tickets):
    agent = users["agent"]
    filters = QueueFilters()
    first = ticket_queue_page(agent, filters, size=50)
    for _ in range(5):  # newer than everything: they belong before page 1, not inside page 2
        make_ticket(last_event_at=timezone.now())
    second = ticket_queue_page(agent, filters, after=first.next_cursor, size=50)
    assert not {t.pk for t in first.rows} & {t.pk for t in second.rows}
    everything = [t.pk for t in ticket_queue_for(agent, filters)]
    assert [t.pk for t in second.rows] == everything[55:105]


def test_a_garbled_cursor_restarts_at_page_one(users, tickets):
    agent = users["agent"]
    first = ticket_queue_page(agent, QueueFilters(), size=10)
    for garbage in ("x", "~", "2025-13-99~4", "abc~12", "'; drop table x~1"):
        assert [
            t.pk for t in ticket_queue_page(agent, QueueFilters(), after=garbage, size=10).rows
        ] == [t.pk for t in first.rows]
