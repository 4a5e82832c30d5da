"""X-ARF 0.2 YAML, JSON v3/v4 and AbuseHUB: offenders only, hostile YAML handled."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from complaints.parsers import blocklistde, xarf
from complaints.parsers.base import ParseError

from ._fixtures import fixture_bytes, fixture_doc


def test_blocklist_xarf_login_attack_with_logs() -> None:
    doc = fixture_doc("xarf/blocklistde_login_attack.eml")
    assert xarf.PARSER.detect(doc)
    result = xarf.PARSER.parse(doc)
    [event] = result.events
    assert (event.ip, event.type, event.port) == ("198.51.100.23", "brute-force", 22)
    assert event.observed_at == datetime(2024, 5, 14, 7, 12, 44, tzinfo=UTC)
    assert "Failed password for root from 198.51.100.23" in event.evidence
    assert result.has_logs_or_headers
    assert result.reporter_address == "abuse-team@blocklist.example"


def test_the_fail2ban_parser_leaves_xarf_mails_to_xarf() -> None:
    assert not blocklistde.PARSER.detect(fixture_doc("xarf/blocklistde_login_attack.eml"))


def test_malformed_yaml_falls_back_to_key_value_lines() -> None:
    result = xarf.PARSER.parse(fixture_doc("xarf/malformed_yaml.eml"))
    [event] = result.events
    assert (event.ip, event.type) == ("203.0.113.77", "scanner")


def test_malformed_yaml_without_source_is_a_named_error() -> None:
    doc = fixture_doc("xarf/malformed_yaml_no_source.eml")
    assert xarf.PARSER.detect(doc)
    with pytest.raises(ParseError) as caught:
        xarf.PARSER.parse(doc)
    assert caught.value.reason == "invalid-yaml"


def test_yaml_alias_bomb_is_not_expanded() -> None:
    result = xarf.PARSER.parse(fixture_doc("xarf/yaml_alias_bomb.eml"))
    [event] = result.events
    assert (event.ip, event.type) == ("192.0.2.66", "brute-force")
    assert len(json.dumps(result.data)) < 2000


def test_v4_bare_json_ipv6_source_normalised_destination_never_reported() -> None:
    result = xarf.PARSER.parse(fixture_doc("xarf/v4_login_attack_ipv6.json"))
    [event] = result.events
    assert event.ip == "2001:db8::25"
    assert event.type == "brute-force"
    assert event.port == 40222
    assert "Failed password" in event.evidence  # base64 text evidence decoded


def test_v4_json_attachment_in_mail() -> None:
    result = xarf.PARSER.parse(fixture_doc("xarf/v4_attachment.eml"))
    assert [(e.ip, e.type) for e in result.events] == [("203.0.113.9", "spam")]
    assert result.reporter_name == "Example Anti-Spam"


def test_parse_xarf_json_for_the_api() -> None:
    data = json.loads(fixture_bytes("xarf/v4_login_attack_ipv6.json"))
    assert xarf.parse_xarf_json(data).events[0].ip == "2001:db8::25"
    with pytest.raises(ParseError) as caught:
        xarf.parse_xarf_json({"hello": "world"})
    assert caught.value.reason == "invalid-xarf"


def test_v3_open_service_classified_by_service() -> None:
    data = {
        "Version": "3",
        "ReporterInfo": {"ReporterOrg": "Scanner", "ReporterOrgEmail": "scan@example.org"},
        "Report": {
            "ReportClass": "Vulnerability",
            "ReportType": "OpenService",
            "ServiceName": "memcached",
            "Date": "2024-05-01T00:00:00Z",
            "SourceIp": "192.0.2.7",
        },
    }
    [event] = xarf.parse_xarf_json(data).events
    assert event.type == "ddos-amplifier"


@pytest.mark.parametrize(
    ("report_type", "category", "expected"),
    [
        ("login-attack", "abuse", "brute-force"),
        ("LoginAttack", None, "brute-force"),
        ("spam", None, "spam"),
        ("phishing", "fraud", "phishing"),
        ("bot-infection", None, "infected-system"),
        ("botnet", None, "infected-system"),
        ("ddos", "connection", "ddos"),
        ("p2p", "copyright", "copyright"),
        ("malware-attack", "abuse", "malware-distribution"),
        ("something-new", "abuse", "undetermined"),
    ],
)
def test_classify(report_type: str, category: str | None, expected: str) -> None:
    assert xarf.classify(report_type, category) == expected


def test_masked_source_gives_no_event() -> None:
    data = {
        "xarf_version": "4.0.0",
        "category": "connection",
        "type": "ddos",
        "source_identifier": "91.78.17.xxx",
    }
    with pytest.raises(ParseError) as caught:
        xarf.parse_xarf_json(data)
    assert caught.value.reason == "xarf-no-source"
