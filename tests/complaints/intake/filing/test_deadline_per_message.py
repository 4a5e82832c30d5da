"""Each message's deadline starts when its own parse starts (issue 13, item 6).

A batch used to decode all its messages before parsing any, and a message's clock starts
when it is decoded: in a batch whose work adds up to more than one message's deadline, the
messages parsed last were quarantined "deadline-exceeded" though none took long itself."""

from __future__ import annotations

import gzip
import time
from email.message import EmailMessage

import pytest

from complaints.intake.filing.pipeline import reports_process
from complaints.intake.receiving import Arrival, reports_receive
from complaints.models import Receipt, Report
from complaints.parse_limits import limits
from complaints.parsers.mime import load

pytestmark = pytest.mark.django_db(transaction=True)


def complaint_with_capture(capture: bytes, n: int) -> bytes:
    """A complaint with its packet capture attached, gzipped (40 MiB unpacked)."""
    message = EmailMessage()
    message["From"] = "noc@isp.example.org"
    message["To"] = "abuse@desk.example"
    message["Subject"] = f"DDoS from 203.0.113.{n} against our network"
    message["Message-ID"] = f"<ddos-{n}@isp.example.org>"
    message.set_content(
        f"Hello,\n\n203.0.113.{n} took part in a UDP flood against 198.51.100.7 today.\n"
        "A packet capture is attached.\n\n-- \nNOC, ISP Example\n"
    )
    message.add_attachment(
        capture, maintype="application", subtype="gzip", filename="flood.pcap.gz"
    )
    return message.as_bytes()


def test_a_batch_longer_than_one_deadline_files_every_message(settings) -> None:  # type: ignore[no-untyped-def]
    capture = gzip.compress(b"\0" * (40 * 1024 * 1024), 6)
    raws = [complaint_with_capture(capture, n) for n in range(1, 17)]
    settings.REPORT_DEADLINE_SECONDS = 1
    settings.INGEST_BATCH_MAX_BYTES = 10**12  # the whole batch parses in one go

    # No single message comes near the deadline, but the batch takes well over it.
    started = time.monotonic()
    load(raws[0], limits=limits())
    one = time.monotonic() - started
    assert one < 0.5 and one * len(raws) > 1.2, f"one message took {one:.2f} s"

    received = reports_receive(
        [Arrival(raw=raw, channel=Receipt.Channel.FILE) for raw in raws], queue=False
    )
    outcomes = reports_process([r.report_id for r in received])
    assert [(o.status, o.reason) for o in outcomes] == [("filed", "")] * len(raws)
    assert not Report.objects.filter(quarantine_reason="deadline-exceeded").exists()
