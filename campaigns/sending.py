"""Campaign mail: first notices and re-notices, within the campaign's send rate, and what
became of each mail.

Every mail leaves through ``complaints.mediation.outbound.message_queue`` (the one way
out: header safety, Message-ID, retries, the restriction rule at queue and send time); a
campaign only decides who gets which mail when:

- **first notices** to the notified group, oldest recipient first, for notices not fixed
  meanwhile (a host fixed before its turn gets no mail);
- **re-notices** every ``renotify_days`` while the feed still shows the hosts *since the
  last mail*, up to ``max_mails`` mails in all, never after a bounce (that goes to an
  agent: ``campaigns.escalation``);
- at most ``send_rate_per_hour`` mails of the campaign in any hour, counted under the
  campaign's row lock, so concurrent runs never exceed it together;
- never to a customer whose contact is withheld (``campaigns.suppression``), asked again
  just before each mail.

A mail's fate comes back from its ``Message``: sent, bounced (a bounce the intake linked,
``complaints.mediation.inbound.bounce_link``) or refused. SMTP acceptance is not delivery;
a sent mail with no bounce after ``CAMPAIGN_DELIVERED_AFTER_HOURS`` counts as delivered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, OuterRef, Subquery

from campaigns.history import notice_state_apply
from campaigns.links import link_new, link_url
from campaigns.models import Campaign, CampaignNotice, NoticeMail
from campaigns.notice_text import notice_render
from campaigns.suppression import customers_withheld
from complaints.mediation.outbound import (
    InvalidAddress,
    MailWithheld,
    address_validate,
    message_queue,
)
from complaints.models import Message
from customers.models import Customer

NO_ADDRESS = "no usable contact address"


@dataclass
class SendResult:
    first: int = 0
    again: int = 0
    unreachable: int = 0
    budget_left: int = 0


def _contact(customer: Customer) -> str | None:
    for address in (customer.abuse_email, customer.billing_email):
        if address:
            try:
                return address_validate(address)
            except InvalidAddress:
                continue
    return None


def _due_first(campaign: Campaign) -> list[CampaignNotice]:
    return list(
        CampaignNotice.objects.filter(
            campaign=campaign,
            group=CampaignNotice.Group.NOTIFY,
            mails=0,
            bounced_at__isnull=True,
            fixed_at__isnull=True,
        )
        .select_related("customer")
        .order_by("assigned_at", "pk")
    )


def _due_again(campaign: Campaign, now: datetime) -> list[CampaignNotice]:
    return list(
        CampaignNotice.objects.filter(
            campaign=campaign,
            group=CampaignNotice.Group.NOTIFY,
            mails__gte=1,
            mails__lt=campaign.max_mails,
            bounced_at__isnull=True,
            fixed_at__isnull=True,
            last_mail_at__lte=now - timedelta(days=campaign.renotify_days),
            last_seen_at__gt=F("last_mail_at"),
        )
        .select_related("customer")
        .order_by("last_mail_at", "pk")
    )


@transaction.atomic
def campaign_send(*, campaign_id: int, now: datetime) -> SendResult:
    """Queue the mails that are due, within the hour's budget."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign_id)
    result = SendResult()
    if campaign.status != Campaign.Status.RUNNING:
        return result
    sent_last_hour = NoticeMail.objects.filter(
        notice__campaign=campaign, created_at__gt=now - timedelta(hours=1)
    ).count()
    budget = max(0, campaign.send_rate_per_hour - sent_last_hour)
    due = _due_first(campaign) + _due_again(campaign, now)
    withheld = customers_withheld(n.customer_id for n in due)
    for notice in due:
        if budget <= 0:
            break
        if notice.customer_id in withheld:
            continue
        outcome = _mail_queue(campaign, notice, now)
        if outcome == "queued":
            budget -= 1
            if notice.mails == 0:  # this copy was read before the mail: 0 means a first one
                result.first += 1
            else:
                result.again += 1
        elif outcome == "unreachable":
            result.unreachable += 1
    result.budget_left = budget
    return result


def _mail_queue(campaign: Campaign, notice: CampaignNotice, now: datetime) -> str:
    """Queue one mail of ``notice``: "queued", "unreachable" (no address: recorded as a
    bounce, for an agent) or "withheld" (the outbound queue refused it)."""
    notice = (
        CampaignNotice.objects.select_for_update(of=("self",))
        .select_related("customer")
        .get(pk=notice.pk)
    )
    to = _contact(notice.customer)
    if to is None:
        notice.bounced_at, notice.bounce_reason = now, NO_ADDRESS
        notice_state_apply(notice, at=now, fields=["bounced_at", "bounce_reason"],
                           note="no mail sent: the customer has no usable contact address")  # fmt: skip
        return "unreachable"
    number = notice.mails + 1
    token, hashed, expires = link_new()
    rendered = notice_render(campaign, notice, number=number, url=link_url(token))
    try:
        with transaction.atomic():
            message = message_queue(
                kind=Message.Kind.NOTICE, visibility=Message.Visibility.CUSTOMER,
                to_address=to, subject=rendered.subject, body=rendered.body,
            )  # fmt: skip
    except MailWithheld:
        return "withheld"  # nothing recorded on the notice: the reason is not the desk's to see
    NoticeMail.objects.create(
        notice=notice, message=message, number=number, link_hash=hashed,
        link_prefix=token[:8], link_expires_at=expires, created_at=now,
    )  # fmt: skip
    notice.mails = number
    notice.queued_at = notice.queued_at or now
    notice.last_mail_at = now
    notice_state_apply(
        notice, at=now, fields=["mails", "queued_at", "last_mail_at"],
        note="first notice queued" if number == 1 else f"re-notice {number - 1} queued",
    )  # fmt: skip
    return "queued"


@transaction.atomic
def campaign_track_delivery(*, campaign_id: int, now: datetime) -> int:
    """Carry what became of each notice's latest mail onto the notice; returns how many
    notices changed."""
    latest = NoticeMail.objects.filter(notice=OuterRef("pk"), number=OuterRef("mails"))
    notices = (
        CampaignNotice.objects.select_for_update()
        .filter(campaign_id=campaign_id, mails__gte=1, bounced_at__isnull=True)
        .annotate(
            mail_status=Subquery(latest.values("message__status")[:1]),
            mail_sent_at=Subquery(latest.values("message__sent_at")[:1]),
            mail_error=Subquery(latest.values("message__error")[:1]),
        )
        .order_by("pk")
    )
    window = timedelta(hours=settings.CAMPAIGN_DELIVERED_AFTER_HOURS)
    changed = 0
    for notice in notices:
        fields: list[str] = []
        note = ""
        if notice.mail_status in (Message.Status.BOUNCED, Message.Status.FAILED):
            notice.bounced_at = now
            notice.bounce_reason = (notice.mail_error or notice.mail_status)[:500]
            fields = ["bounced_at", "bounce_reason"]
            note = f"mail {notice.mails} did not reach the customer: {notice.bounce_reason}"
        elif notice.mail_status == Message.Status.SENT:
            if notice.sent_at is None:
                # The simulated clock of tests and the demo may run behind the sender's.
                notice.sent_at = min(notice.mail_sent_at or now, now)
                fields.append("sent_at")
            mailed = notice.last_mail_at or now
            if notice.delivered_at is None and mailed + window <= now:
                notice.delivered_at = now
                fields.append("delivered_at")
        if fields:
            notice_state_apply(notice, at=now, fields=fields, note=note)
            changed += 1
    return changed
