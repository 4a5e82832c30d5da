"""Shadowserver CSV reports: families, column tolerance, hostile rows, bounds."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from complaints.parsers import shadowserver
from complaints.parsers.base import Deadline, LimitExceeded, Limits
from complaints.parsers.mime import load

from ._fixtures import fill_template, fixture_bytes, fixture_doc, zipped

BRUTE = "shadowserver/2024-05-03-event4_honeypot_brute_force-example-as64496.csv"


def test_scan_family_from_file_name_with_unknown_column_and_ragged_rows() -> None:
    result = shadowserver.PARSER.parse(
        fixture_doc("shadowserver/2024-05-01-scan_memcached-example-asn.csv")
    )
    by_ip = {e.ip: e for e in result.events}
    # The masked 192.0.2.xxx row identifies nobody; the short row still has its address.
    assert set(by_ip) == {"192.0.2.11", "2001:db8::11", "192.0.2.12", "192.0.2.13"}
    assert {e.type for e in result.events} == {"ddos-amplifier"}
    first = by_ip["192.0.2.11"]
    assert first.port == 11211 and first.protocol == "udp" and first.identifier == "memcached"
    assert first.observed_at == datetime(2024, 5, 1, 1, 2, 3, tzinfo=UTC)
    assert "brand_new_column=x" in first.evidence
    assert by_ip["192.0.2.13"].port is None  # 99999 is not a port
    assert result.data["files"][0]["family"] == "scan_memcached"
    assert result.data["files"][0]["skipped_rows"] == 1


def test_family_from_header_and_nul_bytes() -> None:
    result = shadowserver.PARSER.parse(fixture_doc("shadowserver/report.csv"))
    assert result.data["files"][0]["family"] == "event4_sinkhole_http"
    assert [e.ip for e in result.events] == ["198.51.100.77", "198.51.100.78"]
    assert all(e.type == "infected-system" for e in result.events)
    assert result.events[1].identifier == "andromeda"
    # dst_ip is the sinkhole, never the offender.
    assert "203.0.113.200" not in {e.ip for e in result.events}


def test_zipped_attachment_in_mail() -> None:
    raw = fill_template(
        "shadowserver/honeypot_brute_force_mail.eml.tmpl",
        "{ZIP_BASE64}",
        zipped(BRUTE.split("/")[1], fixture_bytes(BRUTE)),
    )
    doc = load(raw)
    assert shadowserver.PARSER.detect(doc)
    result = shadowserver.PARSER.parse(doc)
    assert [(e.ip, e.type, e.port) for e in result.events] == [
        ("203.0.113.21", "brute-force", 40001),
        ("203.0.113.22", "brute-force", 40002),
    ]
    assert result.events[0].identifier == "ssh-brute-force"
    assert "198.51.100.250" not in {e.ip for e in result.events}
    assert result.reporter_address == "autoreports@shadowserver.example.org"


def test_truncated_zip_yields_nothing_invented() -> None:
    archive = zipped(BRUTE.split("/")[1], fixture_bytes(BRUTE))
    raw = fill_template(
        "shadowserver/honeypot_brute_force_mail.eml.tmpl", "{ZIP_BASE64}", archive[:40]
    )
    assert not shadowserver.PARSER.detect(load(raw))


def test_row_bound_is_a_named_reason() -> None:
    limits = Limits(max_rows=2)
    doc = fixture_doc("shadowserver/2024-05-01-scan_memcached-example-asn.csv", limits)
    with pytest.raises(LimitExceeded) as caught:
        shadowserver.PARSER.parse(doc)
    assert caught.value.reason == "too-many-rows"


def test_deadline_is_checked_while_streaming() -> None:
    header = b'"timestamp","ip","port","tag"\n'
    rows = b"".join(b'"2024-05-01 00:00:00","192.0.2.1",80,"http"\n' for _ in range(10_000))
    doc = load(header + rows, filename="2024-05-01-scan_http.csv")
    doc.deadline = Deadline(-1)  # already expired once parsing starts
    with pytest.raises(LimitExceeded) as caught:
        shadowserver.PARSER.parse(doc)
    assert caught.value.reason == "deadline-exceeded"


@pytest.mark.parametrize(
    ("name", "family"),
    [
        ("2019-10-15-scan_ftp-sample-asn.csv", "scan_ftp"),
        ("2024-05-01-scan_ntpmonitor-example.csv", "scan_ntpmonitor"),
        ("event4_sinkhole_http.csv", "event4_sinkhole_http"),
        ("2015-01-01-sinkhole_http_drone-sample-asn.csv", "sinkhole_http_drone"),
        ("monthly-notes.csv", None),
    ],
)
def test_family_from_name(name: str, family: str | None) -> None:
    assert shadowserver.family_from_name(name) == family


def test_a_csv_that_is_not_shadowserver_is_not_detected() -> None:
    doc = load(b"name,email\nalice,alice@example.com\n", filename="people.csv")
    assert not shadowserver.PARSER.detect(doc)
