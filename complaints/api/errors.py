"""The API's answer to a path it does not have: a JSON 404, never the site's HTML page.

Routed last, for every path under ``/api/`` (``trustsafety/urls.py``), so it also answers a
path whose identifier is not of the route's type (``/api/v1/tickets/abc/``) and a version
that does not exist (``/api/v2/``): a client reads every error of the API as JSON. A path that would exist with a trailing slash says so, since a client
that drops it would otherwise only see "not found" (the site-wide redirect to the slashed
path cannot carry a POST's body anyway).
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.urls import Resolver404, resolve
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt  # it changes nothing; a refused CSRF check would answer HTML instead
def api_not_found_view(request: HttpRequest, *args: object, **kwargs: object) -> JsonResponse:
    detail = "Not found."
    if not request.path.endswith("/"):
        try:
            match = resolve(request.path + "/")
        except Resolver404:
            match = None
        if match is not None and match.func is not api_not_found_view:
            detail = f"Not found. API paths end with a slash: {request.path}/"
    return JsonResponse({"detail": detail}, status=404)
