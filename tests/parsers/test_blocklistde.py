"""blocklist.de / fail2ban plain reports: the named attacker only, logs as evidence."""

from __future__ import annotations

from datetime import UTC, datetime

from complaints.parsers import blocklistde
from complaints.parsers.mime import load

from ._fixtures import fixture_doc


def test_blocklist_plain_report_without_xarf_part() -> None:
    doc = fixture_doc("blocklistde/plain_ssh.eml")
    assert blocklistde.PARSER.detect(doc)
    result = blocklistde.PARSER.parse(doc)
    [event] = result.events
    assert (event.ip, event.type, event.identifier) == ("198.51.100.31", "brute-force", "ssh")
    assert event.observed_at == datetime(2024, 5, 14, 7, 12, 44, tzinfo=UTC)
    assert "Failed password for root from 198.51.100.31" in event.evidence
    # The log also names a legitimate login from another host: not evidence for this one.
    assert "192.0.2.5" not in event.evidence
    assert result.has_logs_or_headers


def test_fail2ban_ban_mail() -> None:
    result = blocklistde.PARSER.parse(fixture_doc("blocklistde/fail2ban_sshd.eml"))
    [event] = result.events
    assert (event.ip, event.type, event.identifier) == ("203.0.113.57", "brute-force", "sshd")
    assert event.evidence.count("203.0.113.57") == 3  # the three log lines, not the prose
    assert result.data["attempts"] == 6
    reported = {e.ip for e in result.events}
    assert not reported & {"192.0.2.140", "198.51.100.1"}  # reporter's host, whois text


def test_apache_jail_is_an_exploit() -> None:
    assert blocklistde.service_type("apache-noscript") == "exploit"
    assert blocklistde.service_type("postfix-sasl") == "brute-force"
    assert blocklistde.service_type("regbot") == "spam"


def test_ordinary_mail_mentioning_an_ip_is_not_claimed() -> None:
    raw = (
        b"From: someone@example.org\r\nTo: abuse@hosting.example.com\r\nSubject: hi\r\n\r\n"
        b"Your server 192.0.2.9 attacked us, please stop.\r\n"
    )
    assert not blocklistde.PARSER.detect(load(raw))


def test_bare_file_is_never_claimed() -> None:
    doc = load(
        b"The IP 192.0.2.9 has just been banned by Fail2Ban after 3 attempts against sshd.\n"
    )
    assert not blocklistde.PARSER.detect(doc)
