"""When mail is not enough: the escalation steps of a campaign.

1. **Mail** (``campaigns.sending``): the first notice and re-notices.
2. **A ticket for an agent**: ``escalate_ticket_days`` after the first notice the feed
   still shows the hosts (seen after that notice), or at once when the mail bounced or
   the customer has no address. The ticket is the customer's ordinary feed ticket of this
   type (``complaints.tickets.services.ticket_open_or_join`` with the intake's bulk
   aggregation key, so it joins the one the feed opened, if open), with an internal note
   saying what the campaign sent and saw.
3. **A proposed action**: ``escalate_action_days`` after the first notice, still seen after
   the ticket, and only when the campaign names a policy rule: that rule's action is
   *requested* through ``complaints.actions.services.action_request`` for an agent to
   approve. A campaign never acts by itself, whatever the rule says about automation.

Never for the hold-out or the suppressed (they got no mail), never for a customer whose
contact is withheld (``campaigns.suppression``), never on a restricted ticket.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse

from campaigns.history import notice_state_apply
from campaigns.models import Campaign, CampaignNotice, NoticeHost
from campaigns.suppression import customers_withheld
from complaints.actions.services import action_request
from complaints.classification import aggregation_key, type_label
from complaints.models import Action, Ticket
from complaints.restriction import ticket_is_restricted
from complaints.tickets.services import ticket_note_add, ticket_open_or_join

NOTE_HOSTS = 100


@dataclass
class EscalationResult:
    tickets: int = 0
    actions: int = 0


def _ticket_due(campaign: Campaign, now: datetime) -> Q:
    days = timedelta(days=campaign.escalate_ticket_days)
    unreachable = Q(bounced_at__isnull=False)
    ignored = Q(queued_at__lte=now - days, last_seen_at__gt=F("queued_at"))
    return unreachable | ignored


def campaign_escalate(*, campaign_id: int, now: datetime) -> EscalationResult:
    campaign = Campaign.objects.get(pk=campaign_id)
    result = EscalationResult()
    if campaign.status != Campaign.Status.RUNNING:
        return result
    base = CampaignNotice.objects.filter(
        campaign=campaign, group=CampaignNotice.Group.NOTIFY, fixed_at__isnull=True
    )
    if campaign.escalate_ticket_days:
        due = list(
            base.filter(ticket__isnull=True)
            .filter(_ticket_due(campaign, now))
            .values_list("pk", "customer_id")
        )
        withheld = customers_withheld(c for _, c in due)
        for notice_id, customer_id in due:
            if customer_id not in withheld and notice_ticket_open(notice_id=notice_id, now=now):
                result.tickets += 1
    rule = campaign.escalation_rule
    if campaign.escalate_action_days and rule is not None and rule.enabled:
        due = list(
            base.filter(
                ticket__isnull=False,
                action__isnull=True,
                queued_at__lte=now - timedelta(days=campaign.escalate_action_days),
                last_seen_at__gt=F("escalated_at"),
            ).values_list("pk", "customer_id")
        )
        withheld = customers_withheld(c for _, c in due)
        for notice_id, customer_id in due:
            if customer_id not in withheld and notice_action_propose(notice_id=notice_id, now=now):
                result.actions += 1
    return result


def _note(campaign: Campaign, notice: CampaignNotice, why: str) -> str:
    hosts = NoticeHost.objects.filter(notice=notice).order_by("-last_seen_at", "ip")
    lines = [
        f"Campaign “{campaign.name}” ({type_label(campaign.type)}, Shadowserver "
        f"{campaign.feed_family}{', ' + campaign.cve if campaign.cve else ''}): {why}.",
        "",
        f"Mails sent: {notice.mails}; state: {notice.get_state_display()}"
        + (f"; bounce: {notice.bounce_reason}" if notice.bounce_reason else ""),
        f"Hosts still reported ({notice.host_count}):",
    ]
    for host in hosts[:NOTE_HOSTS]:
        port = f" port {host.port}" if host.port else ""
        lines.append(f"- {host.ip}{port}, last seen {host.last_seen_at:%Y-%m-%d %H:%M} UTC")
    if notice.host_count > NOTE_HOSTS:
        lines.append(f"... and {notice.host_count - NOTE_HOSTS} more")
    lines += ["", "Campaign page: " + settings.SITE_URL + reverse(
        "campaigns:notice-detail", kwargs={"pk": notice.pk})]  # fmt: skip
    return "\n".join(lines)


@transaction.atomic
def notice_ticket_open(*, notice_id: int, now: datetime) -> Ticket | None:
    """Step 2 for one notice: the customer's feed ticket, opened or joined, with a note."""
    notice = (
        CampaignNotice.objects.select_for_update(of=("self",))
        .select_related("campaign")
        .filter(pk=notice_id, ticket__isnull=True, fixed_at__isnull=True)
        .first()
    )
    if notice is None:
        return None
    campaign = notice.campaign
    key = aggregation_key(customer_id=notice.customer_id, type_=campaign.type, resource="",
                          bulk=True)  # fmt: skip
    ticket, _ = ticket_open_or_join(
        key=key, kind=Ticket.Kind.ABUSE, customer_id=notice.customer_id, type_=campaign.type,
        subject=f"{type_label(campaign.type)}: {notice.host_count} host(s) not fixed after "
                f"campaign “{campaign.name}”",
        at=notice.last_seen_at,
    )  # fmt: skip
    why = (
        f"the mail did not reach the customer ({notice.bounce_reason})"
        if notice.bounced_at
        else f"still reported {campaign.escalate_ticket_days}+ days after the first notice"
    )
    if not ticket_is_restricted(ticket):  # a restricted case learns nothing from here
        ticket_note_add(ticket=ticket, subject=f"Campaign escalation: {campaign.name}"[:998],
                        body=_note(campaign, notice, why))  # fmt: skip
    notice.ticket, notice.escalated_at = ticket, now
    notice_state_apply(notice, at=now, fields=["ticket", "escalated_at"],
                       note=f"escalated to ticket #{ticket.pk}: {why}")  # fmt: skip
    return ticket


@transaction.atomic
def notice_action_propose(*, notice_id: int, now: datetime) -> Action | None:
    """Step 3 for one notice: the campaign's policy rule's action, requested (never
    automatic) on the notice's ticket."""
    notice = (
        CampaignNotice.objects.select_for_update(of=("self",))
        .select_related("campaign__escalation_rule", "ticket")
        .filter(pk=notice_id, action__isnull=True, ticket__isnull=False, fixed_at__isnull=True)
        .first()
    )
    if notice is None or notice.ticket is None:
        return None
    campaign, ticket, rule = notice.campaign, notice.ticket, notice.campaign.escalation_rule
    if rule is None or ticket_is_restricted(ticket) or ticket.customer_id != notice.customer_id:
        return None
    reason = (
        f"Campaign “{campaign.name}”: {notice.host_count} host(s) still reported "
        f"{campaign.escalate_action_days}+ days after the first notice and after "
        f"ticket #{ticket.pk}. Proposed under the policy rule “{rule.name}”; "
        "a campaign never acts by itself."
    )
    action: Action | None
    try:
        with transaction.atomic():
            action = action_request(ticket=ticket, kind=rule.proposes, reason=reason,
                                    actor=None, rule=rule, automatic=False)  # fmt: skip
    except IntegrityError:  # the rule already has an open action on this ticket
        action = (
            Action.objects.filter(ticket=ticket, rule=rule, kind=rule.proposes)
            .order_by("-requested_at")
            .first()
        )
    except ValidationError:
        return None
    if action is None:
        return None
    notice.action, notice.action_proposed_at = action, now
    notice_state_apply(notice, at=now, fields=["action", "action_proposed_at"],
                       note=f"{action.get_kind_display()} proposed on ticket #{ticket.pk} "
                            f"(action #{action.pk}, for an agent to approve)")  # fmt: skip
    return action
