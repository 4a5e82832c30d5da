"""``/api/v1/reports/``: submit a report (202 + status URL), list and read reports.

A submission is one of three bodies, told apart by content type and then by content:
``message/rfc822`` (a whole message, stored as sent), X-ARF JSON v3/v4 (stored as sent,
checked with the X-ARF parser first), or the desk's simple schema (validated, then stored
as canonical JSON so the pipeline parses it like anything else). The raw bytes are
committed before the 202 answer (promise 1); the same bytes again answer the original's id.

Who may do what: agents, leads and admins (user token or session) post and read every
report they are allowed to see; an outside reporter's token posts, and reads only the
reports it submitted. Bodies are bounded by ``REPORT_MAX_BYTES`` (413), posting is
throttled per token (scope "reports", ``REPORTS_API_THROTTLE``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, parsers, permissions, serializers, status, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.pagination import CursorPagination
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle

from accounts.authentication import HashedTokenAuthentication
from complaints.api import serializers as s
from complaints.api.authentication import ReporterTokenAuthentication
from complaints.intake.receiving import TooLarge
from complaints.intake.reporter_tokens import ReporterPrincipal
from complaints.intake.schema import SimpleReportSerializer
from complaints.intake.selectors import (
    can_submit_reports,
    report_events,
    report_ticket_ids,
    reports_visible_to,
)
from complaints.intake.submissions import report_submit, simple_report_submit
from complaints.models import Receipt, Report
from complaints.parsers.base import ParseError
from complaints.parsers.xarf import parse_xarf_json

MAX_JSON_DEPTH_ERROR = "JSON nested too deeply."


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The report is larger than the limit."
    default_code = "too_large"


# --- bodies --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RawBody:
    raw: bytes


@dataclass(frozen=True)
class JsonBody:
    raw: bytes
    data: Any


def _read_bounded(stream: Any, request_meta: dict) -> bytes:
    """The body, refused with 413 past ``REPORT_MAX_BYTES`` without reading all of it."""
    limit = settings.REPORT_MAX_BYTES
    try:
        declared = int(request_meta.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        raise PayloadTooLarge(f"{declared} bytes is over the limit of {limit} bytes.")
    raw = stream.read(limit + 1) if stream is not None else b""
    if len(raw) > limit:
        raise PayloadTooLarge(f"Over the limit of {limit} bytes.")
    return raw


class RawMessageParser(parsers.BaseParser):
    """``message/rfc822``: the body is the message, kept byte for byte."""

    media_type = "message/rfc822"

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        return RawBody(_read_bounded(stream, parser_context["request"].META))


class BoundedJSONParser(parsers.BaseParser):
    """JSON, bounded in size, with the bytes kept (an X-ARF document is stored as sent)."""

    media_type = "application/json"

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        raw = _read_bounded(stream, parser_context["request"].META)
        try:
            data = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise exceptions.ParseError("JSON must be UTF-8.") from exc
        except RecursionError as exc:
            raise exceptions.ParseError(MAX_JSON_DEPTH_ERROR) from exc
        except ValueError as exc:
            raise exceptions.ParseError(f"Invalid JSON: {exc}") from exc
        return JsonBody(raw, data)


# --- access ----------------------------------------------------------------------------------


class ReportAccess(permissions.BasePermission):
    """Agents, leads, admins; or a reporter token (its own reports only, by queryset)."""

    def has_permission(self, request: Request, view: object) -> bool:
        if isinstance(request.user, ReporterPrincipal):
            return True
        return can_submit_reports(request.user)


def _throttle_ident(request: Request) -> str | None:
    auth = request.auth
    if isinstance(request.user, ReporterPrincipal):
        return f"reporter-token-{request.user.token.pk}"
    if auth is not None and getattr(auth, "pk", None) is not None:
        return f"user-token-{auth.pk}"
    if request.user and request.user.is_authenticated:
        return f"user-{request.user.pk}"
    return None


class ReportsThrottle(SimpleRateThrottle):
    """Posting reports, per token (per user for sessions, per address otherwise)."""

    scope = "reports"

    def get_rate(self) -> str:
        # Read at request time, so the setting can be changed without reloading DRF.
        return settings.REPORTS_API_THROTTLE

    def get_cache_key(self, request: Request, view: object) -> str:
        ident = _throttle_ident(request) or f"addr-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class ReportsReadThrottle(ReportsThrottle):
    """Reading reports shares the API's per-user rate, keyed per token like posting."""

    scope = "reports-read"

    def get_rate(self) -> str:
        return str(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["user"])  # type: ignore[index]


class JsonOnly(DefaultContentNegotiation):
    """Always JSON. DRF would read ``?format=`` as a renderer name, but here it filters
    reports by parser name."""

    def select_renderer(
        self, request: Any, renderers: Any, format_suffix: str | None = None
    ) -> tuple:
        renderer = next(iter(renderers))
        return renderer, renderer.media_type


class ReportPagination(CursorPagination):
    ordering = "-id"
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"

    def get_page_size(self, request: Request) -> int:
        """``page_size`` from 1 to ``max_page_size``, blank for the default. DRF would fall
        back to the default for anything else without a word, and the client would page
        wrongly; ``ReportQuerySerializer`` has already named a bad one with the filters."""
        raw = request.query_params.get(self.page_size_query_param, "")
        if raw == "":
            return self.page_size
        return _page_size(raw)


def _page_size(raw: str) -> int:
    if not (raw.isascii() and raw.isdigit() and 1 <= int(raw) <= ReportPagination.max_page_size):
        raise exceptions.ValidationError(
            {"page_size": [f"A whole number from 1 to {ReportPagination.max_page_size}."]}
        )
    return int(raw)


class ReportQuerySerializer(serializers.Serializer):
    """The reports list's query parameters, checked together so a bad filter and a bad page
    size are named in one answer; an unknown status is a 400, not an empty page. Blank
    means not given."""

    status = serializers.ChoiceField(choices=Report.Status.choices, required=False)
    format = serializers.CharField(
        max_length=32,
        required=False,
        allow_blank=True,
        help_text="Parser name (arf, xarf, api, ...)",
    )
    page_size = serializers.IntegerField(
        min_value=1,
        max_value=ReportPagination.max_page_size,
        required=False,
        help_text="Number of results to return per page.",
    )

    def to_internal_value(self, data: Any) -> Any:
        errors: dict[str, Any] = {}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            errors = dict(exc.detail)  # type: ignore[arg-type]
            value = None
        raw = data.get("page_size", "")
        if raw != "" and "page_size" not in errors:
            try:
                _page_size(raw)  # digits only: no "5.0", " 5" or full-width digits
            except exceptions.ValidationError as exc:
                errors.update(exc.detail)  # type: ignore[arg-type]
        if errors:
            raise serializers.ValidationError(errors)
        return value


# --- the endpoints ---------------------------------------------------------------------------

SUBMIT_DESCRIPTION = """Submit one abuse report. Three bodies are accepted:

* `Content-Type: message/rfc822`: a whole e-mail message (ARF, forwarded spam, a
  Shadowserver mail, anything the desk's mail intake reads), stored byte for byte.
* `Content-Type: application/json` with an **X-ARF** v3 or v4 document (recognised by its
  `xarf_version`, or `Report` with `Version`/`ReporterInfo`), stored as sent.
* `Content-Type: application/json` with the desk's **simple schema** (below). It is
  validated strictly (unknown fields and types are refused) and stored as canonical JSON.
  With a reporter token, `reporter` is optional and always that token's reporter.

The raw report is committed before the answer: 202 means it will not be lost. Poll `url`
for its outcome (`received` → `filed` or `quarantined`). The same bytes posted again answer
the original report's id with `"duplicate": true`. Bodies over the size limit answer 413.
"""


@extend_schema_view(
    list=extend_schema(summary="List reports", parameters=[ReportQuerySerializer]),
    retrieve=extend_schema(
        summary="A report with its outcome: events, attribution, tickets",
        responses=s.ReportDetailSerializer,
    ),
)
class ReportViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    authentication_classes = [
        ReporterTokenAuthentication,
        HashedTokenAuthentication,
        SessionAuthentication,
    ]
    permission_classes = [permissions.IsAuthenticated, ReportAccess]
    parser_classes = [BoundedJSONParser, RawMessageParser]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = JsonOnly
    pagination_class = ReportPagination
    serializer_class = s.ReportListSerializer

    def get_throttles(self) -> list:
        return [ReportsThrottle() if self.action == "create" else ReportsReadThrottle()]

    def _is_reporter(self) -> bool:
        return isinstance(self.request.user, ReporterPrincipal)

    def get_serializer_class(self) -> type:
        if self._is_reporter():
            if self.action == "retrieve":
                return s.ReporterReportDetailSerializer
            return s.ReporterReportSerializer
        return s.ReportDetailSerializer if self.action == "retrieve" else s.ReportListSerializer

    def get_queryset(self) -> QuerySet[Report]:
        qs = reports_visible_to(self.request.user).select_related("reporter")
        if self.action == "list":
            query = ReportQuerySerializer(data=self.request.query_params)
            query.is_valid(raise_exception=True)
            if wanted := query.validated_data.get("status"):
                qs = qs.filter(status=wanted)
            if wanted := query.validated_data.get("format", "").strip():
                qs = qs.filter(format=wanted)
        return qs.defer("evidence", "data", "summary")

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        report = self.get_object()
        events = report_events(report)
        context = {
            **self.get_serializer_context(),
            "events": events,
            "ticket_ids": [] if self._is_reporter() else report_ticket_ids(report),
        }
        return Response(self.get_serializer_class()(report, context=context).data)

    @extend_schema(
        summary="Submit a report",
        description=SUBMIT_DESCRIPTION,
        request={
            "application/json": SimpleReportSerializer,
            "message/rfc822": OpenApiTypes.BINARY,
        },
        responses={
            202: s.ReportAcceptedSerializer,
            400: OpenApiResponse(description="Invalid body; the JSON names each error"),
            401: OpenApiResponse(description="No or invalid token"),
            413: OpenApiResponse(description="Body over REPORT_MAX_BYTES"),
            415: OpenApiResponse(description="Neither application/json nor message/rfc822"),
            429: OpenApiResponse(description="Throttled (REPORTS_API_THROTTLE)"),
        },
        examples=[
            OpenApiExample(
                "Simple schema",
                request_only=True,
                media_type="application/json",
                value={
                    "reporter": {
                        "email": "abuse@honeypot.example.org",
                        "name": "Example Honeypot",
                        "organisation": "Example CERT",
                    },
                    "type": "brute-force",
                    "resources": [
                        {"ip": "192.0.2.17", "observed_at": "2024-05-01T10:00:00Z", "port": 22}
                    ],
                    "description": "SSH password guessing from your network.",
                    "evidence": "May  1 10:00:00 sshd[811]: Failed password for root "
                    "from 192.0.2.17 port 40222 ssh2",
                },
            )
        ],
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = request.data
        principal = request.user if isinstance(request.user, ReporterPrincipal) else None
        who: dict[str, Any] = {
            "reporter_token": principal.token if principal else None,
            "submitted_by_id": None if principal else request.user.pk,
            "channel": Receipt.Channel.API,
        }
        try:
            if isinstance(body, RawBody):
                if not body.raw.strip():
                    raise exceptions.ValidationError({"detail": ["The message is empty."]})
                received = report_submit(raw=body.raw, **who)
            elif isinstance(body, JsonBody):
                received = self._submit_json(body, principal, who)
            else:  # no body at all
                raise exceptions.ValidationError(
                    {"detail": ["Send a message/rfc822 or application/json body."]}
                )
        except TooLarge as exc:
            raise PayloadTooLarge(str(exc)) from exc
        report = Report.objects.only("status").get(pk=received.report_id)
        answer: dict[str, Any] = {
            "id": received.report_id,
            "url": s.report_url(request, received.report_id),
            "status": report.status,
            "duplicate": received.outcome != "new",
        }
        return Response(
            answer, status=status.HTTP_202_ACCEPTED, headers={"Location": answer["url"]}
        )

    def _submit_json(
        self, body: JsonBody, principal: ReporterPrincipal | None, who: dict[str, Any]
    ) -> Any:
        data = body.data
        if not isinstance(data, dict):
            raise exceptions.ValidationError({"detail": ["The JSON body must be an object."]})
        if "xarf_version" in data or "Report" in data:
            try:
                parsed = parse_xarf_json(data)
            except ParseError as exc:
                raise exceptions.ValidationError({"xarf": [exc.reason, exc.detail]}) from exc
            except Exception as exc:
                raise exceptions.ValidationError({"xarf": ["invalid-xarf"]}) from exc
            if not parsed.events:
                raise exceptions.ValidationError(
                    {"xarf": ["The X-ARF report names no source IP address, domain or URL."]}
                )
            return report_submit(raw=body.raw, **who)
        serializer = SimpleReportSerializer(
            data=data, context={"reporter": principal.reporter if principal else None}
        )
        serializer.is_valid(raise_exception=True)
        return simple_report_submit(document=serializer.canonical_document(), **who)
