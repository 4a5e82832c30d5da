"""DMARC (RFC 7489): the _dmarc record's presence, syntax, policy, alignment and reporting.

Responsibility: read ``_dmarc.<domain>``, parse its tag list (section 6.4), and explain
what a receiver will do with it; check that external report destinations authorize the
domain (section 7.1, ``<domain>._report._dmarc.<destination>``). Boundary: no fallback to
the organizational domain (that needs the Public Suffix List): a subdomain without its own
record is reported as such, with the note that a parent policy may apply.
"""

from __future__ import annotations

from .findings import Check, DomainReport, Severity
from .lookup import Lookup

_POLICIES = {"none", "quarantine", "reject"}
_KNOWN_TAGS = {"v", "p", "sp", "np", "adkim", "aspf", "pct", "rua", "ruf", "fo", "rf", "ri"}
BASIC_RECORD = "v=DMARC1; p=quarantine; rua=mailto:dmarc-reports@{domain}"


def parse_tags(record: str) -> tuple[dict[str, str], list[str]]:
    """Tag=value pairs separated by ";" (section 6.4), and syntax problems found."""
    tags: dict[str, str] = {}
    problems: list[str] = []
    for part in record.split(";"):
        part = part.strip()
        if not part:
            continue
        name, sep, value = part.partition("=")
        name, value = name.strip().lower(), value.strip()
        if not sep or not name:
            problems.append(f"{part!r} is not a tag=value pair (missing ';' between tags?)")
            continue
        if name in tags:
            problems.append(f"tag {name!r} appears twice")
        tags[name] = value
    return tags, problems


def check_dmarc(report: DomainReport, lookup: Lookup, domain: str) -> None:
    name = f"_dmarc.{domain}"
    answer = lookup.query(name, "TXT")
    fix_basic = (
        f'Publish a TXT record at {name}: "{BASIC_RECORD.format(domain=domain)}" '
        "(start with p=none only to collect reports, then tighten)."
    )
    if answer.failed:
        report.add(
            Check.DMARC,
            Severity.ERROR,
            f"DMARC could not be checked: {answer.describe()}.",
            "Make sure every nameserver of your domain answers for _dmarc.",
        )
        return
    # Section 6.6.3: records not starting with "v=DMARC1" are discarded.
    records = [r for r in answer.records if r.replace(" ", "").startswith("v=DMARC1")]
    if not records:
        report.add(
            Check.DMARC,
            Severity.WARNING,
            f"No DMARC record at {name}. Receivers such as Gmail and Yahoo require one from "
            "bulk senders (a parent domain's policy may still apply to a subdomain).",
            fix_basic,
        )
        return
    if len(records) > 1:
        report.add(
            Check.DMARC,
            Severity.ERROR,
            f"{len(records)} DMARC records at {name}; receivers ignore them all (RFC 7489 6.6.3).",
            "Keep exactly one DMARC record.",
        )
        return
    record = records[0]
    tags, problems = parse_tags(record)
    policy = tags.get("p", "").lower()
    if "p" not in tags:
        problems.append("the required p= tag is missing")
    elif policy not in _POLICIES:
        problems.append(f"p={tags['p']} is not none, quarantine or reject")
    for tag in ("sp", "np"):
        if tag in tags and tags[tag].lower() not in _POLICIES:
            problems.append(f"{tag}={tags[tag]} is not none, quarantine or reject")
    for tag in ("adkim", "aspf"):
        if tag in tags and tags[tag].lower() not in ("r", "s"):
            problems.append(f"{tag}={tags[tag]} must be r (relaxed) or s (strict)")
    pct = 100
    if "pct" in tags:
        if tags["pct"].isdigit() and 0 <= int(tags["pct"]) <= 100:
            pct = int(tags["pct"])
        else:
            problems.append(f"pct={tags['pct']} must be a whole number from 0 to 100")
    for tag in ("rua", "ruf"):
        for uri in _uris(tags.get(tag, "")):
            if not uri.lower().startswith("mailto:") or "@" not in uri:
                problems.append(f"{tag} destination {uri!r} is not a mailto: address")
    unknown = sorted(set(tags) - _KNOWN_TAGS)
    if problems:
        report.add(
            Check.DMARC,
            Severity.ERROR,
            f"The DMARC record has errors: {'; '.join(problems)}. Record: {record}",
            "Fix the record's syntax; a receiver may ignore a broken record entirely. " + fix_basic,
        )
        if "p" not in tags or policy not in _POLICIES:
            return
    if policy == "none":
        report.add(
            Check.DMARC,
            Severity.WARNING,
            "DMARC policy is p=none: receivers only monitor, spoofed mail is still delivered.",
            "Once reports show all your legitimate mail passes SPF or DKIM, move to "
            "p=quarantine, then p=reject.",
        )
    else:
        report.add(Check.DMARC, Severity.OK, f"DMARC policy p={policy}: {record}")
    if pct < 100 and policy != "none":
        report.add(
            Check.DMARC,
            Severity.WARNING,
            f"pct={pct}: the policy applies to only {pct}% of failing mail.",
            "Raise pct to 100 (or remove the tag) once you are confident.",
        )
    for tag in ("adkim", "aspf"):
        if tags.get(tag, "r").lower() == "s":
            report.add(
                Check.DMARC,
                Severity.INFO,
                f"{tag}=s: strict alignment, subdomains do not align with {domain}.",
            )
    if not tags.get("rua"):
        report.add(
            Check.DMARC,
            Severity.INFO,
            "No rua= reporting address: you will not see who sends mail as you.",
            f"Add rua=mailto:<address> to the record at {name}.",
        )
    for tag in ("rua", "ruf"):
        for uri in _uris(tags.get(tag, "")):
            _check_destination(report, lookup, domain, tag, uri)
    if unknown:
        report.add(Check.DMARC, Severity.INFO, f"Unknown DMARC tags ignored: {', '.join(unknown)}.")


def _uris(value: str) -> list[str]:
    # Section 6.4: comma-separated URIs, each optionally with a "!size" suffix.
    return [u.strip().split("!", 1)[0] for u in value.split(",") if u.strip()]


def _check_destination(
    report: DomainReport, lookup: Lookup, domain: str, tag: str, uri: str
) -> None:
    if not uri.lower().startswith("mailto:") or "@" not in uri:
        return
    destination = uri.rsplit("@", 1)[1].strip().rstrip(".").lower()
    own = domain.lower()
    if destination == own or destination.endswith("." + own) or own.endswith("." + destination):
        return
    # Section 7.1: the destination must publish "<domain>._report._dmarc.<destination>".
    answer = lookup.query(f"{own}._report._dmarc.{destination}", "TXT")
    if any(r.replace(" ", "").startswith("v=DMARC1") for r in answer.records):
        report.add(
            Check.DMARC,
            Severity.OK,
            f"{tag} destination {destination} accepts reports for {domain}.",
        )
        return
    report.add(
        Check.DMARC,
        Severity.WARNING,
        f"{tag} sends reports to another domain, {destination}, which does not publish "
        f"{own}._report._dmarc.{destination}: receivers will not send reports there.",
        f'Ask the operator of {destination} to publish TXT "v=DMARC1" at '
        f"{own}._report._dmarc.{destination}, or use an address at {domain}.",
    )
