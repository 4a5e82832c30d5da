"""An access log pasted into a complaint (issue 13, class 2): the client address and the
request are the abuse; the referer and user agent the client sent are not. A brute forcer
names the victim's own login page as its referer, and a crawler its vendor's page in its
user agent: reported, they would send the complaint to the victim's host or the vendor's."""

from complaints.parsers.indicators import extract
from complaints.parsers.registry import parse

from ._mail_fixtures import values

LOG = (
    '198.51.100.31 - - [14/Aug/2024:03:12:44 +0200] "POST /wp-login.php HTTP/1.1" 200 4521 '
    '"https://www.victim-bakery.example.de/wp-login.php" "Mozilla/5.0 (Windows NT 10.0; '
    'Win64; x64; rv:109.0) Gecko/20100101 Firefox/115.0"\r\n'
    '198.51.100.31 - - [14/Aug/2024:03:13:02 +0200] "POST /xmlrpc.php HTTP/1.1" 200 61204 '
    '"-" "Mozilla/5.0 (compatible; Botname/2.1; +http://www.crawler-vendor.example.com/bot.html)"\r\n'
)


def test_a_brute_force_complaint_with_an_access_log_reports_the_client_only():
    raw = (
        "From: Hosting Support <abuse@pressbay.example.com>\r\nTo: abuse@desk.example\r\n"
        "Subject: WordPress brute force from your network\r\n"
        "Date: Wed, 14 Aug 2024 04:00:00 +0200\r\n\r\n"
        "Hello, an address of yours attacks a customer's WordPress site (wp-login.php and\r\n"
        "xmlrpc.php). Sample from our access logs:\r\n\r\n" + LOG + "\r\nPlease stop it.\r\n"
    ).encode()
    result = parse(raw)
    assert values(result, "ip") == {"198.51.100.31"}
    assert values(result, "url") == values(result, "domain") == set()
    assert {e.type for e in result.events} == {"brute-force"}


def test_a_logged_request_for_a_full_url_is_still_read():
    """A proxy's log names the URL requested: that is the request, not the referer."""
    line = (
        '203.0.113.9 - - [14/Aug/2024:03:12:44 +0200] "GET http://payload.example.net/x.sh '
        'HTTP/1.1" 200 512 "http://referer.example.org/" "curl/8.0"'
    )
    found = {(i.kind, i.value) for i in extract(line)}
    assert ("url", "http://payload.example.net/x.sh") in found
    assert not any("referer.example.org" in value for _, value in found)


def test_a_line_that_only_looks_like_a_log_keeps_its_links():
    """Without the log's shape (time in brackets, quoted request, status, size) a line's
    links are read as ever."""
    found = {i.value for i in extract('See "the kit" 200 at https://phish.example.net/login now')}
    assert "https://phish.example.net/login" in found
