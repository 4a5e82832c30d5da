"""Listing state from sweep results, and the listing tickets.

The state machine (one ``Listing`` row per resource and zone):

* listed, no row → **new** (holder resolved at this first sighting, ticket opened/joined);
* listed, **new** → **active**: a listing is "new" for exactly one sweep, so the reputation
  page's "new" column means "appeared in the last sweep" and a transient answer that never
  repeats stays visibly new rather than silently becoming established;
* listed, **active** → last_seen (and codes) updated;
* listed, **delisted** → **new** again (a new episode: holder re-resolved, ticket again);
* not listed (from a zone that passed its self-test in that run), **new**/**active** →
  **delisted**.

A failed check (timeout, SERVFAIL, an error code, an unhealthy zone) is *not* an input
here at all: callers pass only "listed" and "not listed" verdicts, so a failed check can
neither list nor delist (docs/architecture.md promise 7). Every state change writes a
``ListingHistory`` row.
"""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.db import IntegrityError, transaction

from complaints.tickets.services import ticket_note_add, ticket_open_or_join
from customers.dns.dnsbl import DnsblResult
from customers.models import Customer
from customers.reputation.models import BlocklistZone, Listing, ListingHistory
from customers.resolution import domain_holdings_at, holdings_at

MAX_NOTE_LINES = 200


@dataclass(frozen=True)
class Change:
    """One listing touched by a recording, for the command's output and the caller."""

    listing_id: int
    resource: str
    zone: str
    codes: tuple[str, ...]
    old_state: str
    state: str


@dataclass
class RecordOutcome:
    changes: list[Change] = field(default_factory=list)
    tickets: set[int] = field(default_factory=set)

    def count(self, state: str) -> int:
        return sum(1 for c in self.changes if c.state == state and c.old_state != state)


def _ip_of(resource: str) -> str | None:
    try:
        return str(ipaddress.ip_address(resource))
    except ValueError:
        return None


def _history(listing: Listing, old: str, new: str, at: datetime, note: str = "") -> ListingHistory:
    return ListingHistory(
        listing=listing, old_state=old, new_state=new, codes=list(listing.codes), note=note, at=at
    )


@transaction.atomic
def listings_record(
    *,
    zones: dict[str, BlocklistZone],
    listed: Sequence[DnsblResult],
    not_listed: Iterable[tuple[str, str]],
    at: datetime,
) -> RecordOutcome:
    """Apply one sweep's verdicts. ``zones`` maps a result's zone name to its row;
    ``listed`` are LISTED results; ``not_listed`` are (resource, zone name) pairs answered
    NOT_LISTED by a healthy zone. Idempotent for the same input apart from ``last_seen``."""
    outcome = RecordOutcome()
    history: list[ListingHistory] = []
    opened: list[Listing] = []  # new episodes: need holder and ticket

    wanted = {(r.resource, zones[r.zone].pk): r for r in listed}
    existing = _locked(wanted.keys())
    for (resource, zone_id), result in wanted.items():
        zone = zones[result.zone]
        listing = existing.get((resource, zone_id))
        codes = list(result.codes)
        if listing is None:
            listing = _create(resource, zone, result, at)
            if listing is None:  # a concurrent sweep created it first: treat it as seen
                listing = Listing.objects.select_for_update().get(resource=resource, zone=zone)
            else:
                history.append(_history(listing, "", Listing.State.NEW, at, "first sighting"))
                opened.append(listing)
                outcome.changes.append(_change(listing, zone, "", Listing.State.NEW))
                continue
        old = listing.state
        listing.last_seen = at
        listing.codes, listing.meanings = codes, list(result.meanings)
        if result.txt:
            listing.txt = result.txt[:500]
        if old == Listing.State.NEW:
            listing.state = Listing.State.ACTIVE
            history.append(_history(listing, old, listing.state, at, "seen again"))
        elif old == Listing.State.DELISTED:
            listing.state = Listing.State.NEW
            listing.listed_since = at
            listing.delisted_at = None
            history.append(_history(listing, old, listing.state, at, "listed again"))
            opened.append(listing)
        listing.save(
            update_fields=[
                "state",
                "last_seen",
                "codes",
                "meanings",
                "txt",
                "listed_since",
                "delisted_at",
            ]
        )
        outcome.changes.append(_change(listing, zone, old, listing.state))

    cleared = {(resource, zones[name].pk) for resource, name in not_listed}
    for listing in _locked(cleared, current_only=True).values():
        old = listing.state
        listing.state = Listing.State.DELISTED
        listing.delisted_at = at
        listing.save(update_fields=["state", "delisted_at"])
        history.append(_history(listing, old, listing.state, at, "not listed any more"))
        zone = next(z for z in zones.values() if z.pk == listing.zone_id)
        outcome.changes.append(_change(listing, zone, old, listing.state))

    if opened:
        _attribute(opened, at)
        outcome.tickets |= _tickets_for(opened, zones, at)
    ListingHistory.objects.bulk_create(history)
    return outcome


def _change(listing: Listing, zone: BlocklistZone, old: str, new: str) -> Change:
    return Change(listing.pk, listing.resource, zone.name, tuple(listing.codes), old, new)


def _locked(
    pairs: Iterable[tuple[str, int]], *, current_only: bool = False
) -> dict[tuple[str, int], Listing]:
    pairs = list(pairs)
    if not pairs:
        return {}
    resources = {resource for resource, _ in pairs}
    zone_ids = {zone_id for _, zone_id in pairs}
    rows = Listing.objects.select_for_update().filter(resource__in=resources, zone_id__in=zone_ids)
    if current_only:
        rows = rows.exclude(state=Listing.State.DELISTED)
    wanted = set(pairs)
    return {
        (row.resource, row.zone_id): row
        for row in rows.order_by("pk")
        if (row.resource, row.zone_id) in wanted
    }


def _create(
    resource: str, zone: BlocklistZone, result: DnsblResult, at: datetime
) -> Listing | None:
    try:
        with transaction.atomic():
            return Listing.objects.create(
                resource=resource,
                ip=_ip_of(resource),
                zone=zone,
                state=Listing.State.NEW,
                codes=list(result.codes),
                meanings=list(result.meanings),
                txt=(result.txt or "")[:500],
                first_seen=at,
                last_seen=at,
                listed_since=at,
            )
    except IntegrityError:
        return None


def _attribute(listings: list[Listing], at: datetime) -> None:
    """Who held each resource at this sighting: the customer, service and allocation (IPs)
    or hosted domain (names). Nobody: our own unallocated space (customer empty)."""
    ips = [item for item in listings if item.ip]
    names = [item for item in listings if not item.ip]
    for listing, holding in zip(
        ips, holdings_at([(str(item.ip), at) for item in ips]), strict=True
    ):
        listing.customer_id = holding.customer_id if holding else None
        listing.service_id = holding.service_id if holding else None
        listing.allocation_id = holding.allocation_id if holding else None
        listing.hosted_domain_id = None
    domain_holdings = domain_holdings_at([(item.resource, at) for item in names])
    for listing, dholding in zip(names, domain_holdings, strict=True):
        listing.customer_id = dholding.customer_id if dholding else None
        listing.service_id = dholding.service_id if dholding else None
        listing.hosted_domain_id = dholding.domain_id if dholding else None
        listing.allocation_id = None
    Listing.objects.bulk_update(
        listings, ["customer", "service", "allocation", "hosted_domain"], batch_size=500
    )


def listing_ticket_key(customer_id: int | None, zone_name: str) -> str:
    return f"listing:{customer_id or 'provider'}:{zone_name}"


def _tickets_for(
    listings: list[Listing], zones: dict[str, BlocklistZone], at: datetime
) -> set[int]:
    """Open or join one ticket per customer and zone; the first note of a new ticket holds
    the zone's delisting instructions, and every sighting adds a note naming the resources."""
    by_id = {zone.pk: zone for zone in zones.values()}
    groups: dict[tuple[int | None, int], list[Listing]] = defaultdict(list)
    for listing in listings:
        groups[listing.customer_id, listing.zone_id].append(listing)
    names = dict(
        Customer.objects.filter(pk__in={c for c, _ in groups if c}).values_list("pk", "name")
    )
    tickets: set[int] = set()
    for (customer_id, zone_id), items in sorted(
        groups.items(), key=lambda g: (g[0][0] or 0, g[0][1])
    ):
        zone = by_id[zone_id]
        holder = names.get(customer_id, "") if customer_id else "our unallocated space"
        ticket, created = ticket_open_or_join(
            key=listing_ticket_key(customer_id, zone.name),
            kind="listing",
            type_="blacklist",
            subject=f"Listed on {zone.name}: {holder}",
            customer_id=customer_id,
            resource=items[0].resource if len(items) == 1 else "",
            service_id=items[0].service_id if len(items) == 1 else None,
            at=at,
            events=len(items),
        )
        if created:
            ticket_note_add(
                ticket=ticket,
                subject=f"Blocklist {zone.name}: how to get delisted",
                body=instructions(zone),
            )
        lines = [
            f"- {item.resource}: {', '.join(_described(item))}" for item in items[:MAX_NOTE_LINES]
        ]
        if len(items) > MAX_NOTE_LINES:
            lines.append(f"... and {len(items) - MAX_NOTE_LINES} more")
        ticket_note_add(
            ticket=ticket,
            subject=f"New listing{'s' if len(items) > 1 else ''} on {zone.name}",
            body=f"Seen listed on {zone.name} at {at:%Y-%m-%d %H:%M} UTC:\n" + "\n".join(lines),
        )
        Listing.objects.filter(pk__in=[item.pk for item in items]).update(ticket=ticket)
        for item in items:
            item.ticket = ticket
        tickets.add(ticket.pk)
    return tickets


def _described(listing: Listing) -> list[str]:
    described = [f"{c} ({m})" for c, m in zip(listing.codes, listing.meanings, strict=False)]
    if listing.txt:
        described.append(f'"{listing.txt}"')
    return described or ["listed"]


def instructions(zone: BlocklistZone) -> str:
    parts = [zone.delisting_instructions or f"Request delisting from the operator of {zone.name}."]
    if zone.delisting_url:
        parts.append(f"Delisting/lookup page: {zone.delisting_url}")
    parts.append(
        "First find and stop the cause (compromised account or host, form abuse, bad list); "
        "a request without a fix is refused and makes the next one harder. Record the request "
        "under Reputation → Delisting requests."
    )
    return "\n\n".join(parts)
