"""Serializers of the reports API: the simple submission schema (validated strictly, also
used by the agents' web form) and the read-only views of reports and their outcome.

Validation is strict because a submission is stored as it is validated: unknown fields,
unknown classification types, unparseable resources, implausible times and oversized
values are refused with a 400 naming the field, never stored to be quarantined later.
"""

from __future__ import annotations

from datetime import UTC, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.urls import reverse
from django.utils import timezone
from rest_framework import serializers

from complaints.models import Event, Report
from complaints.parsers.api import MAX_RESOURCES, SCHEMA_ID
from complaints.parsers.base import TAXONOMY_OF_TYPE
from complaints.parsers.util import normalize_domain, normalize_ip, refang

MAX_DESCRIPTION_CHARS = 10_000
MAX_EVIDENCE_CHARS = 100_000
URL_SCHEMES = ("http", "https", "ftp")
RSIT_TYPES = sorted(TAXONOMY_OF_TYPE)


class StrictSerializer(serializers.Serializer):
    """Refuses fields it does not declare (a typo must not silently drop data)."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = sorted(str(key)[:64] for key in set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({key: ["Unknown field."] for key in unknown})
        return super().to_internal_value(data)


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

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        given = [key for key in ("ip", "domain", "url") if key in attrs]
        if len(given) != 1:
            raise serializers.ValidationError("Give exactly one of ip, domain or url.")
        return attrs


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

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        fixed = self.context.get("reporter")
        if fixed is not None:
            attrs["reporter"] = {
                "email": fixed.address,
                "name": fixed.name,
                "organisation": fixed.organisation,
            }
        elif not attrs.get("reporter"):
            raise serializers.ValidationError({"reporter": ["This field is required."]})
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


class ReportAcceptedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.URLField(help_text="The report's detail endpoint: poll it for the outcome")
    status = serializers.ChoiceField(choices=Report.Status.choices)
    duplicate = serializers.BooleanField(
        help_text="True when the same bytes were received before; id is the original's"
    )


class ReportEventSerializer(serializers.ModelSerializer):
    customer: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="external_id", read_only=True, help_text="Customer external id"
    )
    ticket_id = serializers.IntegerField(read_only=True, allow_null=True)
    observed_at = serializers.SerializerMethodField()

    class Meta:
        model = Event
        fields = [
            "ip", "domain", "url", "port", "type", "taxonomy", "observed_at",
            "observed_time_known", "attribution", "customer", "ticket_id",
        ]  # fmt: skip

    def get_observed_at(self, event: Event) -> str:
        return event.observed_at.isoformat()


class ReporterEventSerializer(serializers.ModelSerializer):
    """What a reporter sees of an event: no customer, no attribution, no ticket."""

    class Meta:
        model = Event
        fields = ["ip", "domain", "url", "port", "type", "observed_at", "observed_time_known"]


def report_url(request: Any, report_id: int) -> str:
    """The absolute detail URL (Django's reverse: DRF's would carry ``?format=`` along)."""
    return request.build_absolute_uri(reverse("report-detail", kwargs={"pk": report_id}))


class _ReportBase(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    def get_url(self, report: Report) -> str:
        return report_url(self.context["request"], report.pk)


class ReportListSerializer(_ReportBase):
    class Meta:
        model = Report
        fields = [
            "id", "url", "status", "format", "kind", "received_at", "processed_at",
            "quarantine_reason", "evidence_status", "evidence_reasons", "not_our_network",
            "event_count",
        ]  # fmt: skip


class ReportDetailSerializer(ReportListSerializer):
    events = serializers.SerializerMethodField()
    events_truncated = serializers.SerializerMethodField()
    ticket_ids = serializers.SerializerMethodField()
    reporter: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="address", read_only=True
    )

    class Meta(ReportListSerializer.Meta):
        fields = [
            *ReportListSerializer.Meta.fields,
            "quarantine_detail", "attempts", "reporter", "sender", "subject", "size", "sha256",
            "events", "events_truncated", "ticket_ids",
        ]  # fmt: skip

    def get_events(self, report: Report) -> list[dict]:
        return list(ReportEventSerializer(self.context["events"], many=True).data)

    def get_events_truncated(self, report: Report) -> bool:
        return len(self.context["events"]) < report.event_count

    def get_ticket_ids(self, report: Report) -> list[int]:
        return self.context["ticket_ids"]


class ReporterReportSerializer(_ReportBase):
    """A reporter's view of its own report: its processing outcome, not our customers."""

    class Meta:
        model = Report
        fields = [
            "id", "url", "status", "format", "received_at", "processed_at", "quarantine_reason",
            "evidence_status", "evidence_reasons", "event_count",
        ]  # fmt: skip


class ReporterReportDetailSerializer(ReporterReportSerializer):
    events = serializers.SerializerMethodField()

    class Meta(ReporterReportSerializer.Meta):
        fields = [*ReporterReportSerializer.Meta.fields, "events"]

    def get_events(self, report: Report) -> list[dict]:
        return list(ReporterEventSerializer(self.context["events"], many=True).data)
