"""Who reads which dashboard figures (docs/architecture.md, "leads/").

- Leads see the team's figures; agents see only their own (the rows of the tickets
  assigned to them, their own workload row). Nobody else opens the dashboards.
- Every figure row carries the visibility class of the tickets it counts, and the desk's
  one permission rule (``complaints.permissions.ticket_filter_for``) filters those rows as
  it filters tickets: a lead who is not in legal never counts a legal case, a lead who is
  also in investigations counts the investigations too.
- The weekly digest leaves by mail, so it carries only the classes every lead sees
  (unrestricted tickets of the lead's kinds), whatever other roles its recipient holds.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Q

from accounts import roles
from accounts.roles import AnyUser
from complaints.permissions import KINDS_BY_ROLE, ticket_filter_for

DASHBOARD_ROLES = frozenset({roles.LEAD, roles.AGENT})
TEAM_ROLES = frozenset({roles.LEAD})
# The kinds a "worst" table counts (abuse work, not billing), never restricted.
WORST_KINDS = frozenset({"abuse", "listing", "deliverability"})


@dataclass(frozen=True)
class Viewer:
    """Whose figures a reader gets: ``team`` (a lead) or only their own; ``visibility`` is
    the permission rule on the rows' visibility class."""

    user: AnyUser
    team: bool
    visibility: Q

    def figures_q(self) -> Q:
        """Rows of a figure table this viewer may read (visibility and scope)."""
        if self.team:
            return self.visibility & Q(assignee_id__isnull=True)
        return self.visibility & Q(assignee_id=self.user.pk)

    def tickets_q(self) -> Q:
        """Tickets this viewer's live figures count."""
        if self.team:
            return self.visibility
        return self.visibility & Q(assignee_id=self.user.pk)

    @property
    def sees_worst(self) -> bool:
        """The worst tables rank customers across the team's unrestricted abuse work."""
        return self.team


def can_view_dashboards(user: AnyUser) -> bool:
    return roles.has_any_role(user, DASHBOARD_ROLES)


def viewer_for(user: AnyUser) -> Viewer:
    """The dashboards' reader; ``PermissionDenied`` unless a lead or an agent."""
    roles.require_any_role(user, DASHBOARD_ROLES)
    return Viewer(
        user=user, team=roles.has_any_role(user, TEAM_ROLES), visibility=ticket_filter_for(user)
    )


def digest_viewer(user: AnyUser) -> Viewer:
    """A lead as the weekly digest sees them: the team's unrestricted figures only."""
    if not roles.has_any_role(user, TEAM_ROLES):
        raise PermissionDenied
    kinds = sorted(KINDS_BY_ROLE[roles.LEAD])
    return Viewer(user=user, team=True, visibility=Q(kind__in=kinds, restricted_group=""))
