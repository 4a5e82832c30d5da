"""Serializers of the reports API: the read-only views of reports and their outcome. The
simple submission schema they accept is the intake's (``complaints.intake.schema``), shared
with the agents' web form.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from rest_framework import serializers

from complaints.classification import type_label
from complaints.models import Event, Report


class TypeLabelField(serializers.CharField):
    """The classification's human-readable name (``complaints.classification``), beside
    the ``type`` code: the same name the pages show."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("source", "type")
        kwargs.setdefault("read_only", True)
        kwargs.setdefault("help_text", "The classification's name, as the desk's pages show it")
        super().__init__(**kwargs)

    def to_representation(self, value: str) -> str:
        return type_label(value) if value else ""


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
    type_label = TypeLabelField()

    class Meta:
        model = Event
        fields = [
            "ip", "domain", "url", "port", "type", "type_label", "taxonomy", "rule", "observed_at",
            "observed_time_known", "attribution", "customer", "ticket_id",
        ]  # fmt: skip

    def get_observed_at(self, event: Event) -> str:
        return event.observed_at.isoformat()


class ReporterEventSerializer(serializers.ModelSerializer):
    """What a reporter sees of an event: no customer, no attribution, no ticket."""

    type_label = TypeLabelField()

    class Meta:
        model = Event
        fields = [
            "ip", "domain", "url", "port", "type", "type_label", "observed_at",
            "observed_time_known",
        ]  # fmt: skip


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
        slug_field="address", read_only=True, allow_null=True
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
