"""REST routes of the complaints app under /api/v1/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from complaints.api.actions import (
    TicketActionApproveApi,
    TicketActionsApi,
    provisioning_callback_view,
)
from complaints.api.messages import TicketMessagesApi
from complaints.api.tickets import TicketDetailApi, TicketListApi
from complaints.api.views import ReportViewSet

router = SimpleRouter()
router.register("reports", ReportViewSet, basename="report")

urlpatterns: list = [
    *router.urls,
    path("tickets/", TicketListApi.as_view(), name="ticket-list"),
    path("tickets/<int:ticket_id>/", TicketDetailApi.as_view(), name="ticket-detail"),
    path("tickets/<int:ticket_id>/actions/", TicketActionsApi.as_view(), name="ticket-actions"),
    path("tickets/<int:ticket_id>/messages/", TicketMessagesApi.as_view(), name="ticket-messages"),
    path(
        "tickets/<int:ticket_id>/actions/<int:action_id>/approve/",
        TicketActionApproveApi.as_view(),
        name="ticket-action-approve",
    ),
    path("provisioning/callback/", provisioning_callback_view, name="provisioning-callback"),
]
