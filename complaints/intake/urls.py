"""Intake pages: the complaint entry form and the quarantine (app namespace "complaints")."""

from django.urls import path

from complaints.intake import views

app_name = "complaints"

urlpatterns: list = [
    path("new/", views.new_complaint_view, name="complaint-new"),
    path("reports/<int:report_id>/", views.report_detail_view, name="report-detail"),
    path("reports/<int:report_id>/status/", views.report_status_view, name="report-status"),
    path("reports/<int:report_id>/raw/", views.report_raw_view, name="report-raw"),
    path(
        "reports/<int:report_id>/reprocess/",
        views.report_reprocess_view,
        name="report-reprocess",
    ),
    path("quarantine/", views.quarantine_view, name="quarantine"),
    path("quarantine/reprocess/", views.quarantine_reprocess_view, name="quarantine-reprocess"),
]
