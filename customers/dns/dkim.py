"""DKIM keys (RFC 6376 section 3.6.1): find them by selector and judge each key.

Responsibility: look up ``<selector>._domainkey.<domain>`` for the given selectors, or a
list of common ones (a domain's selectors cannot be listed, only guessed or read from a
DKIM-Signature header), parse the key record's tags, and judge the key: RSA size with the
``cryptography`` package (RFC 8301: < 1024 bits must not be used; 2048 recommended),
Ed25519 (RFC 8463), revoked (empty p=), testing (t=y). Boundary: no signature checks.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from cryptography.hazmat.primitives.serialization import load_der_public_key

from .findings import Check, DomainReport, Severity
from .lookup import Lookup

COMMON_SELECTORS: tuple[str, ...] = (
    "default",
    "selector1",
    "selector2",
    "google",
    "k1",
    "k2",
    "k3",
    "mail",
    "dkim",
    "s1",
    "s2",
    "smtp",
    "mx",
    "email",
    "everlytickey1",
    "everlytickey2",
    "mandrill",
    "mxvault",
    "sig1",
    "key1",
    "key2",
    "fm1",
    "fm2",
    "protonmail",
    "zoho",
    "dkim1",
)


def parse_tags(record: str) -> dict[str, str]:
    tags: dict[str, str] = {}
    for part in record.split(";"):
        name, sep, value = part.partition("=")
        if sep:
            # Section 3.2: whitespace inside a value (the folded base64 key) is not data.
            tags[name.strip().lower()] = "".join(value.split())
    return tags


def check_dkim(
    report: DomainReport, lookup: Lookup, domain: str, selectors: Sequence[str] | None
) -> None:
    tried = list(selectors) if selectors else list(COMMON_SELECTORS)
    found = 0
    failures: list[str] = []
    for selector in tried:
        name = f"{selector}._domainkey.{domain}"
        answer = lookup.query(name, "TXT")
        if answer.failed:
            failures.append(answer.describe())
            continue
        records = [r for r in answer.records if "p=" in r or r.startswith("v=DKIM1")]
        if not records:
            if selectors:
                report.add(
                    Check.DKIM,
                    Severity.ERROR,
                    f"No DKIM key at {name}.",
                    f"Publish the public key your mail service gives you for selector "
                    f"{selector!r} as a TXT record at {name}.",
                )
            continue
        found += 1
        if len(records) > 1:
            report.add(
                Check.DKIM,
                Severity.ERROR,
                f"{len(records)} DKIM key records at {name}; verifiers may pick either.",
                "Keep one key record per selector.",
            )
        _judge(report, name, selector, records[0])
    if failures:
        report.add(
            Check.DKIM,
            Severity.WARNING,
            f"Some DKIM lookups failed: {failures[0]}"
            + (f" (and {len(failures) - 1} more)" if len(failures) > 1 else "")
            + ".",
            "Make sure every nameserver of your domain answers for _domainkey names.",
        )
    if not found and not selectors and not failures:
        report.add(
            Check.DKIM,
            Severity.WARNING,
            f"No DKIM key found under the common selectors ({', '.join(tried[:6])}, ...).",
            "Enable DKIM signing at your mail service and publish its key. If you already "
            "sign, the selector is the s= value in the DKIM-Signature header of a message "
            "you sent: give it to us to check that key.",
        )


def _judge(report: DomainReport, name: str, selector: str, record: str) -> None:
    tags = parse_tags(record)
    if "v" in tags and tags["v"] != "DKIM1":
        report.add(
            Check.DKIM,
            Severity.ERROR,
            f"{name}: v={tags['v']} is not DKIM1, so the key is ignored.",
            'Start the record with "v=DKIM1;".',
        )
        return
    if "p" not in tags:
        report.add(Check.DKIM, Severity.ERROR, f"{name}: the record has no p= tag.", _REPUBLISH)
        return
    if tags["p"] == "":
        report.add(
            Check.DKIM,
            Severity.WARNING,
            f"{name}: the key for selector {selector!r} is revoked (empty p=); mail signed "
            "with it fails DKIM.",
            "If you still sign with this selector, publish the current key or switch the "
            "signer to a selector whose key is published.",
        )
        return
    kind = tags.get("k", "rsa").lower()
    try:
        key = load_der_public_key(base64.b64decode(tags["p"], validate=True))
    except (binascii.Error, ValueError, UnsupportedAlgorithm):
        report.add(
            Check.DKIM,
            Severity.ERROR,
            f"{name}: the p= value is not a valid public key.",
            _REPUBLISH,
        )
        return
    testing = "y" in tags.get("t", "").lower().split(":")
    if isinstance(key, rsa.RSAPublicKey) and kind == "rsa":
        bits = key.key_size
        if bits < 1024:
            report.add(
                Check.DKIM,
                Severity.ERROR,
                f"{name}: the RSA key has only {bits} bits; receivers treat such signatures "
                "as invalid (RFC 8301).",
                _ROTATE,
            )
        elif bits < 2048:
            report.add(
                Check.DKIM,
                Severity.WARNING,
                f"{name}: the RSA key has {bits} bits; 2048 is the recommended minimum.",
                _ROTATE,
            )
        else:
            report.add(Check.DKIM, Severity.OK, f"{name}: RSA key of {bits} bits.")
    elif isinstance(key, ed25519.Ed25519PublicKey) and kind == "ed25519":
        report.add(
            Check.DKIM,
            Severity.OK,
            f"{name}: Ed25519 key (RFC 8463); also sign with RSA for older verifiers.",
        )
    else:
        report.add(
            Check.DKIM,
            Severity.ERROR,
            f"{name}: k={kind} does not match the key published in p=.",
            _REPUBLISH,
        )
        return
    if testing:
        report.add(
            Check.DKIM,
            Severity.WARNING,
            f"{name}: t=y marks the domain as testing DKIM; verifiers may ignore failures "
            "and some ignore the signature.",
            "Remove t=y from the key record once signing works.",
        )


_REPUBLISH = "Copy the DKIM public key again from your mail service and republish the record."
_ROTATE = (
    "Generate a 2048-bit DKIM key at your mail service, publish it under a new selector, "
    "switch signing to it, then remove the old record."
)
