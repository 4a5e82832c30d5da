"""Navigation per role: each person sees the sections their roles can open."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse

from accounts import roles
from complaints.permissions import KINDS_BY_ROLE
from complaints.report_selectors import QUARANTINE_VIEWERS, REPORT_SUBMITTERS


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
    if roles.ADMIN in held:
        items.append(("Admin", reverse("admin:index")))
    items.append(("API docs", reverse("api-docs")))
    return {"nav_items": items, "user_roles": sorted(held)}
