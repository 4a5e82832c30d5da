"""Intake pages: the complaint entry form and the quarantine (app namespace "complaints")."""

from django.urls import path  # noqa: F401 - routes are added below by the intake views

app_name = "complaints"

urlpatterns: list = []
