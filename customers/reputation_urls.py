"""Reputation pages: listings, delisting requests, deliverability doctor (namespace "reputation")."""

app_name = "reputation"

urlpatterns: list = []
