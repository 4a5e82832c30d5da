"""Hand-written expectations for the corpus folders dmarc/, feeds/, iodef/, shadowserver/
and xarf/ (../shared/corpus, described in SOURCES.md).

Written by reading each sample, never from the parsers' output. ``ips`` is the exact set
of offending addresses (normalised text form); ``must_not`` lists what must never be
reported as an offender: victims/targets, sinkholes and C2 peers, relays in Received
headers, masked addresses, networks. Classifications follow the project's tables
(``shadowserver_map``, the X-ARF/IODEF/feed mappings).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Expect:
    format: str
    kind: str = "complaint"
    events: int | None = None  # exact number of events, when the sample fixes it
    ips: frozenset[str] | None = None  # exact set of reported IPs
    urls: frozenset[str] = frozenset()  # URLs that must be among the events
    types: frozenset[str] | None = None  # exact set of classification types
    must_not: frozenset[str] = frozenset()
    data: dict = field(default_factory=dict)  # key -> expected value in ParseResult.data
    policy_domain: str | None = None  # DMARC aggregate: policy_published/domain


def _s(*items: str) -> frozenset[str]:
    return frozenset(items)


AGG = "dmarc-aggregate"
FAIL = "dmarc-failure"

EXPECTATIONS: dict[str, Expect] = {
    # --- dmarc/: never complaints, never events -----------------------------------
    "dmarc/parsedmarc__DMARC_Failure_Report_for_domain.de_mail-from_sharepoint_domain.de_ip_10.10.10.10_.eml": Expect(
        "dmarc", FAIL, 0
    ),
    "dmarc/parsedmarc__Netease_DMARC_Failure_Report_Rent_Reminder.eml": Expect("dmarc", FAIL, 0),
    "dmarc/parsedmarc__Report_domain-_borschow.com_Submitter-_google.com_Report-ID-_949348866075514174.eml": Expect(
        "dmarc", AGG, 0, policy_domain="borschow.com"
    ),
    "dmarc/parsedmarc__addisonfoods.com_example.com_1536105600_1536191999.xml": Expect(
        "dmarc", AGG, 0, policy_domain="example.com", data={"records_total": 1}
    ),
    "dmarc/parsedmarc__aggregate_example.com_1538204542_1538463818.xml": Expect(
        "dmarc", AGG, 0, policy_domain="example.com", data={"org": None}
    ),
    "dmarc/parsedmarc__dmarc_ruf_report_linkedin.crlf.eml": Expect("dmarc", FAIL, 0),
    "dmarc/parsedmarc__estadocuenta1.infonacot.gob.mx_example.com_1536853302_1536939702_2940.xml.zip": Expect(
        "dmarc", AGG, 0, policy_domain="example.com", data={"org": "XYZ Corporation"}
    ),
    "dmarc/parsedmarc__exim_plain_text_only_no_arf_part.eml": Expect("dmarc", FAIL, 0),
    # The file name says example.com; the XML inside publishes indemed.com.
    "dmarc/parsedmarc__fastmail.com_example.com_1516060800_1516147199_102675056.xml.gz": Expect(
        "dmarc", AGG, 0, policy_domain="indemed.com", data={"org": "FastMail Pty Ltd"}
    ),
    "dmarc/parsedmarc__invalid_utf_8.xml": Expect(
        "dmarc", AGG, 0, policy_domain="example.com", data={"records_total": 1}
    ),
    "dmarc/parsedmarc__mimecast-weird-gzip.eml": Expect("dmarc", AGG, 0, policy_domain="ab.id.au"),
    "dmarc/parsedmarc__old_draft_from_wiki.xml": Expect(
        "dmarc", AGG, 0, policy_domain="example.com", data={"org": "acme.com"}
    ),
    "dmarc/parsedmarc__protection.outlook.com_example.com_1711756800_1711843200.xml": Expect(
        "dmarc", AGG, 0, policy_domain="example.com"
    ),
    "dmarc/parsedmarc__rfc9990-sample.xml": Expect(
        "dmarc", AGG, 0, policy_domain="example.com", data={"messages_total": 123}
    ),
    "dmarc/parsedmarc__twilight.eml": Expect("dmarc", AGG, 0, policy_domain="twlnet.com"),
    "dmarc/sisimai__bsd_arf-18.eml": Expect("dmarc", FAIL, 0),
    "dmarc/sisimai__bsd_arf-20.eml": Expect("dmarc", FAIL, 0),
    "dmarc/stalwart__arf_003.eml": Expect("dmarc", FAIL, 0),
    "dmarc/stalwart__arf_004.eml": Expect("dmarc", FAIL, 0),
    "dmarc/stalwart__dmarc-feedback_003.xml": Expect(
        "dmarc", AGG, 0, policy_domain="stalw.art", data={"records_total": 4}
    ),
    "dmarc/stalwart__dmarc-feedback_100.eml": Expect("dmarc", AGG, 0, policy_domain="stalw.art"),
    "dmarc/stalwart__dmarc-feedback_102.eml": Expect("dmarc", AGG, 0, policy_domain="stalw.art"),
    "dmarc/stalwart__dmarc-feedback_103.eml": Expect("dmarc", AGG, 0, policy_domain="stalw.art"),
    "dmarc/stalwart__dmarc-feedback_104.eml": Expect("dmarc", AGG, 0, policy_domain="stalw.art"),
    # --- feeds/ ---------------------------------------------------------------------
    "feeds/intelmq__cert.txt": Expect(
        "feeds",
        events=19,
        ips=_s(
            "109.126.64.2",
            "109.90.233.19",
            "109.91.0.227",
            "111.111.111.183",
            "198.51.100.54",
            "245.16.92.48",
            "172.20.148.81",
            "192.168.46.8",
            "10.56.59.94",
            "203.0.113.81",
            "172.20.148.82",
        ),
        # remote_ip / domain columns are sinkholes, C2s and the honeypots that were hit.
        must_not=_s(
            "212.227.20.19",
            "216.66.15.109",
            "249.145.142.15",
            "192.168.0.6",
            "192.168.255.154",
            "198.18.159.123",
            "dxxt.sinkhole.dk",
        ),
    ),
    "feeds/intelmq__ctip.txt": Expect(
        "feeds",
        events=5,
        ips=_s("224.0.5.8", "10.0.0.5", "19.168.46.126", "198.51.100.100", "224.34.234.52"),
        types=_s("infected-system"),
        must_not=_s("198.18.18.18", "100.120.45.48", "203.0.113.212", "0.0.0.0", "192.88.99.209"),
    ),
    "feeds/intelmq__ctip_azure.txt": Expect(
        "feeds",
        events=6,
        ips=_s("224.0.5.8", "10.0.0.15"),
        types=_s("infected-system"),
        must_not=_s("198.18.18.18", "203.0.113.45", "10.0.0.1", "10.0.0.2"),
    ),
    # DROP lists networks; no single-address event can hold them.
    "feeds/intelmq__drop.txt": Expect(
        "feeds",
        events=0,
        data={
            "networks": [
                {"network": "1.4.0.0/17", "sbl": "SBL256893"},
                {"network": "2a06:e480::/29", "sbl": "SBL301771"},
            ]
        },
    ),
    # blocklist.de's IMAP attackers list: the file name names the attacked service.
    "feeds/intelmq__imap.txt": Expect(
        "feeds",
        events=6,
        ips=_s(
            "192.0.2.4",
            "192.0.2.45",
            "198.51.100.34",
            "198.51.100.80",
            "203.0.113.34",
            "203.0.113.254",
        ),
        types=_s("brute-force"),
    ),
    "feeds/intelmq__infected_20171031.txt": Expect(
        "feeds",
        events=9,
        ips=_s("172.16.0.21"),
        urls=_s("http://www.example.com/"),
        types=_s(
            "brute-force",
            "ddos-amplifier",
            "phishing",
            "potentially-unwanted-accessible",
            "spam",
            "infected-system",
        ),
        must_not=_s("172.16.0.22"),  # "destaddr": the peer, not the infected host
    ),
    # --- iodef/ ---------------------------------------------------------------------
    "iodef/iodeflib__iodef.xml": Expect(
        "iodef",
        ips=_s("192.0.2.200", "192.0.2.240", "192.0.2.1", "192.0.2.3", "192.0.2.53", "192.0.2.241"),
        types=_s("exploit", "scanner", "infected-system", "blacklist", "c2-server"),
        # targets, the intermediate IRC server, and networks
        must_not=_s("192.0.2.201", "192.0.2.20", "irc.example.com", "192.0.2.16", "192.0.2.64"),
    ),
    "iodef/mantis__botnet_iodef.xml": Expect(
        "iodef",
        events=2,
        ips=_s("192.0.2.1", "192.0.2.3"),
        types=_s("infected-system"),
        must_not=_s("192.0.2.20", "irc.example.com"),
    ),
    "iodef/mantis__scan_iodef.xml": Expect(
        "iodef",
        events=2,
        ips=_s("192.0.2.200", "192.0.2.240"),
        types=_s("scanner"),
        must_not=_s("192.0.2.201", "192.0.2.64"),
    ),
    # The log excerpt shows 192.0.2.1 as the client, but the incident's source is .200.
    "iodef/mantis__worm_iodef.xml": Expect(
        "iodef",
        events=1,
        ips=_s("192.0.2.200"),
        types=_s("exploit"),
        must_not=_s("192.0.2.16", "192.0.2.1"),
    ),
    "iodef/marknl__iodef.xml": Expect(
        "iodef",
        events=1,
        ips=_s("192.0.2.3"),
        types=_s("infected-system"),
        must_not=_s("192.0.2.20", "irc.example.com"),
    ),
    # --- shadowserver/ --------------------------------------------------------------
    "shadowserver/abuseio__2015-01-01-dns_openresolver-sample-asn.csv.zip.eml": Expect(
        "shadowserver",
        events=5,
        ips=_s(
            "208.70.149.107", "204.245.210.223", "40.135.0.109", "76.74.186.178", "31.42.105.195"
        ),
        types=_s("ddos-amplifier"),
    ),
    # SQL Server Browser (UDP 1434) with an amplification column: an amplifier.
    "shadowserver/abuseio__2015-01-01-scan_mssql-sample-asn.csv.zip.eml": Expect(
        "shadowserver",
        events=10,
        ips=_s(
            "110.88.113.98",
            "112.20.234.33",
            "182.73.224.158",
            "82.119.155.254",
            "163.17.10.26",
            "182.18.189.236",
            "177.189.201.149",
            "178.32.46.20",
            "65.182.104.147",
            "187.45.202.36",
        ),
        types=_s("ddos-amplifier"),
    ),
    "shadowserver/abuseio__2015-01-01-scan_ntp-sample-asn.csv.zip.eml": Expect(
        "shadowserver",
        events=9,
        ips=_s(
            "76.22.142.205",
            "123.23.130.233",
            "193.158.193.1",
            "221.112.23.116",
            "62.212.206.130",
            "115.91.152.25",
            "106.243.160.182",
            "118.186.156.166",
            "91.191.233.205",
        ),
        types=_s("ddos-amplifier"),
        # "refid" peers are the servers' upstream clocks
        must_not=_s("204.34.198.40", "194.25.7.190", "61.122.116.184", "192.168.2.2"),
    ),
    "shadowserver/abuseio__2015-01-01-scan_redis-sample-asn.csv.zip.eml": Expect(
        "shadowserver",
        events=13,
        ips=_s(
            "98.126.92.5",
            "153.120.101.170",
            "23.251.154.32",
            "104.203.27.243",
            "50.188.150.22",
            "54.167.182.69",
            "46.4.13.206",
            "58.178.184.235",
            "173.208.211.213",
            "23.239.11.248",
            "54.174.181.36",
            "211.103.198.123",
            "192.241.235.129",
        ),
        types=_s("potentially-unwanted-accessible"),
    ),
    "shadowserver/abuseio__2015-01-01-scan_snmp-sample-asn.csv.zip.eml": Expect(
        "shadowserver",
        events=10,
        ips=_s(
            "129.113.21.93",
            "79.2.242.16",
            "95.109.21.127",
            "201.8.4.57",
            "76.186.106.223",
            "182.68.111.119",
            "125.214.158.32",
            "74.138.148.8",
            "222.233.225.196",
            "84.3.91.88",
        ),
        types=_s("ddos-amplifier"),
    ),
    "shadowserver/abuseio__2015-01-01-sinkhole_http_drone-sample-asn.csv.zip.eml": Expect(
        "shadowserver",
        events=8,
        ips=_s(
            "202.86.21.11",
            "82.115.28.93",
            "180.94.94.3",
            "82.115.10.63",
            "82.115.10.39",
            "82.115.25.117",
            "82.115.23.237",
            "82.115.23.172",
        ),
        types=_s("infected-system"),
        must_not=_s("149.20.56.32"),  # the sinkhole (http_host)
    ),
    "shadowserver/abuseio__2019-01-06-scan_afp-sample-ip.csv.zip.eml": Expect(
        "shadowserver",
        events=2,
        ips=_s("127.0.6.59", "127.0.6.57"),
        types=_s("potentially-unwanted-accessible"),
    ),
    "shadowserver/abuseio__2019-10-15-scan_ftp-sample-asn.csv.zip.eml": Expect(
        "shadowserver", events=1, ips=_s("31.42.105.195"), types=_s("vulnerable-system")
    ),
    "shadowserver/abuseio__2019-10-15-scan_http-sample-asn.csv.zip.eml": Expect(
        "shadowserver", events=1, ips=_s("31.42.105.195"), types=_s("vulnerable-system")
    ),
    # The third row lists a /24, not an address.
    "shadowserver/intelmq__blocklist.csv": Expect(
        "shadowserver",
        events=2,
        ips=_s("198.123.245.134", "198.123.245.171"),
        types=_s("blacklist"),
        must_not=_s("198.123.245.0"),
    ),
    "shadowserver/intelmq__compromised_website.csv": Expect(
        "shadowserver",
        events=3,
        ips=_s("203.0.113.1", "66.249.0.0"),
        types=_s("system-compromise"),
        must_not=_s("lolfree.pw", "https://lolfree.pw/ads.txt"),  # the skimmer's drop site
    ),
    "shadowserver/intelmq__event4_ddos_participant.csv": Expect(
        "shadowserver",
        events=3,
        ips=_s("192.168.0.1", "192.168.0.2", "192.168.0.3"),
        types=_s("ddos"),
        must_not=_s("172.16.0.1", "172.16.0.2", "172.16.0.3"),  # dst: the attacked hosts
    ),
    "shadowserver/intelmq__event4_honeypot_brute_force.csv": Expect(
        "shadowserver",
        events=6,
        ips=_s("141.98.1.2", "5.188.3.4", "45.14.5.6", "5.188.6.7", "45.14.7.8", "5.188.9.10"),
        types=_s("brute-force"),
        must_not=_s("162.250.1.2", "162.250.3.4", "82.118.5.6", "102.16.6.7", "60.234.9.10"),
    ),
    # The fifth row's "37.120.178.9.10" is not an address.
    "shadowserver/intelmq__event4_honeypot_ddos_amp.csv": Expect(
        "shadowserver",
        events=4,
        ips=_s("107.141.1.2", "74.59.3.4", "65.131.5.6", "104.162.7.8"),
        types=_s("ddos"),
        must_not=_s("37.120.178.9"),
    ),
    "shadowserver/intelmq__event4_sinkhole_http.csv": Expect(
        "shadowserver",
        events=5,
        ips=_s("103.196.1.2", "5.14.3.4", "49.145.5.6", "200.44.7.8", "187.189.9.10"),
        types=_s("infected-system"),
        must_not=_s("184.105.1.2", "184.105.3.4", "184.105.5.6", "184.105.7.8", "184.105.9.10"),
    ),
    "shadowserver/intelmq__scan_ntp.csv": Expect(
        "shadowserver",
        events=3,
        ips=_s("192.168.0.1", "192.168.0.2", "192.168.0.3"),
        types=_s("ddos-amplifier"),
        must_not=_s("81.15.252.130", "10.48.21.21", "172.28.0.1"),
    ),
    "shadowserver/intelmq__scan_rdp.csv": Expect(
        "shadowserver",
        events=2,
        ips=_s("198.123.245.178", "198.123.245.233"),
        types=_s("potentially-unwanted-accessible"),
    ),
    # No family in the file name: recognised from the header, classified by the "smb" tag.
    "shadowserver/intelmq__test_smb.csv": Expect(
        "shadowserver",
        events=3,
        ips=_s("192.168.0.1", "192.168.0.2", "192.168.0.3"),
        types=_s("potentially-unwanted-accessible"),
    ),
    # --- xarf/ ----------------------------------------------------------------------
    # AbuseHUB: the AbuseHubCsv and the forwarded Shadowserver row are one event.
    "xarf/abuseio__Abusehub_Example_1.eml": Expect(
        "xarf",
        events=1,
        ips=_s("172.16.10.13"),
        types=_s("infected-system"),
        must_not=_s("72.205.6.40", "malicious.domain.tld"),  # the C&C
    ),
    "xarf/abuseio__Abusehub_Example_2.eml": Expect(
        "xarf",
        events=1,
        ips=_s("fdf1:cb9d:f59e:19b0:0:45:0:22"),
        types=_s("infected-system"),
        must_not=_s("fd30::1:ff4e:3e:9:1", "malicious.domain.tld"),
    ),
    # blocklist.de "regbot": a bot registering on forums to post spam.
    "xarf/abuseio__Blocklistde_Example_1.eml": Expect(
        "xarf",
        events=1,
        ips=_s("10.0.2.150"),
        types=_s("spam"),
        must_not=_s("109.239.50.114", "192.168.1.1", "192.168.1.2"),  # Received chain
    ),
    "xarf/abuseio__Blocklistde_Example_2.eml": Expect(
        "xarf",
        events=1,
        ips=_s("fdf1:cb9d:f59e:19b0::33:4f"),
        types=_s("spam"),
        must_not=_s("109.239.50.114", "192.168.1.1", "192.168.1.2"),
    ),
    "xarf/abuseio__Cyscon_Example_1.eml": Expect(
        "xarf",
        events=1,
        ips=_s("172.16.10.13"),
        urls=_s("http://malware.cust.domain.tld/"),
        types=_s("malware-distribution"),
        must_not=_s("81.7.10.39", "217.160.6.199", "87.106.148.128", "192.168.1.1"),
    ),
    "xarf/abuseio__Cyscon_Example_2.eml": Expect(
        "xarf",
        events=1,
        ips=_s("fdf1:cb9d:f59e:19b0:ff3:567:0:33"),
        urls=_s("http://malware.cust.domain.tld/"),
        types=_s("malware-distribution"),
        must_not=_s("81.7.10.39", "217.160.6.199"),
    ),
    "xarf/abusixxarf__copyright_sample.json": Expect(
        "xarf", events=1, ips=_s("192.0.2.55"), types=_s("copyright")
    ),
    "xarf/abusixxarf__loginattack_sample.json": Expect(
        "xarf",
        events=1,
        ips=_s("192.0.2.55"),
        types=_s("brute-force"),
        must_not=_s("198.51.100.33"),
    ),
    # An open Redis: an exposed database.
    "xarf/abusixxarf__openservice_sample.json": Expect(
        "xarf", events=1, ips=_s("192.0.2.55"), types=_s("potentially-unwanted-accessible")
    ),
    # The address is masked (91.78.17.xxx): only the phishing URL/domain can be reported.
    "xarf/cerberus__xarf1.txt": Expect(
        "xarf",
        events=1,
        ips=frozenset(),
        urls=_s("http://domain.tld/images/login.html"),
        types=_s("phishing"),
        must_not=_s("91.78.17.xxx", "91.78.17.0"),
    ),
    "xarf/cerberus__xarf2.txt": Expect(
        "xarf",
        events=1,
        ips=frozenset(),
        urls=_s("http://www.XXXXXXX.com.cn/help.htm"),
        types=_s("malware-distribution"),
        must_not=_s("192.168.1.19", "122.xxx.xxx.xxx"),
    ),
    "xarf/xarfspec__botnet_v3_sample.json": Expect(
        "xarf",
        events=1,
        ips=_s("198.51.100.25"),
        types=_s("infected-system"),
        must_not=_s("malicious-command.example.com"),  # the C2 it talks to
    ),
    "xarf/xarfspec__connection-ddos.json": Expect(
        "xarf", events=1, ips=_s("192.0.2.155"), types=_s("ddos"), must_not=_s("203.0.113.100")
    ),
    "xarf/xarfspec__connection-login-attack.json": Expect(
        "xarf",
        events=1,
        ips=_s("198.51.100.77"),
        types=_s("brute-force"),
        must_not=_s("203.0.113.22"),
    ),
    "xarf/xarfspec__content-phishing.json": Expect(
        "xarf",
        events=1,
        ips=_s("203.0.113.45"),
        urls=_s("http://secure-banking-login.example.com/auth"),
        types=_s("phishing"),
    ),
    "xarf/xarfspec__copyright-p2p.json": Expect(
        "xarf", events=1, ips=_s("192.0.2.100"), types=_s("copyright")
    ),
    "xarf/xarfspec__messaging-spam.json": Expect(
        "xarf", events=1, ips=_s("192.168.1.100"), types=_s("spam")
    ),
    "xarf/xarfspec__phishing_v3_sample.json": Expect(
        "xarf",
        events=1,
        ips=frozenset(),
        urls=_s("https://malicious-example.net/banking-login/"),
        types=_s("phishing"),
    ),
    "xarf/xarfspec__spam_v3_sample.json": Expect(
        "xarf", events=1, ips=_s("192.168.1.100"), types=_s("spam")
    ),
    "xarf/xarfspec__vulnerability-open-service.json": Expect(
        "xarf", events=1, ips=_s("192.0.2.50"), types=_s("potentially-unwanted-accessible")
    ),
}
