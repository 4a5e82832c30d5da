"""The project's table of Shadowserver report families -> RSIT classification.

Shadowserver names each report family in its file name (``2019-10-15-scan_ftp-sample-asn.csv``,
``event4_honeypot_brute_force``); the official schema cannot be fetched from here, so this
table is ours, written from the published report descriptions. It is data only: the parser
(``shadowserver.py``) decides which family a CSV belongs to, this module says what it means.

Classification rules for open-service scans (``scan_*``):
- ``ddos-amplifier``: UDP services that answer a small spoofed request with a large reply;
- ``potentially-unwanted-accessible``: databases, file shares and remote-admin services that
  should not face the Internet at all;
- ``vulnerable-system``: services that are fine to expose but are reported because of a weak
  or vulnerable configuration (cleartext FTP/Telnet banners, SSL issues, CWMP, IKE, ...).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Family:
    """What one report family means: its classification and a default identifier
    (used when the row carries no ``tag``/``infection`` of its own)."""

    type: str
    identifier: str
    ip_column: str = "ip"  # event4_* families name the offender src_ip


# Scanned service -> classification. Keys are the service names Shadowserver uses both in
# ``scan_<service>`` family names and in the per-row ``tag`` column.
AMPLIFIER_SERVICES = frozenset(
    {
        "dns",
        "openresolver",
        "ntp",
        "ntpversion",
        "ntpmonitor",
        "snmp",
        "ssdp",
        "memcached",
        "chargen",
        "qotd",
        "netbios",
        "portmapper",
        "mdns",
        "ldap_udp",
        "cldap",
        "tftp",
        "coap",
        "ubiquiti",
        "xdmcp",
        "sentinel",
        "ard",
        "ws_discovery",
        "dvr_dhcpdiscover",
        "rdpeudp",
        "stun",
        "slp",
        "quic",
        # UDP 1434 (SQL Server Browser): Shadowserver reports it with an amplification factor.
        "mssql",
    }
)

ACCESSIBLE_SERVICES = frozenset(
    {
        "rdp",
        "smb",
        "vnc",
        "rfb",
        "mysql",
        "postgres",
        "mongodb",
        "elasticsearch",
        "redis",
        "couchdb",
        "cassandra",
        "db2",
        "hadoop",
        "ldap",
        "ldap_tcp",
        "ipmi",
        "afp",
        "nfs",
        "rsync",
        "docker",
        "kubernetes",
        "amqp",
        "mqtt",
        "x11",
        "telnet",
        "modbus",
        "bacnet",
        "ics",
        "ipp",
        "radmin",
        "socks",
        "socks4",
        "socks5",
        "proxy",
        "zookeeper",
        "etcd",
    }
)

VULNERABLE_SERVICES = frozenset(
    {
        "http",
        "https",
        "ftp",
        "ssh",
        "smtp",
        "imap",
        "pop3",
        "cwmp",
        "isakmp",
        "ssl_poodle",
        "ssl_freak",
        "sslv3",
        "exchange",
        "citrix",
        "sip",
        "vpn",
        "http_vulnerable",
        "http_proxy",
    }
)

# Aliases seen in tags and old family names -> canonical service.
SERVICE_ALIASES: dict[str, str] = {
    "openresolver": "dns",
    "dns_openresolver": "dns",
    "ntpversion": "ntp",
    "ntpmonitor": "ntp",
    "netbios_nameservice": "netbios",
    "rfb": "vnc",
    "elastic": "elasticsearch",
    "mongo": "mongodb",
    "postgresql": "postgres",
    "ldap_tcp": "ldap",
}


def service_type(service: str) -> str | None:
    """Classification of one scanned service, or None when the table does not know it."""
    name = service.lower()
    if name in AMPLIFIER_SERVICES:
        return "ddos-amplifier"
    if name in ACCESSIBLE_SERVICES:
        return "potentially-unwanted-accessible"
    if name in VULNERABLE_SERVICES:
        return "vulnerable-system"
    return None


def _scan_families() -> dict[str, Family]:
    families: dict[str, Family] = {}
    for service in AMPLIFIER_SERVICES | ACCESSIBLE_SERVICES | VULNERABLE_SERVICES:
        kind = service_type(service) or "vulnerable-system"
        canonical = SERVICE_ALIASES.get(service, service)
        prefix = "open" if kind == "ddos-amplifier" else "accessible"
        for family in (f"scan_{service}", f"scan6_{service}"):
            families[family] = Family(kind, f"{prefix}-{canonical}")
    return families


FAMILIES: dict[str, Family] = {
    **_scan_families(),
    "dns_openresolver": Family("ddos-amplifier", "open-dns"),
    "scan_dns": Family("ddos-amplifier", "open-dns"),
    "scan_ntpmonitor": Family("ddos-amplifier", "open-ntp-monitor"),
    # Sinkholes and botnet drones: the address talked to a sinkholed C2: an infected host.
    "botnet_drone": Family("infected-system", "botnet-drone"),
    "drone": Family("infected-system", "botnet-drone"),
    "sinkhole_http_drone": Family("infected-system", "sinkhole-http-drone"),
    "microsoft_sinkhole": Family("infected-system", "microsoft-sinkhole"),
    "event4_sinkhole": Family("infected-system", "sinkhole", "src_ip"),
    "event4_sinkhole_http": Family("infected-system", "sinkhole-http", "src_ip"),
    "event4_sinkhole_dns": Family("infected-system", "sinkhole-dns", "src_ip"),
    "event6_sinkhole": Family("infected-system", "sinkhole", "src_ip"),
    "event6_sinkhole_http": Family("infected-system", "sinkhole-http", "src_ip"),
    "event4_microsoft_sinkhole": Family("infected-system", "microsoft-sinkhole", "src_ip"),
    "event4_microsoft_sinkhole_http": Family("infected-system", "microsoft-sinkhole", "src_ip"),
    # Honeypots: what the source did to the honeypot.
    "event4_honeypot_brute_force": Family("brute-force", "honeypot-brute-force", "src_ip"),
    "event6_honeypot_brute_force": Family("brute-force", "honeypot-brute-force", "src_ip"),
    "event4_honeypot_scan": Family("scanner", "honeypot-scan", "src_ip"),
    "event4_honeypot_darknet": Family("scanner", "darknet", "src_ip"),
    "darknet": Family("scanner", "darknet"),
    "event4_honeypot_http_scan": Family("exploit", "honeypot-http-scan", "src_ip"),
    "event6_honeypot_http_scan": Family("exploit", "honeypot-http-scan", "src_ip"),
    "event4_honeypot_exploitation": Family("exploit", "honeypot-exploit", "src_ip"),
    "event4_exploitation": Family("exploit", "exploitation", "src_ip"),
    "event4_ics_scan": Family("scanner", "ics-scan", "src_ip"),
    # In the amplification-DDoS report src_ip is the (spoofed) address the reflected
    # traffic was aimed at; Shadowserver still files it under DDoS and so do we.
    "event4_honeypot_ddos_amp": Family("ddos", "amplification-ddos", "src_ip"),
    "event4_honeypot_ddos": Family("ddos", "honeypot-ddos", "src_ip"),
    "event4_ddos_participant": Family("ddos", "ddos-participant", "src_ip"),
    "ddos_participant": Family("ddos", "ddos-participant", "src_ip"),
    # Content hosted on the address.
    "compromised_website": Family("system-compromise", "compromised-website"),
    "malware_url": Family("malware-distribution", "malware-url"),
    "phish_url": Family("phishing", "phishing-url"),
    "blocklist": Family("blacklist", "blocklist"),
    "cisco_ip_blocklist": Family("blacklist", "blocklist"),
}

# Longest first, so ``event4_sinkhole_http`` wins over ``event4_sinkhole`` when matching.
FAMILY_NAMES_LONGEST_FIRST: tuple[str, ...] = tuple(sorted(FAMILIES, key=len, reverse=True))
