"""REST for a ticket's messages: ``GET/POST /api/v1/tickets/{id}/messages/``.

The ticket is found through the pages' permission filter (a ticket the caller may not see
is a 404). Posting calls the same mediation service as the reply box: a message to the
customer is redacted and carries a self-service link, a message to the reporter goes only
to reporters we may write to, an internal note is recorded.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from complaints import permissions
from complaints.mediation import parties, replies
from complaints.mediation.templating import TemplateError
from complaints.models import Message, ResponseTemplate, Ticket

MAX_LISTED = 500


class MessageSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.username", default=None, allow_null=True)

    class Meta:
        model = Message
        fields = [
            "id", "direction", "visibility", "kind", "status", "from_address", "to_address",
            "subject", "body", "message_id", "in_reply_to", "author", "template", "error",
            "created_at", "sent_at",
        ]  # fmt: skip
        read_only_fields = fields


class MessageCreateSerializer(serializers.Serializer):
    audience = serializers.ChoiceField(choices=replies.AUDIENCES)
    body = serializers.CharField(max_length=100_000, allow_blank=True, default="")
    subject = serializers.CharField(max_length=300, allow_blank=True, default="")
    template = serializers.IntegerField(required=False, allow_null=True)
    await_answer = serializers.BooleanField(default=True)

    # Every check on the input is here, so one answer names every problem at once.
    def validate_template(self, value: int | None) -> ResponseTemplate | None:
        if value is None:
            return None
        template = ResponseTemplate.objects.filter(pk=value, active=True).first()
        if template is None:
            raise serializers.ValidationError("no such active template")
        return template

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        # An empty message depends on several fields; it is named beside any field's error
        # (DRF's validate() would run only once every field is valid).
        errors: dict[str, Any] = {}
        values: dict[str, Any] = {}
        try:
            values = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            errors = dict(exc.detail) if isinstance(exc.detail, dict) else {"detail": exc.detail}
        if "body" not in errors and isinstance(data, Mapping):
            # A template that does not exist gives no text either.
            template = None if "template" in errors else data.get("template")
            if _body_missing({**data, "template": template}):
                errors["body"] = ["the message is empty"]
        if errors:
            raise serializers.ValidationError(errors)
        return values


def _body_missing(data: Mapping[str, Any]) -> bool:
    """No text, and nothing to take it from: an internal note needs text, mail a template."""
    body = data.get("body")
    text = body.strip() if isinstance(body, str) else ""
    no_template = data.get("template") in (None, "")
    return not text and (data.get("audience") == "internal" or no_template)


def _visible_ticket(request: Request, ticket_id: int) -> Ticket:
    return get_object_or_404(permissions.tickets_visible_to(request.user), pk=ticket_id)


class TicketMessagesApi(APIView):
    """A ticket's messages, oldest first (at most 500), or a new message."""

    @extend_schema(responses=MessageSerializer(many=True))
    def get(self, request: Request, ticket_id: int) -> Response:
        ticket = _visible_ticket(request, ticket_id)
        rows = Message.objects.filter(ticket=ticket).select_related("author")
        return Response(MessageSerializer(rows.order_by("created_at")[:MAX_LISTED], many=True).data)

    @extend_schema(request=MessageCreateSerializer, responses={201: MessageSerializer})
    def post(self, request: Request, ticket_id: int) -> Response:
        ticket = _visible_ticket(request, ticket_id)
        if not permissions.can_work_ticket(request.user, ticket):
            raise PermissionDenied("not allowed to work this ticket")
        data = MessageCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        template = values.get("template")
        try:
            message = replies.ticket_reply(
                ticket,
                author=request.user,
                audience=values["audience"],
                body=values["body"],
                subject=values["subject"],
                template=template,
                await_answer=values["await_answer"],
            )
        except (parties.MediationError, TemplateError, ValueError) as exc:
            raise ApiValidationError({"detail": [str(exc)]}) from exc
        return Response(MessageSerializer(message).data, status=status.HTTP_201_CREATED)
