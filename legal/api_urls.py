"""REST routes of the legal desk, under /api/v1/legal/."""

from django.urls import path

from legal.api import LegalRequestDetailApi, LegalRequestListApi, TransparencyApi

urlpatterns = [
    path("requests/", LegalRequestListApi.as_view(), name="legal-request-list"),
    path("requests/<int:pk>/", LegalRequestDetailApi.as_view(), name="legal-request-detail"),
    path("transparency/", TransparencyApi.as_view(), name="legal-transparency"),
]
