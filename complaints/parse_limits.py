"""The bounds of reading one received message (promise 4): size, MIME depth and parts,
decompressed bytes and time, from the settings.

Every decode of attacker bytes runs under them: the intake's parse
(``complaints.intake.filing.pipeline``), the reading of answers to our mail
(``complaints.intake.reply_detection``) and the evidence viewer
(``complaints.tickets.evidence_view``). They sit in the shared layer, below every
capability package, so the evidence viewer does not reach up into the intake (see
docs/architecture.md, "Import layers")."""

from __future__ import annotations

from django.conf import settings

from complaints.parsers.base import Limits


def limits() -> Limits:
    return Limits(
        max_bytes=settings.REPORT_MAX_BYTES,
        max_depth=settings.REPORT_MAX_MIME_DEPTH,
        max_parts=settings.REPORT_MAX_PARTS,
        max_decompressed_bytes=settings.REPORT_MAX_DECOMPRESSED_BYTES,
        seconds=settings.REPORT_DEADLINE_SECONDS,
    )
