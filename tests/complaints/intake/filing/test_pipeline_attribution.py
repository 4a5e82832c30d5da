"""Attribution and aggregation: events reach the right customer's open ticket."""

from __future__ import annotations

import ipaddress
import uuid
from datetime import UTC, datetime

import pytest
from django.contrib.postgres.search import SearchQuery

from complaints.models import Event, Receipt, Report, Ticket
from tests.complaints import builders
from tests.complaints.pipeline import file_reports, receive
from tests.factories import AllocationFactory, CustomerFactory, DomainFactory, NetworkFactory

pytestmark = pytest.mark.django_db(transaction=True)

T0 = datetime(2024, 1, 1, tzinfo=UTC)


@pytest.fixture
def network() -> dict:
    NetworkFactory(prefix=ipaddress.ip_network("203.0.113.0/24"))
    NetworkFactory(prefix=ipaddress.ip_network("198.51.100.0/24"))
    acme = CustomerFactory(external_id="ACME", name="Acme Bakery")
    beta = CustomerFactory(external_id="BETA", name="Beta Cycles")
    reseller = CustomerFactory(external_id="RESELLER")
    AllocationFactory(
        network=ipaddress.ip_network("203.0.113.0/26"), customer=reseller, valid_from=T0
    )
    AllocationFactory(network=ipaddress.ip_network("203.0.113.8/29"), customer=acme, valid_from=T0)
    AllocationFactory(network=ipaddress.ip_network("203.0.113.64/28"), customer=beta, valid_from=T0)
    AllocationFactory(
        network=ipaddress.ip_network("198.51.100.0/25"),
        customer=CustomerFactory(external_id="HOSTING"),
        valid_from=T0,
        shared=True,
    )
    DomainFactory(name="acme-bakery.example", customer=acme, valid_from=T0)
    return {"acme": acme, "beta": beta, "reseller": reseller}


def test_a_spam_complaint_opens_a_ticket_for_the_most_specific_holder(network: dict) -> None:
    [outcome] = file_reports(builders.arf("203.0.113.10"))
    assert outcome.status == "filed" and outcome.format == "arf"
    assert outcome.customers == ["ACME"]
    ticket = Ticket.objects.get(pk=outcome.ticket_ids[0])
    assert (ticket.customer, ticket.type, ticket.resource, ticket.event_count) == (
        network["acme"],
        "spam",
        "203.0.113.10",
        1,
    )
    assert ticket.first_event_at == datetime(2024, 5, 6, 9, 58, tzinfo=UTC)


def test_further_events_join_the_open_ticket(network: dict) -> None:
    first = file_reports(builders.arf("203.0.113.10", when=datetime(2024, 5, 6, 9, tzinfo=UTC)))[0]
    second = file_reports(builders.arf("203.0.113.10", when=datetime(2024, 5, 7, 9, tzinfo=UTC)))[0]
    assert first.ticket_ids == second.ticket_ids
    ticket = Ticket.objects.get(pk=first.ticket_ids[0])
    assert (ticket.event_count, ticket.report_count) == (2, 2)
    assert ticket.last_event_at == datetime(2024, 5, 7, 9, tzinfo=UTC)


def test_a_closed_ticket_is_not_reopened_a_new_one_is(network: dict) -> None:
    first = file_reports(builders.arf("203.0.113.10"))[0]
    Ticket.objects.filter(pk=first.ticket_ids[0]).update(status=Ticket.Status.CLOSED)
    second = file_reports(builders.arf("203.0.113.10", when=datetime(2024, 6, 1, tzinfo=UTC)))[0]
    assert second.ticket_ids != first.ticket_ids


def test_the_same_bytes_twice_are_one_report(network: dict) -> None:
    raw = builders.arf("203.0.113.10")
    file_reports(raw)
    [again] = receive(raw)
    assert again.outcome == "duplicate"
    assert Report.objects.count() == 1
    assert Receipt.objects.filter(outcome="duplicate").count() == 1
    assert Event.objects.count() == 1


def test_an_identical_event_in_another_report_adds_nothing(network: dict) -> None:
    when = datetime(2024, 5, 6, 9, 58, tzinfo=UTC)
    first = file_reports(builders.arf("203.0.113.10", when=when, tag="a"))[0]
    second = file_reports(builders.arf("203.0.113.10", when=when, tag="b"))[0]
    assert second.status == "filed"
    ticket = Ticket.objects.get(pk=first.ticket_ids[0])
    assert ticket.event_count == 1 and Event.objects.count() == 1
    assert (ticket.report_count, ticket.tally.event_count) == (1, 1)
    # Each report counts the events it added: the second one's was already on file.
    counts = dict(Report.objects.values_list("pk", "event_count"))
    assert (counts[first.report_id], counts[second.report_id]) == (1, 0)


def test_the_same_event_twice_in_one_batch_is_counted_once(network: dict) -> None:
    """A new ticket opens with the counts of the batch's rows; the second copy of an event
    is not one of them."""
    when = datetime(2024, 5, 6, 9, 58, tzinfo=UTC)
    first, second = file_reports(
        builders.arf("203.0.113.10", when=when, tag="a"),
        builders.arf("203.0.113.10", when=when, tag="b"),
    )
    assert first.ticket_ids == second.ticket_ids
    ticket = Ticket.objects.get(pk=first.ticket_ids[0])
    assert (ticket.event_count, ticket.report_count, ticket.tally.event_count) == (1, 1, 1)
    counts = dict(Report.objects.values_list("pk", "event_count"))
    assert (counts[first.report_id], counts[second.report_id]) == (1, 0)


def test_a_ticket_opened_for_events_partly_on_file_counts_the_new_ones(network: dict) -> None:
    """The intake opens a ticket with the counts of its filing; events already on file (in a
    ticket since closed) are not counted, and a ticket left without new events is removed."""
    [first] = file_reports(builders.shadowserver_scan_ntp(["203.0.113.9"]))
    Ticket.objects.filter(pk__in=first.ticket_ids).update(status=Ticket.Status.CLOSED)
    [second] = file_reports(builders.shadowserver_scan_ntp(["203.0.113.9", "203.0.113.10"]))
    [opened] = Ticket.objects.filter(pk__in=second.ticket_ids)
    assert opened.pk not in first.ticket_ids
    assert (opened.event_count, opened.report_count, opened.tally.event_count) == (1, 1, 1)
    assert Report.objects.get(pk=second.report_id).event_count == 1

    Ticket.objects.filter(pk=opened.pk).update(status=Ticket.Status.CLOSED)
    [third] = file_reports(builders.shadowserver_scan_ntp(["203.0.113.10", "203.0.113.9"]))
    assert third.status == "filed" and third.ticket_ids == []
    assert Ticket.objects.count() == 2
    assert Report.objects.get(pk=third.report_id).event_count == 0


def test_an_open_ticket_counts_only_the_events_not_on_file(network: dict) -> None:
    """The intake adds a filing's counts to the open ticket before its events go in, and
    takes back those of events that turn out to be on file already."""
    [first] = file_reports(builders.shadowserver_scan_ntp(["203.0.113.9"]))
    [second] = file_reports(builders.shadowserver_scan_ntp(["203.0.113.9", "203.0.113.10"]))
    assert second.ticket_ids == first.ticket_ids
    ticket = Ticket.objects.get(pk=first.ticket_ids[0])
    assert (ticket.event_count, ticket.report_count, ticket.tally.event_count) == (2, 2, 2)
    [third] = file_reports(builders.shadowserver_scan_ntp(["203.0.113.10", "203.0.113.9"]))
    assert third.ticket_ids == first.ticket_ids
    ticket.refresh_from_db()
    assert (ticket.event_count, ticket.report_count, ticket.tally.event_count) == (2, 2, 2)
    assert Event.objects.filter(ticket=ticket).count() == 2


def test_an_open_ticket_without_events_takes_its_first_from_the_trigger(network: dict) -> None:
    """A ticket opened by other means, with no events yet, is counted by the events'
    trigger, which also gives it its first search text and reporters."""
    from complaints.classification import aggregation_key
    from complaints.tickets.services import ticket_open_or_join

    key = aggregation_key(
        customer_id=network["acme"].pk, type_="spam", resource="203.0.113.10", bulk=False
    )
    ticket, _ = ticket_open_or_join(
        key=key, kind="abuse", subject="opened by hand", customer_id=network["acme"].pk
    )
    [outcome] = file_reports(builders.arf("203.0.113.10", tag="platypus"))
    assert outcome.ticket_ids == [ticket.pk]
    ticket.refresh_from_db()
    assert (ticket.event_count, ticket.report_count, ticket.tally.event_count) == (1, 1, 1)
    assert len(ticket.reporter_ids) == 1
    assert ticket.first_event_at == datetime(2024, 5, 6, 9, 58, tzinfo=UTC)
    searched = Ticket.objects.filter(pk=ticket.pk, search_vector=SearchQuery("platypus"))
    assert searched.exists(), "the first report's subject is searchable"


def test_one_shadowserver_report_makes_one_ticket_per_customer(network: dict) -> None:
    ips = [
        "203.0.113.9",
        "203.0.113.10",
        "203.0.113.11",
        "203.0.113.65",
        "203.0.113.66",
        "192.0.2.1",
    ]
    [outcome] = file_reports(builders.shadowserver_scan_ntp(ips))
    assert outcome.format == "shadowserver"
    assert len(outcome.events) == 6  # every extracted resource, attributed or not
    tickets = Ticket.objects.filter(pk__in=outcome.ticket_ids)
    assert sorted(t.customer.external_id for t in tickets) == ["ACME", "BETA"]
    assert {t.event_count for t in tickets} == {3, 2}
    assert {t.type for t in tickets} == {"ddos-amplifier"}
    # Each customer's ticket is found by its own addresses, not by the others' rows that
    # the report's evidence lists, nor by the rows' cells (the ASN).
    acme = tickets.get(customer=network["acme"])
    for ip, found in (("203.0.113.9", {acme.pk}), ("203.0.113.65", set()), ("64496", set())):
        query = SearchQuery(ip, search_type="websearch", config="simple")
        assert set(tickets.filter(search_vector=query, customer=network["acme"])
                   .values_list("pk", flat=True)) == found  # fmt: skip


def test_shared_hosting_is_attributed_through_the_hosted_domain(network: dict) -> None:
    body = "Phishing page at hxxp://login.acme-bakery[.]example/verify hosted on 198.51.100.20 since 2024-05-06 08:00 UTC"
    [outcome] = file_reports(builders.freetext(body, subject="Phishing site on your network"))
    assert outcome.customers == ["ACME"]
    ticket = Ticket.objects.get(pk=outcome.ticket_ids[0])
    assert ticket.customer == network["acme"] and ticket.type == "phishing"


def test_shared_hosting_without_a_domain_is_held_for_triage(network: dict) -> None:
    [outcome] = file_reports(builders.arf("198.51.100.30"))
    ticket = Ticket.objects.get(pk=outcome.ticket_ids[0])
    assert ticket.customer is None and ticket.needs_triage
    assert Event.objects.get().attribution == Event.Attribution.SHARED_HELD


def test_our_unallocated_space_is_held_for_triage(network: dict) -> None:
    [outcome] = file_reports(builders.arf("203.0.113.200"))
    ticket = Ticket.objects.get(pk=outcome.ticket_ids[0])
    assert ticket.needs_triage and Event.objects.get().attribution == Event.Attribution.UNALLOCATED


def test_a_triage_ticket_names_its_whole_ipv6_or_url_resource() -> None:
    """The resource is read back from the aggregation key, and may hold colons itself."""
    NetworkFactory(prefix=ipaddress.ip_network("2001:db8:1::/48"))
    [by_address] = file_reports(builders.arf("2001:db8:1::25"))
    ticket = Ticket.objects.get(pk=by_address.ticket_ids[0])
    assert ticket.needs_triage and ticket.resource == "2001:db8:1::25"
    assert ticket.subject.endswith("from 2001:db8:1::25")


def test_events_keep_their_addresses_and_fingerprints_exactly(network: dict) -> None:
    """Events go in by binary COPY, with the address and fingerprint encoded by the intake:
    read back, they are the addresses reported and the hashes of their identities."""
    NetworkFactory(prefix=ipaddress.ip_network("2001:db8:1::/48"))
    ips = ["203.0.113.9", "203.0.113.255", "2001:db8:1::25", "2001:db8:1:0:ffff:ffff:ffff:fffe"]
    [outcome] = file_reports(builders.shadowserver_scan_ntp(ips))
    stored = dict(Event.objects.values_list("ip", "fingerprint"))
    assert sorted(stored) == sorted(ips)
    for row in outcome.rows:
        assert stored[row.ip] == uuid.UUID(bytes=row.identity())


def test_a_report_about_someone_elses_network_opens_nothing(network: dict) -> None:
    [outcome] = file_reports(builders.arf("192.0.2.55"))
    report = Report.objects.get(pk=outcome.report_id)
    assert report.status == "filed" and report.not_our_network
    assert "not-our-network" in report.evidence_reasons
    assert outcome.ticket_ids == [] and Ticket.objects.count() == 0


def test_a_claim_without_evidence_or_time_is_insufficient(network: dict) -> None:
    [outcome] = file_reports(
        builders.freetext("Your customer 203.0.113.12 is attacking us. Stop it.")
    )
    report = Report.objects.get(pk=outcome.report_id)
    assert report.evidence_status == "insufficient"
    assert "no-timestamp" in report.evidence_reasons
    assert Ticket.objects.get(pk=outcome.ticket_ids[0]).evidence_status == "insufficient"


def test_a_dmarc_aggregate_report_never_becomes_an_abuse_ticket(network: dict) -> None:
    xml = b"""<?xml version="1.0"?><feedback><report_metadata><org_name>example.org</org_name>
<email>dmarc@example.org</email><report_id>r1</report_id><date_range><begin>1714953600</begin>
<end>1715040000</end></date_range></report_metadata><policy_published><domain>acme-bakery.example</domain>
<p>none</p></policy_published><record><row><source_ip>203.0.113.10</source_ip><count>12</count>
<policy_evaluated><disposition>none</disposition><dkim>pass</dkim><spf>pass</spf></policy_evaluated></row>
<identifiers><header_from>acme-bakery.example</header_from></identifiers></record></feedback>"""
    [outcome] = file_reports(xml)
    assert outcome.status == "filed" and outcome.format == "dmarc"
    assert outcome.events == [] and Ticket.objects.count() == 0
    assert Report.objects.get().kind == "dmarc-aggregate"
