"""IODEF v1/v2: sources are offenders, targets never; entities refused."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from complaints.parsers import iodef
from complaints.parsers.base import ParseError

from ._fixtures import fixture_doc


@pytest.mark.parametrize("name", ["iodef/billion_laughs.xml", "iodef/external_entity.xml"])
def test_entities_and_dtds_are_refused(name: str) -> None:
    doc = fixture_doc(name)
    assert iodef.PARSER.detect(doc)
    with pytest.raises(ParseError) as caught:
        iodef.PARSER.parse(doc)
    assert caught.value.reason == "xml-entity-expansion"


def test_v2_source_domain_and_address_target_never_reported() -> None:
    result = iodef.PARSER.parse(fixture_doc("iodef/iodef2_phishing.xml"))
    [event] = result.events
    assert event.ip == "203.0.113.45"
    assert event.type == "phishing"  # "phishing" in the description beats breach-credential
    assert event.observed_at == datetime(2024, 5, 5, 7, 41, 10, tzinfo=UTC)
    assert (event.port, event.protocol) == (443, "tcp")
    assert result.reporter_address == "csirt@csirt.example.org"
    assert "198.51.100.10" not in {e.ip for e in result.events}


def test_inline_iodef_in_mail_body() -> None:
    doc = fixture_doc("iodef/inline_body.eml")
    assert iodef.PARSER.detect(doc)
    result = iodef.PARSER.parse(doc)
    assert [(e.ip, e.type) for e in result.events] == [("198.51.100.61", "scanner")]
    assert result.events[0].observed_at == datetime(2024, 5, 6, 7, 30, tzinfo=UTC)
    assert result.data["source_networks"] == ["198.51.100.64/28"]
    assert "203.0.113.5" not in {e.ip for e in result.events}


def test_failed_admin_attempt_is_an_exploit_not_a_compromise() -> None:
    xml = b"""<IODEF-Document version="1.00" xmlns="urn:ietf:params:xml:ns:iodef-1.0">
      <Incident purpose="reporting"><IncidentID name="x.example">1</IncidentID>
      <ReportTime>2024-05-01T00:00:00Z</ReportTime>
      <Assessment><Impact type="admin" completion="failed"/></Assessment>
      <EventData><Flow><System category="source"><Node>
        <Address category="ipv4-addr">192.0.2.8</Address></Node></System></Flow></EventData>
      </Incident></IODEF-Document>"""
    from complaints.parsers.mime import load

    [event] = iodef.PARSER.parse(load(xml, filename="r.xml")).events
    assert event.type == "exploit"


def test_malformed_xml_is_a_named_error() -> None:
    from complaints.parsers.mime import load

    doc = load(
        b'<IODEF-Document xmlns="urn:ietf:params:xml:ns:iodef-1.0"><Incident>', filename="x.xml"
    )
    with pytest.raises(ParseError) as caught:
        iodef.PARSER.parse(doc)
    assert caught.value.reason == "invalid-xml"
