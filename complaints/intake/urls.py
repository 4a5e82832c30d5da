"""Intake pages: the complaint entry form and the quarantine (app namespace "complaints")."""

from django.urls import path

from complaints import intake_views

app_name = "complaints"

urlpatterns: list = [
    path("new/", intake_views.new_complaint_view, name="complaint-new"),
    path("reports/<int:report_id>/", intake_views.report_detail_view, name="report-detail"),
    path("reports/<int:report_id>/status/", intake_views.report_status_view, name="report-status"),
    path("reports/<int:report_id>/raw/", intake_views.report_raw_view, name="report-raw"),
    path(
        "reports/<int:report_id>/reprocess/",
        intake_views.report_reprocess_view,
        name="report-reprocess",
    ),
    path("quarantine/", intake_views.quarantine_view, name="quarantine"),
    path(
        "quarantine/reprocess/", intake_views.quarantine_reprocess_view, name="quarantine-reprocess"
    ),
]
