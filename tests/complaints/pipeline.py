"""Run reports through the real intake in-process, as ``manage.py ingest`` does."""

from __future__ import annotations

from complaints.intake.filing.pipeline import Outcome, reports_process
from complaints.intake.receiving import Arrival, Received, reports_receive
from complaints.models import Receipt


def file_reports(*raws: bytes) -> list[Outcome]:
    received = reports_receive(
        [Arrival(raw=raw, channel=Receipt.Channel.FILE) for raw in raws], queue=False
    )
    outcomes = {
        o.report_id: o
        for o in reports_process([r.report_id for r in received if r.outcome == "new"])
    }
    return [outcomes[r.report_id] for r in received if r.report_id in outcomes]


def receive(*raws: bytes) -> list[Received]:
    return reports_receive(
        [Arrival(raw=raw, channel=Receipt.Channel.FILE) for raw in raws], queue=False
    )
