"""Submitting a report through the API or the agents' web form.

Both channels end here: the bytes (a raw message, an X-ARF JSON document, or a validated
simple-schema submission in its canonical form) go through ``reports_receive``, which
commits them before this returns (promise 1) and queues the normal processing after the
commit. Callers answer the client only after this returns.
"""

from __future__ import annotations

from typing import Any

from complaints.intake.receiving import Arrival, Received, reports_receive
from complaints.models import Receipt, ReporterToken
from complaints.parsers.api import canonical_bytes


def report_submit(
    *,
    raw: bytes,
    channel: str = Receipt.Channel.API,
    submitted_by_id: int | None = None,
    reporter_token: ReporterToken | None = None,
) -> Received:
    """Store one submitted report (raises ``receiving.TooLarge`` over the size limit)."""
    arrival = Arrival(
        raw=raw,
        channel=channel,
        submitted_by_id=submitted_by_id,
        reporter_token=reporter_token,
        data={"channel": str(channel)},
    )
    return reports_receive([arrival])[0]


def simple_report_submit(
    *,
    document: dict[str, Any],
    channel: str = Receipt.Channel.API,
    submitted_by_id: int | None = None,
    reporter_token: ReporterToken | None = None,
) -> Received:
    """Store a validated simple-schema submission as its canonical JSON bytes."""
    return report_submit(
        raw=canonical_bytes(document),
        channel=channel,
        submitted_by_id=submitted_by_id,
        reporter_token=reporter_token,
    )
