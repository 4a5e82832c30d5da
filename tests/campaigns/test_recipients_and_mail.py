"""Who a campaign writes to, what it says and how fast: recipients by allocation at the
observed time, one notice per customer with its hosts and evidence inline, the feed's
filters, suppression, customers withheld for a restricted case or a legal hold, the send
rate, and a customer with no address going to an agent at once."""

from __future__ import annotations

import ipaddress
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from campaigns.demo import FeedRow
from campaigns.models import Campaign, CampaignNotice, NoticeMail
from campaigns.selectors import campaign_notices, notices_visible
from campaigns.services import (
    campaign_advance,
    campaign_create,
    campaign_launch,
    campaign_update,
    suppression_add,
)
from complaints.models import GuidanceArticle, Message, Ticket
from customers.legal_holds import legal_hold_place
from customers.models import Customer, IPAllocation
from tests.campaigns.conftest import at, campaign_values
from tests.complaints.actions_support import make_ticket


def _launch(lead, **overrides):  # type: ignore[no-untyped-def]
    campaign = campaign_create(actor=lead, values=campaign_values(**overrides))
    return campaign_launch(campaign=campaign, actor=lead, now=at(0))


def _notice(campaign: Campaign, customer: Customer) -> CampaignNotice:
    return CampaignNotice.objects.get(campaign=campaign, customer=customer)


@pytest.mark.django_db
def test_one_notice_per_customer_with_its_hosts_and_the_evidence_inline(world, file_feed, lead):
    two_hosts = next(c for c in world.customers if len(world.hosts[c.pk]) == 2)
    guidance = GuidanceArticle.objects.create(
        slug="exchange-patching", title="Patching Exchange", types=["vulnerable-system"],
        body="Keep Exchange on a supported cumulative update.",
    )  # fmt: skip
    file_feed(-1, world.rows([two_hosts.pk]))
    campaign = _launch(lead, guidance=guidance)
    campaign_advance(campaign_id=campaign.pk, now=at(0))
    notice = _notice(campaign, two_hosts)
    assert notice.group == "notify" and notice.host_count == 2 and notice.mails == 1
    [mail] = NoticeMail.objects.filter(notice=notice).select_related("message")
    message = mail.message
    assert (message.kind, message.visibility, message.status) == ("notice", "customer", "queued")
    assert message.ticket_id is None and message.to_address == two_hosts.abuse_email
    assert "2 hosts of yours need attention" in message.subject
    for ip in world.hosts[two_hosts.pk]:
        assert f"- {ip} port 443, last seen" in message.body
        assert f"ip={ip}" in message.body  # the feed's own row, inline
    assert "severity=critical" in message.body and "CVE-2021-26855" in message.body
    assert "Install the security update KB5000871." in message.body
    assert "Patching Exchange\n-----" in message.body
    assert "/campaigns/n/" in message.body and mail.link_prefix in message.body


@pytest.mark.django_db
def test_recipients_are_who_held_the_address_when_it_was_observed(world, file_feed, lead):
    moved = world.customers[0]
    newcomer = Customer.objects.create(external_id="NEWHOLDER", name="New holder",
                                       abuse_email="abuse@new.example")  # fmt: skip
    allocation = IPAllocation.objects.get(customer=moved)
    IPAllocation.objects.filter(pk=allocation.pk).update(valid_to=at(1, 0))
    IPAllocation.objects.create(network=allocation.network, customer=newcomer, valid_from=at(1, 0))
    ip = world.hosts[moved.pk][0]
    file_feed(-1, [FeedRow(ip=ip)])  # seen while ``moved`` held it
    campaign = _launch(lead)
    campaign_advance(campaign_id=campaign.pk, now=at(0))
    file_feed(2, [FeedRow(ip=ip)])  # seen after the block changed hands
    campaign_advance(campaign_id=campaign.pk, now=at(2))
    holders = set(
        CampaignNotice.objects.filter(campaign=campaign).values_list("customer_id", flat=True)
    )
    assert holders == {moved.pk, newcomer.pk}
    assert _notice(campaign, newcomer).assigned_at == at(2)


@pytest.mark.django_db
def test_the_feed_is_narrowed_by_report_type_tag_and_severity(world, file_feed, lead):
    a, b, c, d = world.customers[:4]
    file_feed(-1, [
        FeedRow(ip=world.hosts[a.pk][0]),
        FeedRow(ip=world.hosts[b.pk][0], severity="medium"),
        FeedRow(ip=world.hosts[c.pk][0], tag="exchange;cve-2022-41082"),
        FeedRow(ip="198.19.200.1"),  # our network, nobody's allocation
    ])  # fmt: skip
    file_feed(-1, world.rows([d.pk]), family="scan_rdp")
    campaign = _launch(lead)
    result = campaign_advance(campaign_id=campaign.pk, now=at(0))
    assert result is not None and result.reports_read == 1 and result.events == 2
    assert set(
        CampaignNotice.objects.filter(campaign=campaign).values_list("customer_id", flat=True)
    ) == {a.pk}
    # read once: a second round reads nothing again
    again = campaign_advance(campaign_id=campaign.pk, now=at(0, 10))
    assert again is not None and again.reports_read == 0


@pytest.mark.django_db
def test_suppression_list_own_infrastructure_and_protected_customers(world, file_feed, lead):
    listed, in_range, other = world.customers[:3]
    suppression_add(actor=lead, reason="managed by the partner team", customer_id=listed.pk)
    network = ipaddress.ip_network(IPAllocation.objects.get(customer=in_range).network)
    suppression_add(actor=lead, reason="our own lab range", network=network)
    file_feed(-1, world.rows([listed.pk, in_range.pk, other.pk, world.provider.pk,
                              world.protected.pk]))  # fmt: skip
    campaign = _launch(lead)
    campaign_advance(campaign_id=campaign.pk, now=at(0))
    notices = {n.customer_id: n for n in CampaignNotice.objects.filter(campaign=campaign)}
    assert in_range.pk not in notices  # its host lies in a suppressed network
    assert notices[listed.pk].suppressed_reason == "suppression list: managed by the partner team"
    assert notices[world.provider.pk].suppressed_reason == "own infrastructure"
    assert notices[world.protected.pk].suppressed_reason == "protected customer"
    assert {n.group for pk, n in notices.items() if pk != other.pk} == {"suppressed"}
    assert notices[other.pk].group == "notify"
    assert NoticeMail.objects.filter(notice__campaign=campaign).count() == 1


@pytest.mark.django_db
def test_customers_of_restricted_cases_and_under_legal_holds_are_left_out_everywhere(
    world, file_feed, lead
):
    investigated, held, later, ordinary = world.customers[:4]
    make_ticket(
        kind=Ticket.Kind.INVESTIGATION, customer=investigated, restricted_group="investigations"
    )
    legal_hold_place(customer=held, kind="gag", reference="legal-request:1",
                     starts_at=timezone.now() - timedelta(days=1), ends_at=None)  # fmt: skip
    file_feed(-1, world.rows([investigated.pk, held.pk, later.pk, ordinary.pk]))
    campaign = _launch(lead, escalate_ticket_days=1)
    campaign_advance(campaign_id=campaign.pk, now=at(0))
    customers = set(
        CampaignNotice.objects.filter(campaign=campaign).values_list("customer_id", flat=True)
    )
    assert customers == {later.pk, ordinary.pk}  # no row, no reason, for the other two
    # ``later`` comes under a hold after its notice: hidden, no more mail, no escalation
    legal_hold_place(customer=later, kind="preservation", reference="legal-request:2",
                     starts_at=timezone.now() - timedelta(minutes=1), ends_at=None)  # fmt: skip
    for k in range(1, 10):
        file_feed(k, world.rows([later.pk, ordinary.pk]))
        campaign_advance(campaign_id=campaign.pk, now=at(k))
    assert set(notices_visible(campaign).values_list("customer_id", flat=True)) == {ordinary.pk}
    assert list(campaign_notices(campaign).values_list("customer_id", flat=True)) == [ordinary.pk]
    hidden = _notice(campaign, later)
    assert hidden.mails == 1 and hidden.ticket_id is None
    visible = _notice(campaign, ordinary)
    assert visible.mails == 2 and visible.ticket_id is not None  # re-noticed and escalated
    assert not Message.objects.filter(to_address=held.abuse_email).exists()
    assert not Message.objects.filter(to_address=investigated.abuse_email).exists()


@pytest.mark.django_db
def test_the_send_rate_spreads_first_notices_over_hours(world, file_feed, lead):
    file_feed(-1, world.rows([c.pk for c in world.customers[:12]]))
    campaign = _launch(lead, send_rate_per_hour=5)
    first = campaign_advance(campaign_id=campaign.pk, now=at(0))
    assert first is not None and (first.first_notices, first.re_notices) == (5, 0)
    mails = NoticeMail.objects.filter(notice__campaign=campaign)
    assert mails.count() == 5
    campaign_advance(campaign_id=campaign.pk, now=at(0) + timedelta(minutes=59))
    assert mails.count() == 5
    campaign_advance(campaign_id=campaign.pk, now=at(0) + timedelta(minutes=61))
    assert mails.count() == 10
    campaign_advance(campaign_id=campaign.pk, now=at(0) + timedelta(minutes=122))
    assert mails.count() == 12
    waiting = CampaignNotice.objects.filter(campaign=campaign, state="waiting")
    assert not waiting.exists()


@pytest.mark.django_db
def test_a_customer_without_an_address_goes_to_an_agent_at_once(world, file_feed, lead):
    mute = world.customers[5]
    Customer.objects.filter(pk=mute.pk).update(abuse_email="", billing_email="")
    file_feed(-1, world.rows([mute.pk]))
    campaign = _launch(lead)
    campaign_advance(campaign_id=campaign.pk, now=at(0))
    notice = _notice(campaign, mute)
    assert (notice.state, notice.bounce_reason, notice.mails) == (
        "bounced", "no usable contact address", 0)  # fmt: skip
    campaign_advance(campaign_id=campaign.pk, now=at(0, 10))
    notice.refresh_from_db()
    assert notice.ticket is not None and notice.ticket.customer_id == mute.pk
    assert "did not reach the customer" in notice.ticket.messages.get(kind="note").body


@pytest.mark.django_db
def test_what_is_measured_is_fixed_at_launch(world, lead):
    campaign = campaign_create(actor=lead, values=campaign_values())
    campaign = campaign_update(campaign=campaign, actor=lead, values={"holdout_percent": 20})
    assert campaign.holdout_percent == 20
    campaign = campaign_launch(campaign=campaign, actor=lead, now=at(0))
    with pytest.raises(ValidationError):
        campaign_update(campaign=campaign, actor=lead, values={"holdout_percent": 5})
    updated = campaign_update(campaign=campaign, actor=lead, values={"send_rate_per_hour": 50})
    assert updated.send_rate_per_hour == 50
    with pytest.raises(ValidationError):
        campaign_create(actor=lead, values=campaign_values(feed_family="scan_nothing_known"))
    with pytest.raises(ValidationError):
        campaign_create(actor=lead, values=campaign_values(body_template="{% load x %}"))
