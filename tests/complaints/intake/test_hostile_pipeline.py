"""Hostile input through the whole intake (docs/architecture.md promise 4): each case ends filed or
quarantined with its own named reason, recorded on the report — never an exception, a hang,
or a lost message. (tests/parsers/test_mime_limits.py covers the same cases at the parser.)"""

from __future__ import annotations

import base64
import gzip
import io
import os
import zipfile

import pytest
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from complaints.models import Report
from tests.complaints.pipeline import file_reports

pytestmark = pytest.mark.django_db(transaction=True)

HEAD = b"From: x@victim.example.org\r\nTo: abuse@desk.example\r\nSubject: report\r\n"


def nested(depth: int) -> bytes:
    body = b"text/plain body 203.0.113.9"
    for level in range(depth):
        body = (
            f'Content-Type: multipart/mixed; boundary="b{level}"\r\n\r\n--b{level}\r\n'.encode()
            + body
            + f"\r\n--b{level}--\r\n".encode()
        )
    return HEAD + b"MIME-Version: 1.0\r\n" + body


def many_parts(count: int) -> bytes:
    parts = b"".join(b"--p\r\nContent-Type: text/plain\r\n\r\nx\r\n" for _ in range(count))
    return (
        HEAD
        + b'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="p"\r\n\r\n'
        + parts
        + b"--p--\r\n"
    )


def zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("report.csv", b"0" * (200 * 1024 * 1024))
    payload = base64.encodebytes(buffer.getvalue())
    return (
        HEAD + b'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="z"\r\n\r\n--z\r\n'
        b"Content-Type: text/plain\r\n\r\nSee attachment about 203.0.113.9\r\n--z\r\n"
        b'Content-Type: application/zip; name="r.zip"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
        + payload + b"\r\n--z--\r\n"
    )  # fmt: skip


def entity_expansion() -> bytes:
    return b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<IODEF-Document version="1.00" xmlns="urn:ietf:params:xml:ns:iodef-1.0"><Incident purpose="reporting">
<Description>&lol3;</Description></Incident></IODEF-Document>"""


CASES = {
    "mime-too-deep": nested(3000),
    "too-many-parts": many_parts(20000),
    "header-too-large": HEAD
    + b"X-Filler: "
    + b"a" * (2 * 1024 * 1024)
    + b"\r\n\r\nbody 203.0.113.9\r\n",
    "decompression-bomb": zip_bomb(),
    "xml-entity-expansion": entity_expansion(),
    "empty": b"",
    "no-indicators": HEAD + b"\r\nYour network attacks us. Stop it!\r\n",
}


@pytest.mark.parametrize("reason", sorted(CASES))
def test_each_hostile_case_is_quarantined_with_its_own_reason(reason: str) -> None:
    [outcome] = file_reports(CASES[reason])
    report = Report.objects.get(pk=outcome.report_id)
    assert (report.status, report.quarantine_reason) == ("quarantined", reason)


def test_the_reasons_are_distinct() -> None:
    assert len(set(CASES)) == len(CASES)


@override_settings(REPORT_DEADLINE_SECONDS=0)
def test_the_per_message_deadline_has_its_own_reason() -> None:
    [outcome] = file_reports(many_parts(300))
    assert Report.objects.get(pk=outcome.report_id).quarantine_reason == "deadline-exceeded"


@pytest.mark.parametrize(
    "raw",
    [
        # Lying and unknown charsets, invalid base64, CR/LF smuggled in an encoded word,
        # template syntax: all readable, so all filed with the address they name.
        HEAD.replace(b"Subject: report", b"Subject: =?utf-8?q?a=0D=0ABcc:_victim@example.org?=")
        + b"Content-Type: text/plain; charset=x-made-up\r\n\r\n"
        + b"SSH brute force from 203.0.113.9 at 2024-05-06 10:00 UTC {{ settings.SECRET_KEY }} {% load x %}"
        + b"\xff\xfe\r\n",
        HEAD
        + b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        b"U1NIIGJydXRlIGZvcmNlIGZyb20gMjAzLjAuMTEzLjkgYXQgMjAyNC0wNS0wNiAxMDowMCBVVEM=!!!***\r\n",
    ],
)
def test_odd_but_readable_mail_is_filed(raw: bytes) -> None:
    [outcome] = file_reports(raw)
    report = Report.objects.get(pk=outcome.report_id)
    assert report.status == "filed", report.quarantine_reason
    assert "\n" not in report.subject and "\r" not in report.subject
    assert {e["ip"] for e in outcome.events} == {"203.0.113.9"}


def test_a_gzip_bomb_bare_document_is_named_too() -> None:
    [outcome] = file_reports(gzip.compress(b"a" * (150 * 1024 * 1024)))
    assert Report.objects.get(pk=outcome.report_id).quarantine_reason == "decompression-bomb"


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.one_of(st.binary(max_size=3000), st.binary(max_size=200).map(lambda b: HEAD + b"\r\n" + b))
)
def test_any_bytes_end_filed_or_quarantined(raw: bytes) -> None:
    raw += os.urandom(8)  # distinct bytes per example: every one is a new report
    outcomes = file_reports(raw)
    assert len(outcomes) == 1
    report = Report.objects.get(pk=outcomes[0].report_id)
    assert report.status in ("filed", "quarantined")
    assert report.status == "filed" or report.quarantine_reason
