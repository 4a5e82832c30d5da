"""Builders of realistic reports for pipeline tests (written by us; documentation ranges)."""

from __future__ import annotations

import io
import uuid
import zipfile
from datetime import UTC, datetime


def arf(
    ip: str,
    *,
    when: datetime | None = None,
    sender: str = "fbl@feedback.example.org",
    tag: str = "",
) -> bytes:
    """An RFC 5965 spam complaint about a message sent from ``ip``."""
    when = when or datetime(2024, 5, 6, 9, 58, tzinfo=UTC)
    stamp = when.strftime("%a, %d %b %Y %H:%M:%S +0000")
    unique = tag or uuid.uuid4().hex
    return f"""From: Feedback Loop <{sender}>
To: abuse@desk.example
Subject: Abuse report {unique}
Date: {stamp}
Message-ID: <{unique}@feedback.example.org>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report; boundary="arf"

--arf
Content-Type: text/plain; charset=us-ascii

This is an email abuse report for a message received from IP {ip}.

--arf
Content-Type: message/feedback-report

Feedback-Type: abuse
User-Agent: ExampleFBL/1.0
Version: 1
Source-IP: {ip}
Arrival-Date: {stamp}

--arf
Content-Type: message/rfc822

Received: from sender.example.net ([{ip}]) by mx1.feedback.example.org with ESMTP; {stamp}
From: offers@sender.example.net
To: user@feedback.example.org
Subject: Cheap watches
Date: {stamp}
Message-ID: <spam-{unique}@sender.example.net>

Buy now.

--arf--
""".replace("\n", "\r\n").encode()


def freetext(
    body: str, *, sender: str = "admin@victim.example.org", subject: str = "Abuse from your network"
) -> bytes:
    return (
        f"From: Site Admin <{sender}>\r\nTo: abuse@desk.example\r\nSubject: {subject}\r\n"
        f"Date: Mon, 06 May 2024 10:00:00 +0000\r\nMessage-ID: <{uuid.uuid4().hex}@victim.example.org>\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    ).encode()


SHADOWSERVER_HEADER = (
    '"timestamp","ip","port","hostname","tag","asn","geo","region","city","naics","sic","protocol"'
)


def shadowserver_scan_ntp(ips: list[str], *, when: str = "2024-05-06 03:12:45") -> bytes:
    """A Shadowserver open NTP report mail with the CSV zipped, as they send it."""
    rows = "\n".join(f'"{when}","{ip}",123,"","ntp",64496,"NL","","","0","0","udp"' for ip in ips)
    csv = f"{SHADOWSERVER_HEADER}\n{rows}\n".encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("2024-05-06-scan_ntp-example-asn.csv", csv)
    import base64

    encoded = base64.encodebytes(buffer.getvalue()).decode()
    return (
        "From: Shadowserver <autoreports@shadowserver.example>\r\nTo: abuse@desk.example\r\n"
        f"Subject: [Example] Shadowserver Open NTP Report: 2024-05-06 {uuid.uuid4().hex[:6]}\r\n"
        "Date: Mon, 06 May 2024 12:00:00 +0000\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\n'
        "Attached is the Open NTP report for your network.\r\n--b1\r\n"
        'Content-Type: application/zip; name="2024-05-06-scan_ntp-example-asn.csv.zip"\r\n'
        "Content-Transfer-Encoding: base64\r\n"
        'Content-Disposition: attachment; filename="2024-05-06-scan_ntp-example-asn.csv.zip"\r\n\r\n'
        f"{encoded}\r\n--b1--\r\n"
    ).encode()
