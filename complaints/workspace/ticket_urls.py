"""Routes of the ticket page, its parts, and the template and guidance pages; included by
complaints/workspace/urls.py (namespace "workspace", under /tickets/)."""

from django.urls import path

from complaints.workspace import reply_views, template_views
from complaints.workspace import ticket_views as views

urlpatterns = [
    path("<int:pk>/", views.ticket_detail_view, name="ticket-detail"),
    path("<int:pk>/events/", views.ticket_events_view, name="ticket-events"),
    path("<int:pk>/timeline/", views.ticket_timeline_view, name="ticket-timeline"),
    path("<int:pk>/reports/<int:report_id>/", views.ticket_report_view, name="ticket-report"),
    path(
        "<int:pk>/reports/<int:report_id>/html/<int:index>/",
        views.ticket_report_html_view,
        name="ticket-report-html",
    ),
    path(
        "<int:pk>/reports/<int:report_id>/parts/<int:index>/download/",
        views.ticket_report_download_view,
        name="ticket-report-download",
    ),
    path(
        "<int:pk>/reports/<int:report_id>/raw/",
        views.ticket_report_raw_view,
        name="ticket-report-raw",
    ),
    path("<int:pk>/reply/", reply_views.ticket_reply_view, name="ticket-reply"),
    path(
        "<int:pk>/reply/preview/",
        reply_views.ticket_reply_preview_view,
        name="ticket-reply-preview",
    ),
    path("<int:pk>/reply/fill/", reply_views.ticket_reply_fill_view, name="ticket-reply-fill"),
    path(
        "<int:pk>/messages/<int:message_id>/confirm/",
        views.ticket_message_decide_view,
        {"decision": "confirm"},
        name="ticket-message-confirm",
    ),
    path(
        "<int:pk>/messages/<int:message_id>/reject/",
        views.ticket_message_decide_view,
        {"decision": "reject"},
        name="ticket-message-reject",
    ),
    path("<int:pk>/status/", views.ticket_status_view, name="ticket-status"),
    path("<int:pk>/assign/", views.ticket_assign_view, name="ticket-assign"),
    path("<int:pk>/selfservice/", views.ticket_link_issue_view, name="ticket-link-issue"),
    path(
        "<int:pk>/selfservice/<int:link_id>/revoke/",
        views.ticket_link_revoke_view,
        name="ticket-link-revoke",
    ),
    path("templates/", template_views.template_list_view, name="template-list"),
    path("templates/new/", template_views.template_edit_view, name="template-new"),
    path("templates/<int:pk>/", template_views.template_edit_view, name="template-edit"),
    path("templates/preview/", template_views.template_preview_view, name="template-preview"),
    path("guidance/", template_views.guidance_list_view, name="guidance-list"),
    path("guidance/<slug:slug>/", template_views.guidance_detail_view, name="guidance-detail"),
]
