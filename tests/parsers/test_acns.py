from datetime import UTC, datetime

import pytest

from complaints.parsers.base import ParseError

from ._mail_fixtures import parse


def test_attached_notice():
    result = parse("acns/attached.eml")
    assert result.format == "acns"
    (event,) = result.events
    assert (event.type, event.ip, event.port) == ("copyright", "198.51.100.77", 51413)
    assert event.observed_at == datetime(2024, 5, 8, 21, 15, 3, tzinfo=UTC)
    assert event.protocol == "bittorrent"
    assert result.data["file_hash"] == "0123456789abcdef0123456789abcdef01234567"
    assert result.reporter_name == "Example Studios"


def test_entity_expansion_is_a_named_error():
    with pytest.raises(ParseError) as info:
        parse("acns/entity_bomb.eml")
    assert info.value.reason == "xml-entity-expansion"
