"""Reactions to filed reports (pipeline step 5): acknowledgements and customer notices.

Called after the filing commits; it only queues work, and the queued task sends mail
outside any transaction."""

from __future__ import annotations


def reports_filed(report_ids: list[int]) -> None:
    """Queue the reactions of freshly filed reports."""
    from complaints.tasks import reports_react_task

    if report_ids:
        reports_react_task.delay(report_ids)


def reports_react(report_ids: list[int]) -> None:
    """Acknowledge reporters and notify customers of freshly filed reports."""
    from complaints.acknowledgements import reports_acknowledge
    from complaints.mediation import reports_thread_inbound
    from complaints.notices import reports_notify_customers

    reports_thread_inbound(report_ids)  # replies and bounces of our own mail
    reports_acknowledge(report_ids)
    reports_notify_customers(report_ids)
