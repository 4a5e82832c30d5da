"""Project-level pages: the home page (what each role can open, system status) and a
health endpoint for load balancers."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import requires_csrf_token
from django.views.decorators.http import require_POST

from accounts import roles
from accounts.heartbeat import worker_status
from complaints.actions.sla import notifications_for, notifications_mark_read
from complaints.permissions import KINDS_BY_ROLE
from complaints.tickets.clocks import sla_state
from complaints.tickets.selectors import ticket_home_for


@login_required
def home_view(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "home.html",
        {
            "worker": worker_status(),
            # SLA breaches escalated to this user (leads), on tickets they may still see.
            "notifications": list(notifications_for(request.user)[:20]),
            "my_work": _my_work(request),
        },
    )


# Whoever works a queue (the queue page's roles) has tickets of their own.
WORKERS = frozenset(KINDS_BY_ROLE) | {roles.INVESTIGATIONS, roles.LEGAL}


def _my_work(request: HttpRequest) -> dict[str, object] | None:
    """Who works tickets sees their own and what is due (complaints.tickets.selectors)."""
    if not roles.has_any_role(request.user, WORKERS):
        return None
    home = ticket_home_for(request.user)
    return {
        "mine": [(t, sla_state(t)) for t in home.mine],
        "mine_count": home.mine_count,
        "due": [(t, sla_state(t)) for t in home.due],
        "due_count": home.due_count,
    }


@login_required
@require_POST
def notifications_read_view(request: HttpRequest) -> HttpResponse:
    notifications_mark_read(user=request.user)
    return redirect("home")


@requires_csrf_token
def server_error_view(request: HttpRequest) -> HttpResponse:
    """The 500 answer (``handler500``): JSON under /api/, like every other API error,
    else the plain page (``templates/500.html``). With DEBUG off neither shows a traceback."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Server error."}, status=500)
    return defaults.server_error(request)


def favicon_view(request: HttpRequest) -> HttpResponseRedirect:
    """``/favicon.ico``, which browsers ask for on pages that name no icon (the Django admin,
    the API docs): the static icon every desk page links to, served by WhiteNoise."""
    return HttpResponseRedirect(static("favicon.ico"))


@never_cache
def health_view(request: HttpRequest) -> JsonResponse:
    """Liveness of the database and Redis; 503 when either is down."""
    status: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        status["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - a health check reports, it does not raise
        status["database"] = f"error: {type(exc).__name__}"
    try:
        cache.set("health-probe", "1", timeout=5)
        status["redis"] = "ok" if cache.get("health-probe") == "1" else "error"
    except Exception as exc:  # noqa: BLE001
        status["redis"] = f"error: {type(exc).__name__}"
    healthy = all(value == "ok" for value in status.values())
    return JsonResponse(status, status=200 if healthy else 503)
