"""Billing's pages (namespace "billing")."""

from django.urls import path

from billing import views

app_name = "billing"

urlpatterns = [
    path("tickets/<int:ticket_id>/panel/", views.ticket_panel_view, name="ticket-panel"),
    path("customers/<str:external_id>/panel/", views.customer_panel_view, name="customer-panel"),
    path("customers/<str:external_id>/", views.customer_ledger_view, name="customer-ledger"),
    path("sources/", views.sources_view, name="sources"),
    path("contact/", views.contact_view, name="contact"),
    path("inquiries/new/", views.inquiry_new_view, name="inquiry-new"),
    path("tickets/<int:ticket_id>/resolve/", views.ticket_resolve_view, name="ticket-resolve"),
    path(
        "customers/<str:external_id>/adjustments/new/",
        views.adjustment_new_view,
        name="adjustment-new",
    ),
    path(
        "adjustments/<int:adjustment_id>/approve/",
        views.adjustment_decide_view,
        {"what": "approve"},
        name="adjustment-approve",
    ),
    path(
        "adjustments/<int:adjustment_id>/reject/",
        views.adjustment_decide_view,
        {"what": "reject"},
        name="adjustment-reject",
    ),
    path(
        "adjustments/<int:adjustment_id>/done/",
        views.adjustment_decide_view,
        {"what": "done"},
        name="adjustment-done",
    ),
]
