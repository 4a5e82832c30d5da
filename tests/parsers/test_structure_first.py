"""Free-text complaints are read structure first: table columns by
what their headers mean, pasted mail headers by their hops (issue 13, items 1 and 2)."""

from ._mail_fixtures import parse, values


def test_a_table_reports_its_source_column_and_never_its_destination_column():
    result = parse("freetext/cert_table_with_destinations.eml")
    assert result.is_complaint
    assert values(result, "ip") == {"198.51.100.71", "198.51.100.72"}
    assert "198.18.20.1" not in values(result, "ip")  # the sinkhole, a Destination column
    assert {e.type for e in result.events} == {"infected-system"}


def test_pasted_headers_report_the_hop_into_the_reporter_not_its_relays():
    result = parse("freetext/forwarded_headers_pasted.eml")
    assert values(result, "ip") == {"203.0.113.140"}
    assert {e.type for e in result.events} == {"spam"}


def test_an_address_the_prose_names_as_the_reporters_own_is_not_reported():
    from complaints.parsers.registry import parse as parse_raw

    raw = (
        b"From: Sensor Lab <lab@research.example.eu>\r\nTo: abuse@desk.example\r\n"
        b"Subject: Telnet brute force\r\nDate: Tue, 03 Sep 2024 10:00:00 +0000\r\n\r\n"
        b"Our honeypot 198.51.100.9 received 900 login attempts from 203.0.113.66.\r\n"
        b"2024-09-03 09:00:01 203.0.113.66:41000 -> 198.51.100.9:23 root/admin\r\n"
        b"Please stop the attacker.\r\n"
    )
    result = parse_raw(raw)
    assert values(result, "ip") == {"203.0.113.66"}
    assert {e.type for e in result.events} == {"brute-force"}


def test_pasted_headers_are_evidence_and_date_the_abuse_by_the_hop_into_the_reporter():
    """A spam complaint quoting the spam's headers is complete: the Received lines leave
    the prose, but they are evidence, and the hop's own stamp is when the abuse arrived."""
    from datetime import UTC, datetime

    from complaints.parsers.registry import parse as parse_raw

    raw = (
        b"From: Abuse <abuse-team@mailbox-provider.example>\r\nTo: abuse@desk.example\r\n"
        b"Subject: Spam from 192.0.2.67\r\nDate: Mon, 13 May 2024 07:30:00 +0000\r\n\r\n"
        b"Unsolicited bulk mail sent from 192.0.2.67; its headers follow.\r\n\r\n"
        b"Received: from mail.shop.example.net (mail.shop.example.net [192.0.2.67])\r\n"
        b"\tby mx2.mailbox-provider.example with ESMTP id 88123; Mon, 13 May 2024 06:58:41 +0000\r\n"
        b"From: offers@shop.example.net\r\nSubject: You won a prize\r\n\r\nClaim it now!\r\n"
    )
    result = parse_raw(raw)
    [event] = result.events
    assert (event.ip, event.observed_at) == (
        "192.0.2.67",
        datetime(2024, 5, 13, 6, 58, 41, tzinfo=UTC),
    )
    assert result.has_logs_or_headers


def test_a_percent_encoded_address_in_a_logged_url_is_no_domain():
    from complaints.parsers.registry import parse as parse_raw

    raw = (
        b"From: SOC <soc@reporter.example.org>\r\nTo: abuse@desk.example\r\n"
        b"Subject: Phishing on 192.0.2.66\r\nDate: Sat, 11 May 2024 09:00:00 +0000\r\n\r\n"
        b"A phishing page at hxxp://192.0.2.66/bank/login.php took our users' passwords.\r\n"
        b"2024-05-11 08:12:00 GET /bank/login.php?u=victim.person%40mailbox.example 200\r\n"
        b"2024-05-11 08:12:03 POST /bank/login.php 302\r\n"
    )
    result = parse_raw(raw)
    assert values(result, "domain") == set()
    assert "mailbox.example" not in str([e.url for e in result.events])


def test_an_ipv6_outside_global_unicast_is_no_indicator():
    """Binary noise spells "e::" often; only 2000::/3 is handed out (RFC 4291 2.4)."""
    from complaints.parsers.indicators import extract

    found = extract("noise e:: 1::2 then 2a00:1450::1 and 2001:db8::7")
    assert [i.value for i in found] == ["2a00:1450::1", "2001:db8::7"]


def _reported(subject: str, body: str, *, html: str = "") -> set[str]:
    from complaints.parsers.registry import parse as parse_raw

    head = (
        "From: Reporter <soc@reporter.example.eu>\r\nTo: abuse@desk.example\r\n"
        f"Subject: {subject}\r\nDate: Mon, 02 Sep 2024 10:00:00 +0000\r\nMIME-Version: 1.0\r\n"
    )
    if html:
        raw = (
            f'{head}Content-Type: multipart/alternative; boundary="b"\r\n\r\n'
            f"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
            f"--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n{html}\r\n--b--\r\n"
        )
    else:
        raw = f"{head}Content-Type: text/plain; charset=utf-8\r\n\r\n{body}"
    return {v for e in parse_raw(raw.encode()).events for v in (e.url, e.ip, e.domain) if v}


def test_a_name_resolving_to_an_address_does_not_make_it_the_reporters():
    """ "c2.example.com -> 192.0.2.15" says what the name resolves to, not where traffic
    went; and a cue two lines up, across a blank line, says nothing about the address."""
    found = _reported(
        "C2 server in your network",
        "It controls implants on our client's\r\nsystems:\r\n\r\n  C2 address:   192.0.2.15\r\n"
        "  C2 domain:    c2-sync.example.com -> 192.0.2.15\r\nPlease take it down.\r\n",
    )
    assert {"192.0.2.15", "c2-sync.example.com"} <= found


def test_tcpdump_lines_report_their_source_and_not_the_sensor():
    found = _reported(
        "Telnet scanning",
        "Our darknet sensor sees 192.0.2.97 scanning TCP/23:\r\n"
        "12:01:44.123456 IP 192.0.2.97.51234 > 198.51.100.250.23: Flags [S], length 0\r\n"
        "12:01:44.129871 IP 192.0.2.97.51234 > 198.51.100.251.23: Flags [S], length 0\r\n",
    )
    assert found == {"192.0.2.97"}


def test_the_reporters_own_address_in_other_words_and_languages_is_not_reported():
    assert _reported(
        "someone keeps DDoSing me",
        "[DoS attack: UDP Flood] from source: 198.51.100.77, port 3074\r\n"
        "booters knock people offline. my\r\nip is 192.0.2.33. please shut it down\r\n",
    ) == {"198.51.100.77"}
    assert _reported(
        "DDoS-атака на 192.0.2.90",
        "Наш игровой сервер 192.0.2.90:27015 подвергается DDoS-атаке с адреса 203.0.113.160.\r\n"  # noqa: RUF001
        "Просим принять меры.\r\n",
    ) == {"203.0.113.160"}


def test_a_dnsbl_query_name_is_no_address():
    found = _reported(
        "Listed: 198.51.100.12",
        "198.51.100.12 was listed for spam trap hits.\r\n"
        "Query: dig +short 12.100.51.198.bl.rbl.example.de\r\n",
    )
    assert "12.100.51.198" not in found and "198.51.100.12" in found


def test_the_html_alternative_is_read_when_the_plain_one_lacks_it():
    """A stub text part ("requires an HTML-capable client"), or a link whose target is
    only in the href: the HTML is the body."""
    stub = _reported(
        "Phishing on your network",
        "This message requires an HTML-capable mail client.",
        html="<p>Please take down <a href='https://wallet-x.example.net/seed.html'>this page"
        "</a> at 203.0.113.150, which phishes recovery phrases from wallet users. " * 3 + "</p>",
    )
    assert {"https://wallet-x.example.net/seed.html", "203.0.113.150"} <= stub
    href = _reported(
        "Fwd: Your parcel could not be delivered",
        "Is this real? I almost clicked it.\r\n\r\nA customs fee of 2.99 is outstanding. "
        "Reschedule delivery\r\n" + "The parcel will be returned to the sender. " * 5,
        html="<p>Is this real? I almost clicked it.</p><p>A customs fee of 2.99 is outstanding."
        " <a href='https://parcel-fee.example.net/gb/reschedule?trk=RM1'>Reschedule delivery</a>"
        "</p>",
    )
    assert "https://parcel-fee.example.net/gb/reschedule?trk=RM1" in href
