"""Who a campaign never writes to, and who it never even shows.

Suppressed (a notice exists, group "suppressed", with the reason shown to the desk):

- our own infrastructure: the provider's own customer records (``PROVIDER_CUSTOMER_IDS``,
  the rule policy rules use too); hosts inside a network on the suppression list are
  dropped before attribution, so a listed range of our own never becomes anyone's notice;
- protected customers (``Customer.protected``): looked after by hand, never mailed by a
  campaign;
- customers on the suppression list, for every campaign or for one.

Withheld (no notice at all, and no reason anywhere): the customer of a restricted case,
by ``complaints.restriction``'s rule — an open legal or investigation case, or one
escalated to a restricted group — and a customer under a legal hold (gag or
preservation: ``customers.legal_holds.customers_under_legal_hold``, the legal desk's
selector). A campaign mail, its self-service link or an escalation would tell that
customer someone is looking, and a "suppressed: legal" row would tell the agents more
than the desk's neutral hold badge does. The rule is asked when recipients are chosen,
again just before each mail is queued (where the outbound queue asks it too) and each
escalation step, and by the selectors, which hide a notice whose customer became
withheld since.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from django.conf import settings
from django.db.models import Q

from campaigns.models import Campaign, Suppression
from complaints.models import Ticket
from complaints.models.tickets import OPEN_STATUSES
from complaints.restriction import restricted_q
from customers.legal_holds import customers_under_legal_hold, legal_holds_live
from customers.models import Customer

OWN_INFRASTRUCTURE = "own infrastructure"
PROTECTED = "protected customer"

Net = ipaddress.IPv4Network | ipaddress.IPv6Network


def withheld_q(*, customer_field: str = "customer") -> Q:
    """Rows whose customer has an open restricted case or a legal hold (for excluding in
    selectors)."""
    # No NULL in the lists: ``NOT (x IN (..., NULL))`` is never true, and would hide all.
    restricted = Ticket.objects.filter(status__in=OPEN_STATUSES, customer_id__isnull=False).filter(
        restricted_q()
    )
    held = legal_holds_live().filter(customer_id__isnull=False)
    return Q(**{f"{customer_field}__in": restricted.values("customer_id")}) | Q(
        **{f"{customer_field}__in": held.values("customer_id")}
    )


def customers_withheld(customer_ids: Iterable[int]) -> set[int]:
    """Which of these customers must hear nothing automatic from the desk."""
    ids = sorted(set(customer_ids))
    found: set[int] = set()
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        found.update(
            Ticket.objects.filter(customer_id__in=chunk, status__in=OPEN_STATUSES)
            .filter(restricted_q())
            .values_list("customer_id", flat=True)
        )
    return found | customers_under_legal_hold(ids)


def customer_withheld(customer_id: int) -> bool:
    return bool(customers_withheld([customer_id]))


def _listed(campaign: Campaign) -> Q:
    return Q(campaign__isnull=True) | Q(campaign=campaign)


def suppressed_networks(campaign: Campaign) -> list[Net]:
    rows = Suppression.objects.filter(_listed(campaign), network__isnull=False)
    return [ipaddress.ip_network(net) for net in rows.values_list("network", flat=True) if net]


def ip_suppressed(ip: str, networks: list[Net]) -> bool:
    if not networks:
        return False
    address = ipaddress.ip_address(ip)
    return any(address.version == net.version and address in net for net in networks)


def suppression_reasons(campaign: Campaign, customer_ids: Iterable[int]) -> dict[int, str]:
    """customer id -> why the campaign does not write to them (absent: it does)."""
    ids = set(customer_ids)
    if not ids:
        return {}
    reasons: dict[int, str] = {}
    listed = Suppression.objects.filter(_listed(campaign), customer_id__in=ids).values_list(
        "customer_id", "reason"
    )
    for customer_id, reason in listed:
        reasons.setdefault(customer_id, f"suppression list: {reason}"[:200])
    rows = Customer.objects.filter(pk__in=ids).values_list("pk", "external_id", "protected")
    for customer_id, external_id, protected in rows:
        if external_id in settings.PROVIDER_CUSTOMER_IDS:
            reasons[customer_id] = OWN_INFRASTRUCTURE
        elif protected:
            reasons.setdefault(customer_id, PROTECTED)
    return reasons
