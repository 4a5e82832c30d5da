from datetime import UTC, datetime

from ._mail_fixtures import parse, values


def test_project_honey_pot_sections():
    result = parse("senders/honeypot.eml")
    assert result.format == "senders" and result.data["notifier"] == "projecthoneypot"
    by_ip = {e.ip: e for e in result.events}
    assert set(by_ip) == {"192.0.2.10", "198.51.100.11"}
    assert by_ip["192.0.2.10"].type == "scanner"
    assert by_ip["198.51.100.11"].type == "spam"
    assert by_ip["198.51.100.11"].observed_at == datetime(2024, 5, 2, 5, 0, tzinfo=UTC)


def test_safe_browsing_lists():
    result = parse("senders/safebrowsing.eml")
    assert values(result, "ip") == {"203.0.113.80", "203.0.113.81"}
    types = {e.url: e.type for e in result.events}
    assert types == {
        "http://blog.example.net/": "system-compromise",
        "http://203.0.113.81/dl/payload.exe": "malware-distribution",
    }
