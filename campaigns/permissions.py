"""Who may do what with campaigns (on top of ``accounts.roles``), decided on the server by
every view (docs/architecture.md "campaigns/").

- Leads own campaigns: they create, edit, launch and stop them. A campaign mails hundreds
  of customers and holds some back on purpose, so that is a lead's decision.
- Agents, leads and admins read campaigns: agents work the tickets a campaign escalates to
  and answer the customers it wrote to, so they see whom it wrote and what came of it.
- Agents and leads record re-checks (someone looked at the host: fixed or not).
- Leads and admins keep the suppression list (admins know the provider's own ranges).
- Legal, investigations and billing have no business here.

What nobody sees through a campaign: the customers of a restricted case (legal,
investigations). ``campaigns.suppression`` leaves them out of every campaign, and the
selectors hide a notice whose customer became restricted later, with no reason shown.
"""

from __future__ import annotations

from accounts.roles import ADMIN, AGENT, LEAD, AnyUser, has_any_role

READERS = frozenset({AGENT, LEAD, ADMIN})
MANAGERS = frozenset({LEAD})
RECHECKERS = frozenset({AGENT, LEAD})
SUPPRESSION_EDITORS = frozenset({LEAD, ADMIN})


def can_view_campaigns(user: AnyUser) -> bool:
    return has_any_role(user, READERS)


def can_manage_campaigns(user: AnyUser) -> bool:
    return has_any_role(user, MANAGERS)


def can_record_recheck(user: AnyUser) -> bool:
    return has_any_role(user, RECHECKERS)


def can_edit_suppressions(user: AnyUser) -> bool:
    return has_any_role(user, SUPPRESSION_EDITORS)
