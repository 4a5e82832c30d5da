"""REST: ``GET /api/v1/tickets/`` (the queue, same filters and keyset pages as the page) and
``GET /api/v1/tickets/{id}/``.

Both read through ``complaints.tickets.selectors`` and so through the permission filter: a ticket the
caller may not see is a 404, never a 403 that would confirm it exists. Reads of restricted
tickets are audited.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from complaints.api.serializers import TypeLabelField
from complaints.audit import audit_ticket_read, ticket_is_audited
from complaints.models import Ticket
from complaints.permissions import tickets_visible_to
from complaints.tickets.selectors import (
    PAGE_SIZE,
    SORTS,
    QueueFilters,
    ticket_queue_count,
    ticket_queue_page,
)

_SLA_FIELDS = ("first_response_due_at", "resolution_due_at", "first_responded_at", "sla_breached")


class TicketCustomerSerializer(serializers.Serializer):
    external_id = serializers.CharField()
    name = serializers.CharField()
    status = serializers.CharField()


class TicketSerializer(serializers.ModelSerializer):
    customer = TicketCustomerSerializer(read_only=True, allow_null=True)
    assignee = serializers.SerializerMethodField()
    type_label = TypeLabelField()

    class Meta:
        model = Ticket
        fields = [
            "id", "kind", "status", "subject", "type", "type_label", "taxonomy", "resource",
            "customer",
            "assignee", "needs_triage", "evidence_status", "event_count", "report_count",
            "first_event_at", "last_event_at", "created_at", "updated_at", "resolved_at",
            "customer_replied", "last_customer_reply_at", "last_agent_reply_at",
            *[name for name in _SLA_FIELDS if name in {f.name for f in Ticket._meta.get_fields()}],
        ]  # fmt: skip
        read_only_fields = fields

    def get_assignee(self, ticket: Ticket) -> str | None:
        return ticket.assignee.get_username() if ticket.assignee_id and ticket.assignee else None


class TicketDetailSerializer(TicketSerializer):
    service = serializers.SerializerMethodField()

    class Meta(TicketSerializer.Meta):
        fields = [*TicketSerializer.Meta.fields, "service", "aggregation_key"]
        read_only_fields = fields

    def get_service(self, ticket: Ticket) -> str | None:
        return ticket.service.label if ticket.service_id and ticket.service else None


class TicketQuerySerializer(serializers.Serializer):
    """The queue's typed query parameters, checked strictly before the queue's own parsing
    (which is lenient for the page's form): a value of the wrong type or outside the choices
    is a 400 naming it, never a filter silently dropped. Blank means not given."""

    sla = serializers.ChoiceField(choices=["breached", "due_soon"], required=False)
    replied = serializers.BooleanField(
        required=False, help_text="The customer's last message is newer than ours"
    )
    sort = serializers.ChoiceField(choices=list(SORTS), required=False)


_LIST_PARAMETERS: list[OpenApiParameter | type[serializers.Serializer]] = [
    TicketQuerySerializer,
    OpenApiParameter(
        "status", str, many=True, description="Status; 'active' = any open (default), 'any' = all"
    ),
    OpenApiParameter("kind", str, many=True),
    OpenApiParameter("type", str, many=True, description="Classification type"),
    OpenApiParameter("customer", str, description="Customer external id or name fragment"),
    OpenApiParameter("assignee", str, description="'me', 'unassigned' or a username"),
    OpenApiParameter("age", str, description="'<24h' created within, '>7d' older than (h, d, w)"),
    OpenApiParameter("reporter", str, description="Reporter address, name or organisation"),
    OpenApiParameter("ip", str, description="IP or CIDR: tickets with an event inside it"),
    OpenApiParameter("q", str, description="Full text over subject, evidence and messages"),
    OpenApiParameter("after", str, description="Cursor from the previous page's 'next'"),
]


def _audit_reads(request: Request, tickets: list[Ticket], what: str) -> None:
    for ticket in tickets:
        if ticket_is_audited(ticket):
            audit_ticket_read(request._request, ticket, what=what)


class TicketListApi(APIView):
    """The ticket queue: filters as on the queue page, newest activity first, keyset pages
    of 50 (follow ``next``); ``count`` stops at 1,000 (``count_capped``)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="tickets_list",
        parameters=_LIST_PARAMETERS,
        responses=inline_serializer(
            "TicketPage",
            {
                "count": serializers.IntegerField(),
                "count_capped": serializers.BooleanField(),
                "next": serializers.URLField(allow_null=True),
                "results": TicketSerializer(many=True),
            },
        ),
    )
    def get(self, request: Request) -> Response:
        typed = TicketQuerySerializer(data=request.query_params)
        filters = QueueFilters.from_query(request.query_params)
        typed.is_valid()
        # The queue's own words first: they name the values it takes.
        errors = {**typed.errors, **{name: [text] for name, text in filters.errors.items()}}
        if errors:
            raise serializers.ValidationError(errors)  # every one at once
        page = ticket_queue_page(
            request.user, filters, after=request.query_params.get("after", "")[:100]
        )
        count = ticket_queue_count(request.user, filters)
        next_url = None
        if page.next_cursor:
            params = request.query_params.copy()
            params["after"] = page.next_cursor
            next_url = request.build_absolute_uri(f"{request.path}?{params.urlencode()}")
        _audit_reads(request, page.rows, "api-list")
        body: dict[str, Any] = {
            "count": count.value,
            "count_capped": count.capped,
            "next": next_url,
            "results": TicketSerializer(page.rows, many=True).data,
        }
        return Response(body)


class TicketDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="tickets_retrieve",
        parameters=[OpenApiParameter("ticket_id", OpenApiTypes.INT, OpenApiParameter.PATH)],
        responses=TicketDetailSerializer,
    )
    def get(self, request: Request, ticket_id: int) -> Response:
        ticket = (
            tickets_visible_to(request.user, Ticket.objects.filter(pk=ticket_id))
            .select_related("customer", "assignee", "service")
            .defer("search_vector")
            .first()
        )
        if ticket is None:
            raise Http404
        _audit_reads(request, [ticket], "api-detail")
        return Response(TicketDetailSerializer(ticket).data)


__all__ = ["PAGE_SIZE", "TicketDetailApi", "TicketListApi"]
