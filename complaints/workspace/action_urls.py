"""Routes included by complaints/workspace_urls.py (namespace "workspace")."""

urlpatterns: list = []
