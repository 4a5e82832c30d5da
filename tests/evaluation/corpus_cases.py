"""Expectations for the mail samples of the shared corpus (``../shared/corpus``, read in
place; its SOURCES.md names each file's public origin and licence), written by reading each
message. Bare documents (CSV, JSON, XML feeds) are not mail and are left to
``tests/parsers/test_corpus_documents.py``.

Reading rules for these samples, most of which their publishers anonymised:
- an address a *structured* field names (ARF ``Source-IP``, an ACNS ``IP_Address``, a feed's
  ``ip`` column, a notifier's ``Source IP:`` line) is expected even when the anonymiser made
  it RFC 1918 — the network lookup, not the parser, says it is not ours; a private address
  only in prose (``[10.2.2.15]`` after a URL) is tolerated, not required;
- loopback and masked addresses (``91.78.17.xxx``) are never expected;
- an ARF ``Reported-Domain`` is tolerated when it is the spam's sender domain and must not
  be reported when it is the recipient side's (ReturnPath-style FBLs put the receiving
  ISP's domain there).
"""

from __future__ import annotations

from .expectations import E, Expect, N

SPAM = "spam"
AMPLIFIER = "ddos-amplifier"
EXPOSED = "potentially-unwanted-accessible vulnerable-system"

CORPUS_CASES: dict[str, Expect] = {
    # --- arf/: feedback-loop complaints; the relays of the quoted original are not ours --
    "arf/abuseio__AOL_example_1.eml": E(
        ips="10.17.18.1",
        types=SPAM,
        also_ok="server.domain5.tld",
        never="204.29.186.244 172.26.254.232 181.142.199.114 postmaster.aol.com domain3.tld",
        classes=(2,),
    ),
    "arf/abuseio__Bluetie_example_1.eml": E(
        ips="10.17.18.3",
        types=SPAM,
        never="208.89.132.144 10.200.3.104 10.200.2.204 excite.com",
        classes=(2,),
    ),
    "arf/abuseio__Comcast_example_2.eml": E(
        ips="10.17.18.6",
        types=SPAM,
        never="96.114.154.194 96.114.154.135 comcast.net",
        classes=(2,),
    ),
    "arf/abuseio__Cox_example_1.eml": E(
        ips="10.17.18.7", types=SPAM, never="68.230.241.25 cox.net", classes=(2,)
    ),
    "arf/abuseio__Fastmail_example_1.eml": E(
        ips="10.17.18.9",
        types=SPAM,
        never="66.111.4.239 10.202.2.86 emailplus.org",
        classes=(2,),
    ),
    "arf/abuseio__OpenSRS_example_1.eml": E(
        ips="10.17.18.12", types=SPAM, never="64.98.42.86 10.5.19.248 bex.net", classes=(2,)
    ),
    "arf/abuseio__Rackspace_example_1.eml": E(
        ips="10.17.18.14",
        types=SPAM,
        never="182.253.224.210 172.20.100.53 10.130.4.58 olympiaintl.com",
        classes=(2,),
    ),
    "arf/abuseio__RoadRunner_example_1.eml": E(
        ips="10.17.18.16", types=SPAM, never="107.14.70.245 105.112.29.52", classes=(2,)
    ),
    "arf/abuseio__Synacor_example_1.eml": E(
        ips="10.17.18.21", types=SPAM, never="10.44.1.50 mymts.net", classes=(2,)
    ),
    # Reported-Domain kjo.com.sa is the spam's own sender domain; its signature site too.
    "arf/abuseio__USANet_example_1.eml": E(
        ips="10.17.18.23",
        types=SPAM,
        also_ok="kjo.com.sa http://www.kjo.com.sa/",
        never="165.212.10.31 165.212.64.33 165.212.8.201 78.129.181.48 hotmail.com",
        classes=(2,),
    ),
    "arf/abuseio__Yahoo_example_2.eml": E(
        ips="10.17.18.26",
        types=SPAM,
        never="185.25.27.226 66.196.81.228 66.196.81.176 yahoo.es",
        classes=(2,),
    ),
    "arf/abuseio__Zoho_example_1.eml": E(
        ips="10.17.18.28", types=SPAM, never="90.164.188.206", classes=(2,)
    ),
    "arf/abuseio__spamexperts_1.eml": E(ips="172.16.10.13", types=SPAM, classes=(2,)),
    "arf/abuseio__spamexperts_11.eml": E(ips="fdf1:cb9d:f59e:19b0::122", types=SPAM, classes=(2,)),
    # No Source-IP: the hop into Yahoo's MX, "(EHLO mx8.example.com) (192.0.2.8)".
    "arf/sisimai__bsd_arf-02.eml": E(
        ips="192.0.2.8",
        types=SPAM,
        also_ok="example.com mx8.example.com",
        never="127.0.0.1 192.0.2.45 yahoo.com",
        classes=(2,),
    ),
    "arf/sisimai__bsd_arf-11.eml": E(ips="192.0.2.2", types=SPAM, also_ok="mx53.example.net"),
    "arf/sisimai__bsd_arf-12.eml": N(note="Feedback-Type: opt-out is an unsubscribe request"),
    "arf/sisimai__bsd_arf-14.eml": E(
        ips="192.0.2.2",
        types=SPAM,
        also_ok="amazonses.com",
        never="192.0.2.222 192.0.2.22 192.0.2.1 y.example.com",
        classes=(2,),
    ),
    "arf/sisimai__bsd_arf-15.eml": E(ips="192.0.2.222", types=SPAM, never="192.0.2.22"),
    "arf/sisimai__bsd_arf-17.eml": E(
        ips="192.0.2.3", types=SPAM, never="abusix.com blackhole.mx example.org/contact"
    ),
    "arf/sisimai__bsd_arf-21.eml": E(ips="198.51.100.224", types=SPAM, never="203.0.113.225"),
    "arf/sisimai__bsd_arf-25.eml": E(
        ips="10.0.0.1", types=SPAM, also_ok="example.com", never="1.2.3.4 returnpath.net"
    ),
    "arf/stalwart__arf_001.eml": E(ips="192.0.2.1", types=SPAM, never="mipassoc.org"),
    # Reported-Uri names the spamvertised page; the mailto: one is the recipient's address.
    "arf/stalwart__arf_002.eml": E(
        ips="192.0.2.1",
        urls="http://example.net/earn_money.html",
        types=SPAM,
        also_ok="example.net",
        never="mipassoc.org user@example.com",
    ),
    # --- copyright/ ----------------------------------------------------------------------
    "copyright/abuseio__Copyrightcompliance_Example_1.eml": E(
        ips="10.0.2.100", types="copyright", never="copyright-compliance.com"
    ),
    "copyright/abuseio__Copyrightcompliance_Example_2.eml": E(
        ips="fdf1:cb9d:f59e:19b0:2:3:ff33:345", types="copyright", never="copyright-compliance.com"
    ),
    "copyright/abuseio__ip-echelon_sample1.eml": E(
        ips="192.168.2.200", types="copyright", never="ip-echelon.com perfectprovider.tld"
    ),
    "copyright/abuseio__ip-echelon_sample10.eml": E(
        ips="192.168.3.3", types="copyright", never="ip-echelon.com"
    ),
    "copyright/abuseio__ip-echelon_sample14.eml": E(
        ips="192.168.3.6", types="copyright", never="ip-echelon.com"
    ),
    "copyright/abuseio__ip-echelon_sample5.eml": E(
        ips="192.168.2.200", types="copyright", never="ip-echelon.com"
    ),
    # IP_Address "92.222.64.5.4" has five octets: nothing can be reported, and nothing may.
    "copyright/cerberus__acns.eml": E(
        types="copyright", never="92.222.64.5 222.64.5.4 pgp.mit.edu copyright-compliance.com"
    ),
    # Cloudflare forwards a DMCA notice and names the origin address.
    "copyright/cerberus__cloudflare.eml": E(
        ips="188.165.254.226",
        hosts="libroporvenir.com",
        urls=(
            "http://libroporvenir.com/pdf/doctor-who-travels-in-time-coloring-book-by-price-stern-sloan-2016-07-26",
            "http://libroporvenir.com/pdf/doctor-who-travels-in-time-coloring-book",
        ),
        types="copyright",
        never="cloudflare.com digimarc.com",
        classes=(1, 2),
    ),
    "copyright/cerberus__iptv1.eml": E(
        ips="149.202.207.8",
        urls="http://149.202.207.8:8080/tinKk00JuTTsyjkiy-2/Strm/index.m3u8",
        types="copyright",
        never="friendmts.com",
        classes=(1,),
    ),
    # The "Link:" is the infringing file; "Source:" is the forum page it was found on.
    "copyright/cerberus__samples_sample5.eml": E(
        urls="http://www.example.com/share/file/AAAAAAAAAAAAAAAAAAAAAAAAAA/",
        types="copyright",
        also_ok="http://www.example2.rog/threads/123456-test",
        never="publicagent.com degban.com brazzers.com",
        classes=(2,),
    ),
    # --- dmarc/: aggregate and failure reports are deliverability data, never complaints --
    **{
        f"dmarc/{name}": N(classes=(4,))
        for name in (
            "parsedmarc__DMARC_Failure_Report_for_domain.de_mail-from_sharepoint_domain.de_ip_10.10.10.10_.eml",
            "parsedmarc__Netease_DMARC_Failure_Report_Rent_Reminder.eml",
            "parsedmarc__Report_domain-_borschow.com_Submitter-_google.com_Report-ID-_949348866075514174.eml",
            "parsedmarc__dmarc_ruf_report_linkedin.crlf.eml",
            "parsedmarc__exim_plain_text_only_no_arf_part.eml",
            "parsedmarc__mimecast-weird-gzip.eml",
            "parsedmarc__twilight.eml",
            "sisimai__bsd_arf-18.eml",
            "sisimai__bsd_arf-20.eml",
            "stalwart__arf_003.eml",
            "stalwart__arf_004.eml",
            "stalwart__dmarc-feedback_100.eml",
            "stalwart__dmarc-feedback_102.eml",
            "stalwart__dmarc-feedback_103.eml",
            "stalwart__dmarc-feedback_104.eml",
        )
    },
    # --- freetext/ -----------------------------------------------------------------------
    "freetext/cerberus__bitninja.eml": E(
        ips="1.2.3.4",
        types="system-compromise exploit brute-force",
        never="bitninja.io",
        classes=(2,),
    ),
    "freetext/cerberus__lexsicom.eml": E(
        ips="1.2.3.4",
        urls="http://evildomain.com/logo/system/service/ss/www/reactivation/",
        types="phishing",
        never="lcl.fr lexsi.com cert-socalexsi.com wikipedia",
        classes=(2,),
    ),
    "freetext/cerberus__nfoservers.eml": E(
        ips="1.2.3.4",
        types="ddos-amplifier ddos",
        never="team-cymru.org litnet.lt sans.org symantec.com juniper.net openntpproject.org",
        classes=(2,),
    ),
    # Cloudflare answering the desk's request (sent to a ticket reply address): not a
    # complaint, however many names it gives.
    "freetext/cerberus__samples_sample24.eml": N(
        never="www.cdnproxy-protected-domain.com 5.39.1.1",
        note="Cloudflare's answer to our question, sent to a ticket address",
    ),
    "freetext/cerberus__samples_sample9.eml": N(never="isp.com test.com"),
    "freetext/cerberus__spamhaus.eml": E(
        ips="1.2.3.4",
        types="blacklist phishing",
        never="spamhaus.org ovh.net",
        classes=(2, 5),
    ),
    "freetext/csirtgmail__multi_mixed_plain_rfc822_mixed_plain_rfc822_plain_base64_01.eml": E(
        urls="http://www.example.com",
        types="phishing",
        never="192.168.35.200 csirtgadgets.org csirtgadgets.com comcast.net",
    ),
    "freetext/csirtgmail__multi_mixed_plain_rfc822_plain_01.eml": E(
        urls="http://www.example.com",
        types="phishing",
        never="192.168.35.200 csirtgadgets.org comcast.net",
    ),
    # --- jmrp/: Microsoft names the source in the subject; X-Reporter-IP is the user's --
    **{
        f"jmrp/sisimai__bsd_arf-{n}.eml": E(
            ips="192.0.2.222",
            types=SPAM,
            never="192.0.2.22 203.0.113.25 198.51.100.1 192.0.2.25 hotmail.com",
            classes=(2,),
        )
        for n in (22, 23, 24)
    },
    # --- other/ --------------------------------------------------------------------------
    "other/abuseio__Cleanmx_Example_1.eml": E(
        ips="192.168.2.20",
        types="scanner spam",
        never="clean-mx.de x-arf.org victim.domain.tld somewhere.tld",
        classes=(2,),
        note="address harvesting on a mail server",
    ),
    "other/abuseio__Cleanmx_Example_2.eml": E(
        ips="172.16.10.13",
        urls="http://8f2e67c462.victim.tld/",
        types="malware-distribution system-compromise",
        never="clean-mx.de",
        classes=(1, 2),
    ),
    "other/abuseio__Netcraft_Example_1.eml": E(
        ips="10.0.2.2",
        urls="http://www.domain.tld/guestbook.html http://www.domain.tld/contact.html",
        types="malware-distribution system-compromise application-compromise",
        also_ok="http://www.domain.tld/scripts/ufo.js",
        never="netcraft.com sidn.nl x-arf.org",
        classes=(2,),
    ),
    # The anonymiser changed the body's host (uk.victim.com) but not the X-ARF part's.
    "other/abuseio__Netcraft_Example_6.eml": E(
        urls=(
            "http://www.john-doe.tld/~newhtvzr/files/update/files/others/ii.php?rand=13InboxLightaspxn.1774256418&fid.4.1252899642&fid=1&fav.1&rand.13InboxLight.aspxn.1774256418&fid.1252899642&fid.1&fav.1&username=&username1=&domain=&.rand=13InboxLight.aspx?n=1774256",
        ),
        types="phishing",
        also_ok="uk.victim.com 10.19.3.1 john-doe.tld",
        never="netcraft.com sidn.nl x-arf.org google.com",
        classes=(2,),
    ),
    "other/abuseio__Netcraft_Example_9.eml": E(
        urls="http://www.johndoe.tld/w/www.victim.co.uk/index.php",
        types="phishing",
        also_ok="10.2.2.15 johndoe.tld",
        never="netcraft.com sidn.nl victim.co.uk",
        classes=(2,),
    ),
    "other/abuseio__Projecthoneypot_Example_free_1.eml": E(
        ips="10.0.2.1 10.0.2.2 10.0.2.3 10.0.2.4 10.0.2.5",
        types="scanner spam",
        never="projecthoneypot.org unspam.com",
        classes=(2,),
    ),
    "other/abuseio__Projecthoneypot_Example_paid_1.eml": E(
        ips="192.168.1.19 192.168.1.21 192.168.1.22 192.168.1.23",
        types="scanner spam brute-force other",
        never="projecthoneypot.org tap.co.id unspam.com",
        classes=(2,),
    ),
    # The URLs are only in XML attributes.
    "other/abuseio__Safe_Browsing_Report_1.eml": E(
        ips="10.0.2.23 10.0.2.26",
        urls=(
            "http://nacions.com/",
            "http://nacions.com/wordpress/",
            "http://nacions.com/gallery2/",
            "http://10.0.2.26:2222/CMD_FILE_MANAGER/domains/derada.com/public_html/wp-content/themes/econature/framework/class",
            "http://10.0.2.26:2222/CMD_FILE_MANAGER/domains/zacater.com/public_html/wp-content/plugins/flexicache/_data",
        ),
        types="malware-distribution system-compromise",
        never="google.com",
        classes=(1,),
    ),
    "other/abuseio__Webiron_Example_1.eml": E(
        ips="172.16.31.20",
        types="infected-system brute-force",
        never="172.16.30.0 webiron.com",
        classes=(2,),
    ),
    "other/abuseio__Webiron_Example_2.eml": E(
        ips="172.16.10.13",
        types="brute-force infected-system",
        never="172.16.30.0 webiron.com",
        classes=(2,),
    ),
    "other/parsedmarc__google.com_smtp_tls_report.eml": N(classes=(4,)),
    "other/stalwart__tlsrpt_rpt01.eml": N(classes=(4,)),
    # --- shadowserver/: the "ip" column; hostnames, refids and sinkholes are not abusers --
    "shadowserver/abuseio__2015-01-01-dns_openresolver-sample-asn.csv.zip.eml": E(
        ips="208.70.149.107 204.245.210.223 40.135.0.109 76.74.186.178 31.42.105.195",
        types=AMPLIFIER,
        never="dl.shadowserver.org shadowserver.org",
        classes=(5,),
    ),
    "shadowserver/abuseio__2015-01-01-scan_mssql-sample-asn.csv.zip.eml": E(
        ips=(
            "110.88.113.98 112.20.234.33 182.73.224.158 82.119.155.254 163.17.10.26 "
            "182.18.189.236 177.189.201.149 178.32.46.20 65.182.104.147 187.45.202.36"
        ),
        types=f"{AMPLIFIER} {EXPOSED}",
        never="shadowserver.org",
        classes=(5,),
    ),
    "shadowserver/abuseio__2015-01-01-scan_ntp-sample-asn.csv.zip.eml": E(
        ips=(
            "76.22.142.205 123.23.130.233 193.158.193.1 221.112.23.116 62.212.206.130 "
            "115.91.152.25 106.243.160.182 118.186.156.166 91.191.233.205"
        ),
        types=AMPLIFIER,
        never="204.34.198.40 194.25.7.190 61.122.116.184 shadowserver.org",
        classes=(5,),
    ),
    "shadowserver/abuseio__2015-01-01-scan_redis-sample-asn.csv.zip.eml": E(
        ips=(
            "98.126.92.5 153.120.101.170 23.251.154.32 104.203.27.243 50.188.150.22 "
            "54.167.182.69 46.4.13.206 58.178.184.235 173.208.211.213 23.239.11.248 "
            "54.174.181.36 211.103.198.123 192.241.235.129"
        ),
        types=EXPOSED,
        never="shadowserver.org",
        classes=(5,),
    ),
    "shadowserver/abuseio__2015-01-01-scan_snmp-sample-asn.csv.zip.eml": E(
        ips=(
            "129.113.21.93 79.2.242.16 95.109.21.127 201.8.4.57 76.186.106.223 "
            "182.68.111.119 125.214.158.32 74.138.148.8 222.233.225.196 84.3.91.88"
        ),
        types=AMPLIFIER,
        never="shadowserver.org",
        classes=(5,),
    ),
    "shadowserver/abuseio__2015-01-01-sinkhole_http_drone-sample-asn.csv.zip.eml": E(
        ips=(
            "202.86.21.11 82.115.28.93 180.94.94.3 82.115.10.63 82.115.10.39 82.115.25.117 "
            "82.115.23.237 82.115.23.172"
        ),
        types="infected-system",
        never="149.20.56.32 shadowserver.org",
        classes=(5,),
    ),
    # The anonymiser put the hosts in 127.0.0.0/8: nothing reportable is left.
    "shadowserver/abuseio__2019-01-06-scan_afp-sample-ip.csv.zip.eml": E(
        types=EXPOSED, also_ok="127.0.6.59 127.0.6.57", never="shadowserver.org", classes=(5,)
    ),
    "shadowserver/abuseio__2019-10-15-scan_ftp-sample-asn.csv.zip.eml": E(
        ips="31.42.105.195", types=EXPOSED, never="shadowserver.org", classes=(5,)
    ),
    "shadowserver/abuseio__2019-10-15-scan_http-sample-asn.csv.zip.eml": E(
        ips="31.42.105.195", types=EXPOSED, never="shadowserver.org", classes=(5,)
    ),
    # --- spamcop/ ------------------------------------------------------------------------
    "spamcop/cerberus__samples_sample2.eml": E(
        ips="213.251.151.160",
        types="spam phishing",
        also_ok="plesk.strada.fr strada.fr pay-pal.com",
        never="10.202.2.45 10.202.2.204 spamcop.net w3.org messagingengine.com",
        classes=(2,),
    ),
    # --- xarf/ (mail) --------------------------------------------------------------------
    "xarf/abuseio__Abusehub_Example_1.eml": E(
        ips="172.16.10.13",
        types="infected-system",
        never="72.205.6.40 malicious.domain.tld abusehub.nl abuseinformationexchange.nl",
        classes=(2,),
    ),
    "xarf/abuseio__Abusehub_Example_2.eml": E(
        ips="fdf1:cb9d:f59e:19b0:0:45:0:22",
        types="infected-system",
        never="fd30::1:ff4e:3e:9:1 malicious.domain.tld abusehub.nl",
        classes=(2,),
    ),
    # A bot registering on forums to post spam; the "Website:" it entered is YouTube's.
    "xarf/abuseio__Blocklistde_Example_1.eml": E(
        ips="10.0.2.150",
        types="spam brute-force",
        also_ok="attacker.cust.domain.tld",
        never="109.239.50.114 192.168.1.1 192.168.1.2 blocklist.de youtube.com x-arf.org",
        classes=(2,),
    ),
    "xarf/abuseio__Blocklistde_Example_2.eml": E(
        ips="fdf1:cb9d:f59e:19b0::33:4f",
        types="spam brute-force",
        also_ok="attacker.cust.domain.tld",
        never="109.239.50.114 192.168.1.1 192.168.1.2 blocklist.de youtube.com",
        classes=(2,),
    ),
    "xarf/abuseio__Cyscon_Example_1.eml": E(
        ips="172.16.10.13",
        urls="http://malware.cust.domain.tld/",
        types="malware-distribution",
        never="c-sirt.org check-and-secure.com x-arf.org cyscon.de",
        classes=(2,),
    ),
    "xarf/abuseio__Cyscon_Example_2.eml": E(
        ips="fdf1:cb9d:f59e:19b0:ff3:567:0:33",
        urls="http://malware.cust.domain.tld/",
        types="malware-distribution",
        never="c-sirt.org check-and-secure.com cyscon.de",
        classes=(2,),
    ),
    # The address is masked: only the phishing URL can be reported.
    "xarf/cerberus__xarf1.txt": E(
        urls="http://domain.tld/images/login.html",
        types="phishing",
        also_ok="domain.tld",
        never="91.78.17 blocklist.de x-arf.org",
        classes=(2,),
    ),
    "xarf/cerberus__xarf2.txt": E(
        urls="http://www.XXXXXXX.com.cn/help.htm",
        types="malware-distribution",
        never="c-sirt.org cyscon.de",
        classes=(2,),
    ),
}
