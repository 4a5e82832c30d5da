"""REST for actions: ``GET/POST /api/v1/tickets/{id}/actions/``, approval, and the signed
provisioning callback ``POST /api/v1/provisioning/callback/``.

Tickets are looked up through the same permission filter as the pages
(``complaints.permissions.tickets_visible_to``): a ticket the caller may not see is a 404,
never a 403 that would confirm it exists.
"""

from __future__ import annotations

import json

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied as ApiPermissionDenied
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from complaints import permissions
from complaints.actions import provisioning
from complaints.actions import services as actions
from complaints.models import Action, Ticket
from complaints.models.actions import ActionKind
from customers.models import Service


class ActionSerializer(serializers.ModelSerializer):
    # Each is null when the relation is (an automatic action has no requester, ...): said in
    # the schema by allow_null, which drf-spectacular turns into "nullable".
    requested_by = serializers.CharField(
        source="requested_by.username", default=None, allow_null=True
    )
    approved_by = serializers.CharField(
        source="approved_by.username", default=None, allow_null=True
    )
    rule = serializers.CharField(source="rule.name", default=None, allow_null=True)
    service = serializers.CharField(source="service.label", default=None, allow_null=True)

    class Meta:
        model = Action
        fields = [
            "id", "ticket", "kind", "status", "reason", "service", "requested_by", "approved_by",
            "automatic", "rule", "attempts", "result", "error", "requested_at", "approved_at",
            "completed_at", "reverted_at",
        ]  # fmt: skip
        read_only_fields = fields


class ActionRequestSerializer(serializers.Serializer):
    """Checked whole, so one answer names every problem: the service must be one of the
    ticket's customer's (``context["ticket"]``)."""

    kind = serializers.ChoiceField(choices=ActionKind.choices)
    reason = serializers.CharField(max_length=5000)
    service = serializers.IntegerField(required=False, allow_null=True)

    def validate_service(self, value: int | None) -> Service | None:
        if not value:
            return None
        ticket: Ticket = self.context["ticket"]
        service = Service.objects.filter(pk=value).first()
        if (
            service is None
            or ticket.customer_id is None
            or service.customer_id != ticket.customer_id
        ):
            raise serializers.ValidationError("not a service of the ticket's customer")
        return service


def _visible_ticket(request: Request, ticket_id: int) -> Ticket:
    return get_object_or_404(permissions.tickets_visible_to(request.user), pk=ticket_id)


def _validation(exc: ValidationError) -> ApiValidationError:
    return ApiValidationError({"detail": exc.messages})


class TicketActionsApi(APIView):
    """List a ticket's actions, or request one (agents, leads, admins)."""

    @extend_schema(responses=ActionSerializer(many=True))
    def get(self, request: Request, ticket_id: int) -> Response:
        ticket = _visible_ticket(request, ticket_id)
        qs = ticket.actions.select_related("requested_by", "approved_by", "rule", "service")
        return Response(ActionSerializer(qs.order_by("-requested_at")[:200], many=True).data)

    @extend_schema(request=ActionRequestSerializer, responses={201: ActionSerializer})
    def post(self, request: Request, ticket_id: int) -> Response:
        ticket = _visible_ticket(request, ticket_id)
        if not permissions.can_act(request.user):
            raise ApiPermissionDenied("not allowed to request actions")
        data = ActionRequestSerializer(data=request.data, context={"ticket": ticket})
        data.is_valid(raise_exception=True)
        service = data.validated_data.get("service")
        try:
            action = actions.action_request(
                ticket=ticket, kind=data.validated_data["kind"],
                reason=data.validated_data["reason"], actor=request.user, service=service,
            )  # fmt: skip
        except PermissionDenied as exc:
            raise ApiPermissionDenied(str(exc)) from exc
        except ValidationError as exc:
            raise _validation(exc) from exc
        return Response(ActionSerializer(action).data, status=status.HTTP_201_CREATED)


class TicketActionApproveApi(APIView):
    """Approve a requested action (four-eyes kinds: a lead or admin, not the requester)."""

    @extend_schema(request=None, responses=ActionSerializer)
    def post(self, request: Request, ticket_id: int, action_id: int) -> Response:
        ticket = _visible_ticket(request, ticket_id)
        action = get_object_or_404(Action, pk=action_id, ticket=ticket)
        try:
            action = actions.action_approve(action=action, actor=request.user)
        except PermissionDenied as exc:
            raise ApiPermissionDenied(str(exc)) from exc
        except ValidationError as exc:
            raise _validation(exc) from exc
        return Response(ActionSerializer(action).data)


@csrf_exempt  # authenticated by its HMAC signature, not by a session
def provisioning_callback_view(request: HttpRequest) -> JsonResponse:
    if request.method != "POST":
        # As require_POST would, but in JSON like every other answer of the API.
        refused = JsonResponse({"detail": f'Method "{request.method}" not allowed.'}, status=405)
        refused["Allow"] = "POST"
        return refused
    body = request.body
    headers = {name: request.headers.get(name, "") for name in (
        provisioning.TIMESTAMP_HEADER, provisioning.NONCE_HEADER, provisioning.SIGNATURE_HEADER)}  # fmt: skip
    try:
        provisioning.callback_verify(headers, body)
    except provisioning.CallbackRejected as exc:
        return JsonResponse({"error": str(exc)}, status=401)
    try:
        data = json.loads(body)
        key = str(data["idempotency_key"])
        verdict = str(data["status"])
        result = data.get("result") or {}
        if not isinstance(result, dict):
            raise TypeError("result must be an object")
        error = str(data.get("error") or "")
    except (ValueError, KeyError, TypeError, RecursionError) as exc:
        return JsonResponse({"error": f"bad callback body: {exc}"}, status=400)
    try:
        action, changed = actions.action_callback(
            idempotency_key=key, status=verdict, result=result, error=error
        )
    except (Action.DoesNotExist, ValidationError):
        return JsonResponse({"error": "unknown action or status"}, status=404)
    return JsonResponse({"action": action.pk, "status": action.status, "changed": changed})
