"""Routes included by complaints/workspace/urls.py (namespace "workspace", under /tickets/):
actions on a ticket, escalation, policy rules, SLA policies and the automation switch."""

from django.urls import path

from complaints.workspace import action_views as views

urlpatterns: list = [
    path("<int:pk>/actions/new/", views.action_request_view, name="action-request"),
    path("<int:pk>/actions/<int:action_id>/", views.action_status_view, name="action-status"),
    path(
        "<int:pk>/actions/<int:action_id>/approve/",
        views.action_approve_view,
        name="action-approve",
    ),
    path(
        "<int:pk>/actions/<int:action_id>/reject/", views.action_reject_view, name="action-reject"
    ),
    path(
        "<int:pk>/actions/<int:action_id>/revert/", views.action_revert_view, name="action-revert"
    ),
    path(
        "<int:pk>/actions/<int:action_id>/cancel/", views.action_cancel_view, name="action-cancel"
    ),
    path("<int:pk>/actions/<int:action_id>/retry/", views.action_retry_view, name="action-retry"),
    path("<int:pk>/escalate/", views.ticket_escalate_view, name="ticket-escalate"),
    path("policy-rules/", views.policy_rules_view, name="policy-rules"),
    path("automation/", views.automation_switch_view, name="automation-switch"),
    path("sla/", views.sla_policies_view, name="sla-policies"),
]
