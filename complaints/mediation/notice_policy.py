"""Writes to the notice policy (``complaints.models.NoticePolicy``: which classification
types get an automatic first notice) other than an admin's edit in the Django admin.

The one caller today is a notification campaign (docs/architecture.md "campaigns/"): while
it runs, the desk's automatic first notices for its type are held, so that its random
hold-out really gets no notice, and the policy is restored when it stops. The change is
audited and noted on the policy row, so whoever reads the admin sees why it changed.
"""

from __future__ import annotations

from django.db import transaction

from accounts.roles import AnyUser
from complaints.audit import audit_record
from complaints.models import NoticePolicy


@transaction.atomic
def notice_policy_set(*, type_: str, notify: bool, actor: AnyUser | None, note: str) -> bool | None:
    """Set whether ``type_`` gets automatic first notices; returns what it was before
    (None: the type had no row, which means "agent decides")."""
    policy = NoticePolicy.objects.select_for_update().filter(type=type_).first()
    previous = policy.notify if policy is not None else None
    if policy is None:
        policy = NoticePolicy(type=type_)
    policy.notify = notify
    policy.note = note[:500]
    policy.save()
    audit_record(actor=actor, verb="notice_policy.changed", obj=policy,
                 detail={"type": type_, "notify": notify, "was": previous, "note": note[:200]})  # fmt: skip
    return previous
