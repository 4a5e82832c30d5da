from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from trustsafety import views

urlpatterns = [
    path("", views.home_view, name="home"),
    path("health/", views.health_view, name="health"),
    path("notifications/read/", views.notifications_read_view, name="notifications-read"),
    path("accounts/", include("accounts.urls")),
    path("customers/", include("customers.urls")),
    path("intake/", include("complaints.urls")),
    path("tickets/", include("complaints.workspace_urls")),
    path("reputation/", include("customers.reputation_urls")),
    path("self-service/", include("complaints.selfservice_urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("customers.api.urls")),
    path("api/v1/", include("complaints.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file: no inline script, so
    # the docs page lives under the same strict CSP as every other page.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]
