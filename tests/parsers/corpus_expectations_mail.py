"""Hand-written expectations for the mail samples in ../shared/corpus (arf/, copyright/,
freetext/, jmrp/, other/, spamcop/), written by reading each sample — never generated
from the parsers' output.

Per file: ``format`` (parser name); ``ips``/``domains``/``urls``: the exact sets of event
values (``None`` = not checked, for samples owned by another parser); ``types``: the
exact set of event types (``None`` = not checked); ``extra_ok``: values tolerated beyond
the exact sets; ``never``: strings no event ip/domain/url may equal or contain (the
reporter's relays, recipients, masked or broken addresses, reference links);
``complaint``: expected ``is_complaint`` (default True).

The AbuseIO samples were anonymised with RFC 1918 addresses; where a *structured* field
(ARF Source-IP, ACNS IP_Address, a notifier's table) names one, it is expected, because
the network lookup — not the parser — decides it is not ours.
"""

SPAM = {"spam"}

EXPECTATIONS: dict[str, dict] = {
    # --- arf/ --------------------------------------------------------------------------
    # ReturnPath-style FBLs put the *recipient's* ISP domain in Reported-Domain, which is not
    # the sender's: only a Reported-Domain that is the original sender's domain is kept.
    "arf/abuseio__AOL_example_1.eml": {
        "format": "arf",
        "ips": {"10.17.18.1"},
        "domains": set(),
        "urls": set(),
        "types": SPAM,
        "never": {"204.29.186.244", "172.26.254.232", "181.142.199.114", "domain3.tld"},
    },
    "arf/abuseio__Bluetie_example_1.eml": {
        "format": "arf",
        "ips": {"10.17.18.3"},
        "domains": set(),
        "urls": set(),
        "types": SPAM,
        "never": {"208.89.132.144", "10.200.3.104", "10.200.2.204", "excite.com"},
    },
    "arf/abuseio__Comcast_example_2.eml": {
        "format": "arf",
        "ips": {"10.17.18.6"},
        "domains": set(),
        "urls": set(),
        "types": SPAM,
        "never": {"96.114.154.194", "96.114.154.135", "comcast.net"},
    },
    "arf/abuseio__Cox_example_1.eml": {
        "format": "arf",
        "ips": {"10.17.18.7"},
        "domains": set(),
        "urls": set(),
        "types": SPAM,
        "never": {"68.230.241.25", "cox.net"},
    },
    "arf/abuseio__Fastmail_example_1.eml": {
        "format": "arf",
        "ips": {"10.17.18.9"},
        "domains": set(),
        "urls": set(),
        "types": SPAM,
        "never": {"66.111.4.239", "10.202.2.86", "emailplus.org"},
    },
    "arf/abuseio__OpenSRS_example_1.eml": {
        "format": "arf",
        "ips": {"10.17.18.12"},
        "domains": set(),
        "urls": set(),
        "types": SPAM,
        "never": {"64.98.42.86", "10.5.19.248", "bex.net"},
    },
    "arf/abuseio__Rackspace_example_1.eml": {
        "format": "arf",
        "ips": {"10.17.18.14"},
        "domains": set(),
        "urls": set(),
        "types": SPAM,
        "never": {"182.253.224.210", "172.20.100.53", "10.130.4.58", "olympiaintl.com"},
    },
    "arf/abuseio__RoadRunner_example_1.eml": {
        "format": "arf",
        "ips": {"10.17.18.16"},
        "domains": set(),
        "urls": set(),
        "types": SPAM,
        "never": {"107.14.70.245", "105.112.29.52"},
    },
    "arf/abuseio__Synacor_example_1.eml": {
        "format": "arf",
        "ips": {"10.17.18.21"},
        "domains": set(),
        "urls": set(),
        "types": SPAM,
        "never": {"10.44.1.50", "mymts.net"},
    },
    "arf/abuseio__USANet_example_1.eml": {
        # Reported-Domain kjo.com.sa is also the Original-Mail-From domain.
        "format": "arf",
        "ips": {"10.17.18.23"},
        "domains": {"kjo.com.sa"},
        "urls": set(),
        "types": SPAM,
        "never": {"165.212.10.31", "165.212.64.33", "165.212.8.201"},
    },
    "arf/abuseio__Yahoo_example_2.eml": {
        "format": "arf",
        "ips": {"10.17.18.26"},
        "domains": set(),
        "urls": set(),
        "types": SPAM,
        "never": {"185.25.27.226", "yahoo.es"},
    },
    "arf/abuseio__Zoho_example_1.eml": {
        "format": "arf",
        "ips": {"10.17.18.28"},
        "domains": set(),
        "urls": set(),
        "types": SPAM,
        "never": {"90.164.188.206"},
    },
    "arf/abuseio__spamexperts_1.eml": {
        "format": "arf",
        "ips": {"172.16.10.13"},
        "domains": set(),
        "urls": set(),
        "types": SPAM,
        "never": {"example.com"},
    },
    "arf/abuseio__spamexperts_11.eml": {
        "format": "arf",
        "ips": {"fdf1:cb9d:f59e:19b0::122"},
        "domains": set(),
        "urls": set(),
        "types": SPAM,
        "never": {"example.com"},
    },
    "arf/sisimai__bsd_arf-02.eml": {
        # No Source-IP: the hop into Yahoo's MX, "(EHLO mx8.example.com) (192.0.2.8)".
        "format": "arf",
        "ips": {"192.0.2.8"},
        "domains": {"example.com"},
        "urls": set(),
        "types": SPAM,
        "never": {"127.0.0.1", "yahoo.com"},
    },
    "arf/sisimai__bsd_arf-11.eml": {
        # No Source-IP: "from mx53.example.net (mx53.example.net [192.0.2.2]) by example.com".
        "format": "arf",
        "ips": {"192.0.2.2"},
        "domains": set(),
        "urls": set(),
        "types": SPAM,
        "never": set(),
    },
    "arf/sisimai__bsd_arf-12.eml": {
        # Feedback-Type: opt-out is an unsubscribe request, not an abuse complaint.
        "format": "arf",
        "ips": set(),
        "domains": set(),
        "urls": set(),
        "types": set(),
        "complaint": False,
        "never": {"192.0.2.89"},
    },
    "arf/sisimai__bsd_arf-14.eml": {
        # No Source-IP: Yahoo's Received "(EHLO a2-22.smtp-out.amazonses.com) (192.0.2.2)".
        "format": "arf",
        "ips": {"192.0.2.2"},
        "domains": {"amazonses.com"},
        "urls": set(),
        "types": SPAM,
        "never": {"192.0.2.22", "y.example.com"},
    },
    "arf/sisimai__bsd_arf-15.eml": {
        "format": "arf",
        "ips": {"192.0.2.222"},
        "domains": set(),
        "urls": set(),
        "types": SPAM,
        "never": {"192.0.2.22"},
    },
    "arf/sisimai__bsd_arf-17.eml": {
        "format": "arf",
        "ips": {"192.0.2.3"},
        "domains": set(),
        "urls": set(),
        "types": SPAM,
        "never": {"example.com", "example.net"},
    },
    "arf/sisimai__bsd_arf-21.eml": {
        "format": "arf",
        "ips": {"198.51.100.224"},
        "domains": set(),
        "urls": set(),
        "types": SPAM,
        "never": {"203.0.113.225"},
    },
    "arf/sisimai__bsd_arf-25.eml": {
        "format": "arf",
        "ips": {"10.0.0.1"},
        "domains": {"example.com"},
        "urls": set(),
        "types": SPAM,
        "never": {"1.2.3.4", "returnpath.net"},
    },
    "arf/stalwart__arf_001.eml": {
        "format": "arf",
        "ips": {"192.0.2.1"},
        "domains": set(),
        "urls": set(),
        "types": SPAM,
        "never": set(),
    },
    "arf/stalwart__arf_002.eml": {
        "format": "arf",
        "ips": {"192.0.2.1"},
        "domains": {"example.net"},
        "urls": {"http://example.net/earn_money.html"},
        "types": SPAM,
        "never": {"mailto:user@example.com", "example.com"},
    },
    # --- copyright/ --------------------------------------------------------------------
    "copyright/abuseio__Copyrightcompliance_Example_1.eml": {
        "format": "acns",
        "ips": {"10.0.2.100"},
        "domains": set(),
        "urls": set(),
        "types": {"copyright"},
        "never": {"copyright-compliance.com", "domain.tld"},
    },
    "copyright/abuseio__Copyrightcompliance_Example_2.eml": {
        "format": "acns",
        "ips": {"fdf1:cb9d:f59e:19b0:2:3:ff33:345"},
        "domains": set(),
        "urls": set(),
        "types": {"copyright"},
        "never": {"copyright-compliance.com"},
    },
    "copyright/abuseio__ip-echelon_sample1.eml": {
        "format": "acns",
        "ips": {"192.168.2.200"},
        "domains": set(),
        "urls": set(),
        "types": {"copyright"},
        "never": {"ip-echelon.com", "perfectprovider.tld"},
    },
    "copyright/abuseio__ip-echelon_sample10.eml": {
        "format": "acns",
        "ips": {"192.168.3.3"},
        "domains": set(),
        "urls": set(),
        "types": {"copyright"},
        "never": {"ip-echelon.com"},
    },
    "copyright/abuseio__ip-echelon_sample14.eml": {
        "format": "acns",
        "ips": {"192.168.3.6"},
        "domains": set(),
        "urls": set(),
        "types": {"copyright"},
        "never": {"ip-echelon.com"},
    },
    "copyright/abuseio__ip-echelon_sample5.eml": {
        "format": "acns",
        "ips": {"192.168.2.200"},
        "domains": set(),
        "urls": set(),
        "types": {"copyright"},
        "never": {"ip-echelon.com"},
    },
    "copyright/cerberus__acns.eml": {
        # IP_Address "92.222.64.5.4" is broken (five octets): no event, and no truncation.
        "format": "acns",
        "ips": set(),
        "domains": set(),
        "urls": set(),
        "types": set(),
        "never": {"92.222.64.5", "222.64.5.4", "ovh.ca"},
    },
    "copyright/cerberus__cloudflare.eml": {
        "format": "freetext",
        "ips": {"188.165.254.226"},
        "domains": {"libroporvenir.com"},
        "urls": {
            "http://libroporvenir.com/pdf/doctor-who-travels-in-time-coloring-book-by-price-stern-sloan-2016-07-26",
            "http://libroporvenir.com/pdf/doctor-who-travels-in-time-coloring-book",
        },
        "types": {"copyright"},
        "never": {"cloudflare.com", "digimarc.com"},
    },
    "copyright/cerberus__iptv1.eml": {
        "format": "freetext",
        "ips": {"149.202.207.8"},
        "domains": set(),
        "urls": {"http://149.202.207.8:8080/tinKk00JuTTsyjkiy-2/Strm/index.m3u8"},
        "types": {"copyright"},
        "never": {"friendmts.com"},
    },
    "copyright/cerberus__samples_sample5.eml": {
        # The "Link:" line is the infringing link; its "Source:" forum page is tolerated.
        "format": "freetext",
        "ips": set(),
        "domains": {"www.example.com"},
        "urls": {"http://www.example.com/share/file/AAAAAAAAAAAAAAAAAAAAAAAAAA/"},
        "types": {"copyright"},
        "extra_ok": {"www.example2.rog", "http://www.example2.rog/threads/123456-test"},
        "never": {"publicagent.com", "degban.com", "brazzers.com"},
    },
    # --- freetext/ ---------------------------------------------------------------------
    "freetext/cerberus__bitninja.eml": {
        "format": "freetext",
        "ips": {"1.2.3.4"},
        "domains": set(),
        "urls": set(),
        "types": {"system-compromise"},
        "never": {"bitninja.io"},
    },
    "freetext/cerberus__lexsicom.eml": {
        "format": "freetext",
        "ips": {"1.2.3.4"},
        "domains": {"evildomain.com"},
        "urls": {"http://evildomain.com/logo/system/service/ss/www/reactivation/"},
        "types": {"phishing"},
        "never": {"lcl.fr", "lexsi.com", "cert-socalexsi.com", "wikipedia"},
    },
    "freetext/cerberus__nfoservers.eml": {
        "format": "freetext",
        "ips": {"1.2.3.4"},
        "domains": set(),
        "urls": set(),
        "types": {"ddos-amplifier"},
        "never": {
            "team-cymru.org",
            "litnet.lt",
            "sans.org",
            "symantec.com",
            "juniper.net",
            "openntpproject.org",
            "162.248.89.",
            "ovh.net",
        },
    },
    "freetext/cerberus__samples_sample24.eml": {
        # Cloudflare's one-line answer to a desk's question ("currently resolves to"):
        # correspondence, however many resources it names (issue 13 item 4).
        "format": "freetext",
        "complaint": False,
        "ips": set(),
        "domains": set(),
        "urls": set(),
        "types": set(),
        "never": {"cloudflare.com", "example.com", "5.39.1.1", "cdnproxy-protected-domain"},
    },
    "freetext/cerberus__samples_sample9.eml": {
        "format": "freetext",
        "ips": set(),
        "domains": set(),
        "urls": set(),
        "types": set(),
        "never": {"isp.com", "test.com"},
    },
    "freetext/cerberus__spamhaus.eml": {
        # An SBL listing notice: a listing, whatever the listed problem was.
        "format": "freetext",
        "ips": {"1.2.3.4"},
        "domains": set(),
        "urls": set(),
        "types": {"blacklist"},
        "never": {"spamhaus.org", "ovh.net"},
    },
    "freetext/csirtgmail__multi_mixed_plain_rfc822_mixed_plain_rfc822_plain_base64_01.eml": {
        "format": "freetext",
        "ips": set(),
        "domains": {"www.example.com"},
        "urls": {"http://www.example.com"},
        "types": {"phishing"},
        "never": {"192.168.35.200", "csirtgadgets.org", "csirtgadgets.com", "comcast.net"},
    },
    "freetext/csirtgmail__multi_mixed_plain_rfc822_plain_01.eml": {
        "format": "freetext",
        "ips": set(),
        "domains": {"www.example.com"},
        "urls": {"http://www.example.com"},
        "types": {"phishing"},
        "never": {"192.168.35.200", "csirtgadgets.org", "comcast.net"},
    },
    # --- jmrp/ -------------------------------------------------------------------------
    **{
        f"jmrp/sisimai__bsd_arf-{n}.eml": {
            # Microsoft names the source in the subject; X-Reporter-IP is the complainant.
            "format": "jmrp",
            "ips": {"192.0.2.222"},
            "domains": set(),
            "urls": set(),
            "types": SPAM,
            "never": {
                "192.0.2.22",
                "203.0.113.25",
                "198.51.100.1",
                "192.0.2.25",
                "192.0.2.2",
                "hotmail.com",
            },
        }
        for n in (22, 23, 24)
    },
    # --- other/ ------------------------------------------------------------------------
    # Clean-MX 1 and the Netcraft notices carry an X-ARF report part, so the xarf parser
    # (another module) owns them: only its addresses and the must-nots are checked here.
    "other/abuseio__Cleanmx_Example_1.eml": {
        "format": "xarf",
        "ips": {"192.168.2.20"},
        "domains": None,
        "urls": None,
        "types": None,
        "never": {"clean-mx.de", "x-arf.org", "victim.domain.tld", "somewhere.tld"},
    },
    "other/abuseio__Cleanmx_Example_2.eml": {
        "format": "senders",
        "ips": {"172.16.10.13"},
        "domains": {"8f2e67c462.victim.tld"},
        "urls": {"http://8f2e67c462.victim.tld/"},
        "types": {"malware-distribution"},
        "never": {"clean-mx.de", "domain.tld"},
    },
    "other/abuseio__Netcraft_Example_1.eml": {
        "format": "xarf",
        "ips": {"10.0.2.2"},
        "domains": None,
        "urls": None,
        "types": None,
        "never": {"netcraft.com", "sidn.nl", "x-arf.org"},
    },
    "other/abuseio__Netcraft_Example_6.eml": {
        "format": "xarf",
        "ips": None,
        "domains": None,
        "urls": None,
        "types": {"phishing"},
        "never": {"netcraft.com", "sidn.nl", "x-arf.org", "google.com"},
    },
    "other/abuseio__Netcraft_Example_9.eml": {
        "format": "xarf",
        "ips": None,
        "domains": None,
        "urls": None,
        "types": {"phishing"},
        "never": {"netcraft.com", "sidn.nl"},
    },
    "other/abuseio__Projecthoneypot_Example_free_1.eml": {
        "format": "senders",
        "ips": {"10.0.2.1", "10.0.2.2", "10.0.2.3", "10.0.2.4", "10.0.2.5"},
        "domains": set(),
        "urls": set(),
        "types": {"scanner", "spam"},
        "never": {"projecthoneypot.org", "unspam.com", "abuseio.isp.local"},
    },
    "other/abuseio__Projecthoneypot_Example_paid_1.eml": {
        "format": "senders",
        "ips": {"192.168.1.19", "192.168.1.21", "192.168.1.22", "192.168.1.23"},
        "domains": set(),
        "urls": set(),
        "types": {"scanner", "spam", "other"},
        "never": {"projecthoneypot.org", "tap.co.id", "domain.tld"},
    },
    "other/abuseio__Safe_Browsing_Report_1.eml": {
        "format": "senders",
        "ips": {"10.0.2.23", "10.0.2.26"},
        "domains": {"nacions.com"},
        "urls": {
            "http://nacions.com/",
            "http://nacions.com/wordpress/",
            "http://nacions.com/gallery2/",
            "http://10.0.2.26:2222/CMD_FILE_MANAGER/domains/derada.com/public_html/wp-content/themes/econature/framework/class",
            "http://10.0.2.26:2222/CMD_FILE_MANAGER/domains/zacater.com/public_html/wp-content/plugins/flexicache/_data",
        },
        "types": {"system-compromise", "malware-distribution"},
        "never": {"google.com"},
    },
    "other/abuseio__Webiron_Example_1.eml": {
        "format": "senders",
        "ips": {"172.16.31.20"},
        "domains": set(),
        "urls": set(),
        "types": {"infected-system"},
        "never": {"172.16.30.0", "webiron.com"},
    },
    "other/abuseio__Webiron_Example_2.eml": {
        "format": "senders",
        "ips": {"172.16.10.13"},
        "domains": set(),
        "urls": set(),
        "types": {"brute-force"},
        "never": {"172.16.30.0", "webiron.com"},
    },
    # SMTP TLS reports (RFC 8460) belong to the tlsrpt parser: filed, never a complaint.
    "other/parsedmarc__google.com_smtp_tls_report.eml": {
        "format": "tlsrpt",
        "ips": set(),
        "domains": set(),
        "urls": set(),
        "types": set(),
        "complaint": False,
        "never": set(),
    },
    "other/stalwart__tlsrpt_rpt01.eml": {
        "format": "tlsrpt",
        "ips": set(),
        "domains": set(),
        "urls": set(),
        "types": set(),
        "complaint": False,
        "never": set(),
    },
    # --- spamcop/ ----------------------------------------------------------------------
    "spamcop/cerberus__samples_sample2.eml": {
        # "Email from 213.251.151.160 / <date>"; the quoted message's relays are evidence.
        "format": "spamcop",
        "ips": {"213.251.151.160"},
        "domains": set(),
        "urls": set(),
        "types": SPAM,
        "never": {
            "10.202.2.45",
            "10.202.2.204",
            "127.0.0.1",
            "spamcop.net",
            "w3.org",
            "messagingengine.com",
        },
    },
}
