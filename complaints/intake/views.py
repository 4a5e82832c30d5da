"""Intake pages for agents: enter a complaint, follow a report to its outcome, read its raw
bytes safely, and (admins) the quarantine with reprocessing.

Every page checks roles on the server (``report_selectors``). Everything a report holds
is attacker-controlled: templates only ever print it escaped, and the raw bytes are shown
as escaped text or served as an ``application/octet-stream`` attachment, never rendered.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import BinaryField
from django.db.models.functions import Substr
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from complaints.intake.forms import NewComplaintForm
from complaints.intake.quarantine import NotQuarantined, report_reprocess, reports_reprocess
from complaints.intake.receiving import TooLarge
from complaints.intake.selectors import (
    can_reprocess,
    can_submit_reports,
    can_view_quarantine,
    quarantine_counts,
    quarantine_page,
    report_events,
    report_ticket_ids,
    reports_visible_to,
)
from complaints.intake.submissions import report_submit, simple_report_submit
from complaints.models import Receipt, Report, ReportRaw
from complaints.tickets.evidence_view import RAW_MISSING, report_raw

RAW_PREVIEW_BYTES = 64 * 1024
MAX_REASON_CHARS = 64


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _visible_report(request: HttpRequest, report_id: int) -> Report:
    _require(can_submit_reports(request.user))
    return get_object_or_404(reports_visible_to(request.user), pk=report_id)


# --- entering a complaint ----------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def new_complaint_view(request: HttpRequest) -> HttpResponse:
    _require(can_submit_reports(request.user))
    form = NewComplaintForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        channel, user_id = Receipt.Channel.WEB, request.user.pk
        try:
            if "raw_bytes" in data:
                received = report_submit(
                    raw=data["raw_bytes"], channel=channel, submitted_by_id=user_id
                )
            else:
                received = simple_report_submit(
                    document=data["document"], channel=channel, submitted_by_id=user_id
                )
        except TooLarge:
            form.add_error(None, "The complaint is larger than the limit.")
        else:
            if received.outcome == "new":
                messages.success(request, f"Report {received.report_id} received.")
            else:
                messages.info(
                    request, f"The same complaint was received before: report {received.report_id}."
                )
            return redirect("complaints:report-detail", report_id=received.report_id)
    return render(request, "complaints/intake/new.html", {"form": form})


# --- one report ----------------------------------------------------------------------------


def _outcome_context(request: HttpRequest, report: Report) -> dict[str, object]:
    events = report_events(report)
    return {
        "report": report,
        "events": events,
        "events_truncated": len(events) < report.event_count,
        "ticket_ids": report_ticket_ids(report),
        "processing": report.status == Report.Status.RECEIVED,
    }


@never_cache
@login_required
def report_detail_view(request: HttpRequest, report_id: int) -> HttpResponse:
    report = _visible_report(request, report_id)
    return _report_detail(request, report)


def _report_detail(request: HttpRequest, report: Report, *, status: int = 200) -> HttpResponse:
    # Only the preview's bytes leave the database: a report can be megabytes. A report
    # without stored bytes (see evidence_view.report_raw) is a page that says so.
    head = (
        ReportRaw.objects.filter(report=report)
        .annotate(head=Substr("content", 1, RAW_PREVIEW_BYTES, output_field=BinaryField()))
        .values_list("head", flat=True)
        .first()
    )
    raw = bytes(head or b"")
    context = {
        **_outcome_context(request, report),
        "raw_missing": head is None,
        "raw_missing_text": RAW_MISSING,
        "raw_preview": raw.decode("utf-8", errors="replace"),
        "raw_truncated": report.size > RAW_PREVIEW_BYTES,
        "receipts": report.receipts.select_related("mailbox", "submitted_by").order_by("pk")[:20],
        "can_reprocess": can_reprocess(request.user) and report.status == Report.Status.QUARANTINED,
    }
    return render(request, "complaints/intake/report_detail.html", context, status=status)


@never_cache
@login_required
def report_status_view(request: HttpRequest, report_id: int) -> HttpResponse:
    """The outcome block alone, which the detail page polls while the report is received."""
    report = _visible_report(request, report_id)
    return render(request, "complaints/intake/_outcome.html", _outcome_context(request, report))


@never_cache
@login_required
def report_raw_view(request: HttpRequest, report_id: int) -> HttpResponse:
    """The bytes as received, as a download: never rendered or sniffed by the browser."""
    report = _visible_report(request, report_id)
    raw = report_raw(report)
    if raw is None:  # the report's page, saying so, in place of a file that does not exist
        return _report_detail(request, report, status=404)
    response = HttpResponse(bytes(raw.content), content_type="application/octet-stream")
    # Our own file name: the sender's attachment name is attacker text.
    response["Content-Disposition"] = f'attachment; filename="report-{report.pk}.bin"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def report_reprocess_view(request: HttpRequest, report_id: int) -> HttpResponse:
    _require(can_reprocess(request.user))
    report = _visible_report(request, report_id)
    if request.method == "POST":
        try:
            report_reprocess(report.pk, actor_id=request.user.pk)
        except NotQuarantined:
            messages.error(request, f"Report {report.pk} is not quarantined; nothing to do.")
        else:
            messages.success(request, f"Report {report.pk} queued for processing again.")
        return redirect("complaints:report-detail", report_id=report.pk)
    return render(
        request,
        "complaints/intake/confirm_reprocess.html",
        {"report": report, "count": 1 if report.status == Report.Status.QUARANTINED else 0},
    )


# --- the quarantine --------------------------------------------------------------------------


@never_cache
@login_required
def quarantine_view(request: HttpRequest) -> HttpResponse:
    _require(can_view_quarantine(request.user))
    reason = request.GET.get("reason", "")[:MAX_REASON_CHARS]
    before_text = request.GET.get("before", "")
    before = int(before_text) if before_text.isdigit() and len(before_text) < 19 else None
    page = quarantine_page(reason=reason, before=before, user=request.user)
    counts = quarantine_counts(user=request.user)
    context = {
        "counts": counts,
        "total": sum(n for _, n in counts),
        "reason": reason,
        "page": page,
        "can_reprocess": can_reprocess(request.user),
    }
    return render(request, "complaints/intake/quarantine.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def quarantine_reprocess_view(request: HttpRequest) -> HttpResponse:
    """Reprocess every quarantined report of a reason (or all): confirm, then POST."""
    _require(can_reprocess(request.user))
    source = request.POST if request.method == "POST" else request.GET
    reason = source.get("reason", "")[:MAX_REASON_CHARS]
    if request.method == "POST":
        ids = reports_reprocess(reason or None, actor_id=request.user.pk, user=request.user)
        label = f"“{reason}”" if reason else "every reason"
        messages.success(request, f"{len(ids)} quarantined report(s) of {label} queued again.")
        return redirect("complaints:quarantine")
    counts = quarantine_counts(user=request.user)
    count = dict(counts).get(reason, 0) if reason else sum(n for _, n in counts)
    return render(
        request, "complaints/intake/confirm_reprocess.html", {"reason": reason, "count": count}
    )
