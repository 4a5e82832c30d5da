from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from complaints.api.errors import api_not_found_view
from trustsafety import views

urlpatterns = [
    path("", views.home_view, name="home"),
    path("health/", views.health_view, name="health"),
    path("favicon.ico", views.favicon_view, name="favicon"),
    path("notifications/read/", views.notifications_read_view, name="notifications-read"),
    path("accounts/", include("accounts.urls")),
    path("customers/", include("customers.urls")),
    path("intake/", include("complaints.intake.urls")),
    path("tickets/", include("complaints.workspace.urls")),
    path("reputation/", include("customers.reputation.urls")),
    path("leads/", include("leads.urls")),
    path("legal/", include("legal.urls")),
    path("self-service/", include("complaints.mediation.selfservice_urls")),
    path("campaigns/", include("campaigns.urls")),
    path("billing/", include("billing.urls")),
    path("retention/", include("retention.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("customers.api.urls")),
    path("api/v1/", include("complaints.api.urls")),
    path("api/v1/", include("billing.api_urls")),
    path("api/v1/", include("retention.api_urls")),
    path("api/v1/legal/", include("legal.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file: no inline script, so
    # the docs page lives under the same strict CSP as every other page.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    # Last: any other path under api/ is a JSON 404, not the site's HTML page.
    re_path(r"^api/", api_not_found_view, name="api-not-found"),
]

# A server error answers JSON under /api/, the plain page elsewhere (never a traceback).
handler500 = "trustsafety.views.server_error_view"
