"""REST for retention under ``/api/v1/retention/`` (docs/architecture.md "retention/").

``POST /api/v1/retention/cancellations/``: a cancellation from an integration of the
billing role (the client area, after its own login of the customer), recorded and sent to
billing like one from the self-service page (``cancellation_request``), channel "api".
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from billing.models import LedgerService
from billing.selectors import can_adjust
from customers.models import Customer
from retention.cancellations import cancellation_request
from retention.models import Cancellation, CancelReason


class CancellationCreateSerializer(serializers.Serializer):
    customer_number = serializers.CharField(max_length=64)
    service_id = serializers.CharField(max_length=64, help_text="The billing system's service id")
    type = serializers.ChoiceField(choices=Cancellation.Type.choices)
    reason = serializers.ChoiceField(choices=CancelReason.choices)
    comment = serializers.CharField(max_length=5000, required=False, default="", allow_blank=True)


class CancellationSerializer(serializers.ModelSerializer):
    customer = serializers.CharField(source="customer.external_id")

    class Meta:
        model = Cancellation
        fields = ["id", "customer", "service_remote_id", "service_label", "kind", "channel",
                  "type", "reason", "status", "ticket", "created_at"]  # fmt: skip
        read_only_fields = fields


class CancellationCreateApi(APIView):
    @extend_schema(request=CancellationCreateSerializer, responses={201: CancellationSerializer})
    def post(self, request: Request) -> Response:
        if not can_adjust(request.user):
            raise PermissionDenied("Only the billing role records cancellations.")
        serializer = CancellationCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        customer = Customer.objects.filter(external_id=data["customer_number"]).first()
        service = (
            LedgerService.objects.filter(customer=customer, remote_id=data["service_id"]).first()
            if customer is not None
            else None
        )
        if customer is None or service is None:
            # The body names it: a bad value of the request, answered like any other.
            raise ValidationError(
                {"service_id": ["No such service of that customer in the billing system."]}
            )
        requested = cancellation_request(
            customer=customer, service=service, type=data["type"], reason=data["reason"],
            comment=data["comment"], channel=Cancellation.Channel.API, actor=request.user,
        )  # fmt: skip
        return Response(
            CancellationSerializer(requested.cancellation).data, status=status.HTTP_201_CREATED
        )
