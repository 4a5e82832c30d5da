"""The legal desk's pages (docs/architecture.md "Legal desk"): the queue (what is due
first), a new request, a request's page with every step of its workflow, package downloads
and the transparency report.

The legal role only, checked on the server on every route: anyone else gets a 403 on the
desk's lists and forms and a 404 on a request or package (never a 403 that would confirm
it exists). Every page is ``never_cache``; every read of a request and every download is
audited. Views parse forms and call ``legal.services`` (and its siblings); none writes a
model.
"""

from __future__ import annotations

from collections.abc import Callable

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts import roles
from complaints.audit import audit_record
from legal import forms, intake, packages, scope, services, subjects
from legal.access import require_legal, require_legal_object
from legal.models import LegalRequest, Package, RequestType, State
from legal.selectors import (
    QueueFilters,
    legal_queue,
    package_for,
    reminders_attention,
    request_audit_trail,
    request_for,
    scope_overview,
)
from legal.services import RECORDED_STATES, TRANSITIONS, LegalError, ScopeInput
from legal.transparency import Half, transparency_csv, transparency_report


def _request(http: HttpRequest, pk: int) -> LegalRequest:
    require_legal_object(http.user)
    request = request_for(http.user, pk)
    if request is None:
        raise Http404("No such request")
    return request


@login_required
@never_cache
@require_GET
def queue_view(http: HttpRequest) -> HttpResponse:
    require_legal(http.user)
    filters = QueueFilters(
        state=http.GET.get("state", "")[:20],
        type=http.GET.get("type", "")[:24],
        q=http.GET.get("q", "")[:200],
        closed=http.GET.get("closed") == "1",
    )
    rows = list(legal_queue(http.user, filters)[:200])
    return render(
        http,
        "legal/queue.html",
        {
            "rows": rows,
            "filters": filters,
            "attention": list(reminders_attention(http.user)[:50]),
            "states": State.choices,
            "types": RequestType.choices,
        },
    )


@login_required
@never_cache
def request_new_view(http: HttpRequest) -> HttpResponse:
    require_legal(http.user)
    form = forms.RequestForm(http.POST or None)
    if http.method == "POST" and form.is_valid():
        data = form.cleaned_data
        scope_items = []
        if data["scope_kind"]:
            scope_items.append(
                ScopeInput(
                    data["scope_kind"], data["scope_value"], data["scope_from"], data["scope_to"]
                )
            )
        try:
            request = services.request_receive(
                actor=http.user, type=data["type"], authority=data["authority"],
                jurisdiction=data["jurisdiction"], received_at=data["received_at"],
                time_zone=data["time_zone"], officer_name=data["officer_name"],
                officer_email=data["officer_email"], officer_phone=data["officer_phone"],
                case_number=data["case_number"], legal_basis=data["legal_basis"],
                description=data["description"], data_categories=data["data_categories"],
                emergency=data["emergency"], stated_due=form.stated_due_at(),
                subject_name=data["subject_name"], subject_email=data["subject_email"],
                scope=scope_items,
            )  # fmt: skip
        except LegalError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                http, f"{request.reference} received; due {request.due_at:%Y-%m-%d %H:%M} UTC."
            )
            return redirect("legal:request-detail", pk=request.pk)
    return render(http, "legal/request_new.html", {"form": form})


@login_required
@never_cache
@require_GET
def request_detail_view(http: HttpRequest, pk: int) -> HttpResponse:
    request = _request(http, pk)
    audit_record(actor=http.user, verb="legal.read", obj=request, detail={"path": http.path[:300]})
    legal_users = (
        get_user_model()
        .objects.filter(groups__name=roles.LEGAL, is_active=True)
        .order_by("username")
    )
    next_states = [
        (value, label)
        for value, label in State.choices
        if value in TRANSITIONS.get(request.state, ()) and value not in RECORDED_STATES
    ]
    return render(
        http,
        "legal/request_detail.html",
        {
            "r": request,
            "scope_items": list(request.scope.prefetch_related("matches__customer").all()),
            "overview": scope_overview(http.user, request),
            "history": list(request.history.all()),
            "audit": list(request_audit_trail(http.user, request)[:50]),
            "packages": list(request.packages.defer("content")),
            "reminders": list(request.reminders.all()),
            "next_states": next_states,
            "nondisclosure_live": services.nondisclosure_in_force(request),
            "legal_users": legal_users,
            "scope_kinds": forms.ScopeForm.base_fields["kind"].choices,  # type: ignore[attr-defined]
            "mail": intake.legal_mail_of(request),
            "classify_types": forms.ClassifyForm.base_fields["type"].choices,  # type: ignore[attr-defined]
            "withheld_count": (
                subjects.subject_withheld_count(request.subject_customer)
                if request.subject_customer is not None
                else 0
            ),
        },
    )


# --- the request's steps: one POST route, one handler per step --------------------------


def _valid(form: django_forms.Form) -> dict:
    if not form.is_valid():
        problems = "; ".join(
            f"{field}: {' '.join(str(e) for e in errors)}" for field, errors in form.errors.items()
        )
        raise LegalError(problems or "the form is incomplete")
    return form.cleaned_data


def _transition(http: HttpRequest, r: LegalRequest) -> str:
    data = _valid(forms.TransitionForm(http.POST))
    services.request_transition(
        request_id=r.pk, actor=http.user, to_state=data["to_state"], reason=data["reason"]
    )
    return f"Now {State(data['to_state']).label.lower()}."


def _verify(http: HttpRequest, r: LegalRequest) -> str:
    data = _valid(forms.VerifyForm(http.POST))
    services.request_verify(
        request_id=r.pk, actor=http.user, method=data["method"], reason=data["reason"]
    )
    return "Verification recorded."


def _callback(http: HttpRequest, r: LegalRequest) -> str:
    data = _valid(forms.CallbackForm(http.POST))
    services.request_callback_record(request_id=r.pk, actor=http.user, **data)
    return "Callback and harm description recorded."


def _approve(http: HttpRequest, r: LegalRequest) -> str:
    data = _valid(forms.ReasonForm(http.POST))
    services.request_approve(request_id=r.pk, actor=http.user, reason=data["reason"])
    return "Approved."


def _second_approve(http: HttpRequest, r: LegalRequest) -> str:
    data = _valid(forms.ReasonForm(http.POST))
    services.request_second_approve(request_id=r.pk, actor=http.user, reason=data["reason"])
    return "Second approval recorded."


def _scope_add(http: HttpRequest, r: LegalRequest) -> str:
    data = _valid(forms.ScopeForm(http.POST))
    item = ScopeInput(data["kind"], data["value"], data["starts_at"], data["ends_at"])
    services.scope_item_add(request_id=r.pk, actor=http.user, item=item, reason=data["reason"])
    return "Scope item added: answer the scope again."


def _scope_remove(http: HttpRequest, r: LegalRequest) -> str:
    data = _valid(forms.ReasonForm(http.POST))
    try:
        item_id = int(http.POST.get("item", ""))
    except ValueError as exc:
        raise LegalError("which scope item?") from exc
    services.scope_item_remove(
        request_id=r.pk, actor=http.user, item_id=item_id, reason=data["reason"]
    )
    return "Scope item removed."


def _scope_resolve(http: HttpRequest, r: LegalRequest) -> str:
    found = scope.request_scope_resolve(request_id=r.pk, actor=http.user)
    return f"The registry answered: {found} holding(s)."


def _gag(http: HttpRequest, r: LegalRequest) -> str:
    data = _valid(forms.GagForm(http.POST))
    services.request_gag_set(request_id=r.pk, actor=http.user, reason=data["reason"],
                             order_end=data["order_end"], indefinite=data["indefinite"])  # fmt: skip
    return "Non-disclosure recorded: the customers in scope are on legal hold."


def _gag_renew(http: HttpRequest, r: LegalRequest) -> str:
    data = _valid(forms.ReasonForm(http.POST))
    services.request_gag_renew(request_id=r.pk, actor=http.user, reason=data["reason"])
    return "Non-disclosure renewed for 90 days."


def _preservation_extend(http: HttpRequest, r: LegalRequest) -> str:
    data = _valid(forms.ReasonForm(http.POST))
    services.request_preservation_extend(request_id=r.pk, actor=http.user, reason=data["reason"])
    return "Preservation extended."


def _preservation_convert(http: HttpRequest, r: LegalRequest) -> str:
    data = _valid(forms.ConvertForm(http.POST))
    services.request_preservation_convert(request_id=r.pk, actor=http.user, into_id=data["into"],
                                          reason=data["reason"])  # fmt: skip
    return "Preservation converted."


def _extension(http: HttpRequest, r: LegalRequest) -> str:
    data = _valid(forms.ReasonForm(http.POST))
    services.request_extension_notice_record(
        request_id=r.pk, actor=http.user, reason=data["reason"]
    )
    return "Extension recorded: the deadline moved."


def _package(http: HttpRequest, r: LegalRequest) -> str:
    data = _valid(forms.PackageForm(http.POST))
    package = packages.package_request(request_id=r.pk, actor=http.user, kind=data["kind"])
    return f"Package #{package.pk} is being built."


def _produce(http: HttpRequest, r: LegalRequest) -> str:
    data = _valid(forms.ProduceForm(http.POST))
    services.request_produce(request_id=r.pk, actor=http.user, package_id=data["package"],
                             channel=data["channel"], recipient=data["recipient"], reason=data["reason"])  # fmt: skip
    return "Production recorded."


def _notify(http: HttpRequest, r: LegalRequest) -> str:
    data = _valid(forms.NotifyForm(http.POST))
    sent = services.request_customer_notify(request_id=r.pk, actor=http.user, body=data["body"],
                                            reason=data["reason"])  # fmt: skip
    return f"Customer notice queued to {len(sent)} address(es)."


def _classify(http: HttpRequest, r: LegalRequest) -> str:
    data = _valid(forms.ClassifyForm(http.POST))
    services.request_classify(request_id=r.pk, actor=http.user, type=data["type"],
                              emergency=data["emergency"], reason=data["reason"])  # fmt: skip
    return "Classified: the deadlines follow the type."


def _subject(http: HttpRequest, r: LegalRequest) -> str:
    data = _valid(forms.SubjectForm(http.POST))
    services.request_subject_link(request_id=r.pk, actor=http.user, external_id=data["external_id"],
                                  reason=data["reason"])  # fmt: skip
    return "Data subject linked to their customer record."


def _erase(http: HttpRequest, r: LegalRequest) -> str:
    data = _valid(forms.ReasonForm(http.POST))
    report = subjects.request_erase(request_id=r.pk, actor=http.user, reason=data["reason"])
    return f"Erased: {', '.join(report['erased']) or 'nothing left'}; abuse evidence kept."


def _assign(http: HttpRequest, r: LegalRequest) -> str:
    username = http.POST.get("assignee", "")
    assignee = get_user_model().objects.filter(username=username).first() if username else None
    if username and assignee is None:
        raise LegalError("no such user")
    services.request_assign(request_id=r.pk, actor=http.user, assignee=assignee)
    return "Assignment saved."


STEPS: dict[str, Callable[[HttpRequest, LegalRequest], str]] = {
    "transition": _transition,
    "verify": _verify,
    "callback": _callback,
    "approve": _approve,
    "second-approve": _second_approve,
    "scope-add": _scope_add,
    "scope-remove": _scope_remove,
    "scope-resolve": _scope_resolve,
    "gag": _gag,
    "gag-renew": _gag_renew,
    "preservation-extend": _preservation_extend,
    "preservation-convert": _preservation_convert,
    "extension": _extension,
    "package": _package,
    "produce": _produce,
    "notify": _notify,
    "subject": _subject,
    "classify": _classify,
    "erase": _erase,
    "assign": _assign,
}


@login_required
@never_cache
@require_POST
def request_step_view(http: HttpRequest, pk: int, step: str) -> HttpResponse:
    request = _request(http, pk)
    handler = STEPS.get(step)
    if handler is None:
        raise Http404("No such step")
    try:
        messages.success(http, handler(http, request))
    except LegalError as exc:
        messages.error(http, str(exc))
    return redirect(reverse("legal:request-detail", kwargs={"pk": request.pk}) + f"#{step}")


@login_required
@never_cache
@require_GET
def package_download_view(http: HttpRequest, package_id: int) -> HttpResponse:
    require_legal_object(http.user)
    package = package_for(http.user, package_id)
    if package is None or package.status != Package.Status.READY or package.content is None:
        raise Http404("No such package")
    packages.package_download_record(package=package, actor=http.user, path=http.path)
    response = HttpResponse(bytes(package.content), content_type="application/zip")
    name = f"{package.request.reference}-{package.kind}-{package.pk}.zip"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@never_cache
@require_GET
def request_mail_view(http: HttpRequest, pk: int) -> HttpResponse:
    """The original mail a request came in: attacker-controlled bytes, served only as a
    download (never rendered), to the legal role, audited."""
    request = _request(http, pk)
    raw = intake.legal_mail_raw(request)
    if raw is None:
        raise Http404("No mail")
    intake.legal_mail_download_record(request=request, actor=http.user, path=http.path)
    response = HttpResponse(raw, content_type="application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="{request.reference}.eml"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@never_cache
@require_POST
def reminder_done_view(http: HttpRequest, reminder_id: int) -> HttpResponse:
    require_legal_object(http.user)
    if not reminders_attention(http.user).filter(pk=reminder_id).exists():
        raise Http404("No such reminder")
    services.reminder_done(reminder_id=reminder_id, actor=http.user)
    return redirect("legal:queue")


def _half(http: HttpRequest) -> Half:
    return Half.parse(http.GET.get("half", "")) or Half.of(timezone.now())


@login_required
@never_cache
@require_GET
def transparency_view(http: HttpRequest) -> HttpResponse:
    require_legal(http.user)
    report = transparency_report(http.user, _half(http))
    return render(
        http,
        "legal/transparency.html",
        {"report": report, "outcomes": ["produced", "partial", "no_records", "rejected"]},
    )


@login_required
@never_cache
@require_GET
def transparency_csv_view(http: HttpRequest) -> HttpResponse:
    require_legal(http.user)
    report = transparency_report(http.user, _half(http))
    response = HttpResponse(transparency_csv(report), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="transparency-{report.half.label.replace(" ", "-")}.csv"'
    )
    return response
