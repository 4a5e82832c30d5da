from datetime import UTC, datetime

from complaints.parsers import indicators

from ._mail_fixtures import parse, values


def test_prose_indicators_are_precise():
    result = parse("freetext/prose_phish.eml")
    assert result.format == "freetext"
    assert values(result, "ip") == {"203.0.113.99", "2001:db8::42"}
    assert values(result, "url") == {"http://secure-login.example.net/bank/"}
    assert values(result, "domain") == {"secure-login.example.net"}
    assert {e.type for e in result.events} == {"phishing"}
    assert result.has_logs_or_headers
    when = {e.ip: e.observed_at for e in result.events if e.ip}
    assert when["203.0.113.99"] == datetime(2024, 5, 11, 8, 12, tzinfo=UTC)


def test_masked_private_and_version_addresses_are_never_indicators():
    text = (
        "from 91.78.17.xxx and XXX.XXX.XXX.XXX, LAN 192.168.1.4, loopback 127.0.0.1, "
        "link-local fe80::1, multicast 224.0.0.5, version 1.2.3.4, OID 1.3.6.1.4.1.9, "
        "broken 92.222.64.5.4, but 198.51.100.7 and 8.8.8.8"
    )
    found = {i.value for i in indicators.extract(text)}
    assert found == {"198.51.100.7", "8.8.8.8"}


def test_type_guess():
    assert indicators.guess_type("repeated SSH login attempts from your host") == "brute-force"
    assert indicators.guess_type("port scan detected") == "scanner"
    assert indicators.guess_type("DMCA notice: copyright infringement") == "copyright"
    assert indicators.guess_type("your open resolver was used") == "ddos-amplifier"
    assert indicators.guess_type("nothing to see") is None


def test_syslog_lines_are_dated_by_the_mail_they_arrive_in():
    from complaints.parsers.registry import parse

    raw = (
        b"From: Admin <admin@victim.example.org>\r\nTo: abuse@desk.example\r\n"
        b"Subject: SSH brute force from your network\r\nDate: Tue, 06 Jan 2026 09:00:00 +0000\r\n\r\n"
        b"Dec 31 23:59:58 web1 sshd[391]: Failed password for root from 203.0.113.9 port 4391 ssh2\r\n"
        b"Dec 31 23:59:59 web1 sshd[391]: Failed password for root from 203.0.113.9 port 4392 ssh2\r\n"
    )
    result = parse(raw)
    [event] = result.events
    assert (event.ip, event.type) == ("203.0.113.9", "brute-force")
    # The year before the mail's: a December line in a January mail.
    assert event.observed_at.isoformat() == "2025-12-31T23:59:58+00:00"
