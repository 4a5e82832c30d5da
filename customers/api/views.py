"""REST endpoints: customers (read) and allocations (read; create for admins)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request

from accounts.roles import can_read_customers, can_write_allocations
from customers import services
from customers.api.serializers import AllocationSerializer, CustomerSerializer
from customers.models import Customer, IPAllocation
from customers.services import parse_moment


class CustomerReader(permissions.BasePermission):
    def has_permission(self, request: Request, view: object) -> bool:
        return can_read_customers(request.user)


class AllocationPermission(permissions.BasePermission):
    def has_permission(self, request: Request, view: object) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return can_read_customers(request.user)
        return can_write_allocations(request.user)


class ByIdPagination(CursorPagination):
    ordering = "id"


@extend_schema_view(
    list=extend_schema(
        parameters=[OpenApiParameter("q", str, description="External id or name fragment")]
    )
)
class CustomerViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = CustomerSerializer
    permission_classes = [permissions.IsAuthenticated, CustomerReader]
    lookup_field = "external_id"
    pagination_class = ByIdPagination

    def get_queryset(self) -> QuerySet[Customer]:
        qs = Customer.objects.prefetch_related("services")
        query = self.request.query_params.get("q", "").strip()
        if query:
            qs = qs.filter(Q(name__icontains=query) | Q(external_id=query))
        return qs


@extend_schema_view(
    list=extend_schema(
        parameters=[
            # Plain strings: any IPv4 or IPv6 address, and a date as well as a date-time, are
            # accepted (an IP4 or date-time format would tell clients less than the truth).
            OpenApiParameter(
                "ip", str, description="Only allocations containing this IPv4 or IPv6 address"
            ),
            OpenApiParameter(
                "at",
                str,
                description="Only allocations valid at this time: ISO 8601 date or date-time, "
                "no offset meaning UTC",
            ),
            OpenApiParameter("customer", str, description="Customer external id"),
        ]
    )
)
class AllocationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = AllocationSerializer
    permission_classes = [permissions.IsAuthenticated, AllocationPermission]
    pagination_class = ByIdPagination

    def get_queryset(self) -> QuerySet[IPAllocation]:
        qs = IPAllocation.objects.select_related("customer")
        params = self.request.query_params
        errors: dict[str, list[str]] = {}  # every bad parameter in one answer
        if ip := params.get("ip", "").strip():
            try:
                qs = qs.filter(network__net_contains_or_equals=services.ip_text(ip))
            except ValidationError as exc:
                errors["ip"] = exc.messages
        if at := params.get("at", "").strip():
            try:
                qs = qs.filter(validity__contains=parse_moment(at))
            except ValueError as exc:
                errors["at"] = [str(exc)]
        if errors:
            raise serializers.ValidationError(errors)
        if customer := params.get("customer", "").strip():
            qs = qs.filter(customer__external_id=customer)
        return qs

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        data = serializer.validated_data
        try:
            serializer.instance = services.allocation_create(
                network=data["network"],
                customer=data["customer"],
                service=data.get("service"),
                valid_from=data["valid_from"],
                valid_to=data.get("valid_to"),
                shared=data.get("shared", False),
                note=data.get("note", ""),
            )
        except ValidationError as exc:
            detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
            raise serializers.ValidationError(detail) from exc
