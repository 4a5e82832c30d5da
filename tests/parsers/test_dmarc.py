"""DMARC aggregate and failure reports: never complaints, bounded summaries."""

from __future__ import annotations

import pytest

from complaints.parsers import dmarc
from complaints.parsers.base import ParseError
from complaints.parsers.mime import load

from ._fixtures import fixture_bytes, fixture_doc, gzipped, zipped


def _check_aggregate(result) -> None:  # type: ignore[no-untyped-def]
    assert result.is_complaint is False and result.kind == "dmarc-aggregate"
    assert result.events == []
    data = result.data
    assert data["org"] == "mail.example.org" and data["report_id"] == "agg-2024-05-07-1"
    assert data["begin"] == "2024-05-07T00:00:00+00:00"
    assert data["policy"]["domain"] == "hosting.example.com" and data["policy"]["p"] == "quarantine"
    assert data["records_total"] == 2 and data["messages_total"] == 15
    assert data["records"][1] == {
        "source_ip": "198.51.100.66",
        "count": 3,
        "disposition": "quarantine",
        "dkim": "fail",
        "spf": "fail",
        "header_from": "hosting.example.com",
        "envelope_from": None,
        "dkim_results": [],
        "spf_results": [{"domain": "spoofer.example.net", "result": "fail"}],
    }


def test_bare_xml() -> None:
    _check_aggregate(dmarc.PARSER.parse(fixture_doc("dmarc/aggregate_example.xml")))


@pytest.mark.parametrize("pack", ["zip", "gzip"])
def test_compressed_bare_file(pack: str) -> None:
    xml = fixture_bytes("dmarc/aggregate_example.xml")
    raw = zipped("report.xml", xml) if pack == "zip" else gzipped(xml)
    doc = load(raw, filename=f"mail.example.org!hosting.example.com.xml.{pack[:2]}")
    assert dmarc.PARSER.detect(doc)
    _check_aggregate(dmarc.PARSER.parse(doc))


def test_invalid_utf8_is_tolerated() -> None:
    xml = fixture_bytes("dmarc/aggregate_example.xml").replace(
        b"mail.example.org</org_name>", b"mail.example.org\xff\xfe</org_name>"
    )
    result = dmarc.PARSER.parse(load(xml, filename="bad.xml"))
    assert result.data["org"].startswith("mail.example.org")
    assert result.data["records_total"] == 2


def test_entity_expansion_refused() -> None:
    with pytest.raises(ParseError) as caught:
        dmarc.PARSER.parse(fixture_doc("dmarc/entity_expansion.xml"))
    assert caught.value.reason == "xml-entity-expansion"


def test_record_budget_bounds_the_summary() -> None:
    record = (
        b"<record><row><source_ip>192.0.2.1</source_ip><count>1</count></row>"
        b"<identifiers><header_from>hosting.example.com</header_from></identifiers></record>"
    )
    xml = b"<feedback><report_metadata><org_name>x</org_name></report_metadata>"
    xml += record * 50 + b"</feedback>"
    root = dmarc.parse_xml(xml)
    summary = dmarc.summarize_aggregate(root, budget=10)
    assert len(summary["records"]) == 10
    assert summary["records_total"] == 50 and summary["records_truncated"]


def test_failure_report_is_not_a_complaint() -> None:
    result = dmarc.PARSER.parse(fixture_doc("dmarc/failure_arf.eml"))
    assert result.is_complaint is False and result.kind == "dmarc-failure"
    assert result.events == []
    assert result.data["feedback"]["source-ip"] == "198.51.100.66"
    assert result.data["feedback"]["reported-domain"] == "hosting.example.com"
    assert result.data["original"]["Subject"] == "Urgent wire transfer"
