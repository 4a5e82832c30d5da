"""The customer's self-service page, reached by the link in a notice (no login).

GET only shows: mail scanners and link previews fetch every URL in a mail, so nothing a
GET does may count as the customer's answer. Replies and "fixed" are POSTs with the CSRF
token of the page, rate-limited per link. Unknown, expired and revoked links, and links
of a case that has since been restricted, all get the same neutral "no longer available"
404 page, so a visitor cannot tell which tokens ever existed, nor why one stopped working.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from complaints.mediation import selfservice


def _refused(request: HttpRequest) -> HttpResponse:
    return _private(render(request, "selfservice/refused.html", status=404))


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@require_http_methods(["GET", "HEAD"])
def selfservice_page_view(request: HttpRequest, token: str) -> HttpResponse:
    try:
        link = selfservice.link_resolve(token)
    except selfservice.LinkRefused:
        return _refused(request)
    context = {
        "token": token,
        "link": link,
        "ticket": link.ticket,
        "customer": link.customer,
        "evidence": selfservice.customer_evidence(link),
        "conversation": selfservice.customer_conversation(link),
        "open": selfservice.ticket_is_open(link),
        "done": request.GET.get("done", "") in ("reply", "fixed"),
        "error": "",
    }
    return _private(render(request, "selfservice/page.html", context))


@require_POST
def selfservice_submit_view(request: HttpRequest, token: str, what: str) -> HttpResponse:
    try:
        link = selfservice.link_resolve(token)
    except selfservice.LinkRefused:
        return _refused(request)
    try:
        selfservice.rate_check(link)
    except selfservice.RateLimited:
        response = render(request, "selfservice/refused.html", {"rate_limited": True}, status=429)
        response["Retry-After"] = "3600"
        return _private(response)
    try:
        if what == "fixed":
            selfservice.selfservice_mark_fixed(
                link=link, what_was_done=request.POST.get("what_was_done", "")
            )
        else:
            selfservice.selfservice_reply(link=link, body=request.POST.get("body", ""))
    except ValueError as exc:
        context = {
            "token": token,
            "link": link,
            "ticket": link.ticket,
            "customer": link.customer,
            "evidence": selfservice.customer_evidence(link),
            "conversation": selfservice.customer_conversation(link),
            "open": selfservice.ticket_is_open(link),
            "done": False,
            "error": str(exc),
        }
        return _private(render(request, "selfservice/page.html", context, status=400))
    return redirect(reverse("selfservice:page", kwargs={"token": token}) + f"?done={what}")
