"""Text PostgreSQL can store: what a received message says becomes text a statement can
carry, whatever bytes an attacker put in it.

NUL (which ``text`` cannot hold) and lone surrogates (which have no UTF-8 form) become
U+FFFD: one such character would otherwise fail the statement of a whole batch. Used by
receiving, the filing's rows and statements, mailbox errors and the reading of answers."""

from __future__ import annotations

import json
import re

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def text_storable(value: str) -> str:
    """``value`` as text PostgreSQL can store: NUL (which ``text`` cannot hold) and lone
    surrogates (a JSON ``\\ud800`` escape, an undecodable file name; they have no UTF-8
    form, so the driver cannot even send them) become U+FFFD. One such character in an
    attacker's report would otherwise fail the statement of a whole batch."""
    if value.isascii():
        return value.replace("\x00", "\ufffd") if "\x00" in value else value
    return _UNSTORABLE.sub("\ufffd", value)


def json_text(data: object) -> str:
    """``data`` as JSON text a ``jsonb`` cast accepts: PostgreSQL refuses the NUL escape
    and lone surrogates, which attacker-controlled reports may carry; unserialisable data
    becomes ``{}``."""
    try:
        text = json.dumps(data, default=str, ensure_ascii=False)
    except (TypeError, ValueError):
        return "{}"
    return text_storable(text.replace("\\u0000", "\\ufffd"))


_ADDRESS_UNSTORABLE = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")


def address_clean(address: str) -> str:
    """A sender's or reporter's address as stored: lower case, bounded, and control
    characters and lone surrogates (which PostgreSQL text cannot hold, or which have no
    place in an address) as U+FFFD, so the address stays distinct from a real one and one
    forged byte cannot fail the statement of a whole batch."""
    address = address.lower()[:320]
    if address.isascii() and address.isprintable():
        return address
    return _ADDRESS_UNSTORABLE.sub("\ufffd", address)
