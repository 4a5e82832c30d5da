"""REST for a ticket's messages: ``GET/POST /api/v1/tickets/{id}/messages/``.

The ticket is found through the pages' permission filter (a ticket the caller may not see
is a 404). Posting calls the same mediation service as the reply box: a message to the
customer is redacted and carries a self-service link, a message to the reporter goes only
to reporters we may write to, an internal note is recorded.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from complaints import mediation, permissions
from complaints.models import Message, ResponseTemplate, Ticket
from complaints.templating import TemplateError

MAX_LISTED = 500


class MessageSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.username", default=None)

    class Meta:
        model = Message
        fields = [
            "id", "direction", "visibility", "kind", "status", "from_address", "to_address",
            "subject", "body", "message_id", "in_reply_to", "author", "template", "error",
            "created_at", "sent_at",
        ]  # fmt: skip
        read_only_fields = fields


class MessageCreateSerializer(serializers.Serializer):
    audience = serializers.ChoiceField(choices=mediation.AUDIENCES)
    body = serializers.CharField(max_length=100_000, allow_blank=True, default="")
    subject = serializers.CharField(max_length=300, allow_blank=True, default="")
    template = serializers.IntegerField(required=False, allow_null=True)
    await_answer = serializers.BooleanField(default=True)


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
        template = None
        if values.get("template"):
            template = ResponseTemplate.objects.filter(pk=values["template"], active=True).first()
            if template is None:
                raise ApiValidationError({"template": ["no such active template"]})
        try:
            message = mediation.ticket_reply(
                ticket,
                author=request.user,
                audience=values["audience"],
                body=values["body"],
                subject=values["subject"],
                template=template,
                await_answer=values["await_answer"],
            )
        except (mediation.MediationError, TemplateError, ValueError) as exc:
            raise ApiValidationError({"detail": [str(exc)]}) from exc
        return Response(MessageSerializer(message).data, status=status.HTTP_201_CREATED)
