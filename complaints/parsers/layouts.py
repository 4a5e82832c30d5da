"""What the labels of complaints mean, and the layouts of known senders: data, not code.

Responsibility: the tables ``structure`` reads labelled fields and table columns with. A
label (``Source IP:``, a CSV column ``dst_ip``, an HTML ``<th>Infringing URL</th>``) says
what its value *is*:

- ``SOURCE``: the abuse — an offending address, host or URL; reported.
- ``VICTIM``: the reporter's side — its sensor, honeypot, sinkhole, the attacked server, a
  destination; never reported, and not reported when the prose names it either.
- ``REFERENCE``: a link that explains (the brand imitated, the original work, an analysis);
  never reported.
- ``KIND``: the sender's own word for the kind of abuse (``Report type: Phishing``), read
  by ``classify``.

``SENDER_LAYOUTS`` adds, per sender (registrable domain of the From address), the labels
that sender uses in its own sense and the kind its notices are about when they do not say.
A new sender's layout is a new entry here, never a new parser. The From address can be
forged; that only chooses which of these tables read the message, it proves nothing.

Labels are matched lower-case with runs of blanks, ``_`` and ``-`` made one space and a
trailing ``(s)``/``s`` and ``#`` dropped (see ``structure.label_key``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

SOURCE = "source"
VICTIM = "victim"
REFERENCE = "reference"
KIND = "kind"
COUNTERPART = "counterpart"


def _words(text: str) -> frozenset[str]:
    return frozenset(line.strip() for line in text.strip().splitlines() if line.strip())


# Labels of the abuse itself.
SOURCE_LABELS = _words(
    """
    ip
    ip address
    ipv4
    ipv6
    ips
    ip cidr
    cidr
    ip range
    ip addresses
    address
    src
    src ip
    srcip
    source
    source ip
    source ip address
    source address
    src addr
    saddr
    attacker
    attacker ip
    attacking ip
    attack source
    offending ip
    offending host
    offending url
    offender
    offender ip
    abuser ip
    origin ip
    origin server
    origin
    sending ip
    sender ip
    connecting ip
    client ip
    remote ip
    remote addr
    infected ip
    infected host
    bot ip
    drone ip
    compromised host
    compromised ip
    compromised url
    host
    hostname
    host name
    server
    server ip
    domain
    domain name
    infringing domain
    infringing url
    infringing link
    infringing location
    infringing content
    location
    url
    link
    uri
    reported url
    reported site
    reported domain
    reported ip
    reported uri
    phishing url
    phishing site
    phishing link
    phishing domain
    fraudulent url
    fraudulent site
    fraudulent domain
    malicious url
    malicious domain
    malicious ip
    malware url
    download url
    payload url
    distribution url
    c2 server
    c2 ip
    c&c server
    botnet controller
    resource
    resource url
    abusive url
    abusive content
    evidence url
    spamvertised url
    spamvertised site
    spam source
    spam url
    ip port
    affected ip
    affected host
    vulnerable host
    vulnerable ip
    """
)

# Labels of the reporter's or the victim's side.
VICTIM_LABELS = _words(
    """
    dst
    dst ip
    dstip
    dest
    dest ip
    destination
    destination ip
    destination address
    dst addr
    daddr
    target
    target ip
    targeted ip
    target host
    target server
    victim
    victim ip
    victim host
    honeypot
    honeypot ip
    sensor
    sensor ip
    sinkhole
    sinkhole ip
    reporter ip
    reporting ip
    our ip
    our server
    local ip
    lip
    recipient ip
    x reporter ip
    referrer
    """
)

# Labels of the other end of what a record reports: a bot's C2 server, the site a request
# came from. Set aside when the same record has a source; the abuse itself otherwise (a
# notice that lists only "C2: 192.0.2.1" is about that server).
COUNTERPART_LABELS = _words(
    """
    c2
    cc
    c&c
    c2 domain
    c2 url
    cnc
    """
)

REFERENCE_LABELS = _words(
    """
    brand
    targeted brand
    impersonated brand
    brand site
    official site
    official website
    legitimate site
    legitimate url
    genuine site
    original work
    original url
    original content
    original
    copyrighted work
    work
    rights owner
    rights holder
    copyright owner
    counter notification
    counter notification information
    more information
    more info
    further information
    information
    reference
    advisory
    analysis
    report
    virustotal
    urlscan
    sandbox
    screenshot
    archive
    archived copy
    archived
    whois
    lookup
    contact
    web
    homepage
    website
    portal
    unsubscribe
    privacy
    privacy policy
    terms
    imprint
    """
)

KIND_LABELS = _words(
    """
    type
    report type
    abuse type
    incident type
    complaint type
    category
    abuse category
    classification
    threat
    threat type
    attack type
    event type
    violation
    infringement type
    issue
    reason
    """
)


def label_role(key: str) -> str | None:
    """The role of a normalised label, or None for a label that says nothing. A plural
    ("URLs", "IPs") reads as its singular."""
    role = _role(key)
    if role is None and key.endswith("s"):
        role = _role(key[:-1])
    return role


def _role(key: str) -> str | None:
    if key in SOURCE_LABELS:
        return SOURCE
    if key in COUNTERPART_LABELS:
        return COUNTERPART
    if key in VICTIM_LABELS:
        return VICTIM
    if key in REFERENCE_LABELS:
        return REFERENCE
    if key in KIND_LABELS:
        return KIND
    return None


@dataclass(frozen=True)
class SenderLayout:
    """One sender's own labels (normalised as above) and the kind of abuse its notices
    are about unless they say otherwise."""

    source: frozenset[str] = frozenset()
    victim: frozenset[str] = frozenset()
    reference: frozenset[str] = frozenset()
    kind: frozenset[str] = frozenset()
    default_type: str | None = None
    notes: str = ""
    aliases: tuple[str, ...] = field(default_factory=tuple)


# Registrable domain of the sender -> its layout. Kept to layouts seen in real notices;
# the general tables above cover the rest.
SENDER_LAYOUTS: dict[str, SenderLayout] = {
    "netcraft.com": SenderLayout(
        source=frozenset({"malicious site", "attack url", "site"}),
        default_type="phishing",
        notes="takedown notices: the site first, its IP in brackets",
    ),
    "phishlabs.com": SenderLayout(
        source=frozenset({"malicious url", "threat url", "site"}),
        default_type="phishing",
    ),
    "markmonitor.com": SenderLayout(
        source=frozenset({"infringing url", "infringing site", "domain"}),
        reference=frozenset({"brand", "trademark", "registration"}),
        default_type="masquerade",
    ),
    "opsec-security.com": SenderLayout(
        source=frozenset({"infringing url"}), default_type="copyright"
    ),
    "irdeto.com": SenderLayout(
        source=frozenset({"url", "infringing url"}), default_type="copyright"
    ),
    "mg.removals.irdeto.com": SenderLayout(source=frozenset({"url"}), default_type="copyright"),
    "cert-bund.de": SenderLayout(
        source=frozenset({"ip", "hostname", "asn ip"}),
        victim=frozenset({"destination", "dst"}),
        notes="tables 'ASN | IP | Timestamp (UTC) | ...', one notice per kind",
    ),
    "bund.de": SenderLayout(source=frozenset({"ip", "hostname"})),
    "abuse.ch": SenderLayout(
        source=frozenset({"url", "host", "ip address"}),
        reference=frozenset({"urlhaus reference", "threatfox reference"}),
        default_type="malware-distribution",
    ),
    "bitninja.io": SenderLayout(
        source=frozenset({"ip", "attacker ip"}),
        victim=frozenset({"server", "target server", "target"}),
        default_type="brute-force",
        notes="'Server' is the attacked BitNinja-protected host",
    ),
    "abusix.com": SenderLayout(source=frozenset({"source ip", "ip"})),
    "blocklist.de": SenderLayout(
        source=frozenset({"ip", "attacker"}),
        victim=frozenset({"server", "reported by"}),
        default_type="brute-force",
    ),
    "webiron.com": SenderLayout(
        source=frozenset({"offending ip", "offending/source ip"}),
        victim=frozenset({"targeted url", "target domain", "target ip"}),
    ),
    "cloudflare.com": SenderLayout(
        source=frozenset({"reported urls", "reported url", "origin ip", "origin"}),
        notes="forwards complaints about sites behind its proxy with their origin IP",
    ),
    "google.com": SenderLayout(
        source=frozenset({"url", "urls", "ip"}), reference=frozenset({"safe browsing"})
    ),
    "spamcop.net": SenderLayout(default_type="spam"),
    "shadowserver.org": SenderLayout(victim=frozenset({"dst ip", "sinkhole"})),
}
