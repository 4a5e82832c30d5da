"""Agent workspace pages: queue, tickets, actions (app namespace "workspace")."""

from django.urls import include, path

app_name = "workspace"

urlpatterns = [
    path("", include("complaints.workspace.queue_urls")),
    path("", include("complaints.workspace.ticket_urls")),
    path("", include("complaints.workspace.action_urls")),
]
