"""Navigation per role: each person sees the sections their roles can open."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse

from accounts import roles
from campaigns.permissions import can_view_campaigns
from complaints.intake.selectors import QUARANTINE_VIEWERS, REPORT_SUBMITTERS
from complaints.permissions import KINDS_BY_ROLE


def navigation(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "user_roles": []}
    held = roles.roles_of(user)
    items: list[tuple[str, str]] = [("Home", reverse("home"))]
    if held & set(KINDS_BY_ROLE):  # every role works some kind of ticket
        items.append(("Queue", reverse("workspace:queue")))
    if roles.can_read_customers(user):
        items.append(("Customers", reverse("customers:customer-search")))
    if held & REPORT_SUBMITTERS:
        items.append(("New complaint", reverse("complaints:complaint-new")))
    if held & QUARANTINE_VIEWERS:
        items.append(("Quarantine", reverse("complaints:quarantine")))
    if held & {roles.AGENT, roles.LEAD, roles.ADMIN}:
        items.append(("Reputation", reverse("reputation:overview")))
    if held & {roles.LEAD, roles.AGENT}:  # leads the team's figures, agents their own (leads/)
        items.append(("Dashboards", reverse("leads:dashboard")))
    if can_view_campaigns(user):
        items.append(("Campaigns", reverse("campaigns:list")))
    if roles.LEGAL in held:  # the legal desk (legal/): the legal role only
        items.append(("Legal desk", reverse("legal:queue")))
    if roles.ADMIN in held:
        items.append(("Admin", reverse("admin:index")))
    items.append(("API docs", reverse("api-docs")))
    return {"nav_items": items, "user_roles": sorted(held)}
