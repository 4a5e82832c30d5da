"""Django admin for the intake's configuration: mailboxes, and read-only views of reports,
receipts and reporters.

Only superusers and staff holding the "admin" role (accounts/roles.py) see any of it; the
check is made here, on the server, for every page and action. Writes go through the
services (``complaints.intake.mailboxes``): the mailbox password is write-only — the form never
renders it, and a new one is stored encrypted by ``mailbox_set_password``. Report bytes are
never shown here (the quarantine pages serve them safely); the admin escapes every field.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

import complaints.actions.admin  # noqa: F401 - registers the actions', SLA and audit admin
from accounts.admin_access import DeskAdminOnly, ReadOnlyForDeskAdmins
from complaints.intake.mailboxes import (
    MAILBOX_EDITABLE_FIELDS,
    mailbox_create,
    mailbox_set_password,
    mailbox_update,
    mailboxes_poll_queue,
)
from complaints.models import Mailbox, Receipt, Report, Reporter
from complaints.permissions import report_reach_visible, reports_reaching_only_visible

# --- mailboxes ----------------------------------------------------------------------------


class MailboxAdminForm(forms.ModelForm):
    password = forms.CharField(
        widget=forms.PasswordInput(render_value=False),
        required=False,
        strip=False,
        help_text="Write-only: stored encrypted and never shown. Leave blank to keep it.",
    )

    class Meta:
        model = Mailbox
        fields = [
            "name", "enabled", "host", "port", "security", "username", "password", "folder",
            "processed_folder", "batch_size",
        ]  # fmt: skip

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.instance.pk is None and not cleaned.get("password"):
            self.add_error("password", "A new mailbox needs its password.")
        return cleaned


@admin.register(Mailbox)
class MailboxAdmin(DeskAdminOnly):
    form = MailboxAdminForm
    list_display = [
        "name", "host", "port", "enabled", "last_success_at", "last_error_short", "last_error_at",
    ]  # fmt: skip
    list_filter = ["enabled", "security"]
    search_fields = ["name", "host", "username"]
    readonly_fields = [
        "uidvalidity", "last_poll_at", "last_success_at", "last_error", "last_error_at",
        "created_at",
    ]  # fmt: skip
    actions = ["poll_now"]

    @admin.display(description="last error")
    def last_error_short(self, obj: Mailbox) -> str:
        if not obj.last_error:
            return ""
        stale = (
            obj.last_success_at and obj.last_error_at and obj.last_success_at > obj.last_error_at
        )
        text = obj.last_error if len(obj.last_error) <= 120 else obj.last_error[:119] + "…"
        return f"(before the last success) {text}" if stale else text

    def save_model(self, request: HttpRequest, obj: Mailbox, form: Any, change: bool) -> None:
        fields = {k: v for k, v in form.cleaned_data.items() if k in MAILBOX_EDITABLE_FIELDS}
        password = form.cleaned_data.get("password") or ""
        if change:
            stored = mailbox_update(mailbox=Mailbox.objects.get(pk=obj.pk), **fields)
            if password:
                mailbox_set_password(mailbox=stored, password=password)
        else:
            stored = mailbox_create(password=password, **fields)  # type: ignore[arg-type]
            obj.pk = stored.pk
            obj._state.adding = False
        obj.password_encrypted = b""  # the form's object never carries the secret further

    @admin.action(description="Poll now")
    def poll_now(self, request: HttpRequest, queryset: QuerySet[Mailbox]) -> None:
        queued = mailboxes_poll_queue(queryset.values_list("pk", flat=True))
        self.message_user(request, f"{queued} mailbox poll(s) queued.", messages.SUCCESS)


# --- what the intake made (read-only) --------------------------------------------------


@admin.register(Report)
class ReportAdmin(ReadOnlyForDeskAdmins):
    list_display = [
        "id", "received_at", "status", "format", "subject", "sender", "quarantine_reason",
        "event_count",
    ]  # fmt: skip
    list_filter = ["status", "format", "evidence_status"]
    search_fields = ["=sha256", "subject", "sender"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Report]:
        # A report that reaches a ticket the viewer may not see (legal, investigations),
        # through its events or the messages it became (a reply threaded onto the case), is
        # not shown here either: superusers get no exception (complaints/permissions.py).
        return reports_reaching_only_visible(request.user, super().get_queryset(request))

    # No COUNT(*) over millions of rows on every page. The raw bytes live in ReportRaw,
    # which is deliberately not registered.
    show_full_result_count = False


@admin.register(Receipt)
class ReceiptAdmin(ReadOnlyForDeskAdmins):
    list_display = [
        "id", "received_at", "channel", "outcome", "report_id", "mailbox", "uidvalidity", "uid",
    ]  # fmt: skip
    list_filter = ["channel", "outcome", "mailbox"]
    search_fields = ["=report__sha256", "path"]
    list_select_related = ["mailbox"]
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Receipt]:
        # The receipts of a report the viewer may not read are that report's too.
        return (
            super()
            .get_queryset(request)
            .filter(*report_reach_visible(request.user, report="report_id"))
        )


@admin.register(Reporter)
class ReporterAdmin(ReadOnlyForDeskAdmins):
    list_display = ["address", "name", "organisation", "kind", "trust", "acknowledge"]
    list_filter = ["kind", "trust"]
    search_fields = ["address", "name", "organisation"]
