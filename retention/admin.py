"""Django admin for retention: save offers (editable by desk admins), and read-only views of
cancellations and survey answers (``accounts.admin_access``)."""

from __future__ import annotations

from django.contrib import admin

from accounts.admin_access import DeskAdminOnly, ReadOnlyForDeskAdmins
from retention.models import Cancellation, SaveOffer, SurveyInvitation, SurveyResponse


@admin.register(SaveOffer)
class SaveOfferAdmin(DeskAdminOnly):
    list_display = ["title", "kind", "active", "order"]
    list_filter = ["kind", "active"]


@admin.register(Cancellation)
class CancellationAdmin(ReadOnlyForDeskAdmins):
    list_display = [
        "created_at",
        "customer",
        "service_label",
        "kind",
        "channel",
        "reason",
        "status",
    ]
    list_filter = ["kind", "channel", "reason", "status"]


@admin.register(SurveyInvitation)
class SurveyInvitationAdmin(ReadOnlyForDeskAdmins):
    list_display = ["created_at", "kind", "status", "customer", "ticket_kind", "withheld_reason"]
    list_filter = ["kind", "status"]
    exclude = ["token_hash"]


@admin.register(SurveyResponse)
class SurveyResponseAdmin(ReadOnlyForDeskAdmins):
    list_display = ["created_at", "rating", "invitation", "followup_ticket"]
