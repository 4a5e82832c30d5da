"""The agents' "New complaint" form: a pasted raw message, or a complaint taken down by
hand (phoned in) in the desk's simple schema.

The structured fields are validated by the API's ``SimpleReportSerializer``, so the form
and ``POST /api/v1/reports/`` accept exactly the same submissions and store them the same
way (canonical JSON, parsed by the "api" parser). The form only turns its text boxes into
that schema: one resource a line, ``RESOURCE[, OBSERVED_AT[, PORT]]``.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings

from complaints.classification import type_choices
from complaints.intake.schema import (
    MAX_DESCRIPTION_CHARS,
    MAX_EVIDENCE_CHARS,
    SimpleReportSerializer,
)
from complaints.parsers.api import MAX_RESOURCES
from complaints.parsers.util import normalize_ip, refang


def resource_from_line(line: str) -> dict[str, Any]:
    """``192.0.2.7, 2024-05-01T10:00Z, 22`` -> ``{"ip": ..., "observed_at": ..., "port": 22}``.

    The resource is an IP address when it reads as one, a URL when it has a scheme, else a
    domain; the serializer then says whether it really is one."""
    fields = [field.strip() for field in line.split(",")]
    resource_text = fields[0]
    item: dict[str, Any]
    if normalize_ip(resource_text):
        item = {"ip": resource_text}
    elif "://" in refang(resource_text):
        item = {"url": resource_text}
    else:
        item = {"domain": resource_text}
    if len(fields) > 1 and fields[1]:
        item["observed_at"] = fields[1]
    if len(fields) > 2 and fields[2]:
        item["port"] = fields[2]
    if len(fields) > 3:
        item["unexpected"] = ",".join(fields[3:])  # refused by the serializer, with the line
    return item


def _flatten(errors: Any) -> list[str]:
    if isinstance(errors, dict):
        return [f"{key}: {msg}" for key, value in errors.items() for msg in _flatten(value)]
    if isinstance(errors, list):
        return [msg for value in errors for msg in _flatten(value)]
    return [str(errors)]


def _per_item(errors: Any) -> dict[int, Any]:
    """DRF reports a list's item errors as a list (``{}`` for good items) or as a dict by
    index, depending on the version: both become {index: errors}."""
    if isinstance(errors, dict):
        return {int(k): v for k, v in errors.items() if str(k).isdigit()}
    if isinstance(errors, list) and any(isinstance(e, dict) for e in errors):
        return {i: e for i, e in enumerate(errors) if e}
    return {}


class NewComplaintForm(forms.Form):
    raw_message = forms.CharField(
        required=False,
        strip=False,  # the bytes as pasted
        widget=forms.Textarea(attrs={"rows": 12, "spellcheck": "false"}),
        label="Raw message",
        help_text="Paste a whole message with its headers; leave the fields below empty.",
    )
    reporter_email = forms.CharField(required=False, max_length=320, label="Reporter e-mail")
    reporter_name = forms.CharField(required=False, max_length=200, label="Reporter name")
    organisation = forms.CharField(required=False, max_length=200)
    type = forms.ChoiceField(
        required=False,
        choices=[("", "— classification —"), *type_choices()],
        label="Classification",
    )
    resources = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
        help_text="One a line: IP, domain or URL, optionally followed by "
        "“, observed time (ISO 8601, UTC if no offset)” and “, port”.",
    )
    description = forms.CharField(
        required=False, max_length=MAX_DESCRIPTION_CHARS, widget=forms.Textarea(attrs={"rows": 4})
    )
    evidence = forms.CharField(
        required=False,
        max_length=MAX_EVIDENCE_CHARS,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
        help_text="Log lines or message headers that show the abuse.",
    )

    STRUCTURED = ("reporter_email", "reporter_name", "organisation", "type", "resources",
                  "description", "evidence")  # fmt: skip

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        raw = data.get("raw_message", "")
        structured = any(str(data.get(name) or "").strip() for name in self.STRUCTURED)
        if raw.strip():
            if structured:
                raise forms.ValidationError(
                    "Either paste a raw message or fill in the fields, not both."
                )
            raw_bytes = raw.encode("utf-8")
            if len(raw_bytes) > settings.REPORT_MAX_BYTES:
                self.add_error("raw_message", "The message is larger than the limit.")
            data["raw_bytes"] = raw_bytes
            return data
        if not structured:
            raise forms.ValidationError("Paste a raw message or fill in the complaint.")
        self._validate_structured(data)
        return data

    def _validate_structured(self, data: dict[str, Any]) -> None:
        lines = [line for line in data.get("resources", "").splitlines() if line.strip()]
        if len(lines) > MAX_RESOURCES:
            self.add_error("resources", f"At most {MAX_RESOURCES} resources.")
        if not lines:
            self.add_error("resources", "Give at least one IP address, domain or URL.")
        if not data.get("type"):
            self.add_error("type", "Choose a classification.")
        if not data.get("reporter_email", "").strip():
            self.add_error("reporter_email", "Give the reporter's e-mail address.")
        if self.errors:
            return
        body = {
            "reporter": {
                "email": data.get("reporter_email", "").strip(),
                "name": data.get("reporter_name", ""),
                "organisation": data.get("organisation", ""),
            },
            "type": data.get("type", ""),
            "resources": [resource_from_line(line) for line in lines],
            "description": data.get("description", ""),
            "evidence": data.get("evidence", ""),
        }
        serializer = SimpleReportSerializer(data=body, context={"reporter": None})
        if serializer.is_valid():
            data["document"] = serializer.canonical_document()
            return
        fields = {"reporter": "reporter_email", "type": "type", "resources": "resources",
                  "description": "description", "evidence": "evidence"}  # fmt: skip
        for key, errors in serializer.errors.items():
            per_line = _per_item(errors) if key == "resources" else {}
            if per_line:
                for index, line_errors in sorted(per_line.items()):
                    line = lines[index] if index < len(lines) else ""
                    for message in _flatten(line_errors):
                        self.add_error("resources", f"Line {index + 1} ({line[:80]}): {message}")
                continue
            target = fields.get(key)
            for message in _flatten(errors):
                self.add_error(target, message)
