"""Who may do what in the reputation watch (on top of ``accounts.roles``).

Leads and admins own the reputation page; agents read it and work listings, delisting
requests and the doctor; compromise rules are applied by leads and admins; zones are
configured by admins. Legal, investigations and billing have no business here.
"""

from __future__ import annotations

from accounts.roles import ADMIN, AGENT, LEAD, AnyUser, has_any_role

READERS = frozenset({AGENT, LEAD, ADMIN})
WORKERS = frozenset({AGENT, LEAD, ADMIN})
RULE_APPLIERS = frozenset({LEAD, ADMIN})
ZONE_EDITORS = frozenset({ADMIN})


def can_read_reputation(user: AnyUser) -> bool:
    return has_any_role(user, READERS)


def can_work_reputation(user: AnyUser) -> bool:
    """Delisting requests, deliverability checks, attaching and sending them."""
    return has_any_role(user, WORKERS)


def can_run_compromise_rules(user: AnyUser) -> bool:
    return has_any_role(user, RULE_APPLIERS)


def can_edit_zones(user: AnyUser) -> bool:
    return has_any_role(user, ZONE_EDITORS)
