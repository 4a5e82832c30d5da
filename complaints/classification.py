"""Classification vocabulary and the aggregation rule built on it.

Types are RSIT / IntelMQ ``classification.type`` (see ``complaints.parsers.base``); each has
one human-readable name here (``TYPE_LABELS``, ``type_choices``), the one every page, form,
filter and API label uses. The aggregation key decides which events share a ticket
(docs/architecture.md "Ticket"): customer + type + resource by default; customer + type for
bulk feed classes, so one Shadowserver report makes one ticket per customer, not one per
address.
"""

from __future__ import annotations

from complaints.parsers.base import TAXONOMY_OF_TYPE

TYPE_LABELS: dict[str, str] = {
    "spam": "Spam",
    "phishing": "Phishing",
    "malware-distribution": "Malware distribution",
    "malware-configuration": "Malware configuration",
    "infected-system": "Infected system (bot)",
    "c2-server": "Botnet command and control",
    "brute-force": "Brute-force attack",
    "scanner": "Scanning",
    "exploit": "Exploitation attempt",
    "ddos": "DDoS participation",
    "dos": "Denial of service",
    "ddos-amplifier": "Open amplifier (DDoS)",
    "copyright": "Copyright infringement",
    "vulnerable-system": "Vulnerable service",
    "potentially-unwanted-accessible": "Exposed service",
    "system-compromise": "Compromised system",
    "application-compromise": "Compromised application",
    "blacklist": "Blocklisting",
    "masquerade": "Impersonation",
    "other": "Other abuse",
    "undetermined": "Undetermined",
    # The rest of the RSIT vocabulary, rarely seen here but accepted by the intake.
    "burglary": "Burglary",
    "data-leak": "Data leak",
    "data-loss": "Data loss",
    "harmful-speech": "Harmful speech",
    "ids-alert": "Intrusion detection alert",
    "information-disclosure": "Information disclosure",
    "outage": "Outage",
    "privileged-account-compromise": "Compromised administrator account",
    "sabotage": "Sabotage",
    "sniffing": "Sniffing",
    "social-engineering": "Social engineering",
    "test": "Test",
    "unauthorised-information-access": "Unauthorised access to information",
    "unauthorised-information-modification": "Unauthorised change of information",
    "unauthorized-use-of-resources": "Unauthorised use of resources",
    "unprivileged-account-compromise": "Compromised user account",
    "violence": "Violence",
    "weak-crypto": "Weak cryptography",
}

# Classes that scan feeds report by the thousand: one ticket per customer and type.
BULK_TYPES = frozenset(
    {
        "vulnerable-system",
        "ddos-amplifier",
        "potentially-unwanted-accessible",
        "weak-crypto",
        "information-disclosure",
    }
)
BULK_FORMATS = frozenset({"shadowserver", "feeds"})


def type_label(type_: str) -> str:
    return TYPE_LABELS.get(type_, type_.replace("-", " ").capitalize())


def type_choices() -> list[tuple[str, str]]:
    """Every classification type with its name, ordered by name: the one list for the
    queue's filter, the forms and the API's documentation."""
    return sorted(((t, type_label(t)) for t in TAXONOMY_OF_TYPE), key=lambda item: item[1])


def taxonomy_of(type_: str) -> str:
    return TAXONOMY_OF_TYPE.get(type_, "other")


def is_bulk(type_: str, report_format: str) -> bool:
    return type_ in BULK_TYPES or report_format in BULK_FORMATS


def aggregation_key(*, customer_id: int | None, type_: str, resource: str, bulk: bool) -> str:
    """The key of the one open ticket an event joins. Without a customer the event is
    held for triage per type and resource."""
    if customer_id is None:
        return f"triage:{type_}:{resource}"
    if bulk:
        return f"abuse:{customer_id}:{type_}"
    return f"abuse:{customer_id}:{type_}:{resource}"


def key_resource(key: str) -> str:
    """The resource an aggregation key names, "" for a per-customer key: the inverse of
    ``aggregation_key``, beside it so the format lives in one place. The resource may hold
    colons itself (IPv6 addresses, URLs), so it is everything after the key's fixed parts."""
    if key.startswith("triage:"):
        return key.split(":", 2)[2]
    parts = key.split(":", 3)
    return parts[3] if len(parts) == 4 else ""
