"""Web sites a complaint names that are never the abuse, and links that stand for another.

Responsibility: *data and small pure functions* about hosts, for ``indicators`` and
``structure``:

- ``registrable``: the registrable domain of a host name by the Public Suffix List (the
  ``publicsuffixlist`` package's bundled snapshot; never fetched over the network), and
  ``tld_is_real``: whether a bare name ends in a top-level domain that exists.
- ``REFERENCE_DOMAINS``: lookup, RDAP/WHOIS, reputation, sandbox and archive services,
  legal and advisory sites, social networks and newsletter platforms, and the brand sites
  phishing and trademark notices quote. A complaint links to them to *explain* the abuse
  (a VirusTotal report, the brand's genuine site, the reporter's LinkedIn page); none of
  them is hosted by a customer of ours, and reporting one would open a ticket against
  nobody, or worse.
- ``unwrap``: link-protection wrappers (Proofpoint URL Defense v1/v2/v3, Microsoft Safe
  Links, Google and Facebook redirectors) rewrite the reported URL into their own; the
  target is what the reporter saw, and may be the abuse.

Boundary: no text scanning here (``indicators`` and ``structure`` do that); the lists are
data, extended by adding a name, never by code.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from urllib.parse import parse_qs, unquote, urlsplit

from publicsuffixlist import PublicSuffixList

# RFC 2606 / RFC 6761 reserved names: documentation and tests use them for "some site on the
# Internet", as the reserved address ranges stand for "some address" (see indicators).
RESERVED_TLDS = frozenset({"test", "example", "invalid"})

# Top-level domains that are also common file extensions: a bare "setup.py", "notes.md" or
# "photos.zip" in prose is a file, not a site. A name under one of them is believed only
# when written as a URL, with "www.", or with three labels or more.
FILE_EXTENSION_TLDS = frozenset(
    {"zip", "mov", "py", "sh", "md", "rs", "ps", "so", "pm", "cs", "sc", "ls", "mp", "ai", "js"}
)


@cache
def _psl() -> PublicSuffixList:
    # The package's bundled list (ICANN and private sections). Loaded once per process.
    return PublicSuffixList()


@lru_cache(maxsize=8192)
def registrable(domain: str) -> str:
    """The registrable domain ("eTLD+1") of a host name: ``a.b.example.co.uk`` ->
    ``example.co.uk``, ``shop.github.io`` -> ``shop.github.io`` (a private suffix: each
    user's site is its own). A name that is itself a public suffix is returned as it is."""
    name = domain.lower().rstrip(".")
    return _psl().privatesuffix(name) or name


@lru_cache(maxsize=4096)
def tld_is_real(tld: str) -> bool:
    """True for a top-level domain of the Public Suffix List or a reserved one."""
    tld = tld.lower()
    return tld in RESERVED_TLDS or _psl().publicsuffix(tld, accept_unknown=False) is not None


# Registrable domains (or host names) whose links are never the abuse. Grouped by why.
_LOOKUP = """
    virustotal.com urlscan.io tria.ge any.run app.any.run hybrid-analysis.com joesandbox.com
    abuseipdb.com bgp.he.net he.net shodan.io censys.io greynoise.io talosintelligence.com
    ipinfo.io ipvoid.com urlvoid.com mxtoolbox.com dnschecker.org centralops.net
    domaintools.com whois.com who.is whois.net whoisxmlapi.com viewdns.info robtex.com
    securitytrails.com threatcrowd.org otx.alienvault.com alienvault.com exchange.xforce.ibmcloud.com
    xforce.ibmcloud.com urlhaus.abuse.ch abuse.ch bazaar.abuse.ch threatfox.abuse.ch
    phishtank.org phishtank.com openphish.com spamhaus.org spamcop.net barracudacentral.org
    multirbl.valli.org checkphish.ai phishstats.info transparencyreport.google.com
    safebrowsing.google.com sitecheck.sucuri.net quttera.com
    ripe.net rdap.db.ripe.net apps.db.ripe.net stat.ripe.net arin.net rdap.arin.net apnic.net
    lacnic.net afrinic.net rdap.org iana.org icann.org lookup.icann.org peeringdb.com
    bgpview.io ipinfo.io
"""
_ARCHIVE = """
    web.archive.org archive.org archive.ph archive.today archive.is archive.li archive.vn
    archive.md webcitation.org cachedview.nl
"""
_LEGAL_AND_ADVISORY = """
    copyright.gov lumendatabase.org dmca.com eur-lex.europa.eu europa.eu
    cisa.gov us-cert.gov nvd.nist.gov nist.gov cve.org cve.mitre.org mitre.org attack.mitre.org
    first.org cert.org enisa.europa.eu bsi.bund.de msrc.microsoft.com
    rfc-editor.org ietf.org datatracker.ietf.org w3.org schemas.microsoft.com purl.org
    xmlsoap.org wikipedia.org isc.org ntp.org openresolverproject.org
"""
# Trademark and patent registries, data-protection authorities and the public's reporting
# portals for fraud and cybercrime: cited as the record or as "also reported to".
_REGISTRIES_AND_AUTHORITIES = """
    uspto.gov tsdr.uspto.gov euipo.europa.eu wipo.int tmdn.org dpma.de register.dpma.de
    inpi.fr data.inpi.fr fips.ru jpo.go.jp j-platpat.inpit.go.jp ipo.gov.uk oepm.es
    inpi.gov.br uibm.gov.it boip.int ipaustralia.gov.au
    reportfraud.ftc.gov ftc.gov ic3.gov internet-signalements.gouv.fr
    cybermalveillance.gouv.fr actionfraud.police.uk report.ncsc.gov.uk ncsc.gov.uk
    antifraudcentre-centreantifraude.ca scamwatch.gov.au cyber.gov.au aepd.es cnil.fr
    incibe.es onlinewache.polizei.de
"""
_SOCIAL_AND_NEWSLETTER = """
    twitter.com x.com t.co linkedin.com lnkd.in facebook.com fb.com instagram.com
    youtube.com youtu.be tiktok.com pinterest.com flickr.com xing.com mastodon.social
    threads.net bsky.app reddit.com medium.com vimeo.com
    list-manage.com mailchimp.com mailchi.mp campaign-archive.com sendgrid.net
    constantcontact.com hubspot.com hs-sites.com substack.com
"""
# The genuine sites of brands that phishing imitates and trademark notices quote.
_BRANDS = """
    paypal.com paypal.me microsoft.com microsoftonline.com office.com office365.com live.com
    outlook.com hotmail.com windows.net azure.com apple.com icloud.com google.com gmail.com
    googlemail.com amazon.com amazon.de amazon.co.uk aws.amazon.com netflix.com ebay.com
    dhl.com dhl.de fedex.com ups.com usps.com royalmail.com postnl.nl laposte.fr
    facebook.com whatsapp.com instagram.com meta.com adobe.com dropbox.com docusign.com
    docusign.net wetransfer.com spotify.com steamcommunity.com steampowered.com
    coinbase.com binance.com blockchain.com metamask.io visa.com mastercard.com
    americanexpress.com chase.com wellsfargo.com bankofamerica.com citi.com hsbc.com
    booking.com airbnb.com alibaba.com aliexpress.com yahoo.com aol.com
"""

REFERENCE_DOMAINS = frozenset(
    " ".join(
        (
            _LOOKUP,
            _ARCHIVE,
            _LEGAL_AND_ADVISORY,
            _REGISTRIES_AND_AUTHORITIES,
            _SOCIAL_AND_NEWSLETTER,
            _BRANDS,
        )
    ).split()
)
# The first label of a host that only ever serves lookups (rdap.db.ripe.net,
# whois.example-registry.net).
LOOKUP_LABELS = frozenset({"rdap", "whois", "lookup"})


def is_reference_host(host: str) -> bool:
    """True for a host whose links explain abuse rather than being it (see above)."""
    host = host.lower().rstrip(".")
    if host.split(".", 1)[0] in LOOKUP_LABELS:
        return True
    if host in REFERENCE_DOMAINS:
        return True
    base = registrable(host)
    return base in REFERENCE_DOMAINS


# --- link-protection wrappers --------------------------------------------------------

_V2_ESCAPE = re.compile(r"-([0-9A-Fa-f]{2})")
_V3_TARGET = re.compile(r"^https?://urldefense(?:\.proofpoint)?\.com/v3/__(.{1,4000}?)__;", re.I)
_MAX_UNWRAP = 3  # a wrapped wrapper, at most this deep


def _proofpoint_v2(value: str) -> str:
    # URL Defense v2: "-" + two hex digits is a percent escape, "_" is "/".
    return unquote(_V2_ESCAPE.sub(lambda m: "%" + m.group(1), value).replace("_", "/"))


def _query_value(url: str, name: str) -> str | None:
    try:
        values = parse_qs(urlsplit(url).query).get(name)
    except ValueError:
        return None
    return values[0] if values else None


def _unwrap_once(url: str) -> str | None:
    lowered = url[:120].lower()
    if "urldefense" in lowered:
        match = _V3_TARGET.match(url)
        if match:
            return match.group(1)
        if "/v2/url" in lowered:
            value = _query_value(url, "u")
            return _proofpoint_v2(value) if value else None
        if "/v1/url" in lowered:
            return _query_value(url, "u")
        return None
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return None
    if host.endswith(".safelinks.protection.outlook.com"):
        return _query_value(url, "url")
    if host in ("www.google.com", "google.com") and urlsplit(url).path == "/url":
        return _query_value(url, "q") or _query_value(url, "url")
    if host in ("l.facebook.com", "lm.facebook.com") and urlsplit(url).path == "/l.php":
        return _query_value(url, "u")
    return None


def unwrap(url: str) -> str:
    """The target of a link-protection or redirector URL; the URL itself otherwise."""
    for _ in range(_MAX_UNWRAP):
        target = _unwrap_once(url)
        if not target or "://" not in target[:12]:
            return url
        url = target.strip()
    return url
