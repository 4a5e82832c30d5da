"""Billing's REST routes under /api/v1/billing/."""

from django.urls import path

from billing.api import CustomerLedgerApi, InquiryCreateApi

urlpatterns = [
    path("billing/inquiries/", InquiryCreateApi.as_view(), name="billing-inquiry-create"),
    path(
        "billing/customers/<str:external_id>/ledger/",
        CustomerLedgerApi.as_view(),
        name="billing-customer-ledger",
    ),
]
