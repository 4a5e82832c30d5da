"""Reactions to filed reports (pipeline step 5): threading replies and bounces,
acknowledgements and customer notices.

A filed report's reactions are pending while its ``reacted_at`` is empty, so they are never
only a message in the broker: ``reports_filed`` queues them after the filing commits, and if
that task is lost (a broker error at the commit, a flushed queue, a killed worker) the
sweeper (``complaints.intake.sweeper``) queues them again. ``reports_react`` claims the reports with
one conditional UPDATE (``react_claimed_at``), so a second task for the same reports finds
nothing to do; it runs the reactions, which send mail only through the outbound queue (no
network I/O here), and marks each report done. A report whose reactions fail does not stop
the batch's others: it keeps its claim, and the sweeper tries it again once the claim is
older than a reaction task may run. Each reaction is idempotent on its own (one
acknowledgement per report, one first notice per ticket, one inbound message per
Message-ID), which covers a worker killed between the reactions and the mark.
"""

from __future__ import annotations

import contextlib
import logging

from django.db import DatabaseError, InterfaceError, OperationalError, connection

from complaints.intake.reply_detection import reports_thread_inbound
from complaints.intake.tasks import REACT_TIME_LIMIT, reports_react_task
from complaints.mediation.acknowledgements import reports_acknowledge
from complaints.mediation.notices import reports_notify_customers
from trustsafety.pg_arrays import array_literal

logger = logging.getLogger(__name__)


def reports_filed(report_ids: list[int]) -> None:
    """Queue the reactions of freshly filed reports (after the filing's commit). A broker
    error is logged, not raised: the reports stay pending and the sweeper queues them."""
    if not report_ids:
        return
    try:
        reports_react_task.delay(report_ids)
    except Exception:  # any failure to publish: the database still says they are pending
        logger.exception(
            "queuing the reactions of %d filed reports failed; the sweeper queues them again",
            len(report_ids),
        )


def reports_react(report_ids: list[int]) -> list[int]:
    """Thread, acknowledge and notify for filed reports whose reactions are pending and
    not taken by another task; returns the ids whose reactions ran."""
    claimed = _claim(report_ids)
    if not claimed:
        return []
    try:
        _react(claimed)
    except (OperationalError, InterfaceError):
        _unclaim(claimed)  # the database is away: the task retries the whole batch
        raise
    except Exception:
        logger.exception(
            "reactions of a batch of %d reports failed; reacting one by one", len(claimed)
        )
    else:
        _mark_done(claimed)
        return claimed
    done: list[int] = []
    for position, report_id in enumerate(claimed):
        try:
            _react([report_id])
        except (OperationalError, InterfaceError):
            with contextlib.suppress(DatabaseError):  # if not, they are reacted again, once
                _mark_done(done)
            _unclaim(claimed[position:])
            raise
        except Exception:  # this report keeps its claim; the sweeper tries it again later
            logger.exception("reactions of report %s failed", report_id)
            continue
        done.append(report_id)
    _mark_done(done)
    return done


def _react(report_ids: list[int]) -> None:
    reports_thread_inbound(report_ids)  # replies and bounces of our own mail
    reports_acknowledge(report_ids)
    reports_notify_customers(report_ids)


def _claim(report_ids: list[int]) -> list[int]:
    if not report_ids:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE complaints_report SET react_claimed_at = now() "
            "WHERE id = ANY(%s::bigint[]) AND status = 'filed' AND reacted_at IS NULL "
            "AND (react_claimed_at IS NULL "
            "     OR react_claimed_at < now() - make_interval(secs => %s)) RETURNING id",
            [array_literal(report_ids), REACT_TIME_LIMIT],
        )
        return sorted(row[0] for row in cursor.fetchall())


def _mark_done(report_ids: list[int]) -> None:
    if not report_ids:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE complaints_report SET reacted_at = now() WHERE id = ANY(%s::bigint[])",
            [array_literal(report_ids)],
        )


def _unclaim(report_ids: list[int]) -> None:
    """Give the claims back for the task's retry; if the database is still away, the
    claims simply run out (``REACT_TIME_LIMIT``)."""
    if not report_ids:
        return
    with contextlib.suppress(DatabaseError), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE complaints_report SET react_claimed_at = NULL "
            "WHERE id = ANY(%s::bigint[]) AND reacted_at IS NULL",
            [array_literal(report_ids)],
        )
