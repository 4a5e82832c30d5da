"""SPF (RFC 7208): find the record, parse it, walk it, and say whether it authorizes an IP.

Responsibility: the whole tree of a domain's SPF policy is fetched once (includes,
redirects, a/mx addresses), counting the DNS-querying terms against the limit of 10 and
the void lookups against the limit of 2 (section 4.6.4) and detecting include loops; then
the sending IP is matched against the tree (section 4.6.2, first match wins, include
matches only on the included policy's "pass", section 5.2). Terms with macros (section 7)
are counted but not expanded. Boundary: DNS through :class:`~customers.dns.lookup.Lookup`;
what to tell the customer is decided here, how it is shown is not.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field

from .findings import Check, DomainReport, Severity
from .lookup import DnsAnswer, Lookup

MAX_LOOKUPS = 10  # RFC 7208 4.6.4
MAX_VOID = 2  # RFC 7208 4.6.4
_MAX_MX_NAMES = 10  # RFC 7208 4.6.4: "more than 10 ... MX records"
_LOOKUP_TERMS = {"include", "a", "mx", "ptr", "exists", "redirect"}
_MECHANISMS = {"all", "include", "a", "mx", "ptr", "ip4", "ip6", "exists"}
_MODIFIER = re.compile(r"^([A-Za-z][A-Za-z0-9_.-]*)=(.*)$")
_MECHANISM = re.compile(r"^([+?~-]?)([A-Za-z][A-Za-z0-9_.-]*)(:[^/]*)?(/\d+)?(//\d+)?$")
_QUALIFIER_RESULT = {"+": "pass", "": "pass", "-": "fail", "~": "softfail", "?": "neutral"}
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class SpfPermError(Exception):
    """The policy is broken for every receiver (RFC 7208 2.6.7)."""


@dataclass(slots=True)
class Term:
    qualifier: str
    name: str
    networks: list[Network] = field(default_factory=list)
    child: Policy | None = None  # include target
    unresolved: bool = False  # macros, or a DNS failure: cannot be matched offline


@dataclass(slots=True)
class Policy:
    domain: str
    record: str
    terms: list[Term] = field(default_factory=list)
    redirect: Policy | None = None


@dataclass(slots=True)
class SpfAnalysis:
    domain: str
    records: list[str] = field(default_factory=list)
    policy: Policy | None = None
    lookups: int = 0
    void: int = 0
    permerror: str = ""
    temperror: str = ""
    warnings: list[str] = field(default_factory=list)


def spf_records(lookup: Lookup, domain: str) -> tuple[DnsAnswer, list[str]]:
    """TXT records of ``domain`` that are SPF records (section 4.5: "v=spf1" then a space
    or the end, case-insensitive)."""
    answer = lookup.query(domain, "TXT")
    records = [
        r for r in answer.records if r.lower() == "v=spf1" or r.lower().startswith("v=spf1 ")
    ]
    return answer, records


def analyse(lookup: Lookup, domain: str) -> SpfAnalysis:
    result = SpfAnalysis(domain=domain)
    answer, records = spf_records(lookup, domain)
    result.records = records
    if answer.failed:
        result.temperror = answer.describe()
        return result
    if not records:
        return result
    if len(records) > 1:
        result.permerror = f"{len(records)} SPF records published; exactly one is allowed"
        return result
    try:
        result.policy = _walk(lookup, domain, records[0], result, chain=[domain.lower()])
    except SpfPermError as exc:
        result.permerror = str(exc)
    return result


def _count(result: SpfAnalysis, term: str) -> None:
    result.lookups += 1
    if result.lookups > MAX_LOOKUPS:
        raise SpfPermError(
            f"more than {MAX_LOOKUPS} DNS lookups (include, a, mx, ptr, exists, redirect) "
            f"are needed to evaluate the policy; the 11th is {term!r}"
        )


def _void(result: SpfAnalysis, answer: DnsAnswer) -> None:
    if answer.void:
        result.void += 1
        if result.void > MAX_VOID:
            raise SpfPermError(
                f"more than {MAX_VOID} lookups found nothing (the last: {answer.describe()})"
            )


def _walk(
    lookup: Lookup, domain: str, record: str, result: SpfAnalysis, chain: list[str]
) -> Policy:
    policy = Policy(domain=domain, record=record)
    redirect_target = ""
    has_all = False
    for token in record.split()[1:]:
        modifier = _MODIFIER.match(token)
        if modifier and modifier.group(1).lower() not in _MECHANISMS:
            name, value = modifier.group(1).lower(), modifier.group(2)
            if name == "redirect":
                if redirect_target:
                    raise SpfPermError(f"redirect appears twice in {domain}'s record")
                redirect_target = value
            # exp= and unknown modifiers are allowed and ignored (section 6).
            continue
        mechanism = _MECHANISM.match(token)
        if not mechanism or mechanism.group(2).lower() not in _MECHANISMS:
            raise SpfPermError(f"syntax error in {domain}'s record: unknown term {token!r}")
        qualifier, name = mechanism.group(1), mechanism.group(2).lower()
        argument = (mechanism.group(3) or "")[1:]
        term = Term(qualifier=qualifier, name=name)
        policy.terms.append(term)
        if name == "all":
            if argument or mechanism.group(4):
                raise SpfPermError(f"syntax error in {domain}'s record: {token!r}")
            has_all = True
        elif name in ("ip4", "ip6"):
            term.networks.append(_network(name, argument, mechanism, token, domain))
        else:
            _count(result, token)
            target = argument or domain
            if name in ("include", "exists") and not argument:
                raise SpfPermError(f"syntax error in {domain}'s record: {token!r} needs a domain")
            if "%" in target:
                term.unresolved = True
                result.warnings.append(f"{token!r} uses macros; it was not evaluated here")
                continue
            if name == "include":
                term.child = _include(lookup, target, result, chain, token)
                if term.child is None:
                    term.unresolved = True
            elif name in ("a", "mx"):
                v4, v6 = _cidr(mechanism, token, domain)
                _addresses(lookup, name, target, v4, v6, term, result)
            elif name == "ptr":
                term.unresolved = True
                result.warnings.append(
                    f"{token!r}: the ptr mechanism is slow and unreliable (RFC 7208 5.5 says "
                    "it SHOULD NOT be used)"
                )
            else:  # exists
                answer = lookup.query(target, "A")
                _void(result, answer)
                if answer.ok:
                    term.networks.append(ipaddress.ip_network("0.0.0.0/0"))
                    term.networks.append(ipaddress.ip_network("::/0"))
    if redirect_target and not has_all:  # section 6.1: redirect is ignored with "all"
        _count(result, f"redirect={redirect_target}")
        policy.redirect = _include(lookup, redirect_target, result, chain, "redirect")
        if policy.redirect is None:
            raise SpfPermError(f"redirect target {redirect_target} has no usable SPF record")
    return policy


def _include(
    lookup: Lookup, target: str, result: SpfAnalysis, chain: list[str], token: str
) -> Policy | None:
    key = target.lower().rstrip(".")
    if key in chain:
        loop = " -> ".join([*chain, key])
        raise SpfPermError(f"include loop: {loop}")
    answer, records = spf_records(lookup, target)
    if answer.failed:
        result.temperror = answer.describe()
        return None
    if answer.void:
        _void(result, answer)
    if not records:
        # Section 5.2: an include target without a policy is a permanent error.
        raise SpfPermError(f"{token!r}: {target} publishes no SPF record")
    if len(records) > 1:
        raise SpfPermError(f"{token!r}: {target} publishes {len(records)} SPF records")
    return _walk(lookup, target, records[0], result, [*chain, key])


def _network(
    name: str, argument: str, mechanism: re.Match[str], token: str, domain: str
) -> Network:
    version = 4 if name == "ip4" else 6
    if mechanism.group(5):
        raise SpfPermError(f"syntax error in {domain}'s record: {token!r}")
    text = argument + (mechanism.group(4) or "")
    try:
        network = ipaddress.ip_network(text, strict=False)
        if network.version != version or not argument:
            raise ValueError(text)
    except ValueError:
        raise SpfPermError(
            f"syntax error in {domain}'s record: {token!r} is not a valid {name} address"
        ) from None
    return network


def _cidr(mechanism: re.Match[str], token: str, domain: str) -> tuple[int, int]:
    v4 = int((mechanism.group(4) or "/32")[1:])
    v6 = int((mechanism.group(5) or "//128")[2:])
    if v4 > 32 or v6 > 128:
        raise SpfPermError(f"syntax error in {domain}'s record: {token!r} has a bad prefix length")
    return v4, v6


def _addresses(
    lookup: Lookup, name: str, target: str, v4: int, v6: int, term: Term, result: SpfAnalysis
) -> None:
    hosts = [target]
    if name == "mx":
        answer = lookup.query(target, "MX")
        if answer.failed:
            result.temperror = answer.describe()
            term.unresolved = True
            return
        _void(result, answer)
        hosts = [r.split(" ", 1)[1] for r in answer.records if r.split(" ", 1)[1] != "."]
        if len(hosts) > _MAX_MX_NAMES:
            raise SpfPermError(f"'mx' of {target} names more than {_MAX_MX_NAMES} hosts")
    for host in hosts:
        found = False
        for rdtype, prefix in (("A", v4), ("AAAA", v6)):
            answer = lookup.query(host, rdtype)
            if answer.failed:
                result.temperror = answer.describe()
                term.unresolved = True
                continue
            for address in answer.records:
                found = True
                term.networks.append(ipaddress.ip_network(f"{address}/{prefix}", strict=False))
        if name == "a" and not found:
            result.void += 1
            if result.void > MAX_VOID:
                raise SpfPermError(f"more than {MAX_VOID} lookups found nothing (the last: {host})")


def evaluate(policy: Policy, ip: IPAddress) -> tuple[str, str]:
    """(result, why): pass/fail/softfail/neutral for ``ip`` (section 4.6.2 and 4.7)."""
    for term in policy.terms:
        if term.name == "all":
            return _QUALIFIER_RESULT[term.qualifier], f"matched {term.qualifier or '+'}all"
        if term.child is not None:
            inner, why = evaluate(term.child, ip)
            if inner == "pass":
                return _QUALIFIER_RESULT[term.qualifier], f"include:{term.child.domain} ({why})"
            continue
        for network in term.networks:
            if ip.version == network.version and ip in network:
                if term.name == "exists":
                    return _QUALIFIER_RESULT[term.qualifier], "matched exists"
                return _QUALIFIER_RESULT[term.qualifier], f"matched {term.name} {network}"
    if policy.redirect is not None:
        return evaluate(policy.redirect, ip)
    return "neutral", "no term matched and there is no 'all' (the default is neutral)"


def _all_qualifier(policy: Policy) -> str | None:
    for term in policy.terms:
        if term.name == "all":
            return term.qualifier or "+"
    return _all_qualifier(policy.redirect) if policy.redirect else None


SPF_BASICS = (
    'Publish exactly one TXT record starting with "v=spf1" at {domain} listing every '
    'service that sends mail as you, ending in "-all" (or "~all" while you test), '
    'for example "v=spf1 mx include:<your mail provider> -all".'
)


def check_spf(report: DomainReport, lookup: Lookup, domain: str, ip: IPAddress | None) -> None:
    analysis = analyse(lookup, domain)
    basics = SPF_BASICS.format(domain=domain)
    if analysis.temperror and analysis.policy is None and not analysis.permerror:
        report.add(
            Check.SPF,
            Severity.ERROR,
            f"SPF could not be checked: {analysis.temperror}.",
            "Make sure every nameserver of your domain answers; receivers treat this as a "
            "temporary error and may delay or reject your mail.",
        )
        return
    if not analysis.records:
        report.add(Check.SPF, Severity.ERROR, f"{domain} publishes no SPF record.", basics)
        return
    if analysis.permerror:
        fix = basics
        if "loop" in analysis.permerror:
            fix = "Remove the include that points back to a domain already included. " + basics
        elif "DNS lookups" in analysis.permerror:
            fix = (
                "Receivers stop after 10 lookups and treat the policy as broken. Remove "
                "includes of services you no longer use, replace a/mx terms by ip4:/ip6: "
                "ranges, or ask your providers for a flatter include."
            )
        elif "nothing" in analysis.permerror:
            fix = "Remove terms that name hosts or domains that do not exist. " + basics
        elif "SPF records published" in analysis.permerror:
            fix = "Merge the records into one: receivers reject all of them otherwise. " + basics
        report.add(
            Check.SPF,
            Severity.ERROR,
            f"The SPF policy is broken (permerror): {analysis.permerror}. Record: "
            f"{' | '.join(analysis.records)}",
            fix,
        )
        return
    policy = analysis.policy
    assert policy is not None
    report.add(
        Check.SPF,
        Severity.OK,
        f"SPF record found: {analysis.records[0]} ({analysis.lookups} of {MAX_LOOKUPS} DNS "
        f"lookups, {analysis.void} void).",
    )
    qualifier = _all_qualifier(policy)
    if qualifier == "+":
        report.add(
            Check.SPF,
            Severity.ERROR,
            'The SPF policy ends in "+all": it authorizes every server on the Internet to '
            "send as you.",
            'Replace "+all" by "-all" (or "~all" while you test). ' + basics,
        )
    elif qualifier == "?":
        report.add(
            Check.SPF,
            Severity.WARNING,
            'The SPF policy ends in "?all" (neutral): it does not tell receivers to distrust '
            "other servers.",
            'Replace "?all" by "~all", then "-all" once all your senders are listed.',
        )
    elif qualifier is None:
        report.add(
            Check.SPF,
            Severity.WARNING,
            'The SPF policy has no "all" term, so other servers get "neutral".',
            'End the record with "-all" (or "~all" while you test).',
        )
    for warning in analysis.warnings:
        report.add(Check.SPF, Severity.WARNING, warning, "Use ip4:/ip6: or include: instead.")
    if analysis.temperror:
        report.add(
            Check.SPF,
            Severity.WARNING,
            f"Part of the SPF policy could not be resolved: {analysis.temperror}.",
            "Check that every domain named in the record resolves.",
        )
    if ip is not None:
        outcome, why = evaluate(policy, ip)
        if outcome == "pass":
            report.add(Check.SPF, Severity.OK, f"SPF authorizes {ip} ({why}).")
        else:
            report.add(
                Check.SPF,
                Severity.ERROR if outcome == "fail" else Severity.WARNING,
                f"SPF does not authorize {ip}: the result is {outcome} ({why}).",
                f'If {ip} sends mail for {domain}, add "ip{ip.version}:{ip}" (or the '
                'include: of the service it belongs to) before the "all" term.',
            )
