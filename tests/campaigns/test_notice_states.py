"""A notice's states through real mail and the customer's signed link: queued → sent
(a real SMTP server) → delivered (no bounce within the window) or bounced (a bounce the
intake links to the mail) → acknowledged (self-service) → verified fixed → recurred; and
the link: GET only shows, POSTs acknowledge, and an unknown, expired or withheld link is
the same 404."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from campaigns.links import link_url
from campaigns.models import CampaignNotice, NoticeChange, NoticeMail
from campaigns.services import campaign_advance, campaign_create, campaign_launch
from complaints.mediation.inbound import InboundMail, bounce_link
from complaints.mediation.outbound import message_send
from customers.legal_holds import legal_hold_place
from tests.campaigns.conftest import at, campaign_values


def _token_of(mail: NoticeMail) -> str:
    """The link as the customer got it: read back from the mail that was sent."""
    body = mail.message.body
    start = body.index("/campaigns/n/") + len("/campaigns/n/")
    return body[start : body.index("/", start)]


def _history(notice: CampaignNotice) -> list[str]:
    changes = NoticeChange.objects.filter(notice=notice).order_by(
        "pk"
    )  # the public page runs on the wall clock
    return [c.new_state for c in changes if c.new_state]


@pytest.mark.django_db(transaction=True)
def test_states_from_queued_to_recurred(world, file_feed, lead, smtp_server):
    a, b = world.customers[:2]
    file_feed(-1, world.rows([a.pk, b.pk]))
    campaign = campaign_create(actor=lead, values=campaign_values(verify_reports=2))
    campaign = campaign_launch(campaign=campaign, actor=lead, now=at(0))
    campaign_advance(campaign_id=campaign.pk, now=at(0))
    notice_a = CampaignNotice.objects.get(campaign=campaign, customer=a)
    notice_b = CampaignNotice.objects.get(campaign=campaign, customer=b)
    assert notice_a.state == notice_b.state == "queued"
    mail_a = NoticeMail.objects.select_related("message").get(notice=notice_a)
    mail_b = NoticeMail.objects.select_related("message").get(notice=notice_b)
    for mail in (mail_a, mail_b):
        assert message_send(message_id=mail.message_id) == "sent"
    received = smtp_server.wait_for(2)
    assert {r.rcpt_tos[0] for r in received} == {a.abuse_email, b.abuse_email}
    assert all(r.message["Auto-Submitted"] == "auto-generated" for r in received)

    campaign_advance(campaign_id=campaign.pk, now=at(0, 12))
    notice_a.refresh_from_db()
    assert notice_a.state == "sent" and notice_a.sent_at is not None
    campaign_advance(campaign_id=campaign.pk, now=at(1, 13))  # 24 h without a bounce
    notice_a.refresh_from_db()
    notice_b.refresh_from_db()
    assert notice_a.state == notice_b.state == "delivered"

    # b's mail bounces after all: the intake links the bounce to the message it bounces
    mail_b.message.refresh_from_db()
    bounce_link(InboundMail(
        raw=b"", report=None, from_address="mailer-daemon@mx.camp1.example",
        recipients=["abuse@desk.example"], subject="Undelivered Mail Returned to Sender",
        body="550 5.1.1 <abuse@camp1.example>: Recipient address rejected",
        message_id="<bounce-1@mx.camp1.example>", in_reply_to=[], authenticated=False,
        bounce_of=mail_b.message.message_id, is_bounce=True, is_auto_reply=False,
    ))  # fmt: skip
    campaign_advance(campaign_id=campaign.pk, now=at(1, 14))
    notice_b.refresh_from_db()
    assert notice_b.state == "bounced" and "Undelivered" in notice_b.bounce_reason

    # a acknowledges through the link in its mail
    client = Client()
    token = _token_of(mail_a)
    page = reverse("campaigns:public-notice", kwargs={"token": token})
    assert link_url(token).endswith(page)
    response = client.get(page)
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    assert world.hosts[a.pk][0] in response.content.decode()
    assert "Install the security update" in response.content.decode()
    notice_a.refresh_from_db()
    assert notice_a.acknowledged_at is None  # a GET (a mail scanner) changes nothing
    response = client.post(
        reverse("campaigns:public-fixed", kwargs={"token": token}), {"text": "x"}
    )
    assert response.status_code == 400  # "fixed" needs a description
    response = client.post(reverse("campaigns:public-ack", kwargs={"token": token}),
                           {"text": "Patching on Friday."})  # fmt: skip
    assert response.status_code == 302 and response["Location"].endswith("?done=ack")
    response = client.post(reverse("campaigns:public-fixed", kwargs={"token": token}),
                           {"text": "Installed KB5000871 and rebooted."})  # fmt: skip
    notice_a.refresh_from_db()
    assert notice_a.state == "acknowledged" and notice_a.customer_says_fixed
    assert "Patching on Friday." in notice_a.acknowledgement
    assert "Installed KB5000871" in notice_a.acknowledgement
    assert notice_a.fixed_at is None  # the customer's word alone verifies nothing

    # the feed: a is absent on days 2 and 3 (verified), seen again on day 6
    for k, rows in ((2, [b.pk]), (3, [b.pk]), (4, [b.pk]), (5, [b.pk]), (6, [a.pk, b.pk])):
        file_feed(k, world.rows(rows))
        campaign_advance(campaign_id=campaign.pk, now=at(k))
        if k == 3:
            notice_a.refresh_from_db()
            assert notice_a.state == "fixed" and notice_a.fixed_at == at(2, 0)
    notice_a.refresh_from_db()
    assert notice_a.state == "recurred" and notice_a.recurred_at.date() == at(6).date()
    assert _history(notice_a) == [
        "queued",
        "sent",
        "delivered",
        "acknowledged",
        "fixed",
        "recurred",
    ]
    assert _history(notice_b) == ["queued", "sent", "delivered", "bounced"]


@pytest.mark.django_db
def test_links_refused_alike_when_unknown_expired_withheld_or_overused(
    world, file_feed, lead, settings
):
    a = world.customers[0]
    file_feed(-1, world.rows([a.pk]))
    campaign = campaign_create(actor=lead, values=campaign_values())
    campaign = campaign_launch(campaign=campaign, actor=lead, now=at(0))
    campaign_advance(campaign_id=campaign.pk, now=at(0))
    mail = NoticeMail.objects.select_related("message").get(notice__campaign=campaign)
    token = _token_of(mail)
    client = Client()

    def page(t: str) -> int:
        return client.get(reverse("campaigns:public-notice", kwargs={"token": t})).status_code

    assert page(token) == 200
    assert page(token[:-2] + "xx") == 404
    assert page("x" * 120) == 404
    # the hash is stored, never the token
    assert token not in NoticeMail.objects.values_list("link_hash", flat=True)
    cache.clear()
    settings.SELFSERVICE_POSTS_PER_HOUR = 2
    ack = reverse("campaigns:public-ack", kwargs={"token": token})
    assert [client.post(ack, {}).status_code for _ in range(3)] == [302, 302, 429]
    # a legal hold placed later: the link is refused like an unknown one
    legal_hold_place(customer=a, kind="gag", reference="legal-request:9",
                     starts_at=timezone.now() - timedelta(minutes=1), ends_at=None)  # fmt: skip
    refused = client.get(reverse("campaigns:public-notice", kwargs={"token": token}))
    assert refused.status_code == 404 and a.name not in refused.content.decode()
    NoticeMail.objects.filter(pk=mail.pk).update(
        link_expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert page(token) == 404
