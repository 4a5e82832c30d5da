"""What the test DNS servers serve: blocklist zones for rbldnsd and crafted domains for NSD.

Every failure the deliverability doctor must explain has its own name under
``doctor.test``; the reverse zone ``2.0.192.in-addr.arpa`` holds PTRs for FCrDNS. Addresses
are from the documentation ranges (RFC 5737, RFC 3849). DKIM keys are public keys of the
wanted size built from arbitrary moduli: only their size and encoding matter to a checker.
"""

from __future__ import annotations

import base64
import random

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

# --- blocklists (rbldnsd) ----------------------------------------------------------------

BLOCKLIST_ZONES: dict[str, tuple[str, str]] = {
    # A healthy IPv4 list with return codes and TXT, and one address answering an error code.
    "bl.test": (
        "ip4set",
        ":127.0.0.2:Listed on bl.test, see https://bl.test/lookup?$\n"
        "127.0.0.2\n"
        "192.0.2.26 :127.0.0.4:Spam source $\n"
        "198.51.100.0/28 :127.0.0.3:Dynamic range\n"
        "192.0.2.99 :127.255.255.255:Excessive queries\n",
    ),
    # RFC 5782 section 5 for IPv6 lists: ::FFFF:7F00:2 listed, ::FFFF:7F00:1 not.
    "v6.test": (
        "ip6trie",
        ":127.0.0.2:Listed on v6.test: $\n::ffff:7f00:2\n2001:db8::25\n2001:db8:bad::/48\n",
    ),
    "dbl.test": ("dnset", ":127.0.1.2:Spam domain $\ntest\nspammer.example\n*.phish.example\n"),
    # Broken zones: lists everything (0/0), answers an error code for everything, is empty.
    "all.test": ("ip4trie", ":127.0.0.2:Listed\n0.0.0.0/0\n"),
    "err.test": ("ip4trie", ":127.255.255.254:Public resolver\n0.0.0.0/0\n"),
    "empty.test": ("ip4set", "192.0.2.200\n"),
}

# --- authoritative (NSD) -----------------------------------------------------------------

ZONE = "doctor.test"
GOOD_MX_IP = "192.0.2.25"  # PTR mx.good.doctor.test, which resolves back: FCrDNS pass
INCLUDED_IP = "192.0.2.26"  # authorized through good's include; PTR has no matching A
NO_PTR_IP = "192.0.2.27"
UNAUTHORIZED_IP = "203.0.113.5"


def dkim_key(bits: int, *, seed: int) -> str:
    """Base64 SubjectPublicKeyInfo of an RSA key whose modulus has ``bits`` bits."""
    rng = random.Random(seed)
    modulus = rng.getrandbits(bits) | (1 << (bits - 1)) | 1
    key = rsa.RSAPublicNumbers(65537, modulus).public_key()
    der = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(der).decode()


def _txt(value: str) -> str:
    """A TXT RDATA, split in 255-octet strings (RFC 7208 section 3.3, RFC 6376 3.6.2.2)."""
    chunks = [value[i : i + 255] for i in range(0, len(value), 255)] or [""]
    return " ".join('"' + c.replace('"', '\\"') + '"' for c in chunks)


def authoritative_zones() -> dict[str, str]:
    key2048 = dkim_key(2048, seed=1)
    key1024 = dkim_key(1024, seed=2)
    key512 = dkim_key(512, seed=3)
    records: list[tuple[str, str, str]] = [
        # good: everything right
        ("good", "MX", "10 mx.good.doctor.test."),
        ("mx.good", "A", GOOD_MX_IP),
        ("good", "A", "192.0.2.80"),
        ("good", "AAAA", "2001:db8::80"),
        ("good", "TXT", _txt("v=spf1 mx include:_spf.good.doctor.test -all")),
        ("good", "TXT", _txt("google-site-verification=abc123")),
        ("_spf.good", "TXT", _txt(f"v=spf1 ip4:{INCLUDED_IP} ip6:2001:db8::/64 -all")),
        (
            "_dmarc.good",
            "TXT",
            _txt("v=DMARC1; p=reject; rua=mailto:dmarc@good.doctor.test; adkim=s; aspf=s"),
        ),
        ("selector1._domainkey.good", "TXT", _txt(f"v=DKIM1; k=rsa; p={key2048}")),
        # MX problems
        ("nomx", "A", "192.0.2.81"),
        ("nomx", "TXT", _txt("v=spf1 a -all")),
        ("nullmx", "MX", "0 ."),
        ("nullmx", "TXT", _txt("v=spf1 -all")),
        ("_dmarc.nullmx", "TXT", _txt("v=DMARC1; p=reject")),
        ("mxbroken", "MX", "10 nowhere.doctor.test."),
        ("mxbroken", "TXT", _txt("v=spf1 -all")),
        # SPF problems
        ("twospf", "MX", "10 mx.good.doctor.test."),
        ("twospf", "TXT", _txt("v=spf1 mx -all")),
        ("twospf", "TXT", _txt("v=spf1 ip4:192.0.2.0/24 -all")),
        ("plusall", "TXT", _txt("v=spf1 mx +all")),
        ("plusall", "MX", "10 mx.good.doctor.test."),
        ("qall", "TXT", _txt("v=spf1 mx ?all")),
        ("qall", "MX", "10 mx.good.doctor.test."),
        ("loop", "TXT", _txt("v=spf1 include:loop2.doctor.test -all")),
        ("loop2", "TXT", _txt("v=spf1 include:loop.doctor.test -all")),
        (
            "toomany",
            "TXT",
            _txt("v=spf1 " + " ".join(f"include:i{i}.doctor.test" for i in range(1, 12)) + " -all"),
        ),
        *[(f"i{i}", "TXT", _txt(f"v=spf1 ip4:198.18.{i}.0/24 -all")) for i in range(1, 12)],
        (
            "void",
            "TXT",
            _txt(
                "v=spf1 a:nx1.doctor.test a:nx2.doctor.test mx:nx3.doctor.test ip4:192.0.2.25 -all"
            ),
        ),
        ("badspf", "TXT", _txt("v=spf1 ip4:999.1.1.1 foo:bar -all")),
        ("nospf", "MX", "10 mx.good.doctor.test."),
        # DMARC problems
        ("nodmarc", "TXT", _txt("v=spf1 -all")),
        ("pnone", "TXT", _txt("v=spf1 -all")),
        ("_dmarc.pnone", "TXT", _txt("v=DMARC1; p=none")),
        ("pct50", "TXT", _txt("v=spf1 -all")),
        (
            "_dmarc.pct50",
            "TXT",
            _txt("v=DMARC1; p=quarantine; pct=50; rua=mailto:d@pct50.doctor.test"),
        ),
        ("baddmarc", "TXT", _txt("v=spf1 -all")),
        ("_dmarc.baddmarc", "TXT", _txt("v=DMARC1; p=sometimes; adkim=x")),
        ("twodmarc", "TXT", _txt("v=spf1 -all")),
        ("_dmarc.twodmarc", "TXT", _txt("v=DMARC1; p=reject")),
        ("_dmarc.twodmarc", "TXT", _txt("v=DMARC1; p=none")),
        ("extrua", "TXT", _txt("v=spf1 -all")),
        (
            "_dmarc.extrua",
            "TXT",
            _txt(
                "v=DMARC1; p=reject; "
                "rua=mailto:agg@reports.other.test,mailto:x@authorized.doctor.test"
            ),
        ),
        ("extrua.doctor.test._report._dmarc.authorized", "TXT", _txt("v=DMARC1")),
        # DKIM problems (selector "mail" is one of the common ones tried by default)
        ("weak512", "TXT", _txt("v=spf1 -all")),
        ("mail._domainkey.weak512", "TXT", _txt(f"v=DKIM1; k=rsa; p={key512}")),
        ("weak1024", "TXT", _txt("v=spf1 -all")),
        ("mail._domainkey.weak1024", "TXT", _txt(f"v=DKIM1; k=rsa; p={key1024}")),
        ("testing", "TXT", _txt("v=spf1 -all")),
        ("mail._domainkey.testing", "TXT", _txt(f"v=DKIM1; k=rsa; t=y; p={key2048}")),
        ("revoked", "TXT", _txt("v=spf1 -all")),
        ("mail._domainkey.revoked", "TXT", _txt("v=DKIM1; k=rsa; p=")),
        ("junkkey", "TXT", _txt("v=spf1 -all")),
        ("mail._domainkey.junkkey", "TXT", _txt("v=DKIM1; k=rsa; p=bm90IGEga2V5")),
        # PTR targets
        ("nomatch", "A", "192.0.2.99"),
    ]
    lines = [
        f"$ORIGIN {ZONE}.",
        "$TTL 60",
        "@ SOA ns.doctor.test. hostmaster.doctor.test. 1 3600 600 86400 60",
        "@ NS ns.doctor.test.",
        "ns A 127.0.0.1",
    ]
    lines += [f"{name} {rtype} {rdata}" for name, rtype, rdata in records]
    reverse = [
        "$ORIGIN 2.0.192.in-addr.arpa.",
        "$TTL 60",
        "@ SOA ns.doctor.test. hostmaster.doctor.test. 1 3600 600 86400 60",
        "@ NS ns.doctor.test.",
        "25 PTR mx.good.doctor.test.",
        "26 PTR nomatch.doctor.test.",
    ]
    return {
        ZONE: "\n".join(lines) + "\n",
        "2.0.192.in-addr.arpa": "\n".join(reverse) + "\n",
    }
