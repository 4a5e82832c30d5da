"""The desk's simple submission schema, validated strictly: the same for
``POST /api/v1/reports/`` and the agents' "New complaint" form
(``complaints.intake.forms``), so both accept exactly the same submissions.

Validation is strict because a submission is stored as it is validated: unknown fields,
unknown classification types, unparseable resources, implausible times and oversized
values are refused with a 400 naming the field, never stored to be quarantined later.
"""

from __future__ import annotations

from datetime import UTC, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.utils import timezone
from rest_framework import serializers
from rest_framework.settings import api_settings

from complaints.parsers.api import MAX_RESOURCES, SCHEMA_ID
from complaints.parsers.base import TAXONOMY_OF_TYPE
from complaints.parsers.util import normalize_domain, normalize_ip, refang

MAX_DESCRIPTION_CHARS = 10_000
MAX_EVIDENCE_CHARS = 100_000
URL_SCHEMES = ("http", "https", "ftp")
RSIT_TYPES = sorted(TAXONOMY_OF_TYPE)


class StrictSerializer(serializers.Serializer):
    """Refuses fields it does not declare (a typo must not silently drop data), and names
    every problem of a submission in one answer: unknown fields, invalid fields and the
    rules across fields (``errors_across_fields``) together, so a client fixes them in one
    round, not one per request."""

    def errors_across_fields(self, data: dict[str, Any]) -> dict[str, list[str]]:
        """Rules over several fields, checked on the submitted data next to the fields'
        own validation (DRF's ``validate()`` would run only once every field is valid)."""
        return {}

    def to_internal_value(self, data: Any) -> Any:
        errors: dict[str, Any] = {}
        if isinstance(data, dict):
            unknown = sorted(str(key)[:64] for key in set(data) - set(self.fields))
            errors.update({key: ["Unknown field."] for key in unknown})
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if not isinstance(exc.detail, dict):
                raise
            errors = {**exc.detail, **errors}
            value = None
        if isinstance(data, dict):
            for key, messages in self.errors_across_fields(data).items():
                if key not in errors:
                    errors[key] = messages
        if errors:
            raise serializers.ValidationError(errors)
        return value


class SubmittedReporterSerializer(StrictSerializer):
    email = serializers.EmailField(max_length=320)
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    organisation = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )


class SubmittedResourceSerializer(StrictSerializer):
    """One resource: exactly one of ``ip``, ``domain`` or ``url``."""

    ip = serializers.CharField(max_length=100, required=False, help_text="IPv4 or IPv6 address")
    domain = serializers.CharField(max_length=253, required=False, help_text="Host or domain")
    url = serializers.CharField(max_length=4000, required=False, help_text="http(s) or ftp URL")
    observed_at = serializers.DateTimeField(
        required=False, help_text="When the abuse was seen (ISO 8601; no offset means UTC)"
    )
    port = serializers.IntegerField(min_value=0, max_value=65535, required=False)

    def validate_ip(self, value: str) -> str:
        ip = normalize_ip(value)
        if ip is None:
            raise serializers.ValidationError("Not an IP address.")
        return ip

    def validate_domain(self, value: str) -> str:
        domain = normalize_domain(value)
        if domain is None:
            raise serializers.ValidationError("Not a domain name.")
        return domain

    def validate_url(self, value: str) -> str:
        url = refang(value.strip())
        try:
            parts = urlsplit(url)
            host = parts.hostname
        except ValueError as exc:
            raise serializers.ValidationError("Not a URL.") from exc
        if parts.scheme.lower() not in URL_SCHEMES or not host:
            raise serializers.ValidationError("Not an http(s) or ftp URL with a host.")
        if any(ch in url for ch in "\r\n\t "):
            raise serializers.ValidationError("A URL has no white space.")
        return url

    def validate_observed_at(self, value: Any) -> Any:
        if value > timezone.now() + timedelta(days=1):
            raise serializers.ValidationError("In the future.")
        if value.year < 1995:
            raise serializers.ValidationError("Too far in the past.")
        return value

    def errors_across_fields(self, data: dict[str, Any]) -> dict[str, list[str]]:
        given = [key for key in ("ip", "domain", "url") if key in data]
        if len(given) != 1:
            return {api_settings.NON_FIELD_ERRORS_KEY: ["Give exactly one of ip, domain or url."]}
        return {}


class SimpleReportSerializer(StrictSerializer):
    """The desk's simple report schema (``POST /api/v1/reports/`` with JSON).

    ``reporter`` is required from agents; a reporter's own token fixes it to that reporter."""

    schema = serializers.ChoiceField(
        choices=[SCHEMA_ID], required=False, help_text="Optional schema marker"
    )
    reporter = SubmittedReporterSerializer(required=False)
    type = serializers.ChoiceField(
        choices=RSIT_TYPES, help_text="RSIT / IntelMQ classification.type"
    )
    resources = SubmittedResourceSerializer(  # type: ignore[call-arg]  # ListSerializer kwargs
        many=True, min_length=1, max_length=MAX_RESOURCES, allow_empty=False
    )
    description = serializers.CharField(
        max_length=MAX_DESCRIPTION_CHARS, required=False, allow_blank=True, default=""
    )
    evidence = serializers.CharField(
        max_length=MAX_EVIDENCE_CHARS,
        required=False,
        allow_blank=True,
        default="",
        trim_whitespace=False,
        help_text="Log lines, message headers: what shows the abuse",
    )

    def errors_across_fields(self, data: dict[str, Any]) -> dict[str, list[str]]:
        if self.context.get("reporter") is None and "reporter" not in data:
            return {"reporter": ["This field is required."]}
        return {}

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        fixed = self.context.get("reporter")
        if fixed is not None:
            attrs["reporter"] = {
                "email": fixed.address,
                "name": fixed.name,
                "organisation": fixed.organisation,
            }
        return attrs

    def canonical_document(self) -> dict[str, Any]:
        """The validated submission as the JSON document the pipeline stores and parses."""
        data = self.validated_data
        resources = []
        for item in data["resources"]:
            resource: dict[str, Any] = {
                key: item[key] for key in ("ip", "domain", "url") if key in item
            }
            if item.get("observed_at") is not None:
                resource["observed_at"] = item["observed_at"].astimezone(UTC).isoformat()
            if item.get("port") is not None:
                resource["port"] = item["port"]
            resources.append(resource)
        reporter = data["reporter"]
        return {
            "reporter": {
                "email": reporter["email"].lower(),
                "name": reporter.get("name", ""),
                "organisation": reporter.get("organisation", ""),
            },
            "type": data["type"],
            "resources": resources,
            "description": data.get("description", ""),
            "evidence": data.get("evidence", ""),
        }
