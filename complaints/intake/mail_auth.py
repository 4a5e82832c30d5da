"""Did a received message pass authentication at *our* border?

Only ``Authentication-Results`` headers stamped by our own receiving servers (their
authserv-id is in ``settings.TRUSTED_AUTHSERV_IDS``) count: any other such header was written
by the sender and proves nothing (RFC 8601 section 5). A message is authenticated when our
server recorded ``dmarc=pass``, or an aligned ``dkim=pass`` for the From domain.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.conf import settings

from complaints.parsers.mime import Document

_RESULT = re.compile(r"\b(dmarc|dkim|spf)\s*=\s*(\w+)(?P<props>[^;]*)", re.IGNORECASE)
_HEADER_FROM = re.compile(r"header\.from\s*=\s*([A-Za-z0-9.-]+)", re.IGNORECASE)
_HEADER_D = re.compile(r"header\.(?:d|i)\s*=\s*@?([A-Za-z0-9.-]+)", re.IGNORECASE)


def sender_authenticated(
    auth_results: Iterable[str], from_address: str | None, trusted_authserv_ids: Iterable[str]
) -> bool:
    if not from_address or "@" not in from_address:
        return False
    from_domain = from_address.rsplit("@", 1)[1].lower()
    trusted = {t.lower() for t in trusted_authserv_ids}
    if not trusted:
        return False
    for header in auth_results:
        authserv_id = header.split(";", 1)[0].strip().split()[0].lower() if header.strip() else ""
        if authserv_id not in trusted:
            continue
        for match in _RESULT.finditer(header):
            method, result = match.group(1).lower(), match.group(2).lower()
            if result != "pass":
                continue
            if method == "dmarc":
                # The result is about the From our MX saw; header.from, when recorded, must
                # be the From we read (a second From header must not borrow the pass).
                recorded = _HEADER_FROM.search(match.group("props"))
                if recorded is None or _aligned(recorded.group(1).lower(), from_domain):
                    return True
                continue
            if method == "dkim":
                signer = _HEADER_D.search(match.group("props"))
                if signer and _aligned(signer.group(1).lower(), from_domain):
                    return True
        # Only the topmost header from our own server is evidence; older ones may be forged.
        return False
    return False


def _aligned(signing_domain: str, from_domain: str) -> bool:
    """Relaxed alignment without a public-suffix list: same domain or one a subdomain of
    the other."""
    return (
        signing_domain == from_domain
        or from_domain.endswith("." + signing_domain)
        or signing_domain.endswith("." + from_domain)
    )


def document_sender(doc: Document, fallback: str | None = None) -> tuple[str, bool]:
    """(sender address, authenticated at our border) of a loaded mail; the parser's idea of
    the reporter stands in when the mail has no usable From."""
    sender = (doc.from_address or fallback or "").lower()[:320]
    results = doc.headers("Authentication-Results")
    return sender, sender_authenticated(results, sender, settings.TRUSTED_AUTHSERV_IDS)
