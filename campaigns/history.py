"""A notice's state and history, written in one place: whoever changes a fact about a
notice (its mail, the customer's acknowledgement, the feed's verdict, a re-check, an
escalation) calls ``notice_state_apply`` with the row it holds locked, which derives the
state (``campaigns.remediation.notice_state``) and records a change when there is one.
"""

from __future__ import annotations

from datetime import datetime

from campaigns.models import CampaignNotice, NoticeChange
from campaigns.remediation import notice_state


def derived_state(notice: CampaignNotice) -> str:
    return notice_state(
        group=notice.group,
        queued_at=notice.queued_at,
        sent_at=notice.sent_at,
        delivered_at=notice.delivered_at,
        bounced_at=notice.bounced_at,
        acknowledged_at=notice.acknowledged_at,
        fixed_at=notice.fixed_at,
        recurred_at=notice.recurred_at,
    )


def notice_state_apply(
    notice: CampaignNotice,
    *,
    at: datetime,
    fields: list[str],
    actor_id: int | None = None,
    note: str = "",
) -> bool:
    """Save ``fields`` of ``notice`` and its derived state; record the change (or the
    note, when the state stays). Returns whether the state changed."""
    old = notice.state
    new = derived_state(notice)
    notice.state = new
    notice.save(update_fields=[*fields, "state", "updated_at"])
    if old != new or note:
        NoticeChange.objects.create(
            notice=notice, at=at, actor_id=actor_id, old_state=old if old != new else "",
            new_state=new if old != new else "", note=note[:500],
        )  # fmt: skip
    return old != new


def notice_note(
    notice: CampaignNotice, *, at: datetime, note: str, actor_id: int | None = None
) -> None:
    NoticeChange.objects.create(notice=notice, at=at, actor_id=actor_id, note=note[:500])
