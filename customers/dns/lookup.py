"""Bounded, never-raising DNS lookups for the deliverability doctor.

Responsibility: one dnspython resolver pointed at the configured nameserver, a time budget
shared by every lookup of one domain check (so a dead nameserver costs at most the budget,
not timeout x number of lookups), a cache (SPF evaluation asks the same names repeatedly)
and answers as plain data with a status instead of exceptions. Boundary: no interpretation
of records beyond turning RDATA into text.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import dns.exception
import dns.name
import dns.rdatatype
import dns.resolver

from .nameserver import Nameserver, make_resolver

OK = "ok"
NXDOMAIN = "nxdomain"
NODATA = "nodata"
TIMEOUT = "timeout"
SERVFAIL = "servfail"
FAILED = "failed"  # unreachable, refused, malformed: the server did not give an answer


@dataclass(frozen=True, slots=True)
class DnsAnswer:
    name: str
    rdtype: str
    status: str
    records: tuple[str, ...] = ()
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.status == OK

    @property
    def void(self) -> bool:
        """RFC 7208 section 4.6.4: NXDOMAIN or an empty answer."""
        return self.status in (NXDOMAIN, NODATA)

    @property
    def failed(self) -> bool:
        return self.status in (TIMEOUT, SERVFAIL, FAILED)

    def describe(self) -> str:
        return {
            NXDOMAIN: f"{self.name} does not exist",
            NODATA: f"{self.name} has no {self.rdtype} record",
            TIMEOUT: f"the {self.rdtype} lookup of {self.name} timed out",
            SERVFAIL: f"the nameserver failed (SERVFAIL) on {self.rdtype} {self.name}",
            FAILED: f"the {self.rdtype} lookup of {self.name} failed: {self.detail}",
        }.get(self.status, f"{self.name} {self.rdtype}: {len(self.records)} record(s)")


class Lookup:
    """Lookups within one budget. ``nameserver=None`` uses the system's resolvers (the
    production default when settings name none); tests always pass a loopback server."""

    def __init__(
        self,
        nameserver: str | Nameserver | None,
        *,
        timeout: float = 2.0,
        budget: float = 20.0,
        loopback_only: bool = False,
    ) -> None:
        if nameserver is None:
            self.resolver = dns.resolver.Resolver()
            self.resolver.timeout = timeout
            self.resolver.cache = None
        else:
            self.resolver = make_resolver(
                nameserver, timeout=timeout, lifetime=2 * timeout, loopback_only=loopback_only
            )
        self.timeout = timeout
        self.deadline = time.monotonic() + budget
        self.count = 0
        self._cache: dict[tuple[str, str], DnsAnswer] = {}

    def query(self, name: str, rdtype: str) -> DnsAnswer:
        key = (name.lower().rstrip("."), rdtype)
        cached = self._cache.get(key)
        if cached is None:
            cached = self._cache[key] = self._query(key[0], rdtype)
        return cached

    def _query(self, name: str, rdtype: str) -> DnsAnswer:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            return DnsAnswer(name, rdtype, TIMEOUT, detail="time budget for this check spent")
        self.count += 1
        try:
            answer = self.resolver.resolve(
                dns.name.from_text(name),
                rdtype,
                search=False,
                raise_on_no_answer=False,
                lifetime=min(2 * self.timeout, remaining),
            )
        except dns.resolver.NXDOMAIN:
            return DnsAnswer(name, rdtype, NXDOMAIN)
        except dns.exception.Timeout:
            return DnsAnswer(name, rdtype, TIMEOUT)
        except dns.resolver.NoNameservers as exc:
            text = str(exc)
            status = SERVFAIL if "SERVFAIL" in text else FAILED
            return DnsAnswer(name, rdtype, status, detail=_short(text))
        except dns.exception.DNSException as exc:
            return DnsAnswer(name, rdtype, FAILED, detail=_short(str(exc)))
        rrset = answer.rrset
        if rrset is None or len(rrset) == 0:
            return DnsAnswer(name, rdtype, NODATA)
        return DnsAnswer(name, rdtype, OK, tuple(_text(rdata) for rdata in rrset))


def _text(rdata: object) -> str:
    rdtype = rdata.rdtype  # type: ignore[attr-defined]
    if rdtype == dns.rdatatype.TXT:
        # RFC 7208 3.3 / RFC 6376 3.6.2.2: a record's strings are concatenated, no spaces.
        return b"".join(rdata.strings).decode("utf-8", "replace")  # type: ignore[attr-defined]
    if rdtype == dns.rdatatype.MX:
        exchange = rdata.exchange.to_text(omit_final_dot=True)  # type: ignore[attr-defined]
        return f"{rdata.preference} {exchange or '.'}"  # type: ignore[attr-defined]
    if rdtype in (dns.rdatatype.PTR, dns.rdatatype.CNAME):
        return rdata.target.to_text(omit_final_dot=True)  # type: ignore[attr-defined]
    return rdata.to_text()  # type: ignore[attr-defined]


def _short(text: str) -> str:
    return text if len(text) <= 200 else text[:197] + "..."
