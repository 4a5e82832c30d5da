"""Threat feeds: the offending host only, never the sinkhole/C2/victim it talked to."""

from __future__ import annotations

from datetime import UTC, datetime

from complaints.parsers import feeds, registry
from complaints.parsers.mime import load

from ._fixtures import fixture_doc


def test_spamhaus_cert_feed() -> None:
    result = feeds.PARSER.parse(fixture_doc("feeds/spamhaus_cert.txt"))
    assert [(e.ip, e.type, e.identifier) for e in result.events] == [
        ("192.0.2.31", "infected-system", "conficker"),
        ("192.0.2.32", "brute-force", "sshauth"),
        ("192.0.2.33", "spam", "l_spamlink"),
    ]
    assert result.events[0].observed_at == datetime(2024, 5, 7, tzinfo=UTC)
    assert not {e.ip for e in result.events} & {"198.51.100.250", "203.0.113.250"}


def test_ctip_azure_json_lines_filetime() -> None:
    result = feeds.PARSER.parse(fixture_doc("feeds/ctip_azure.jsonl"))
    assert [(e.ip, e.type, e.identifier) for e in result.events] == [
        ("198.51.100.41", "infected-system", "B67-SS-TINBA"),
        ("2001:db8::41", "infected-system", "B77-GV"),
    ]
    assert result.events[0].observed_at == datetime(2024, 5, 7, tzinfo=UTC)
    assert result.events[1].observed_at == datetime(2024, 5, 7, 1, tzinfo=UTC)
    assert not {e.ip for e in result.events} & {"203.0.113.250", "203.0.113.251"}


def test_cymru_cap_feed() -> None:
    result = feeds.PARSER.parse(fixture_doc("feeds/cymru_infected.txt"))
    assert [(e.ip, e.type) for e in result.events] == [
        ("198.51.100.51", "infected-system"),
        ("198.51.100.52", "phishing"),
        ("198.51.100.53", "ddos-amplifier"),
    ]
    assert result.events[0].identifier == "Mirai" and result.events[0].port == 1337
    assert result.events[1].url == "http://login.example.net/verify"
    assert "203.0.113.77" not in {e.ip for e in result.events}


def test_blocklist_de_service_list_named_by_file() -> None:
    result = feeds.PARSER.parse(fixture_doc("feeds/ssh.txt"))
    assert [e.ip for e in result.events] == ["192.0.2.201", "198.51.100.202", "2001:db8::203"]
    assert {e.type for e in result.events} == {"brute-force"}


def test_drop_list_networks_are_data_not_events() -> None:
    result = feeds.PARSER.parse(fixture_doc("feeds/drop.txt"))
    assert result.events == []
    assert [n["network"] for n in result.data["networks"]] == ["192.0.2.0/24", "2001:db8:1000::/36"]


def test_a_mail_listing_addresses_is_not_a_feed() -> None:
    raw = (
        b"From: a@example.org\r\nTo: abuse@hosting.example.com\r\nSubject: bad\r\n\r\n192.0.2.1\r\n"
    )
    assert not feeds.PARSER.detect(load(raw))


def _complaint_with_feed(attachment: str, *, subject: str, body: str) -> bytes:
    return (
        "From: CERT <cert@cert.example.de>\nTo: abuse@desk.example\n"
        f"Subject: {subject}\nDate: Mon, 06 May 2024 10:00:00 +0000\nMIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="b"\n\n'
        f"--b\nContent-Type: text/plain; charset=utf-8\n\n{body}\n"
        "--b\nContent-Type: text/csv; name=hosts.csv\n"
        f"Content-Disposition: attachment; filename=hosts.csv\n\n{attachment}\n--b--\n"
    ).encode()


CYMRU_ROWS = (
    "# Format: report|ip|asn|timestamp|comment\n"
    "reflection|192.0.2.10|64500|2024-05-06 09:00:00|srcport 123\n"
    "bruteforce|192.0.2.11|64500|2024-05-06 09:01:00|ssh\n"
)


def test_rows_a_complaints_feed_leaves_undetermined_take_the_complaints_kind() -> None:
    """A CERT mails a Cymru extract whose report name the table does not know: its rows
    are typed by what the mail says, with the rule; a row the feed types keeps its type."""
    raw = _complaint_with_feed(
        CYMRU_ROWS,
        subject="DDoS attack from your network",
        body="The attached hosts took part in a DDoS attack against our customer. Please act.",
    )
    result = registry.parse(raw)
    assert result.format == "feeds"
    assert [(e.ip, e.type, e.rule) for e in result.events] == [
        ("192.0.2.10", "ddos", "subject:ddos"),
        ("192.0.2.11", "brute-force", ""),
    ]


def test_undetermined_rows_stay_so_without_a_complaint_that_says_more() -> None:
    bare = feeds.PARSER.parse(load(CYMRU_ROWS.encode(), filename="infected.txt"))
    assert [e.type for e in bare.events] == ["undetermined", "brute-force"]
    mute = feeds.PARSER.parse(
        load(_complaint_with_feed(CYMRU_ROWS, subject="Report", body="See the attachment."))
    )
    assert [(e.type, e.rule) for e in mute.events] == [("undetermined", ""), ("brute-force", "")]


def test_a_ctip_extract_attached_to_a_phishing_complaint() -> None:
    ctip = '[{"networksourceipv4": "192.0.2.20", "indicatorthreattype": "Phish"}]'
    raw = _complaint_with_feed(
        ctip,
        subject="Phishing site on your network",
        body="This address hosts a credential phishing page imitating our bank. Please remove.",
    )
    [event] = feeds.PARSER.parse(load(raw)).events
    assert (event.ip, event.type, event.rule.split(":")[0]) == ("192.0.2.20", "phishing", "subject")
