"""The desk's own simple report schema ("api" parser): chosen by content, defensive."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from complaints.parsers import registry
from complaints.parsers.api import SCHEMA_ID, canonical_bytes
from complaints.parsers.base import ParseError


def _doc(**overrides: object) -> dict:
    doc: dict = {
        "reporter": {"email": "Abuse@Honeypot.example.org", "name": "Honeypot", "organisation": ""},
        "type": "brute-force",
        "resources": [
            {"ip": "192.0.2.17", "observed_at": "2024-05-01T10:00:00Z", "port": 22},
            {"domain": "Shop.Example.NET"},
            {"url": "http://login.shop.example.net/verify"},
        ],
        "description": "SSH guessing from your network\nsecond line",
        "evidence": "May  1 10:00:00 sshd[1]: Failed password for root from 192.0.2.17",
    }
    doc.update(overrides)
    return doc


def test_canonical_bytes_are_stable_and_marked() -> None:
    one = canonical_bytes(_doc())
    two = canonical_bytes(dict(reversed(list(_doc().items()))))
    assert one == two
    assert json.loads(one)["schema"] == SCHEMA_ID
    assert b" " not in one.split(b'"description"')[0]  # no insignificant whitespace


def test_simple_schema_is_parsed_into_one_event_per_resource() -> None:
    result = registry.parse(canonical_bytes(_doc()))
    assert result.format == "api"
    assert [(e.ip, e.domain, e.url) for e in result.events] == [
        ("192.0.2.17", None, None),
        (None, "shop.example.net", None),
        (None, None, "http://login.shop.example.net/verify"),
    ]
    first = result.events[0]
    assert first.type == "brute-force"
    assert first.observed_at == datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
    assert first.port == 22
    assert result.events[1].observed_at is None
    assert result.reporter_address == "abuse@honeypot.example.org"
    assert result.reporter_name == "Honeypot"
    assert result.subject == "SSH guessing from your network"
    assert result.evidence.startswith("May  1 10:00:00 sshd")
    assert result.has_logs_or_headers


def test_description_alone_is_not_evidence() -> None:
    result = registry.parse(canonical_bytes(_doc(evidence="")))
    assert result.evidence == ""
    assert not result.has_logs_or_headers
    assert "SSH guessing" in result.summary


def test_unknown_type_and_bad_resources_are_tolerated_when_ingested_from_a_file() -> None:
    raw = json.dumps(
        {
            "type": "made-up",
            "resources": [{"ip": "999.1.1.1"}, "nonsense", {"ip": "198.51.100.4", "port": 70000}],
        }
    ).encode()
    result = registry.parse(raw)
    assert result.format == "api"
    assert [(e.type, e.ip, e.port) for e in result.events] == [
        ("undetermined", "198.51.100.4", None)
    ]


@pytest.mark.parametrize(
    "raw",
    [
        # Another JSON document that happens to have "resources": not ours (extra keys).
        json.dumps({"type": "spam", "resources": [], "kind": "inventory"}).encode(),
        # Resources not a list.
        json.dumps({"type": "spam", "resources": {"ip": "192.0.2.1"}}).encode(),
    ],
)
def test_other_json_documents_are_not_taken_for_the_schema(raw: bytes) -> None:
    try:
        result = registry.parse(raw)
    except ParseError:
        return
    assert result.format != "api"


def test_the_schema_inside_a_mail_is_not_taken_for_an_api_submission() -> None:
    body = canonical_bytes(_doc())
    mail = (
        b"From: someone@example.org\r\nSubject: fwd\r\nContent-Type: application/json\r\n\r\n"
        + body
    )
    assert registry.parse(mail).format != "api"
