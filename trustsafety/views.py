"""Project-level pages: the home page (what each role can open, system status) and a
health endpoint for load balancers."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.dateparse import parse_datetime
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.tasks import HEARTBEAT_KEY


@login_required
def home_view(request: HttpRequest) -> HttpResponse:
    from complaints.sla import notifications_for

    heartbeat = cache.get(HEARTBEAT_KEY)
    return render(
        request,
        "home.html",
        {
            "worker_heartbeat": parse_datetime(heartbeat) if heartbeat else None,
            # SLA breaches escalated to this user (leads), on tickets they may still see.
            "notifications": list(notifications_for(request.user)[:20]),
        },
    )


@login_required
@require_POST
def notifications_read_view(request: HttpRequest) -> HttpResponse:
    from complaints.sla import notifications_mark_read

    notifications_mark_read(user=request.user)
    return redirect("home")


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
