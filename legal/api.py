"""REST endpoints of the legal desk under ``/api/v1/legal/`` (docs/architecture.md "Legal
desk"): list and file requests, read one, and the transparency figures.

The legal role only (a user token or session of someone holding it): anyone else gets a
403 on the list and the figures and a 404 on a request. Reads of a request are audited and
no answer is cached. Filing goes through ``legal.services.request_receive``, like the page.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import available_timezones

from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from complaints.audit import audit_record
from legal.access import is_legal
from legal.models import DataCategory, LegalRequest, RequestType, ScopeItem
from legal.selectors import QueueFilters, legal_queue, request_for
from legal.services import LegalError, ScopeInput, request_receive
from legal.transparency import OUTCOMES, Half, transparency_report


class IsLegal(BasePermission):
    message = "The legal desk is for the legal role."

    def has_permission(self, request: Request, view: Any) -> bool:
        return is_legal(request.user)


class MatchSerializer(serializers.Serializer):
    customer = serializers.CharField(source="customer.external_id")
    holding = serializers.CharField()
    held_from = serializers.DateTimeField(allow_null=True)
    held_to = serializers.DateTimeField(allow_null=True)


class ScopeSerializer(serializers.ModelSerializer):
    matches = MatchSerializer(many=True, read_only=True)

    class Meta:
        model = ScopeItem
        fields = ["kind", "value", "starts_at", "ends_at", "resolved_at", "matches"]


class LegalRequestSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)
    officer_email = serializers.CharField(read_only=True)  # blank when none was given
    scope = ScopeSerializer(many=True, read_only=True)

    class Meta:
        model = LegalRequest
        fields = [
            "id", "reference", "type", "state", "outcome", "channel", "authority", "jurisdiction",
            "officer_name", "officer_email", "officer_phone", "case_number", "legal_basis",
            "data_categories", "emergency", "time_zone", "received_at", "due_at",
            "extended_due_at", "nondisclosure_until", "nondisclosure_indefinite",
            "customer_notice_due_at", "customer_notified_at", "preservation_state",
            "preserve_until", "verified_at", "approved_at", "produced_at", "produced_sha256",
            "scope",
        ]  # fmt: skip
        read_only_fields = fields


class ScopeInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ScopeItem.Kind.choices)
    value = serializers.CharField(max_length=253)
    starts_at = serializers.DateTimeField(required=False, allow_null=True)
    ends_at = serializers.DateTimeField(required=False, allow_null=True)


class LegalRequestCreateSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=RequestType.choices)
    authority = serializers.CharField(max_length=200)
    jurisdiction = serializers.CharField(max_length=2)
    received_at = serializers.DateTimeField(required=False, allow_null=True)
    time_zone = serializers.CharField(max_length=64, required=False, allow_blank=True)
    officer_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    officer_email = serializers.EmailField(required=False, allow_blank=True)
    officer_phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    case_number = serializers.CharField(max_length=120, required=False, allow_blank=True)
    legal_basis = serializers.CharField(max_length=300, required=False, allow_blank=True)
    description = serializers.CharField(max_length=20000, required=False, allow_blank=True)
    data_categories = serializers.ListField(
        child=serializers.ChoiceField(choices=DataCategory.choices), required=False, max_length=3
    )
    emergency = serializers.BooleanField(required=False, default=False)
    stated_due = serializers.DateTimeField(required=False, allow_null=True)
    subject_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    subject_email = serializers.EmailField(required=False, allow_blank=True)
    scope = serializers.ListField(child=ScopeInputSerializer(), required=False, max_length=200)

    def validate_time_zone(self, value: str) -> str:
        if value and value not in available_timezones():
            raise serializers.ValidationError("not an IANA time zone")
        return value


def _no_store(response: Response) -> Response:
    response["Cache-Control"] = "private, no-store"
    return response


class LegalRequestListApi(APIView):
    permission_classes = [IsAuthenticated, IsLegal]

    @extend_schema(
        operation_id="legal_requests_list",
        responses=inline_serializer(
            "LegalRequestList",
            {
                "count": serializers.IntegerField(),
                "results": LegalRequestSerializer(many=True),
            },
        ),
    )
    def get(self, request: Request) -> Response:
        rows = legal_queue(
            request.user, QueueFilters(closed=request.query_params.get("closed") == "1")
        )
        data = LegalRequestSerializer(
            rows.prefetch_related("scope__matches__customer")[:500], many=True
        ).data
        return _no_store(Response({"count": len(data), "results": data}))

    @extend_schema(request=LegalRequestCreateSerializer, responses={201: LegalRequestSerializer})
    def post(self, request: Request) -> Response:
        body = LegalRequestCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        scope = [ScopeInput(s["kind"], s["value"], s.get("starts_at"), s.get("ends_at"))
                 for s in data.pop("scope", [])]  # fmt: skip
        data["received_at"] = data.get("received_at") or timezone.now()
        try:
            created = request_receive(actor=request.user, channel="api", scope=scope, **data)
        except LegalError as exc:
            raise serializers.ValidationError({"detail": str(exc)}) from exc
        return _no_store(
            Response(LegalRequestSerializer(created).data, status=status.HTTP_201_CREATED)
        )


class LegalRequestDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=LegalRequestSerializer)
    def get(self, request: Request, pk: int) -> Response:
        found = request_for(request.user, pk) if is_legal(request.user) else None
        if found is None:
            raise Http404
        audit_record(
            actor=request.user, verb="legal.read", obj=found, detail={"path": request.path[:300]}
        )
        return _no_store(Response(LegalRequestSerializer(found).data))


class TransparencyApi(APIView):
    permission_classes = [IsAuthenticated, IsLegal]

    @extend_schema(responses={200: dict})
    def get(self, request: Request) -> Response:
        half = Half.parse(request.query_params.get("half", "")) or Half.of(timezone.now())
        report = transparency_report(request.user, half)
        rows = [
            {"type": row.type or "all", "jurisdiction": row.jurisdiction or "all", "received": row.received,
             **{o: row.outcomes.get(o, 0) for o in OUTCOMES}, "pending": row.pending,
             "accounts_affected": row.accounts_affected}
            for row in [*report.rows, report.totals]
        ]  # fmt: skip
        return _no_store(Response({"half_year": half.label, "rows": rows,
                                   "outbound_dsa_art18_reports": report.outbound_reports}))  # fmt: skip
