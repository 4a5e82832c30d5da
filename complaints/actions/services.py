"""Countermeasures: the lifecycle of an Action and the switch for automatic ones.

requested -> approved -> running -> done | failed;  running <-> retrying;
approved | retrying -> cancelled;  retrying | failed -> approved (a person's retry);
done -> reverted;  requested -> rejected.

- ``action_request``: an agent's request of warn/suspend/unsuspend is approved by the
  request itself; terminate and null-route, and any action against a customer marked
  protected, wait for a *second* person (lead or admin, never the requester)
  (``second_person_reason`` says why, for the form). A policy rule's proposal waits for an
  agent unless the rule is automatic.
- An approved action records when its execution was queued (``queued_at``): the task is
  queued after the commit, and one a broker error lost is queued again by the sweeper
  (``complaints.intake.sweeper``) while the action is still approved and not taken.
- ``action_execute`` (Celery task ``complaints.action_execute``) claims the row with a
  conditional update — an approved action, or a running one only for the task that started
  it (its retries, its redelivery after a worker died), so a second task for the same
  action does nothing — then calls the provisioning webhook *outside* any transaction; the
  idempotency key is the same on every attempt. A temporary error (no answer, 5xx) makes
  the action "retrying" with the reason in plain words and the time of the next attempt,
  and the task retries with backoff, ``PROVISIONING_MAX_ATTEMPTS`` times at most; a refusal
  (4xx) fails the action with the reason. A person may cancel an approved or retrying
  action, or retry a retrying or failed one now (``action_cancel``, ``action_retry``); a
  retrying action whose task was lost, or a running one whose worker died, is queued again
  by the sweeper (``complaints.intake.sweeper``).
- Completion comes from the webhook's answer or its signed callback (``action_callback``);
  only a running or retrying action can complete (and a cancelled one, when the callback
  says an earlier attempt was carried out after all), so a second callback changes nothing.
- ``action_revert`` undoes a done suspend or null-route through the same webhook.

Every step writes the audit trail.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from accounts.roles import AnyUser
from complaints import permissions
from complaints.actions import provisioning
from complaints.actions.tasks import action_execute_task, retry_countdown
from complaints.audit import audit_record
from complaints.mediation.outbound import MailWithheld, message_queue
from complaints.models import Action, AutomationSwitch, PolicyRule, Ticket
from complaints.models.actions import FOUR_EYES_KINDS, REVERTIBLE_KINDS, ActionKind
from complaints.restriction import ticket_contact_withheld
from customers.models import Customer, Service

logger = logging.getLogger(__name__)

OPEN_ACTION_STATUSES = (
    Action.Status.REQUESTED,
    Action.Status.APPROVED,
    Action.Status.RUNNING,
    Action.Status.RETRYING,
)
# What a completed action does to the customer's (or the service's) status.
_STATUS_AFTER = {
    ActionKind.SUSPEND: "suspended",
    ActionKind.UNSUSPEND: "active",
    ActionKind.TERMINATE: "terminated",
}


class ActionStateError(ValidationError):
    """The action is not in a state that allows this step."""


class ActionRetryLater(Exception):
    """The provisioning system did not answer: the task tries again in ``countdown`` s."""

    def __init__(self, reason: str, countdown: float) -> None:
        super().__init__(reason)
        self.countdown = countdown


def second_person_reason(kind: str, customer: Customer | None) -> str:
    """Why an action of ``kind`` against ``customer`` needs a second person ("" if not)."""
    if customer is not None and customer.protected:
        return (
            f"{customer.name} is marked protected: any action against them needs a second "
            "person. A lead or admin other than you approves it before it runs."
        )
    if kind in FOUR_EYES_KINDS:
        return (
            f"{ActionKind(kind).label} needs a second person: a lead or admin other than "
            "you approves it before it runs."
        )
    return ""


# --- the switch --------------------------------------------------------------------------


def automation_enabled() -> bool:
    """Read on every decision (no cache): an admin's switch-off applies to the next call."""
    return AutomationSwitch.objects.filter(pk=1, automatic_actions_enabled=True).exists()


@transaction.atomic
def automation_switch_set(*, enabled: bool, actor: AnyUser) -> AutomationSwitch:
    switch, _ = AutomationSwitch.objects.select_for_update().get_or_create(pk=1)
    switch.automatic_actions_enabled = enabled
    switch.changed_by = actor if actor.is_authenticated else None  # type: ignore[assignment]
    switch.save()
    audit_record(actor=actor, verb="automation.switched", obj=switch, detail={"enabled": enabled})
    return switch


# --- request / approve / reject ----------------------------------------------------------


def _enqueue(action_id: int) -> None:
    """Queue the execution after the commit; a broker error then fails nothing (the action
    stays approved with its ``queued_at``, and the sweeper queues it again)."""
    transaction.on_commit(lambda: actions_queue([action_id]), robust=True)


def actions_queue(action_ids: list[int]) -> None:
    """Hand approved actions to the ``complaints.action_execute`` task."""
    for action_id in action_ids:
        action_execute_task.delay(action_id)


@transaction.atomic
def action_request(
    *,
    ticket: Ticket,
    kind: str,
    reason: str,
    actor: AnyUser | None,
    service: Service | None = None,
    rule: PolicyRule | None = None,
    automatic: bool = False,
) -> Action:
    """Record a requested action. ``actor`` None means a policy rule proposes it."""
    reason = reason.strip()
    if kind not in ActionKind.values:
        raise ValidationError(f"unknown action kind {kind!r}")
    if not reason:
        raise ValidationError("a reason is required")
    if ticket.customer_id is None:
        raise ValidationError("the ticket has no customer to act against")
    if service is not None and service.customer_id != ticket.customer_id:
        raise ValidationError("the service belongs to another customer")
    if actor is not None:
        if not (permissions.can_act(actor) and permissions.can_work_ticket(actor, ticket)):
            raise PermissionDenied("not allowed to request actions on this ticket")
    elif rule is None:
        raise ValidationError("an action needs a person or a rule")
    four_eyes = bool(second_person_reason(kind, ticket.customer))
    if automatic and four_eyes:
        raise ValidationError(
            f"{kind} on this customer needs a second person; it cannot be automatic"
        )
    now = timezone.now()
    action = Action.objects.create(
        ticket=ticket,
        customer_id=ticket.customer_id,
        service=service or ticket.service,
        kind=kind,
        reason=reason[:5000],
        requested_by=actor if actor is not None and actor.is_authenticated else None,  # type: ignore[misc]
        rule=rule,
        automatic=automatic,
    )
    audit_record(
        actor=actor,
        verb="action.requested",
        obj=action,
        ticket=ticket,
        detail={"kind": kind, "reason": reason[:500], "rule": rule.pk if rule else None,
                "automatic": automatic},
    )  # fmt: skip
    # An agent's own request of a single-person kind, or an automatic rule, needs no second step.
    if (actor is not None and not four_eyes) or automatic:
        Action.objects.filter(pk=action.pk).update(
            status=Action.Status.APPROVED,
            approved_by=action.requested_by,
            approved_at=now,
            queued_at=now,
        )
        action.refresh_from_db()
        audit_record(actor=actor, verb="action.approved", obj=action, ticket=ticket,
                     detail={"by_request": True, "automatic": automatic})  # fmt: skip
        _enqueue(action.pk)
    return action


@transaction.atomic
def action_approve(*, action: Action, actor: AnyUser) -> Action:
    """Approve a requested action. Four-eyes kinds, and any action against a protected
    customer: a lead or admin other than the requester."""
    ticket = action.ticket
    if not permissions.can_see_ticket(actor, ticket) or not permissions.can_act(actor):
        raise PermissionDenied("not allowed to approve actions on this ticket")
    if action.needs_second_person:
        if not permissions.can_approve_actions(actor):
            raise PermissionDenied(
                f"{action.get_kind_display()} needs a lead's or admin's approval"
                + (" (the customer is protected)" if action.customer.protected else "")
            )
        if action.requested_by_id is not None and action.requested_by_id == actor.pk:
            raise PermissionDenied("the second person must not be the requester")
    now = timezone.now()
    claimed = Action.objects.filter(pk=action.pk, status=Action.Status.REQUESTED).update(
        status=Action.Status.APPROVED, approved_by=actor, approved_at=now, queued_at=now
    )
    if not claimed:
        raise ActionStateError("only a requested action can be approved")
    action.refresh_from_db()
    audit_record(actor=actor, verb="action.approved", obj=action, ticket=ticket)
    _enqueue(action.pk)
    return action


@transaction.atomic
def action_reject(*, action: Action, actor: AnyUser, reason: str) -> Action:
    if not permissions.can_see_ticket(actor, action.ticket) or not permissions.can_act(actor):
        raise PermissionDenied("not allowed to reject actions on this ticket")
    claimed = Action.objects.filter(pk=action.pk, status=Action.Status.REQUESTED).update(
        status=Action.Status.REJECTED, error=f"rejected: {reason.strip()}"[:2000],
        completed_at=timezone.now(),
    )  # fmt: skip
    if not claimed:
        raise ActionStateError("only a requested action can be rejected")
    action.refresh_from_db()
    audit_record(actor=actor, verb="action.rejected", obj=action, ticket=action.ticket,
                 detail={"reason": reason[:500]})  # fmt: skip
    return action


# --- execution ---------------------------------------------------------------------------


def _payload(action: Action, operation: str) -> dict[str, Any]:
    ticket = action.ticket
    return {
        "operation": operation,
        "action": action.kind,
        "action_id": action.pk,
        "idempotency_key": str(action.idempotency_key),
        "ticket_id": ticket.pk,
        "customer": action.customer.external_id,
        "service": action.service.label if action.service else None,
        "resource": ticket.resource or None,
        "reason": action.reason,
        "automatic": action.automatic,
        "callback_url": settings.SITE_URL + reverse("provisioning-callback"),
    }


def _revert_key(action: Action) -> str:
    # A revert is its own request with its own (stable) key, derived from the action's.
    return str(uuid.uuid5(action.idempotency_key, "revert"))


def action_execute(*, action_id: int, claim_token: str | None = None, attempt: int = 1) -> str:
    """Carry out an approved action once; returns the status it ends this attempt in.

    ``claim_token`` names the task (the same on its retries and on redelivery): a running or
    retrying action is taken up again only by the task that started it. ``attempt`` is the
    task's attempt (1 for its first run): when the provisioning system does not answer and
    attempts are left, the action becomes "retrying" and ``ActionRetryLater`` tells the task
    when to try again; on the last one it fails with the reason."""
    token = claim_token or uuid.uuid4().hex
    takeable = Q(status=Action.Status.APPROVED) | Q(
        status__in=[Action.Status.RUNNING, Action.Status.RETRYING], claimed_by=token
    )
    now = timezone.now()
    claimed = Action.objects.filter(takeable, pk=action_id).update(
        status=Action.Status.RUNNING,
        attempts=F("attempts") + 1,
        claimed_by=token,
        started_at=Coalesce(F("started_at"), now),
        attempted_at=now,
        retry_at=None,
    )
    action = Action.objects.select_related("ticket", "customer", "service").get(pk=action_id)
    if not claimed:
        return action.status
    if action.automatic and not automation_enabled():
        _action_finish(
            action_id, Action.Status.REJECTED, error="automatic actions are switched off"
        )
        return Action.Status.REJECTED
    if action.automatic and ticket_contact_withheld(action.ticket):
        # Taken by a rule before the escalation or the legal hold: a suspension tells the
        # customer too.
        _action_finish(action_id, Action.Status.REJECTED, error="the case is restricted")
        return Action.Status.REJECTED
    if action.kind == ActionKind.WARN:
        return _warn(action)
    try:
        outcome = provisioning.webhook_send(
            _payload(action, "apply"), idempotency_key=str(action.idempotency_key)
        )
    except provisioning.ProvisioningPermanentError as exc:
        _action_finish(action_id, Action.Status.FAILED, error=exc.reason, detail=exc.detail)
        return Action.Status.FAILED
    except provisioning.ProvisioningTemporaryError as exc:
        return _attempt_failed(action_id, token, exc, attempt)
    if outcome.status == "accepted":
        Action.objects.filter(pk=action_id, status=Action.Status.RUNNING).update(
            result={"accepted": True, "http_status": outcome.http_status},
            error="",
            error_detail="",
        )
        return Action.Status.RUNNING
    final = Action.Status.DONE if outcome.status == "done" else Action.Status.FAILED
    _action_finish(action_id, final, result=outcome.result, error=outcome.error)
    return final


def _attempt_failed(
    action_id: int, token: str, exc: provisioning.ProvisioningTemporaryError, attempt: int
) -> str:
    """No answer: retry later while attempts are left (raises ``ActionRetryLater``), else
    fail with the reason."""
    limit = settings.PROVISIONING_MAX_ATTEMPTS
    if attempt >= limit:
        _action_finish(
            action_id,
            Action.Status.FAILED,
            error=f"{exc.reason}; the desk gave up after {attempt} attempts",
            detail=exc.detail,
        )
        return Action.Status.FAILED
    countdown = retry_countdown(attempt - 1)
    retry_at = timezone.now() + timedelta(seconds=countdown)
    with transaction.atomic():
        marked = Action.objects.filter(
            pk=action_id, status=Action.Status.RUNNING, claimed_by=token
        ).update(
            status=Action.Status.RETRYING,
            retry_at=retry_at,
            error=exc.reason[:2000],
            error_detail=exc.detail[:2000],
        )
        action = Action.objects.get(pk=action_id)
        if marked:
            audit_record(actor=None, verb="action.retrying", obj=action, ticket=action.ticket_id,
                         detail={"error": exc.detail[:500], "attempt": attempt,
                                 "retry_at": retry_at.isoformat()})  # fmt: skip
    if not marked:  # completed by a callback meanwhile: nothing to retry
        return action.status
    raise ActionRetryLater(exc.reason, countdown)


def action_fail(*, action_id: int, error: str) -> bool:
    """Give up on a running or retrying action (the task's retries exhausted)."""
    return _action_finish(
        action_id,
        Action.Status.FAILED,
        error=error,
        from_statuses=(Action.Status.RUNNING, Action.Status.RETRYING),
    )


@transaction.atomic
def action_cancel(*, action: Action, actor: AnyUser) -> Action:
    """A person stops an approved action before it runs, or one the provisioning system has
    not answered. An attempt it already received may still be carried out: its callback is
    then recorded (``action_callback``)."""
    _require_working(action, actor, "cancel")
    claimed = Action.objects.filter(
        pk=action.pk, status__in=[Action.Status.APPROVED, Action.Status.RETRYING]
    ).update(
        status=Action.Status.CANCELLED,
        cancelled_by=actor,
        completed_at=timezone.now(),
        retry_at=None,
    )
    if not claimed:
        raise ActionStateError(
            "only a queued or retrying action can be cancelled"
            + (": it is being sent right now" if _status(action) == Action.Status.RUNNING else "")
        )
    action.refresh_from_db()
    audit_record(actor=actor, verb="action.cancelled", obj=action, ticket=action.ticket_id)
    return action


@transaction.atomic
def action_retry(*, action: Action, actor: AnyUser) -> Action:
    """A person retries now an action the provisioning system has not answered, or one that
    failed. It is queued again under its approval and with the same idempotency key, so the
    provisioning side still applies it once; the scheduled retry, if it comes, finds it
    taken and does nothing."""
    _require_working(action, actor, "retry")
    now = timezone.now()
    claimed = Action.objects.filter(
        pk=action.pk, status__in=[Action.Status.RETRYING, Action.Status.FAILED]
    ).update(
        status=Action.Status.APPROVED,
        claimed_by="",
        queued_at=now,
        retry_at=None,
        completed_at=None,
    )
    if not claimed:
        raise ActionStateError("only a retrying or failed action can be retried")
    action.refresh_from_db()
    audit_record(actor=actor, verb="action.retried", obj=action, ticket=action.ticket_id,
                 detail={"after": action.error[:500]})  # fmt: skip
    _enqueue(action.pk)
    return action


def _require_working(action: Action, actor: AnyUser, what: str) -> None:
    ticket = action.ticket
    if not (permissions.can_act(actor) and permissions.can_work_ticket(actor, ticket)):
        raise PermissionDenied(f"not allowed to {what} actions on this ticket")


def _status(action: Action) -> str:
    return Action.objects.values_list("status", flat=True).get(pk=action.pk)


def action_callback(
    *, idempotency_key: str, status: str, result: dict[str, Any], error: str = ""
) -> tuple[Action, bool]:
    """Apply a verified provisioning callback; returns (action, changed). A second callback
    for the same action finds it no longer running and changes nothing."""
    action = Action.objects.get(idempotency_key=idempotency_key)
    if status not in ("done", "failed"):
        raise ValidationError(f"unknown callback status {status!r}")
    final = Action.Status.DONE if status == "done" else Action.Status.FAILED
    # A retrying action may hear back about an attempt that timed out; a cancelled one only
    # that an earlier attempt was carried out after all (it happened: record it).
    completable = [Action.Status.RUNNING, Action.Status.RETRYING]
    if final == Action.Status.DONE:
        completable.append(Action.Status.CANCELLED)
    changed = _action_finish(action.pk, final, result=result, error=error, via="callback",
                             from_statuses=tuple(completable))  # fmt: skip
    action.refresh_from_db()
    return action, changed


@transaction.atomic
def _action_finish(
    action_id: int,
    status: str,
    *,
    result: dict[str, Any] | None = None,
    error: str = "",
    detail: str = "",
    via: str = "response",
    from_statuses: tuple[str, ...] = (Action.Status.RUNNING,),
) -> bool:
    """running -> done|failed|rejected, once. Applies the customer-status side effect."""
    updates: dict[str, Any] = {
        "status": status,
        "completed_at": timezone.now(),
        "retry_at": None,
        "error": error[:2000],
        "error_detail": detail[:2000],
    }
    if result is not None:
        updates["result"] = result
    claimed = Action.objects.filter(pk=action_id, status__in=from_statuses).update(**updates)
    if not claimed:
        return False
    action = Action.objects.select_related("ticket", "customer", "service").get(pk=action_id)
    if status == Action.Status.DONE:
        _apply_status(action, _STATUS_AFTER.get(ActionKind(action.kind)))
    audit_record(actor=None, verb=f"action.{status}", obj=action, ticket=action.ticket_id,
                 detail={"via": via, "error": error[:500], "attempts": action.attempts})  # fmt: skip
    return True


def _apply_status(action: Action, new_status: str | None) -> None:
    if new_status is None:
        return
    # An action on one service changes that service; one on the whole customer, the customer.
    if action.service_id is not None:
        Service.objects.filter(pk=action.service_id).update(status=new_status)
    else:
        Customer.objects.filter(pk=action.customer_id).update(status=new_status)


def _warn(action: Action) -> str:
    """A warning is a notice to the customer's abuse contact through the outbound queue.
    Never on a restricted case (``complaints.restriction``): a warning requested before the
    escalation fails with the reason instead of telling the customer."""
    withheld = ticket_contact_withheld(action.ticket)  # restricted, or a legal hold
    if withheld:
        _action_finish(action.pk, Action.Status.FAILED, error=withheld)
        return Action.Status.FAILED
    address = action.customer.abuse_email or action.customer.billing_email
    if not address:
        _action_finish(action.pk, Action.Status.FAILED, error="the customer has no abuse address")
        return Action.Status.FAILED
    try:
        with transaction.atomic():
            message = message_queue(
                kind="notice",
                visibility="customer",
                to_address=address,
                subject=f"[{settings.PROVIDER_NAME}] Warning about abuse from your service "
                f"(case {action.ticket_id})",
                body=(
                    f"Dear {action.customer.name},\n\nWe have received abuse reports about "
                    f"{action.ticket.resource or 'your service'} (case {action.ticket_id}).\n\n"
                    f"{action.reason}\n\nPlease stop the abuse and tell us what you did; if it "
                    "continues we will have to suspend the service.\n\n"
                    f"{settings.PROVIDER_NAME} abuse team\n"
                ),
                ticket=action.ticket,
                author_id=action.requested_by_id,
            )
            _action_finish(action.pk, Action.Status.DONE, result={"message_id": message.pk})
    except MailWithheld as exc:
        _action_finish(action.pk, Action.Status.FAILED, error=exc.reason)
        return Action.Status.FAILED
    return Action.Status.DONE


def action_revert(*, action: Action, actor: AnyUser, reason: str) -> Action:
    """Undo a done suspend or null-route through the webhook (network I/O outside any
    transaction), then record it. Raises the provisioning errors when the undo fails."""
    if not permissions.can_see_ticket(actor, action.ticket) or not permissions.can_act(actor):
        raise PermissionDenied("not allowed to revert actions on this ticket")
    if action.kind not in REVERTIBLE_KINDS:
        raise ActionStateError(f"{action.get_kind_display()} cannot be reverted")
    if action.status != Action.Status.DONE:
        raise ActionStateError("only a done action can be reverted")
    if not reason.strip():
        raise ValidationError("a reason is required")
    payload = _payload(action, "revert") | {"reason": reason.strip()[:2000]}
    try:
        outcome = provisioning.webhook_send(payload, idempotency_key=_revert_key(action))
    except (
        provisioning.ProvisioningTemporaryError,
        provisioning.ProvisioningPermanentError,
    ) as exc:
        audit_record(actor=actor, verb="action.revert_failed", obj=action, ticket=action.ticket_id,
                     detail={"error": str(exc)[:500]})  # fmt: skip
        raise
    if outcome.status == "failed":
        raise provisioning.ProvisioningPermanentError(outcome.error or "revert refused")
    with transaction.atomic():
        claimed = Action.objects.filter(pk=action.pk, status=Action.Status.DONE).update(
            status=Action.Status.REVERTED, reverted_by=actor, reverted_at=timezone.now(),
            revert_reason=reason.strip()[:2000],
            result={**action.result, "revert": outcome.result or {"status": outcome.status}},
        )  # fmt: skip
        if claimed:
            action.refresh_from_db()
            if action.kind == ActionKind.SUSPEND:
                _apply_status(action, "active")
            audit_record(actor=actor, verb="action.reverted", obj=action, ticket=action.ticket_id,
                         detail={"reason": reason[:500]})  # fmt: skip
    action.refresh_from_db()
    return action
