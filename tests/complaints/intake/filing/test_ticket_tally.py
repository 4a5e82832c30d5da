"""The ticket's tally (the "most events" order's index) and the HOT filing it makes
possible (complaints/search_sql.py, complaints.models.tickets.TicketTally)."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime

import pytest
from django.contrib.postgres.search import SearchQuery
from django.db import connection, transaction
from django.http import QueryDict

from complaints.models import Ticket, TicketTally
from complaints.tickets.selectors import QueueFilters, ticket_queue_for
from tests.complaints import builders
from tests.complaints.pipeline import file_reports
from tests.complaints.queue_support import make_event, make_ticket
from tests.factories import AllocationFactory, CustomerFactory, NetworkFactory

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def _tally(ticket: Ticket) -> int:
    return TicketTally.objects.get(ticket=ticket).event_count


@pytest.mark.django_db
def test_every_ticket_has_a_tally_equal_to_its_event_count():
    ticket = make_ticket()
    assert _tally(ticket) == 0
    make_event(ticket)
    make_event(ticket)
    ticket.refresh_from_db()
    assert ticket.event_count == _tally(ticket) == 2
    Ticket.objects.filter(pk=ticket.pk).update(event_count=7)  # a merge recounts this way
    assert _tally(ticket) == 7
    Ticket.objects.filter(pk=ticket.pk).delete()
    assert not TicketTally.objects.filter(ticket_id=ticket.pk).exists()


@pytest.mark.django_db
def test_most_events_order_reads_the_tally(users):
    agent = users["agent"]
    made = [make_ticket(event_count=n) for n in (3, 9, 1, 9)]
    filters = QueueFilters.from_query(QueryDict("sort=events"))
    ordered = [t.pk for t in ticket_queue_for(agent, filters)]
    assert ordered == [made[3].pk, made[1].pk, made[0].pk, made[2].pk]
    assert " INNER JOIN " in str(ticket_queue_for(agent, filters).query)  # bench/queue.py: plan


def _ticket_updates() -> tuple[int, int]:
    """(updates, HOT updates) of complaints_ticket counted by this backend and not yet
    flushed to the statistics (which includes the current transaction's)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables "
            "WHERE relname = 'complaints_ticket'"
        )
        return cursor.fetchone()


def _filed_with_updates(raw: bytes) -> tuple[list[int], tuple[int, int]]:
    """File ``raw``; its ticket ids and the (updates, HOT updates) of tickets it made."""
    with transaction.atomic():
        before = _ticket_updates()
        [outcome] = file_reports(raw)
        after = _ticket_updates()
    return outcome.ticket_ids, (after[0] - before[0], after[1] - before[1])


@pytest.fixture
def allocated() -> None:
    NetworkFactory(prefix=ipaddress.ip_network("203.0.113.0/24"))
    AllocationFactory(
        network=ipaddress.ip_network("203.0.113.8/29"), customer=CustomerFactory(), valid_from=T0
    )


@pytest.mark.django_db(transaction=True)
def test_filing_events_into_a_ticket_rewrites_none_of_its_indexes(allocated):
    """A new ticket opens with its first filing's counts, times, reporters and text, so it
    is written once; a later filing that does not move its activity only moves counters,
    a HOT update."""
    first, first_updates = _filed_with_updates(
        builders.arf("203.0.113.10", when=datetime(2024, 5, 7, tzinfo=UTC), tag="quokka")
    )
    later, later_updates = _filed_with_updates(
        builders.arf("203.0.113.10", when=datetime(2024, 5, 6, tzinfo=UTC), tag="wombat")
    )
    assert first == later
    assert first_updates == (0, 0)
    assert later_updates == (1, 1)
    ticket = Ticket.objects.get(pk=first[0])
    assert (ticket.event_count, ticket.report_count, _tally(ticket)) == (2, 2, 2)
    assert ticket.first_event_at == datetime(2024, 5, 6, tzinfo=UTC)
    assert ticket.last_event_at == datetime(2024, 5, 7, tzinfo=UTC)
    assert len(ticket.reporter_ids) == 1
    searched = Ticket.objects.filter(pk=ticket.pk, search_vector=SearchQuery("quokka"))
    assert searched.exists(), "the first filing's report subject is searchable"


@pytest.mark.django_db(transaction=True)
def test_a_new_reporter_joins_the_tickets_reporters(allocated):
    [first] = file_reports(builders.arf("203.0.113.10", sender="fbl@one.example"))
    [other] = file_reports(
        builders.arf(
            "203.0.113.10", sender="fbl@two.example", when=datetime(2024, 5, 8, tzinfo=UTC)
        )
    )
    ticket = Ticket.objects.get(pk=first.ticket_ids[0])
    assert other.ticket_ids == first.ticket_ids
    assert len(ticket.reporter_ids) == 2
