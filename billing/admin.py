"""Django admin for billing: the sources (secrets write-only, stored encrypted through
``billing.connectors.source_set_secrets``) and read-only views of the ledger mirror, the sync
runs, inquiries and adjustments. Desk admins only (``accounts.admin_access``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.admin_access import DeskAdminOnly, ReadOnlyForDeskAdmins
from billing.connectors import source_set_secrets
from billing.mail import mailbox_password_set
from billing.models import (
    Adjustment,
    BillingSource,
    Inquiry,
    InquiryMailbox,
    LedgerInvoice,
    LedgerService,
    LedgerTransaction,
    SyncRun,
)
from billing.tasks import source_sync_task


class BillingSourceAdminForm(forms.ModelForm):
    secret = forms.CharField(
        widget=forms.PasswordInput(render_value=False),
        required=False,
        strip=False,
        help_text="WHMCS API secret. Write-only: stored encrypted, never shown; blank keeps it.",
    )
    access_key = forms.CharField(
        widget=forms.PasswordInput(render_value=False),
        required=False,
        strip=False,
        help_text="WHMCS API access key (optional). Write-only; blank keeps it.",
    )

    class Meta:
        model = BillingSource
        fields = [
            "name", "kind", "enabled", "sync_minutes", "import_path", "outbox_path", "api_url",
            "identifier", "secret", "access_key", "date_order", "page_size", "timeout_seconds",
        ]  # fmt: skip


@admin.register(BillingSource)
class BillingSourceAdmin(DeskAdminOnly):
    form = BillingSourceAdminForm
    list_display = ["name", "kind", "enabled", "last_success_at", "last_error_at"]
    readonly_fields = ["last_sync_at", "last_success_at", "last_error", "last_error_at"]
    actions = ["sync_now"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        source_set_secrets(
            source=obj,
            secret=form.cleaned_data.get("secret") or None,
            access_key=form.cleaned_data.get("access_key") or None,
        )

    @admin.action(description="Sync now")
    def sync_now(self, request: HttpRequest, queryset: QuerySet[BillingSource]) -> None:
        for source in queryset:
            source_sync_task.delay(source.pk)
        self.message_user(request, f"{queryset.count()} sync(s) queued.", messages.SUCCESS)


class InquiryMailboxAdminForm(forms.ModelForm):
    password = forms.CharField(
        widget=forms.PasswordInput(render_value=False),
        required=False,
        strip=False,
        help_text="Write-only: stored encrypted and never shown. Leave blank to keep it.",
    )

    class Meta:
        model = InquiryMailbox
        fields = ["name", "enabled", "host", "port", "security", "username", "password", "folder",
                  "batch_size"]  # fmt: skip


@admin.register(InquiryMailbox)
class InquiryMailboxAdmin(DeskAdminOnly):
    form = InquiryMailboxAdminForm
    list_display = ["name", "host", "enabled", "last_success_at", "last_error_at"]
    readonly_fields = ["last_poll_at", "last_success_at", "last_error", "last_error_at"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if form.cleaned_data.get("password"):
            mailbox_password_set(mailbox=obj, password=form.cleaned_data["password"])


@admin.register(SyncRun)
class SyncRunAdmin(ReadOnlyForDeskAdmins):
    list_display = ["source", "client_id", "status", "started_at", "finished_at"]
    list_filter = ["status", "source"]


@admin.register(LedgerService)
class LedgerServiceAdmin(ReadOnlyForDeskAdmins):
    list_display = ["remote_id", "client_id", "product", "label", "cycle", "next_due_on", "status"]
    search_fields = ["remote_id", "client_id", "label"]


@admin.register(LedgerInvoice)
class LedgerInvoiceAdmin(ReadOnlyForDeskAdmins):
    list_display = ["remote_id", "number", "client_id", "issued_on", "total", "status"]
    search_fields = ["remote_id", "number", "client_id"]


@admin.register(LedgerTransaction)
class LedgerTransactionAdmin(ReadOnlyForDeskAdmins):
    list_display = ["remote_id", "client_id", "occurred_at", "gateway", "amount_in", "amount_out"]
    search_fields = ["remote_id", "client_id", "reference"]


@admin.register(Inquiry)
class InquiryAdmin(ReadOnlyForDeskAdmins):
    list_display = ["created_at", "reason", "channel", "customer", "match", "ticket"]
    list_filter = ["reason", "channel"]
    exclude = ["body"]  # the customer's text is read on the ticket, by those who see it


@admin.register(Adjustment)
class AdjustmentAdmin(ReadOnlyForDeskAdmins):
    list_display = ["requested_at", "kind", "amount", "currency", "status", "customer"]
    list_filter = ["kind", "status"]
