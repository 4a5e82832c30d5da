"""The deliverability doctor: why would mail from this domain (and IP) be rejected?

Responsibility: run every check of one domain (MX, A/AAAA, SPF, DKIM, DMARC, and for a
sending IP: PTR, forward-confirmed reverse DNS, blocklists) against a given nameserver and
return findings with plain-English fixes. Promise: never raises for anything the network or
the records do; every DNS problem becomes a finding, and the whole check is bounded by one
time budget. Boundary: no ORM; storing the report and attaching it to a ticket belongs to
the customers app's services.
"""

from __future__ import annotations

import ipaddress
import logging
import time
from collections.abc import Callable, Sequence

import dns.reversename

from . import dnsbl
from .dkim import check_dkim
from .dmarc import check_dmarc
from .findings import Check, DomainReport, Finding, Severity
from .lookup import Lookup
from .nameserver import Nameserver
from .spf import check_spf
from .wire import domain_prefix

__all__ = ["Check", "DomainReport", "Finding", "Severity", "check_domain"]

logger = logging.getLogger(__name__)
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def check_domain(
    domain: str,
    *,
    ip: str | None = None,
    dkim_selectors: Sequence[str] | None = None,
    nameserver: str | Nameserver | None = None,
    timeout: float = 2.0,
    budget: float = 20.0,
    blocklist_zones: Sequence[dnsbl.ZoneSpec] = (),
    blocklist_nameserver: str | Nameserver | None = None,
    loopback_only: bool = False,
) -> DomainReport:
    """Diagnose ``domain``'s mail DNS; with ``ip``, also that sending address.

    ``timeout`` bounds one DNS attempt, ``budget`` all lookups together (a dead nameserver
    makes every remaining lookup fail at once instead of waiting). Blocklists are asked
    through ``blocklist_nameserver`` (a local rbldnsd mirror or DQS-capable resolver),
    defaulting to ``nameserver``.
    """
    started = time.monotonic()
    domain = domain.strip().rstrip(".").lower()
    report = DomainReport(domain=domain, ip=ip)
    try:
        domain_prefix(domain)
        if "." not in domain:
            raise ValueError(domain)
    except ValueError:
        report.add(
            Check.MX,
            Severity.ERROR,
            f"{domain!r} is not a domain name.",
            "Enter the domain part of your email address, e.g. example.com.",
        )
        return report
    address: IPAddress | None = None
    if ip is not None:
        try:
            address = ipaddress.ip_address(ip.strip())
            report.ip = str(address)
        except ValueError:
            report.add(
                Check.PTR,
                Severity.ERROR,
                f"{ip!r} is not an IP address.",
                "Enter the IPv4 or IPv6 address your mail leaves from, e.g. 192.0.2.25.",
            )
    lookup = Lookup(nameserver, timeout=timeout, budget=budget, loopback_only=loopback_only)

    steps: list[tuple[Check, Callable[[], None]]] = [
        (Check.MX, lambda: check_mx(report, lookup, domain)),
        (Check.A, lambda: check_a(report, lookup, domain)),
        (Check.SPF, lambda: check_spf(report, lookup, domain, address)),
        (Check.DKIM, lambda: check_dkim(report, lookup, domain, dkim_selectors)),
        (Check.DMARC, lambda: check_dmarc(report, lookup, domain)),
    ]
    if address is not None:
        steps.append((Check.PTR, lambda: check_ptr(report, lookup, address)))
        if blocklist_zones:
            steps.append(
                (
                    Check.BLOCKLIST,
                    lambda: check_blocklists(
                        report,
                        address,
                        blocklist_zones,
                        blocklist_nameserver or nameserver,
                        timeout,
                        loopback_only,
                    ),
                )
            )
    for check, step in steps:
        if _domain_missing(report) and check is not Check.BLOCKLIST and check is not Check.PTR:
            continue
        try:
            step()
        except Exception:  # the promise is "never an exception": keep the other checks
            logger.exception("deliverability check %s of %s failed", check, domain)
            report.add(
                check,
                Severity.ERROR,
                f"The {check.value} check failed unexpectedly; the other checks still ran.",
                "Try again later; if this persists, tell the abuse desk.",
            )
    report.elapsed_s = time.monotonic() - started
    return report


def _domain_missing(report: DomainReport) -> bool:
    return any(f.message.startswith("The domain does not exist") for f in report.findings)


def check_mx(report: DomainReport, lookup: Lookup, domain: str) -> None:
    answer = lookup.query(domain, "MX")
    if answer.status == "nxdomain":
        report.add(
            Check.MX,
            Severity.ERROR,
            f"The domain does not exist: {domain} is not in DNS (NXDOMAIN).",
            "Check the spelling, and that the domain is registered and delegated to your "
            "nameservers.",
        )
        return
    if answer.failed:
        report.add(
            Check.MX,
            Severity.ERROR,
            f"MX could not be checked: {answer.describe()}.",
            "Make sure every nameserver of your domain answers; mail to you is delayed or "
            "bounced while they do not.",
        )
        return
    entries: list[tuple[int, str]] = []
    for record in answer.records:
        weight, _, host = record.partition(" ")
        entries.append((int(weight), host))
    entries.sort()
    if not entries:
        fallback = lookup.query(domain, "A")
        if fallback.ok:
            report.add(
                Check.MX,
                Severity.WARNING,
                f"{domain} has no MX record; senders fall back to its address "
                f"{fallback.records[0]} (RFC 5321 5.1), which many do not handle well.",
                f"Publish an MX record for {domain} naming your mail server, or a null MX "
                '("0 .") if the domain receives no mail.',
            )
        else:
            report.add(
                Check.MX,
                Severity.ERROR,
                f"{domain} has no MX record and no address: it cannot receive mail, so "
                "bounces and replies to it are lost and many receivers reject it as sender.",
                f"Publish an MX record for {domain}.",
            )
        return
    null = [host for _, host in entries if host == "."]
    if null:
        if len(entries) > 1:
            report.add(
                Check.MX,
                Severity.ERROR,
                'A null MX ("0 .") is published together with other MX records '
                "(RFC 7505 section 3 forbids this).",
                "Remove the null MX if the domain receives mail, or the others if not.",
            )
        else:
            report.add(
                Check.MX,
                Severity.INFO,
                f"{domain} publishes a null MX (RFC 7505): it declares it receives no mail. "
                "Receivers may reject mail sent from it, since replies cannot be delivered.",
                "If this domain sends mail, publish a real MX instead.",
            )
        return
    good: list[str] = []
    for preference, host in entries:
        if _is_ip(host):
            report.add(
                Check.MX,
                Severity.ERROR,
                f"MX {host} is an IP address; an MX must name a host (RFC 5321 5.1).",
                "Point the MX at a host name with an A/AAAA record.",
            )
            continue
        v4, v6 = lookup.query(host, "A"), lookup.query(host, "AAAA")
        if v4.ok or v6.ok:
            good.append(f"{preference} {host}")
        elif v4.failed or v6.failed:
            report.add(
                Check.MX,
                Severity.WARNING,
                f"MX host {host} could not be resolved: {(v4 if v4.failed else v6).describe()}.",
                f"Make sure {host} resolves reliably.",
            )
        else:
            report.add(
                Check.MX,
                Severity.ERROR,
                f"MX host {host} has no A or AAAA record: mail to {domain} cannot be "
                "delivered there.",
                f"Publish an A record for {host}, or fix the MX to name your mail server.",
            )
    if good:
        report.add(Check.MX, Severity.OK, f"MX: {', '.join(good)}.")


def check_a(report: DomainReport, lookup: Lookup, domain: str) -> None:
    v4, v6 = lookup.query(domain, "A"), lookup.query(domain, "AAAA")
    addresses = list(v4.records) + list(v6.records)
    if addresses:
        report.add(Check.A, Severity.OK, f"{domain} resolves to {', '.join(addresses)}.")
    elif v4.failed or v6.failed:
        report.add(
            Check.A,
            Severity.WARNING,
            f"The address of {domain} could not be checked: "
            f"{(v4 if v4.failed else v6).describe()}.",
        )
    else:
        report.add(
            Check.A,
            Severity.INFO,
            f"{domain} has no A or AAAA record (not needed for mail, but some receivers "
            "check that a sender domain exists this way).",
        )


def check_ptr(report: DomainReport, lookup: Lookup, address: IPAddress) -> None:
    reverse = dns.reversename.from_address(str(address)).to_text(omit_final_dot=True)
    answer = lookup.query(reverse, "PTR")
    fix_ptr = (
        f"Ask your hosting provider (us) to set the reverse DNS (PTR) of {address} to your "
        "mail server's host name, and make that name resolve back to the address."
    )
    if answer.failed:
        report.add(
            Check.PTR,
            Severity.WARNING,
            f"The PTR of {address} could not be checked: {answer.describe()}.",
            fix_ptr,
        )
        return
    if not answer.records:
        report.add(
            Check.PTR,
            Severity.ERROR,
            f"{address} has no reverse DNS (PTR); many receivers reject mail from it.",
            fix_ptr,
        )
        report.add(
            Check.FCRDNS,
            Severity.ERROR,
            f"Forward-confirmed reverse DNS fails for {address}: there is no PTR name.",
            fix_ptr,
        )
        return
    report.add(Check.PTR, Severity.OK, f"{address} has PTR {', '.join(answer.records)}.")
    rdtype = "A" if address.version == 4 else "AAAA"
    for name in answer.records:
        forward = lookup.query(name, rdtype)
        if any(_same(address, r) for r in forward.records):
            report.add(
                Check.FCRDNS,
                Severity.OK,
                f"Forward-confirmed reverse DNS: {address} -> {name} -> {address}.",
            )
            return
    shown = answer.records[0]
    report.add(
        Check.FCRDNS,
        Severity.ERROR,
        f"Forward-confirmed reverse DNS fails: {address} points to {shown}, but {shown} "
        f"does not resolve back to {address}.",
        f"Publish an {rdtype} record {shown} -> {address} in your domain, or have the PTR "
        "changed to a name that resolves to it.",
    )


def check_blocklists(
    report: DomainReport,
    address: IPAddress,
    zones: Sequence[dnsbl.ZoneSpec],
    nameserver: str | Nameserver | None,
    timeout: float,
    loopback_only: bool,
) -> None:
    ip_zones = [z for z in zones if z.lists == "ip"]
    if not ip_zones:
        return
    if nameserver is None:
        report.add(
            Check.BLOCKLIST,
            Severity.INFO,
            "Blocklists were not checked: no blocklist nameserver is configured.",
        )
        return
    result = dnsbl.check(
        [address],
        ip_zones,
        nameserver=nameserver,
        timeout=timeout,
        retries=1,
        loopback_only=loopback_only,
    )
    clean = []
    for item in result.results:
        if item.listed:
            why = ", ".join(f"{c} ({m})" for c, m in zip(item.codes, item.meanings, strict=True))
            text = f" ({item.txt})" if item.txt else ""
            report.add(
                Check.BLOCKLIST,
                Severity.ERROR,
                f"{address} is listed on {item.zone}: {why}{text}.",
                "Find and stop the cause first (a compromised account, a form sending spam, "
                f"a bad list); then request delisting from {item.zone}'s operator. We can help "
                "through your abuse ticket.",
            )
        elif item.status is dnsbl.Status.NOT_LISTED:
            clean.append(item.zone)
        else:
            report.add(
                Check.BLOCKLIST,
                Severity.INFO,
                f"{item.zone} could not be checked ({item.reason}: {item.detail}); this says "
                "nothing about a listing.",
            )
    if clean:
        report.add(Check.BLOCKLIST, Severity.OK, f"{address} is not listed on {', '.join(clean)}.")


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _same(address: IPAddress, text: str) -> bool:
    try:
        return ipaddress.ip_address(text) == address
    except ValueError:
        return False
