"""API-wide behaviour (REST_FRAMEWORK and SPECTACULAR_SETTINGS point here): every error
answers JSON, never an HTML page (the exception handler, the JSON parser's depth), and the
OpenAPI schema documents the errors and blank query values the API really has (the
post-processing hooks). The JSON 404 for paths under /api/ is ``complaints.api.errors``;
tests/test_api_fuzz.py holds the whole API to this."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError
from rest_framework import status
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

logger = logging.getLogger(__name__)


class DepthSafeJSONParser(JSONParser):
    """DRF's JSON parser (the API's default), with a body nested too deeply for Python's
    JSON decoder answered 400 like any other malformed JSON: DRF catches only ValueError,
    so ``[[[[...`` a few thousand deep was a 500 on every endpoint that takes a body."""

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError("JSON parse error - nested too deeply.") from exc


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    """DRF's handler, plus database and model validation errors turned into 400s, and any
    other exception into a logged JSON 500: a client of the API never parses an HTML page,
    whatever went wrong (the API fuzz test holds every error to a JSON body)."""
    response = drf_exception_handler(exc, context)
    if response is not None:
        return response
    set_rollback()
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        return Response(detail, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DataError) and "NUL" in str(exc):
        # psycopg refuses a NUL byte in text before sending it (PostgreSQL cannot store
        # one): a value from the client, in a path, a query or a body.
        return Response(
            {"detail": "A value contains a NUL character, which no field may hold."},
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, IntegrityError | DataError):
        logger.info("API request refused by the database: %s", exc)
        return Response(
            {"detail": "The request conflicts with stored data or has an invalid value."},
            status=status.HTTP_400_BAD_REQUEST,
        )
    request = context.get("request")
    logger.error(
        "API error on %s %s",
        getattr(request, "method", "?"),
        getattr(request, "path", "?"),
        exc_info=exc,
    )
    return Response(
        {"detail": "Internal error: it has been logged."},
        status=status.HTTP_500_INTERNAL_SERVER_ERROR,
    )


# --- the schema's error answers ----------------------------------------------------------

_ERROR = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
    "description": "What went wrong, in words.",
}
_VALIDATION_ERROR = {
    "type": "object",
    "additionalProperties": True,
    "description": "Every invalid field at once, each with its messages (nested fields nest); "
    "`detail` names what is wrong with the request as a whole.",
    "example": {"type": ["Not a valid choice."], "resources": [{"ip": ["Not an IP address."]}]},
}
_ERROR_DESCRIPTIONS = {
    "400": "Invalid request: every problem is named at once",
    "401": "No token, or an invalid or revoked one",
    "403": "The caller's role (or a reporter's token) may not do this",
    "404": "No such object, or one the caller may not see; or an invalid page cursor",
    "413": "Body over the size limit",
    "415": "Unsupported Content-Type",
    "429": "Throttled: retry after the Retry-After header's seconds",
}


def schema_error_responses(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """drf-spectacular post-processing hook: document the errors every operation can answer.

    Views only declare their success; without this the schema says an operation answers 200
    and nothing else, which is a lie to every client generator and to the API fuzz test.
    Which errors an operation can give follows from its shape: every operation needs a token
    (401/403) and is throttled (429); a body can be invalid, too large or of another type
    (400/413/415); query parameters can be invalid and a change refused (400); a path names an object that may
    not exist or be visible (404), and so may a page cursor."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Error", _ERROR)
    schemas.setdefault("ValidationError", _VALIDATION_ERROR)
    for path, item in result.get("paths", {}).items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            query = {
                p.get("name") for p in operation.get("parameters", []) if p.get("in") == "query"
            }
            codes = ["401", "403", "429"]
            if "requestBody" in operation:
                codes += ["413", "415"]
            if "requestBody" in operation or query or method != "get":
                codes.append("400")  # a change can also be refused by the object's state
            if "{" in path or "cursor" in query:
                codes.append("404")
            responses = operation["responses"]
            for code in sorted(codes):
                response = responses.setdefault(code, {"description": _ERROR_DESCRIPTIONS[code]})
                if not response.get("description"):
                    response["description"] = _ERROR_DESCRIPTIONS[code]
                name = "ValidationError" if code == "400" else "Error"
                response.setdefault(
                    "content",
                    {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}},
                )
            operation["responses"] = dict(sorted(responses.items()))
    return result


def schema_blank_query_parameters(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """drf-spectacular post-processing hook: say that a blank optional query parameter
    (``?status=``) counts as not given, as it does throughout the API (DRF's query
    serializers skip it, the filters ignore it, a blank cursor is the first page); without
    ``allowEmptyValue`` an enum or integer parameter would claim to refuse it."""
    for item in result.get("paths", {}).values():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", []):
                if (
                    parameter.get("in") == "query"
                    and not parameter.get("required")
                    # An array's blank is already a valid value: a list of one empty string.
                    and parameter.get("schema", {}).get("type") != "array"
                ):
                    parameter["allowEmptyValue"] = True
    return result
