"""Reprocessing quarantined reports (after a parser fix), one or all of a reason.

A reprocessed report goes back to "received" with its attempts counted from zero, and the
normal processing task is queued after the commit. Only quarantined reports move: the
conditional UPDATE is the claim, so reprocessing twice (two admins, a double click) queues
one run, and a filed report is refused. Filing is idempotent anyway (events carry unique
fingerprints), so a redelivered task adds nothing.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction

from accounts import roles
from complaints.intake.tasks import reports_process_task
from complaints.models import Report
from complaints.permissions import reports_reaching_only_visible

logger = logging.getLogger(__name__)


class NotQuarantined(Exception):
    """The report is not quarantined (filed, already being reprocessed, or unknown)."""


def _queue(report_ids: list[int]) -> None:
    batch = settings.INGEST_BATCH_SIZE
    for start in range(0, len(report_ids), batch):
        reports_process_task.delay(report_ids[start : start + batch])


def _release(
    query: dict[str, object], actor_id: int | None, user: roles.AnyUser | None = None
) -> list[int]:
    with transaction.atomic():
        candidates = Report.objects.select_for_update(skip_locked=True).filter(
            status=Report.Status.QUARANTINED, **query
        )
        if user is not None:
            candidates = reports_reaching_only_visible(user, candidates)
        ids = list(candidates.order_by("pk").values_list("pk", flat=True))
        if ids:
            Report.objects.filter(pk__in=ids, status=Report.Status.QUARANTINED).update(
                status=Report.Status.RECEIVED,
                attempts=0,
                claimed_at=None,
                quarantine_reason="",
                quarantine_detail="",
                processed_at=None,
            )
            logger.info("reprocessing %d quarantined report(s) (by user %s)", len(ids), actor_id)
            transaction.on_commit(lambda: _queue(ids), robust=True)  # else the sweeper's
    return ids


def report_reprocess(report_id: int, *, actor_id: int | None = None) -> int:
    """Reprocess one quarantined report; raises ``NotQuarantined`` otherwise."""
    if not _release({"pk": report_id}, actor_id):
        raise NotQuarantined(f"report {report_id} is not quarantined")
    return report_id


def reports_reprocess(
    reason: str | None = None, *, actor_id: int | None = None, user: roles.AnyUser | None = None
) -> list[int]:
    """Reprocess every quarantined report (of ``reason`` when given) that ``user`` may see
    (None: all of them, the system's own use); returns their ids. A person's "reprocess
    all" must neither touch nor count a restricted case's quarantined mail."""
    query: dict[str, object] = {"quarantine_reason": reason} if reason else {}
    return _release(query, actor_id, user)
