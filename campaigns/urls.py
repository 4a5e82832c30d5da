"""Campaign pages (namespace "campaigns"), and the customer's page behind a mail's signed
link (``n/<token>/``, no login)."""

from django.urls import path

from campaigns import views

app_name = "campaigns"

urlpatterns = [
    path("", views.campaign_list_view, name="list"),
    path("new/", views.campaign_create_view, name="create"),
    path("<int:pk>/", views.campaign_detail_view, name="detail"),
    path("<int:pk>/edit/", views.campaign_edit_view, name="edit"),
    path("<int:pk>/launch/", views.campaign_launch_view, name="launch"),
    path("<int:pk>/stop/", views.campaign_stop_view, name="stop"),
    path("<int:pk>/notices.csv", views.campaign_notices_csv_view, name="notices-csv"),
    path("notices/<int:pk>/", views.notice_detail_view, name="notice-detail"),
    path("notices/<int:pk>/recheck/", views.notice_recheck_view, name="notice-recheck"),
    path("suppressions/", views.suppression_list_view, name="suppressions"),
    path("suppressions/<int:pk>/delete/", views.suppression_delete_view, name="suppression-delete"),
    path("n/<str:token>/", views.public_notice_view, name="public-notice"),
    path("n/<str:token>/ack/", views.public_notice_submit_view, {"what": "ack"}, name="public-ack"),
    path(
        "n/<str:token>/fixed/",
        views.public_notice_submit_view,
        {"what": "fixed"},
        name="public-fixed",
    ),
]
