"""Routes of the legal desk's pages (namespace ``legal``), under /legal/."""

from django.urls import path

from legal import views

app_name = "legal"

urlpatterns = [
    path("", views.queue_view, name="queue"),
    path("new/", views.request_new_view, name="request-new"),
    path("requests/<int:pk>/", views.request_detail_view, name="request-detail"),
    path("requests/<int:pk>/mail/", views.request_mail_view, name="request-mail"),
    path("requests/<int:pk>/<slug:step>/", views.request_step_view, name="request-step"),
    path(
        "packages/<int:package_id>/download/", views.package_download_view, name="package-download"
    ),
    path("reminders/<int:reminder_id>/done/", views.reminder_done_view, name="reminder-done"),
    path("transparency/", views.transparency_view, name="transparency"),
    path("transparency.csv", views.transparency_csv_view, name="transparency-csv"),
]
