from datetime import UTC, datetime

from ._mail_fixtures import parse, values


def test_source_ip_is_the_offender():
    result = parse("arf/source_ip.eml")
    assert result.format == "arf"
    assert values(result, "ip") == {"192.0.2.77"}
    assert {e.type for e in result.events} == {"spam"}
    assert result.events[0].observed_at == datetime(2024, 5, 6, 9, 58, tzinfo=UTC)
    assert result.reporter_address == "fbl@example.org"


def test_missing_source_ip_takes_the_hop_into_the_reporters_mx():
    result = parse("arf/no_source_ip.eml")
    # Not the reporter's internal relays (10.1.2.3, 198.51.100.20), not the sender's LAN.
    assert values(result, "ip") == {"203.0.113.45"}
    assert {e.type for e in result.events} == {"phishing"}  # Feedback-Type: fraud
    assert values(result, "url") == {"http://login.shop.example.net/verify"}
    assert "shop.example.net" in values(result, "domain")
    assert result.has_logs_or_headers
    assert result.data["original_message_id"] == "<phish-7@shop.example.net>"


def test_auth_failure_is_not_a_complaint():
    result = parse("arf/auth_failure.eml")
    assert result.is_complaint is False
    assert result.kind in ("dmarc-failure", "dmarc-forensic", "dmarc-failure-report")
    assert result.events == []
