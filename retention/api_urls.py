"""Retention's REST routes under /api/v1/retention/."""

from django.urls import path

from retention.api import CancellationCreateApi

urlpatterns = [
    path(
        "retention/cancellations/",
        CancellationCreateApi.as_view(),
        name="retention-cancellation-create",
    ),
]
