"""Every write a person or the clock makes to a campaign (docs/architecture.md "campaigns/").

- ``campaign_create`` / ``campaign_update``: a lead's draft; the feed, hold-out and
  measurement settings freeze at launch (changing them later would change what is
  measured), the texts, rates and escalation stay editable.
- ``campaign_launch``: starts observing from ``lookback_days`` before now and runs the
  first round at once; ``campaign_stop``: no more mail, reading or escalation; the
  notices and their figures stay.
- ``campaign_advance`` (beat, one task per running campaign): read the feed, the verdict,
  what became of the mails, the escalation steps, then the mail that is due.
- ``notice_recheck_record``: someone looked at the hosts (fixed or not).
- ``notice_acknowledge``: the customer, through the signed link.
- ``suppression_add`` / ``suppression_remove``: the suppression list.

Each is audited (``complaints.audit``) with the person who did it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.roles import AnyUser
from campaigns.escalation import campaign_escalate
from campaigns.feeds import family_type
from campaigns.history import notice_note, notice_state_apply
from campaigns.models import Campaign, CampaignNotice, NoticeMail, Suppression
from campaigns.notice_text import DEFAULT_BODY, DEFAULT_SUBJECT
from campaigns.observation import campaign_observe, campaign_verify
from campaigns.sending import campaign_send, campaign_track_delivery
from campaigns.tasks import campaign_advance_task
from complaints.audit import audit_record
from complaints.mediation.notice_policy import notice_policy_set
from complaints.mediation.templating import template_validate

# Frozen at launch: they define what is observed and how the groups are drawn.
MEASUREMENT_FIELDS = ("feed_family", "tag_contains", "min_severity", "holdout_percent",
                      "verify_reports", "lookback_days", "hold_type_notices")  # fmt: skip
EDITABLE_FIELDS = (
    "name", "feed_family", "tag_contains", "min_severity", "cve", "subject_template",
    "body_template", "fix_steps", "guidance", "holdout_percent", "verify_reports",
    "lookback_days", "hold_type_notices", "send_rate_per_hour", "renotify_days", "max_mails",
    "escalate_ticket_days", "escalate_action_days", "escalation_rule",
)  # fmt: skip
ACK_MAX = 5000


def _uid(actor: AnyUser | None) -> int | None:
    return actor.pk if actor is not None and actor.is_authenticated else None  # type: ignore[union-attr]


def _validate(campaign: Campaign) -> None:
    type_ = family_type(campaign.feed_family)
    if type_ is None:
        raise ValidationError({"feed_family": "not a Shadowserver report type the intake knows"})
    campaign.type = type_
    errors = template_validate(subject=campaign.subject_template, body=campaign.body_template)
    if errors:
        raise ValidationError({"body_template": errors})
    if campaign.escalation_rule is not None and not campaign.escalation_rule.enabled:
        raise ValidationError({"escalation_rule": "the policy rule is disabled"})
    campaign.full_clean(exclude=["created_by", "launched_by"])


@transaction.atomic
def campaign_create(*, actor: AnyUser, values: dict[str, Any]) -> Campaign:
    given = {k: v for k, v in values.items() if k in EDITABLE_FIELDS}
    given.setdefault("subject_template", DEFAULT_SUBJECT)
    given.setdefault("body_template", DEFAULT_BODY)
    campaign = Campaign(**given)
    campaign.created_by = actor  # type: ignore[assignment]
    _validate(campaign)
    campaign.save()
    audit_record(actor=actor, verb="campaign.created", obj=campaign,
                 detail={"name": campaign.name, "feed": campaign.feed_family})  # fmt: skip
    return campaign


@transaction.atomic
def campaign_update(*, campaign: Campaign, actor: AnyUser, values: dict[str, Any]) -> Campaign:
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status == Campaign.Status.STOPPED:
        raise ValidationError("a stopped campaign is a record; it is not edited")
    changed = []
    for name, value in values.items():
        if name not in EDITABLE_FIELDS or getattr(campaign, name) == value:
            continue
        if campaign.status != Campaign.Status.DRAFT and name in MEASUREMENT_FIELDS:
            raise ValidationError({name: "fixed at launch: it defines what is measured"})
        setattr(campaign, name, value)
        changed.append(name)
    _validate(campaign)
    campaign.save()
    audit_record(actor=actor, verb="campaign.updated", obj=campaign, detail={"fields": changed})
    return campaign


@transaction.atomic
def campaign_launch(*, campaign: Campaign, actor: AnyUser, now: datetime | None = None) -> Campaign:
    """Start the campaign; its first round runs after the commit (at once with ``now``,
    which tests and the demo give to play a calendar)."""
    now = now or timezone.now()
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status != Campaign.Status.DRAFT:
        raise ValidationError("only a draft is launched")
    _validate(campaign)
    campaign.status = Campaign.Status.RUNNING
    campaign.launched_at = now
    campaign.launched_by = actor if actor.is_authenticated else None  # type: ignore[assignment]
    campaign.observe_from = now - timedelta(days=campaign.lookback_days)
    if campaign.hold_type_notices:
        _type_notices_hold(campaign, actor)
    campaign.save(update_fields=["status", "launched_at", "launched_by", "observe_from",
                                 "notice_policy_was"])  # fmt: skip
    audit_record(actor=actor, verb="campaign.launched", obj=campaign,
                 detail={"holdout_percent": campaign.holdout_percent,
                         "seed": campaign.holdout_seed})  # fmt: skip
    pk = campaign.pk
    transaction.on_commit(lambda: campaign_advance_task.delay(pk), robust=True)
    return campaign


def _holding_type(campaign: Campaign) -> Campaign | None:
    """Another running campaign that holds the notices of the same type."""
    return (
        Campaign.objects.filter(
            status=Campaign.Status.RUNNING, hold_type_notices=True, type=campaign.type
        )
        .exclude(pk=campaign.pk)
        .order_by("launched_at")
        .first()
    )


def _type_notices_hold(campaign: Campaign, actor: AnyUser) -> None:
    """The desk's automatic first notices of the campaign's type stop while it runs: the
    intake would otherwise notice hold-out customers on their feed tickets. What the policy
    was is kept to restore (from the campaign already holding it, if one is)."""
    other = _holding_type(campaign)
    if other is not None:
        campaign.notice_policy_was = other.notice_policy_was
        return
    campaign.notice_policy_was = notice_policy_set(
        type_=campaign.type, notify=False, actor=actor,
        note=f"held while campaign “{campaign.name}” runs (its hold-out must get no notice)",
    )  # fmt: skip


def _type_notices_release(campaign: Campaign, actor: AnyUser) -> None:
    if _holding_type(campaign) is not None or not campaign.notice_policy_was:
        return  # still held by another campaign, or the type had no automatic notice
    notice_policy_set(type_=campaign.type, notify=True, actor=actor,
                      note=f"restored when campaign “{campaign.name}” stopped")  # fmt: skip


@transaction.atomic
def campaign_stop(*, campaign: Campaign, actor: AnyUser, now: datetime | None = None) -> Campaign:
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status == Campaign.Status.STOPPED:
        return campaign
    was_running = campaign.status == Campaign.Status.RUNNING
    campaign.status = Campaign.Status.STOPPED
    campaign.stopped_at = now or timezone.now()
    campaign.save(update_fields=["status", "stopped_at"])
    if was_running and campaign.hold_type_notices:
        _type_notices_release(campaign, actor)
    audit_record(actor=actor, verb="campaign.stopped", obj=campaign)
    return campaign


@dataclass
class Advance:
    reports_read: int
    events: int
    verdicts: int
    delivery: int
    tickets: int
    actions: int
    first_notices: int
    re_notices: int

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def campaign_advance(*, campaign_id: int, now: datetime | None = None) -> Advance | None:
    """One round of a running campaign, each step its own transaction (reading the feed
    commits report by report). ``None`` when the campaign is not running."""
    now = now or timezone.now()
    if not Campaign.objects.filter(pk=campaign_id, status=Campaign.Status.RUNNING).exists():
        return None
    read = campaign_observe(campaign_id=campaign_id, now=now)
    verdicts = campaign_verify(campaign_id=campaign_id, now=now)
    delivery = campaign_track_delivery(campaign_id=campaign_id, now=now)
    escalated = campaign_escalate(campaign_id=campaign_id, now=now)
    sent = campaign_send(campaign_id=campaign_id, now=now)
    Campaign.objects.filter(pk=campaign_id).update(advanced_at=now)
    return Advance(
        reports_read=len(read), events=sum(r.events for r in read), verdicts=verdicts,
        delivery=delivery, tickets=escalated.tickets, actions=escalated.actions,
        first_notices=sent.first, re_notices=sent.again,
    )  # fmt: skip


def campaign_ids_running() -> list[int]:
    return list(
        Campaign.objects.filter(status=Campaign.Status.RUNNING)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def campaigns_advance_running() -> int:
    """Beat: one task per running campaign."""
    ids = campaign_ids_running()
    for pk in ids:
        campaign_advance_task.delay(pk)
    return len(ids)


@transaction.atomic
def notice_recheck_record(
    *,
    notice: CampaignNotice,
    actor: AnyUser,
    fixed: bool,
    note: str,
    now: datetime | None = None,
) -> CampaignNotice:
    """Someone checked the hosts by hand. "Fixed" verifies the fix now (a later sighting
    still makes it recur); "not fixed" is recorded on the history only."""
    now = now or timezone.now()
    note = note.strip()[:400]
    notice = (
        CampaignNotice.objects.select_for_update(of=("self",))
        .select_related("campaign")
        .get(pk=notice.pk)
    )
    if notice.campaign.status == Campaign.Status.DRAFT:
        raise ValidationError("the campaign has not started")
    text = f"re-check: {'fixed' if fixed else 'still vulnerable'}" + (f" ({note})" if note else "")
    if fixed and notice.fixed_at is None:
        notice.recheck_fixed_at = now
        notice.fixed_at = now
        notice.fixed_by = CampaignNotice.FixedBy.RECHECK
        notice.verified_at = now
        notice.first_fixed_at = notice.first_fixed_at or max(now, notice.assigned_at)
        notice_state_apply(
            notice, at=now, actor_id=_uid(actor), note=text,
            fields=["recheck_fixed_at", "fixed_at", "fixed_by", "verified_at", "first_fixed_at"],
        )  # fmt: skip
    else:
        notice_note(notice, at=now, actor_id=_uid(actor), note=text)
    audit_record(actor=actor, verb="campaign.notice_rechecked", obj=notice,
                 detail={"fixed": fixed, "campaign": notice.campaign_id})  # fmt: skip
    return notice


@transaction.atomic
def notice_acknowledge(
    *, mail: NoticeMail, says_fixed: bool, text: str, now: datetime | None = None
) -> CampaignNotice:
    """The customer, through the link of ``mail``: seen (and perhaps fixed, in their
    words; only the feed or a re-check verifies it)."""
    now = now or timezone.now()
    text = text.strip()[:ACK_MAX]
    if says_fixed and len(text) < 10:
        raise ValueError("please describe what was done")
    notice = CampaignNotice.objects.select_for_update().get(pk=mail.notice_id)
    fields = []
    if notice.acknowledged_at is None:
        notice.acknowledged_at = now
        fields.append("acknowledged_at")
    if text:
        stamp = f"{now:%Y-%m-%d %H:%M} UTC" + (" (says fixed)" if says_fixed else "")
        notice.acknowledgement = (f"{notice.acknowledgement}\n\n{stamp}: {text}").strip()[-ACK_MAX:]
        fields.append("acknowledgement")
    if says_fixed and not notice.customer_says_fixed:
        notice.customer_says_fixed = True
        fields.append("customer_says_fixed")
    note = ("the customer says it is fixed" if says_fixed else "the customer acknowledged") + (
        f" through the link of mail {mail.number}"
    )
    notice_state_apply(notice, at=now, fields=fields, note=note)
    return notice


@transaction.atomic
def suppression_add(
    *,
    actor: AnyUser,
    reason: str,
    network: Any = None,
    customer_id: int | None = None,
    campaign: Campaign | None = None,
) -> Suppression:
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "say why"})
    if (network is None) == (customer_id is None):
        raise ValidationError("a network or a customer, not both")
    entry = Suppression(network=network, customer_id=customer_id, campaign=campaign,
                        reason=reason[:200], created_by_id=_uid(actor))  # fmt: skip
    # The check constraint is the database's (Django cannot evaluate it on a cidr value).
    entry.full_clean(exclude=["created_by"], validate_constraints=False)
    entry.save()
    audit_record(actor=actor, verb="campaign.suppression_added", obj=entry,
                 detail={"network": str(network or ""), "customer": customer_id,
                         "campaign": campaign.pk if campaign else None})  # fmt: skip
    return entry


@transaction.atomic
def suppression_remove(*, entry: Suppression, actor: AnyUser) -> None:
    audit_record(actor=actor, verb="campaign.suppression_removed", obj=entry,
                 detail={"network": str(entry.network or ""), "customer": entry.customer_id})  # fmt: skip
    entry.delete()
