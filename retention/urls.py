"""Retention's pages (namespace "retention")."""

from django.urls import path

from retention import views

app_name = "retention"

urlpatterns = [
    path("cancel/<str:token>/", views.cancel_view, name="cancel"),
    path("survey/<str:token>/", views.survey_view, name="survey"),
    path("customers/<str:external_id>/cancel/", views.customer_cancel_view, name="customer-cancel"),
    path(
        "customers/<str:external_id>/cancel-link/",
        views.cancel_link_send_view,
        name="cancel-link-send",
    ),
    path("figures/", views.figures_view, name="figures"),
]
