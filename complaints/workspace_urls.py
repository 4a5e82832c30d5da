"""Agent workspace pages: queue, tickets, self-service (app namespace "workspace")."""

app_name = "workspace"

urlpatterns: list = []
