"""Hostile messages against the bounds of docs/architecture.md promise 4 (complaints.parsers.mime).

Each test builds its attack in code and asserts the *named* reason (or a clean result),
never the clock."""

from __future__ import annotations

import base64
import contextlib
import gzip
import io
import random
import zipfile

import pytest

from complaints.parsers import registry
from complaints.parsers.base import LimitExceeded, Limits, ParseError
from complaints.parsers.mime import load


def _mail(body: bytes, headers: bytes = b"") -> bytes:
    return (
        b"From: reporter@example.net\r\nTo: abuse@example.com\r\nSubject: test\r\n"
        + headers
        + b"\r\n"
        + body
    )


def _reason(raw: bytes, **kwargs) -> str:
    with pytest.raises(LimitExceeded) as info:
        load(raw, **kwargs)
    return info.value.reason


def test_empty_input_is_named_parse_error():
    for raw in (b"", b"   \r\n\r\n  "):
        with pytest.raises(ParseError) as info:
            load(raw)
        assert info.value.reason == "empty"


def test_oversized_report_is_too_large():
    assert _reason(b"x" * 2048, limits=Limits(max_bytes=1024)) == "too-large"


def test_multipart_nested_thousands_deep_is_mime_too_deep():
    depth = 5000
    head = b"".join(
        b"Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n" % (i, i)
        for i in range(depth)
    )
    tail = b"".join(b"\r\n--b%d--\r\n" % i for i in reversed(range(depth)))
    raw = b"From: a@example.net\r\n" + head + b"Content-Type: text/plain\r\n\r\nhi" + tail
    assert _reason(raw) == "mime-too-deep"


def test_message_rfc822_nested_thousands_deep_is_mime_too_deep():
    raw = b"Subject: x\r\nContent-Type: message/rfc822\r\n\r\n" * 3000 + b"Subject: y\r\n\r\nhi\r\n"
    assert _reason(raw) == "mime-too-deep"


def test_moderate_nesting_within_limit_parses():
    depth = 5
    head = b"".join(
        b"Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n" % (i, i)
        for i in range(depth)
    )
    tail = b"".join(b"\r\n--b%d--\r\n" % i for i in reversed(range(depth)))
    raw = b"From: a@example.net\r\n" + head + b"Content-Type: text/plain\r\n\r\nhello" + tail
    doc = load(raw)
    assert [p.content_type for p in doc.parts] == ["text/plain"]
    assert doc.body_text().strip() == "hello"


def test_tens_of_thousands_of_parts_is_too_many_parts():
    part = b"--sep\r\nContent-Type: text/plain\r\n\r\nx\r\n"
    raw = _mail(
        part * 30000 + b"--sep--\r\n",
        b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=sep\r\n",
    )
    assert _reason(raw) == "too-many-parts"


def test_many_declared_boundaries_is_too_many_parts():
    raw = _mail(
        b"".join(b'Content-Type: multipart/mixed; boundary="q%d"\r\n' % i for i in range(2000))
    )
    assert _reason(raw) == "too-many-parts"


def test_megabyte_header_is_header_too_large():
    raw = b"Subject: " + b"A" * (1024 * 1024) + b"\r\n\r\nbody"
    assert _reason(raw) == "header-too-large"
    folded = b"X-Junk: a\r\n" + b"\tmore folded text\r\n" * 80000 + b"\r\nbody"
    assert _reason(folded) == "header-too-large"


def test_megabyte_header_inside_a_part_is_header_too_large():
    body = (
        b"--sep\r\nContent-Type: text/plain\r\nX-Big: "
        + b"B" * (600 * 1024)
        + b"\r\n\r\nx\r\n--sep--\r\n"
    )
    raw = _mail(body, b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=sep\r\n")
    assert _reason(raw) == "header-too-large"


def _attach(payload: bytes, ctype: str, name: str) -> bytes:
    encoded = base64.encodebytes(payload)
    return _mail(
        b"--sep\r\nContent-Type: text/plain\r\n\r\nsee attachment\r\n"
        b"--sep\r\nContent-Type: " + ctype.encode() + b"\r\n"
        b'Content-Disposition: attachment; filename="' + name.encode() + b'"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\n" + encoded + b"\r\n--sep--\r\n",
        b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=sep\r\n",
    )


def test_zip_bomb_attachment_is_decompression_bomb():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("report.csv", b"\0" * (20 * 1024 * 1024))
    raw = _attach(buf.getvalue(), "application/zip", "report.zip")
    limits = Limits(max_decompressed_bytes=5 * 1024 * 1024)
    assert _reason(raw, limits=limits) == "decompression-bomb"


def test_gzip_bomb_bare_document_is_decompression_bomb():
    bomb = gzip.compress(b"\0" * (20 * 1024 * 1024))
    limits = Limits(max_decompressed_bytes=1024 * 1024)
    assert _reason(bomb, limits=limits, filename="r.csv.gz") == "decompression-bomb"


def test_nested_archives_share_one_budget():
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a.csv", b"0" * (3 * 1024 * 1024))
    outer = io.BytesIO()
    with zipfile.ZipFile(outer, "w", zipfile.ZIP_DEFLATED) as zf:
        for i in range(4):
            zf.writestr(f"inner{i}.zip", inner.getvalue())
    limits = Limits(max_decompressed_bytes=8 * 1024 * 1024)
    assert _reason(outer.getvalue(), limits=limits) == "decompression-bomb"


def test_zip_member_expanded_as_part():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("report.csv", b"ip,timestamp\n192.0.2.1,2024-01-01T00:00:00Z\n")
    doc = load(_attach(buf.getvalue(), "application/zip", "report.zip"))
    member = doc.find("text/csv")[0]
    assert member.path == "2/report.csv"
    assert member.payload.startswith(b"ip,timestamp")


def test_corrupt_zip_is_kept_unexpanded():
    doc = load(_attach(b"PK\x03\x04garbage" * 10, "application/zip", "r.zip"))
    assert [p.path for p in doc.parts] == ["1", "2"]


def test_deadline_is_named():
    assert _reason(_mail(b"hello"), limits=Limits(seconds=-1)) == "deadline-exceeded"


def test_unknown_and_lying_charsets_never_raise():
    raw = _mail(
        b"--sep\r\nContent-Type: text/plain; charset=x-no-such-charset\r\n\r\n\xff\xfe abc\r\n"
        b"--sep\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n\xe9t\xe9 \xff\r\n"
        b"--sep\r\nContent-Type: text/plain; charset=utf-16\r\n\r\n\x00\xd8 odd\r\n--sep--\r\n",
        b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=sep\r\n"
        b"X-Title: =?x-unknown?B?SGVsbG8=?= =?utf-8?Q?caf=C3=A9?=\r\n",
    )
    doc = load(raw)
    assert "abc" in doc.body_text()
    assert "caf" in doc.header("X-Title")
    assert registry.parse(raw).format == "freetext"


def test_invalid_base64_never_raises():
    raw = _mail(
        b"--sep\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        b"!!!not base64 at all===\r\nAAA\r\n--sep--\r\n",
        b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=sep\r\n",
    )
    doc = load(raw)
    assert len(doc.parts) == 1
    registry.parse(raw)


def test_crlf_smuggled_in_encoded_word_is_folded_away():
    smuggled = base64.b64encode(b"hello\r\nBcc: victim@example.org\r\n").decode()
    raw = _mail(b"body", f"X-Note: =?utf-8?B?{smuggled}?=\r\n".encode())
    raw = raw.replace(b"Subject: test", f"Subject: =?utf-8?B?{smuggled}?=".encode())
    doc = load(raw)
    for value in (doc.subject, doc.header("X-Note")):
        assert "\r" not in value and "\n" not in value
        assert value.startswith("hello")


def test_template_syntax_in_body_is_plain_text():
    body = b"{{ 7*7 }} {% load evil %} ${7*7} <script>alert(1)</script> 203.0.113.9 phishing"
    raw = _mail(body)
    assert load(raw).body_text() == body.decode()
    result = registry.parse(raw)
    assert result.format == "freetext"
    assert [e.ip for e in result.events] == ["203.0.113.9"]


def test_random_bytes_never_raise_unexpected():
    rng = random.Random(1234)
    for size in (1, 7, 100, 4096):
        for _ in range(20):
            raw = bytes(rng.randrange(256) for _ in range(size))
            with contextlib.suppress(ParseError):
                registry.parse(raw)


def test_forwarded_message_is_a_part_with_original_bytes():
    original = b"Received: from mx.example.net ([192.0.2.7])\r\nSubject: buy now\r\n\r\nspam\r\n"
    raw = _mail(
        b"--sep\r\nContent-Type: text/plain\r\n\r\nforwarding\r\n"
        b"--sep\r\nContent-Type: message/rfc822\r\n\r\n" + original + b"--sep--\r\n",
        b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=sep\r\n",
    )
    doc = load(raw)
    (attached,) = doc.find("message/rfc822")
    assert b"Received: from mx.example.net ([192.0.2.7])" in attached.payload
    assert b"Subject: buy now" in attached.payload
    assert doc.body_text().strip() == "forwarding"
    assert [p.path for p in doc.parts] == ["1", "2", "2.1"]


def test_base64_encoded_forward_is_walked():
    original = b"Subject: inner\r\nContent-Type: text/plain\r\n\r\ninner text\r\n"
    raw = _mail(
        b"--sep\r\nContent-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + base64.encodebytes(original)
        + b"--sep--\r\n",
        b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=sep\r\n",
    )
    doc = load(raw)
    assert any(p.payload.strip() == b"inner text" for p in doc.parts)


def test_bare_documents_are_one_part():
    doc = load(b'{"a": 1}', filename="x.json")
    assert doc.message is None and doc.parts[0].content_type == "application/json"
    assert load(b"<?xml version='1.0'?><a/>").parts[0].content_type == "application/xml"
    assert load(b"timestamp,ip,port\n1,2,3\n").parts[0].content_type == "text/csv"
    assert doc.header("From") == "" and doc.from_address is None
