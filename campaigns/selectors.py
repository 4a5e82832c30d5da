"""The reads of the campaign pages: lists, counts, the measured effect, one notice.

One rule runs through all of them: a notice whose customer's contact is withheld
(``campaigns.suppression.withheld_q``: a restricted case) is not there, in lists, counts,
figures and exports alike, so no page tells anyone that such a case exists.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from campaigns.effect import Effect, Recipient, effect
from campaigns.models import Campaign, CampaignNotice, FeedDay, NoticeMail, Suppression
from campaigns.suppression import withheld_q
from complaints.models import Message


def notices_visible(campaign: Campaign | None = None) -> QuerySet[CampaignNotice]:
    notices = CampaignNotice.objects.exclude(withheld_q())
    return notices.filter(campaign=campaign) if campaign is not None else notices


def campaigns_listed() -> list[Campaign]:
    """Every campaign with its visible recipients counted by group and fixed."""
    visible = notices_visible()
    campaigns = list(Campaign.objects.order_by("-created_at"))
    counts: dict[int, Counter[str]] = {c.pk: Counter() for c in campaigns}
    rows = (
        visible.values("campaign_id", "group")
        .annotate(n=Count("pk"), fixed=Count("pk", filter=Q(first_fixed_at__isnull=False)))
        .order_by()
    )
    for row in rows:
        counter = counts[row["campaign_id"]]
        counter[row["group"]] += row["n"]
        counter[f"{row['group']}_fixed"] += row["fixed"]
    for campaign in campaigns:
        campaign.counts = counts[campaign.pk]  # type: ignore[attr-defined]
    return campaigns


def campaign_state_counts(campaign: Campaign) -> dict[str, dict[str, int]]:
    """group -> state -> notices."""
    found: dict[str, dict[str, int]] = {}
    rows = (
        notices_visible(campaign).values_list("group", "state").annotate(n=Count("pk")).order_by()
    )
    for group, state, n in rows:
        found.setdefault(group, {})[state] = n
    return found


def campaign_effect(campaign: Campaign, now: datetime) -> Effect:
    rows = notices_visible(campaign).values_list(
        "group", "assigned_at", "first_fixed_at", "recurred_at"
    )
    return effect((Recipient(*row) for row in rows.iterator(chunk_size=5000)), now)


def holdout_contacted(campaign: Campaign) -> int:
    """Hold-out customers who were mailed about this type anyway, on a ticket (the
    intake's first notices, an agent): the hold-out is that much less of a control."""
    mailed = Message.objects.filter(
        ticket__customer_id=OuterRef("customer_id"),
        ticket__type=campaign.type,
        direction=Message.Direction.OUTBOUND,
        visibility=Message.Visibility.CUSTOMER,
        created_at__gte=OuterRef("assigned_at"),
    )
    return (
        notices_visible(campaign)
        .filter(group=CampaignNotice.Group.HOLDOUT)
        .filter(Exists(mailed))
        .count()
    )


def campaign_notices(
    campaign: Campaign, *, group: str = "", state: str = ""
) -> QuerySet[CampaignNotice]:
    notices = notices_visible(campaign).select_related("customer", "ticket")
    if group:
        notices = notices.filter(group=group)
    if state:
        notices = notices.filter(state=state)
    return notices.order_by("-host_count", "pk")


def campaign_feed_days(campaign: Campaign, *, limit: int = 21) -> list[FeedDay]:
    return list(FeedDay.objects.filter(campaign=campaign).order_by("-day")[:limit])


def notice_visible(pk: int) -> CampaignNotice | None:
    return (
        notices_visible()
        .select_related("campaign", "customer", "ticket", "action")
        .filter(pk=pk)
        .first()
    )


@dataclass(frozen=True)
class MailRow:
    number: int
    created_at: datetime
    status: str
    to_address: str
    subject: str
    error: str
    link_prefix: str


def notice_mails(notice: CampaignNotice) -> list[MailRow]:
    rows = NoticeMail.objects.filter(notice=notice).select_related("message").order_by("number")
    return [
        MailRow(
            m.number,
            m.created_at,
            m.message.status,
            m.message.to_address,
            m.message.subject,
            m.message.error,
            m.link_prefix,
        )
        for m in rows
    ]


def suppressions_listed() -> QuerySet[Suppression]:
    return (
        Suppression.objects.exclude(withheld_q())
        .select_related("customer", "campaign", "created_by")
        .order_by("-created_at")
    )
