"""Each queue filter and sort, on data that holds both matches and near-misses; and the
triggers behind the derived filters (reporter, customer replied, full text)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.http import QueryDict
from django.utils import timezone

from complaints.models import Ticket
from complaints.tickets.selectors import QueueFilters, ticket_queue_count, ticket_queue_for
from tests.complaints.queue_support import (
    make_event,
    make_report,
    make_reporter,
    make_ticket,
    message_from_customer,
    message_to_customer,
)
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def ids(user, query: str) -> set[int]:
    filters = QueueFilters.from_query(QueryDict(query))
    assert not filters.errors, filters.errors
    return set(ticket_queue_for(user, filters).values_list("pk", flat=True))


@pytest.fixture
def agent(users):
    return users["agent"]


def test_default_shows_open_statuses_only(agent):
    new = make_ticket(status="new")
    waiting = make_ticket(status="awaiting_customer")
    make_ticket(status="resolved")
    make_ticket(status="closed")
    assert ids(agent, "") == {new.pk, waiting.pk}
    assert len(ids(agent, "status=any")) == 4


def test_status_filter(agent):
    resolved = make_ticket(status="resolved")
    make_ticket(status="open")
    closed = make_ticket(status="closed")
    assert ids(agent, "status=resolved") == {resolved.pk}
    assert ids(agent, "status=resolved&status=closed") == {resolved.pk, closed.pk}
    assert ids(agent, "status=resolved,closed") == {resolved.pk, closed.pk}


def test_kind_and_classification(agent):
    listing = make_ticket(kind="listing", type="blacklist")
    phishing = make_ticket(type="phishing")
    spam = make_ticket(type="spam")
    assert ids(agent, "kind=listing") == {listing.pk}
    assert ids(agent, "type=phishing") == {phishing.pk}
    assert ids(agent, "type=phishing&type=spam") == {phishing.pk, spam.pk}


def test_customer_by_external_id_or_name(agent):
    acme = CustomerFactory(external_id="C-100", name="Acme Hosting Ltd")
    other = CustomerFactory(external_id="C-1000", name="Zeta")
    mine = make_ticket(customer=acme)
    make_ticket(customer=other)
    make_ticket()
    assert ids(agent, "customer=C-100") == {mine.pk}
    assert ids(agent, "customer=acme+host") == {mine.pk}
    assert ids(agent, "customer=nobody-like-this") == set()


def test_assignee_me_unassigned_and_username(agent, make_user):
    colleague = make_user("colleague", "agent")
    mine = make_ticket(assignee=agent)
    theirs = make_ticket(assignee=colleague)
    nobody = make_ticket()
    assert ids(agent, "assignee=me") == {mine.pk}
    assert ids(colleague, "assignee=me") == {theirs.pk}
    assert ids(agent, "assignee=unassigned") == {nobody.pk}
    assert ids(agent, "assignee=colleague") == {theirs.pk}
    assert ids(agent, "assignee=no-such-user") == set()


def test_age(agent):
    fresh = make_ticket()
    old = make_ticket()
    Ticket.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=10))
    assert ids(agent, "age=%3C24h") == {fresh.pk}
    assert ids(agent, "age=%3E7d") == {old.pk}
    assert ids(agent, "age=%3E2w") == set()


def test_sla_breached_and_due_soon(agent):
    now = timezone.now()
    breached = make_ticket(sla_breached=True, resolution_due_at=now - timedelta(hours=1))
    soon = make_ticket(resolution_due_at=now + timedelta(hours=2))
    first_response_soon = make_ticket(
        first_response_due_at=now + timedelta(hours=1), resolution_due_at=now + timedelta(days=3)
    )
    answered = make_ticket(
        first_response_due_at=now + timedelta(hours=1),
        first_responded_at=now - timedelta(minutes=5),
        resolution_due_at=now + timedelta(days=3),
    )
    make_ticket(resolution_due_at=now + timedelta(days=2))
    make_ticket()
    assert ids(agent, "sla=breached") == {breached.pk}
    assert ids(agent, "sla=due_soon") == {soon.pk, first_response_soon.pk}
    assert answered.pk not in ids(agent, "sla=due_soon")


def test_customer_replied_follows_the_last_message(agent):
    ticket = make_ticket()
    quiet = make_ticket()
    message_to_customer(quiet)
    assert ids(agent, "replied=1") == set()
    message_to_customer(ticket)
    message_from_customer(ticket)
    assert ids(agent, "replied=1") == {ticket.pk}
    ticket.refresh_from_db()
    assert ticket.last_customer_reply_at is not None
    message_to_customer(ticket, body="Thanks, closing.")
    assert ids(agent, "replied=1") == set()


def test_a_message_waiting_for_confirmation_is_not_a_reply_until_confirmed(agent):
    ticket = make_ticket()
    pending = message_from_customer(ticket, status="pending")
    assert ids(agent, "replied=1") == set()
    pending.status = "received"
    pending.save(update_fields=["status"])
    assert ids(agent, "replied=1") == {ticket.pk}


def test_stale_ticket_save_does_not_undo_derived_columns(agent):
    ticket = make_ticket()
    stale = Ticket.objects.get(pk=ticket.pk)
    message_from_customer(ticket, body="zanzibar")
    stale.subject = "Renamed by an agent"
    stale.save()
    assert ids(agent, "replied=1") == {ticket.pk}
    assert ids(agent, "q=zanzibar") == {ticket.pk}
    assert ids(agent, "q=renamed") == {ticket.pk}


def test_reporter_filter_by_address_and_organisation(agent):
    spamcop = make_reporter("reports@spamcop.example", organisation="SpamCop")
    other = make_reporter("abuse@isp.example", name="ISP Abuse")
    a = make_ticket()
    b = make_ticket()
    make_event(a, report=make_report(spamcop))
    make_event(b, report=make_report(other))
    make_event(b, report=make_report(other))
    assert ids(agent, "reporter=reports@spamcop.example") == {a.pk}
    assert ids(agent, "reporter=spamcop") == {a.pk}
    assert ids(agent, "reporter=isp+abuse") == {b.pk}
    assert ids(agent, "reporter=unknown") == set()
    b.refresh_from_db()
    assert b.reporter_ids == [other.pk]


def test_ip_and_cidr_containment(agent):
    host = make_ticket()
    neighbour = make_ticket()
    far = make_ticket()
    v6 = make_ticket()
    make_event(host, ip="198.51.100.7")
    make_event(neighbour, ip="198.51.100.200")
    make_event(far, ip="203.0.113.5")
    make_event(v6, ip="2001:db8::1")
    assert ids(agent, "ip=198.51.100.7") == {host.pk}
    assert ids(agent, "ip=198.51.100.7/32") == {host.pk}
    assert ids(agent, "ip=198.51.100.0/24") == {host.pk, neighbour.pk}
    assert ids(agent, "ip=2001:db8::/32") == {v6.pk}
    assert QueueFilters.from_query(QueryDict("ip=not-an-ip")).errors == {
        "ip": "Not an IP address or CIDR"
    }


def test_full_text_over_subject_evidence_and_messages(agent):
    by_subject = make_ticket(subject="Phishing kit at login-paypa1.example")
    by_evidence = make_ticket(subject="Spam", resource="192.0.2.11")
    by_report = make_ticket(subject="Spam", resource="192.0.2.10")
    by_message = make_ticket(subject="Spam")
    make_event(by_evidence, evidence="Received: from mailer.example (quokka relay)")
    make_event(
        by_report,
        report=make_report(subject="Unsolicited bulk mail", evidence="X-Mailer: wombat 2.0"),
    )
    message_from_customer(by_message, body="We removed the compromised wordpress plugin")
    assert ids(agent, "q=phishing") == {by_subject.pk}
    assert ids(agent, "q=quokka") == {by_evidence.pk}
    assert ids(agent, "q=wombat") == {by_report.pk}
    assert ids(agent, "q=wordpress+plugin") == {by_message.pk}
    assert ids(agent, "q=%22compromised+wordpress%22") == {by_message.pk}
    assert ids(agent, "q=wordpress+-plugin") == set()


def test_a_per_customer_ticket_takes_subjects_and_resources_not_evidence(agent):
    """A feed report's evidence lists other customers' rows, and a feed's rows are
    structured cells: a per-customer ticket (no single resource) is found by its reports'
    subjects and its events' resources."""
    feed = make_report(subject="Open NTP report kangaroo", evidence="ip=198.51.100.99 numbat")
    ticket = make_ticket(subject="Open NTP: Acme", resource="")
    make_event(ticket, report=feed, ip="192.0.2.77", evidence="ip=192.0.2.77 asn=wallaby")
    assert ids(agent, "q=kangaroo") == {ticket.pk}
    assert ids(agent, "q=192.0.2.77") == {ticket.pk}
    assert ids(agent, "q=numbat") == set()
    assert ids(agent, "q=198.51.100.99") == set()
    assert ids(agent, "q=wallaby") == set()


def test_only_the_first_filing_adds_search_text(agent):
    """Later events keep the ticket's indexed columns as they were (search_sql.py): the
    counters still move."""
    ticket = make_ticket(subject="Spam", resource="192.0.2.12")
    make_event(ticket, evidence="first quokka")
    make_event(ticket, report=make_report(subject="again"), evidence="later wombat")
    ticket.refresh_from_db()
    assert (ticket.event_count, ticket.report_count) == (2, 2)
    assert ids(agent, "q=quokka") == {ticket.pk}
    assert ids(agent, "q=wombat") == set()


def test_combined_filters(agent):
    acme = CustomerFactory()
    hit = make_ticket(customer=acme, status="awaiting_customer", type="phishing", assignee=agent)
    make_ticket(customer=acme, status="open", type="phishing", assignee=agent)
    make_ticket(customer=acme, status="awaiting_customer", type="spam", assignee=agent)
    make_ticket(status="awaiting_customer", type="phishing", assignee=agent)
    make_event(hit, ip="192.0.2.77")
    query = f"status=awaiting_customer&type=phishing&assignee=me&customer={acme.external_id}"
    assert ids(agent, query) == {hit.pk}
    assert ids(agent, query + "&ip=192.0.2.0/24") == {hit.pk}
    assert ids(agent, query + "&ip=198.51.100.0/24") == set()


@pytest.mark.parametrize(
    ("sort", "key"),
    [
        ("last_event", lambda t: (t.last_event_at, t.pk)),
        ("created", lambda t: (t.created_at, t.pk)),
        ("events", lambda t: (t.event_count, t.pk)),
    ],
)
def test_sorts_descending(agent, sort, key):
    made = [make_ticket(event_count=n % 3) for n in range(7)]
    ordered = list(ticket_queue_for(agent, QueueFilters.from_query(QueryDict(f"sort={sort}"))))
    expected = sorted((Ticket.objects.get(pk=t.pk) for t in made), key=key, reverse=True)
    assert [t.pk for t in ordered] == [t.pk for t in expected]


def test_sort_by_sla_due_puts_nearest_first_and_no_clock_last(agent):
    now = timezone.now()
    later = make_ticket(resolution_due_at=now + timedelta(days=2))
    none = make_ticket()
    first_response = make_ticket(
        first_response_due_at=now + timedelta(hours=1), resolution_due_at=now + timedelta(days=5)
    )
    soon = make_ticket(resolution_due_at=now + timedelta(hours=3))
    ordered = [
        t.pk for t in ticket_queue_for(agent, QueueFilters.from_query(QueryDict("sort=sla_due")))
    ]
    assert ordered == [first_response.pk, soon.pk, later.pk, none.pk]


def test_count_is_capped(agent):
    for _ in range(12):
        make_ticket()
    filters = QueueFilters.from_query(QueryDict(""))
    exact = ticket_queue_count(agent, filters, cap=20)
    capped = ticket_queue_count(agent, filters, cap=10)
    assert (exact.value, exact.capped, str(exact)) == (12, False, "12")
    assert (capped.value, capped.capped, str(capped)) == (10, True, "10+")


def test_unknown_values_are_reported_not_applied():
    filters = QueueFilters.from_query(
        QueryDict("status=bogus&kind=nope&sort=sideways&age=soon&sla=late")
    )
    assert set(filters.errors) == {"status", "kind", "sort", "age", "sla"}
    assert filters == QueueFilters()


def test_query_string_round_trip():
    query = "status=open&status=new&type=spam&customer=C-1&assignee=me&age=%3E7d&sla=breached&replied=1&reporter=x&ip=192.0.2.0%2F24&q=kit&sort=sla_due"
    filters = QueueFilters.from_query(QueryDict(query))
    assert QueueFilters.from_query(QueryDict(filters.to_query())) == filters
    assert QueueFilters().to_query() == ""
