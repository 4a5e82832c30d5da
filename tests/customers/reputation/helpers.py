"""Helpers shared by the reputation tests."""

from __future__ import annotations

from customers.models import BlocklistZone

SPAMHAUS_ERRORS = {
    "127.255.255.252": "typing error",
    "127.255.255.254": "public resolver",
    "127.255.255.255": "excessive queries",
}


def make_zone(name: str, server: str, **extra: object) -> BlocklistZone:
    defaults: dict[str, object] = {
        "query_suffix": name,
        "enabled": True,
        "nameserver": server,
        "error_codes": SPAMHAUS_ERRORS,
        "delisting_url": f"https://{name}/remove",
        "delisting_instructions": f"Ask {name} to remove the address.",
    }
    defaults.update(extra)
    zone, _ = BlocklistZone.objects.update_or_create(name=name, defaults=defaults)
    return zone
