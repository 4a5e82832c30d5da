"""Celery tasks of actions, policy rules and SLA: thin wrappers that pass ids to services.

Listed in ``CELERY_IMPORTS`` (autodiscovery only finds ``complaints.tasks``).
"""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.db import OperationalError

from complaints.provisioning import ProvisioningTemporaryError


def retry_countdown(retries: int) -> float:
    """Exponential backoff, capped below the broker's visibility timeout."""
    base = settings.PROVISIONING_RETRY_BASE_SECONDS
    return float(min(base * (2**retries), 1800))


@shared_task(
    name="complaints.action_execute",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=None,  # bounded by PROVISIONING_MAX_ATTEMPTS below, with the reason recorded
    soft_time_limit=120,
    time_limit=150,
)
def action_execute_task(self, action_id: int) -> str:  # type: ignore[no-untyped-def]
    from complaints.actions import action_execute, action_fail

    try:
        return action_execute(action_id=action_id)
    except (ProvisioningTemporaryError, OperationalError) as exc:
        attempts = self.request.retries + 1
        if attempts >= settings.PROVISIONING_MAX_ATTEMPTS:
            action_fail(action_id=action_id, error=f"gave up after {attempts} attempts: {exc}")
            return "failed"
        raise self.retry(exc=exc, countdown=retry_countdown(self.request.retries)) from exc


@shared_task(name="complaints.policy_rules_apply", acks_late=True)
def policy_rules_apply_task() -> int:
    """Beat: one task per enabled rule."""
    from complaints.policy_rules import policy_rule_ids_enabled

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
    from complaints.policy_rules import policy_rule_apply

    return len(policy_rule_apply(rule_id=rule_id))


@shared_task(name="complaints.sla_sweep", acks_late=True)
def sla_sweep_task() -> dict[str, int]:
    """Beat: start missing clocks, pause/resume by status, escalate breaches."""
    from complaints.sla import sla_sweep

    return sla_sweep()
