"""Celery tasks of actions, policy rules and SLA: thin wrappers that pass ids to services.

Listed in ``CELERY_IMPORTS`` (autodiscovery only finds ``complaints.intake.tasks``).
"""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.db import OperationalError

# The task's hard time limit: an attempt started longer ago than this (and a minute) died
# with its worker, and the sweeper (complaints.intake.sweeper) queues the action again.
ACTION_TIME_LIMIT = 150


def retry_countdown(retries: int) -> float:
    """Exponential backoff, capped below the broker's visibility timeout."""
    base = settings.PROVISIONING_RETRY_BASE_SECONDS
    return float(min(base * (2**retries), 1800))


@shared_task(
    name="complaints.action_execute",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=None,  # bounded by PROVISIONING_MAX_ATTEMPTS in the service, reason recorded
    soft_time_limit=120,
    time_limit=ACTION_TIME_LIMIT,
)
def action_execute_task(self, action_id: int) -> str:  # type: ignore[no-untyped-def]
    from complaints.actions.services import ActionRetryLater, action_execute, action_fail

    attempt = self.request.retries + 1
    try:
        return action_execute(action_id=action_id, claim_token=self.request.id, attempt=attempt)
    except ActionRetryLater as exc:
        # The action says "retrying" with the reason and the time of the next attempt.
        raise self.retry(exc=exc, countdown=exc.countdown) from exc
    except OperationalError as exc:
        if attempt >= settings.PROVISIONING_MAX_ATTEMPTS:
            action_fail(
                action_id=action_id,
                error=f"The desk's database did not answer; gave up after {attempt} attempts",
            )
            return "failed"
        raise self.retry(exc=exc, countdown=retry_countdown(self.request.retries)) from exc


@shared_task(name="complaints.policy_rules_apply", acks_late=True)
def policy_rules_apply_task() -> int:
    """Beat: one task per enabled rule."""
    from complaints.actions.policy_rules import policy_rule_ids_enabled

    ids = policy_rule_ids_enabled()
    for rule_id in ids:
        policy_rule_apply_task.delay(rule_id)
    return len(ids)


@shared_task(
    name="complaints.policy_rule_apply",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def policy_rule_apply_task(rule_id: int) -> int:
    from complaints.actions.policy_rules import policy_rule_apply

    return len(policy_rule_apply(rule_id=rule_id))


@shared_task(name="complaints.sla_sweep", acks_late=True)
def sla_sweep_task() -> dict[str, int]:
    """Beat: start missing clocks, pause/resume by status, escalate breaches."""
    from complaints.actions.sla import sla_sweep

    return sla_sweep()
