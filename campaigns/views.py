"""Campaign pages (namespace "campaigns"): the list, a campaign with its measured effect
and its notices, a notice, the suppression list, and the customer's page behind the
signed link.

Every desk view checks the role on the server (``campaigns.permissions``: 403 for a role
with no business here) and reads through ``campaigns.selectors``, which leave out the
customers of restricted cases (a 404, as for a notice that does not exist). Writes go
through ``campaigns.services``.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from campaigns import links, permissions, selectors
from campaigns.feeds import family_type, feed_families_seen
from campaigns.forms import (
    DEFAULT_FIX_STEPS,
    AcknowledgeForm,
    CampaignForm,
    RecheckForm,
    SuppressionForm,
)
from campaigns.models import Campaign, CampaignNotice, Suppression
from campaigns.notice_text import DEFAULT_BODY, DEFAULT_SUBJECT, VARIABLES, notice_hosts
from campaigns.services import (
    campaign_create,
    campaign_launch,
    campaign_stop,
    campaign_update,
    notice_acknowledge,
    notice_recheck_record,
    suppression_add,
    suppression_remove,
)
from complaints import classification
from complaints.mediation.notices import customer_keep_set
from complaints.mediation.redaction import redact_for_customer

View = Callable[..., HttpResponse]
PAGE_SIZE = 100


def requires(check: Callable[[Any], bool]) -> Callable[[View], View]:
    def decorate(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not check(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


def _form_errors(form: Any, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            target = field if field in form.fields else None
            for error in errors:
                form.add_error(target, error)
    else:
        form.add_error(None, exc)


@requires(permissions.can_view_campaigns)
def campaign_list_view(request: HttpRequest) -> HttpResponse:
    return render(request, "campaigns/list.html", {
        "campaigns": selectors.campaigns_listed(),
        "feeds": feed_families_seen(timezone.now() - timedelta(days=30)),
        "can_manage": permissions.can_manage_campaigns(request.user),
    })  # fmt: skip


@requires(permissions.can_manage_campaigns)
@require_http_methods(["GET", "POST"])
def campaign_create_view(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = CampaignForm(request.POST)
        if form.is_valid():
            try:
                campaign = campaign_create(actor=request.user, values=form.cleaned_data)
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, "Campaign created as a draft: check it, then launch.")
                return redirect("campaigns:detail", pk=campaign.pk)
    else:
        family = request.GET.get("family", "")
        type_ = family_type(family) or ""
        form = CampaignForm(initial={
            "feed_family": family if type_ else "",
            "name": f"{classification.type_label(type_)}: {family}" if type_ else "",
            "subject_template": DEFAULT_SUBJECT, "body_template": DEFAULT_BODY,
            "fix_steps": DEFAULT_FIX_STEPS,
        })  # fmt: skip
    return render(request, "campaigns/form.html", {"form": form, "variables": VARIABLES})


def _campaign(pk: int) -> Campaign:
    return get_object_or_404(Campaign, pk=pk)


@requires(permissions.can_manage_campaigns)
@require_http_methods(["GET", "POST"])
def campaign_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(pk)
    if campaign.status == Campaign.Status.STOPPED:
        raise PermissionDenied
    form = CampaignForm(request.POST or None, instance=campaign)
    if request.method == "POST" and form.is_valid():
        try:
            campaign_update(campaign=campaign, actor=request.user, values=form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, "Campaign saved.")
            return redirect("campaigns:detail", pk=campaign.pk)
    return render(request, "campaigns/form.html",
                  {"form": form, "campaign": campaign, "variables": VARIABLES})  # fmt: skip


@requires(permissions.can_view_campaigns)
def campaign_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(pk)
    group = request.GET.get("group", "")
    state = request.GET.get("state", "")
    if group not in CampaignNotice.Group.values:
        group = ""
    if state not in CampaignNotice.State.values:
        state = ""
    page = Paginator(selectors.campaign_notices(campaign, group=group, state=state),
                     PAGE_SIZE).get_page(request.GET.get("page"))  # fmt: skip
    # A stopped campaign reads the feed no more: its figures stand as they were at the stop.
    now = campaign.stopped_at or timezone.now()
    return render(request, "campaigns/detail.html", {
        "campaign": campaign, "effect": selectors.campaign_effect(campaign, now),
        "counts": selectors.campaign_state_counts(campaign),
        "holdout_contacted": selectors.holdout_contacted(campaign),
        "feed_days": selectors.campaign_feed_days(campaign), "page": page,
        "group": group, "state": state, "groups": CampaignNotice.Group.choices,
        "states": CampaignNotice.State.choices,
        "type_label": classification.type_label(campaign.type),
        "can_manage": permissions.can_manage_campaigns(request.user),
    })  # fmt: skip


@requires(permissions.can_manage_campaigns)
@require_POST
def campaign_launch_view(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(pk)
    try:
        campaign_launch(campaign=campaign, actor=request.user)
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    else:
        messages.success(request, "Launched: recipients are read from the feed now.")
    return redirect("campaigns:detail", pk=pk)


@requires(permissions.can_manage_campaigns)
@require_POST
def campaign_stop_view(request: HttpRequest, pk: int) -> HttpResponse:
    campaign_stop(campaign=_campaign(pk), actor=request.user)
    messages.success(request, "Stopped: no more mail; the figures stay.")
    return redirect("campaigns:detail", pk=pk)


def _csv_cell(value: object) -> str:
    text = "" if value is None else str(value)
    # A spreadsheet runs a cell that starts like a formula; customer names are anyone's text.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@requires(permissions.can_view_campaigns)
def campaign_notices_csv_view(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(pk)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="campaign-{campaign.pk}-notices.csv"'
    writer = csv.writer(response)
    columns = ["customer", "customer_name", "group", "state", "hosts", "assigned_at",
               "first_seen_at", "last_seen_at", "mails", "sent_at", "delivered_at",
               "bounced_at", "acknowledged_at", "first_fixed_at", "fixed_at", "fixed_by",
               "recurred_at", "ticket"]  # fmt: skip
    writer.writerow(columns)
    for n in selectors.campaign_notices(campaign).iterator(chunk_size=2000):
        writer.writerow([_csv_cell(v) for v in (
            n.customer.external_id, n.customer.name, n.group, n.state, n.host_count,
            n.assigned_at, n.first_seen_at, n.last_seen_at, n.mails, n.sent_at, n.delivered_at,
            n.bounced_at, n.acknowledged_at, n.first_fixed_at, n.fixed_at, n.fixed_by,
            n.recurred_at, n.ticket_id)])  # fmt: skip
    return response


def _notice(pk: int) -> CampaignNotice:
    notice = selectors.notice_visible(pk)
    if notice is None:
        raise Http404
    return notice


@requires(permissions.can_view_campaigns)
def notice_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    notice = _notice(pk)
    return render(request, "campaigns/notice_detail.html", {
        "notice": notice, "campaign": notice.campaign, "hosts": notice_hosts(notice, limit=500),
        "mails": selectors.notice_mails(notice), "changes": notice.changes.select_related("actor"),
        "form": RecheckForm(), "can_recheck": permissions.can_record_recheck(request.user),
    })  # fmt: skip


@requires(permissions.can_record_recheck)
@require_POST
def notice_recheck_view(request: HttpRequest, pk: int) -> HttpResponse:
    notice = _notice(pk)
    form = RecheckForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say whether the hosts are fixed.")
    else:
        try:
            notice_recheck_record(notice=notice, actor=request.user,
                                  fixed=form.cleaned_data["fixed"], note=form.cleaned_data["note"])  # fmt: skip
        except ValidationError as exc:
            messages.error(request, "; ".join(exc.messages))
        else:
            messages.success(request, "Re-check recorded.")
    return redirect("campaigns:notice-detail", pk=pk)


@requires(permissions.can_view_campaigns)
@require_http_methods(["GET", "POST"])
def suppression_list_view(request: HttpRequest) -> HttpResponse:
    can_edit = permissions.can_edit_suppressions(request.user)
    form = SuppressionForm()
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        form = SuppressionForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                suppression_add(actor=request.user, reason=data["reason"], network=data["network"],
                                customer_id=data["customer_id"], campaign=data["campaign"])  # fmt: skip
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, "Added to the suppression list.")
                return redirect("campaigns:suppressions")
    return render(request, "campaigns/suppressions.html", {
        "entries": selectors.suppressions_listed(), "form": form, "can_edit": can_edit,
    })  # fmt: skip


@requires(permissions.can_edit_suppressions)
@require_POST
def suppression_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(selectors.suppressions_listed(), pk=pk)
    assert isinstance(entry, Suppression)
    suppression_remove(entry=entry, actor=request.user)
    messages.success(request, "Removed from the suppression list.")
    return redirect("campaigns:suppressions")


# --- the customer's page behind the signed link ---------------------------------------------


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _refused(request: HttpRequest, status: int = 404, **context: Any) -> HttpResponse:
    return _private(render(request, "campaigns/public_refused.html", context, status=status))


def _public_context(token: str, mail: Any, **extra: Any) -> dict[str, Any]:
    notice = mail.notice
    keep = customer_keep_set(notice.customer)
    hosts = [
        {"ip": h.ip, "port": h.port, "last_seen_at": h.last_seen_at,
         "evidence": redact_for_customer(h.evidence, keep=keep)}
        for h in notice_hosts(notice, limit=500)
    ]  # fmt: skip
    return {
        "token": token, "mail": mail, "notice": notice, "campaign": notice.campaign,
        "customer": notice.customer, "hosts": hosts,
        "type_label": classification.type_label(notice.campaign.type),
        "form": AcknowledgeForm(), "done": "", "error": "", **extra,
    }  # fmt: skip


@require_http_methods(["GET", "HEAD"])
def public_notice_view(request: HttpRequest, token: str) -> HttpResponse:
    try:
        mail = links.link_resolve(token)
    except links.LinkRefused:
        return _refused(request)
    done = request.GET.get("done", "")
    return _private(render(request, "campaigns/public_notice.html",
                           _public_context(token, mail, done=done if done in ("ack", "fixed") else "")))  # fmt: skip


@require_POST
def public_notice_submit_view(request: HttpRequest, token: str, what: str) -> HttpResponse:
    try:
        mail = links.link_resolve(token)
        links.rate_check(mail)
    except links.LinkRefused:
        return _refused(request)
    except links.RateLimited:
        response = _refused(request, status=429, rate_limited=True)
        response["Retry-After"] = "3600"
        return response
    form = AcknowledgeForm(request.POST)
    text = form.cleaned_data["text"] if form.is_valid() else ""
    try:
        notice_acknowledge(mail=mail, says_fixed=what == "fixed", text=text)
    except ValueError as exc:
        return _private(render(request, "campaigns/public_notice.html",
                               _public_context(token, mail, error=str(exc)), status=400))  # fmt: skip
    return redirect(reverse("campaigns:public-notice", kwargs={"token": token}) + f"?done={what}")
