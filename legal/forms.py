"""Forms of the legal desk's pages: they parse and validate input, and nothing else (the
services decide; docs/architecture.md "House rules")."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from django import forms
from django.conf import settings

from legal.models import CLASSIFIED_TYPES, DataCategory, RequestType, ScopeItem, State

_ZONES = sorted(available_timezones())


class RequestForm(forms.Form):
    """A request entered by hand (received by post, fax, portal or mail)."""

    type = forms.ChoiceField(choices=RequestType.choices)
    authority = forms.CharField(
        max_length=200, help_text="Requesting authority, or the data subject"
    )
    jurisdiction = forms.CharField(max_length=2, help_text="ISO country code, e.g. DE, US")
    received_at = forms.DateTimeField(
        required=False, help_text="Blank: now. Times without an offset are UTC."
    )
    time_zone = forms.ChoiceField(choices=[("", "— desk default —")] + [(z, z) for z in _ZONES],
                                  required=False, help_text="Where the request's days are counted")  # fmt: skip
    officer_name = forms.CharField(max_length=200, required=False)
    officer_email = forms.EmailField(required=False)
    officer_phone = forms.CharField(
        max_length=40, required=False, label="Callback contact (as given)"
    )
    case_number = forms.CharField(max_length=120, required=False)
    legal_basis = forms.CharField(max_length=300, required=False)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    data_categories = forms.MultipleChoiceField(
        choices=DataCategory.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    emergency = forms.BooleanField(required=False)
    stated_due = forms.DateField(required=False, label="Return date stated in the document")
    subject_name = forms.CharField(max_length=200, required=False, label="Data subject's name")
    subject_email = forms.EmailField(required=False, label="Data subject's e-mail")
    scope_kind = forms.ChoiceField(
        choices=[("", "—"), *list(ScopeItem.Kind.choices)], required=False
    )
    scope_value = forms.CharField(max_length=253, required=False, label="Identifier")
    scope_from = forms.DateTimeField(required=False, label="From")
    scope_to = forms.DateTimeField(required=False, label="To")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("scope_kind")) != bool(data.get("scope_value")):
            raise forms.ValidationError("A scope item needs both its kind and its identifier.")
        return data

    def stated_due_at(self) -> datetime | None:
        day = self.cleaned_data.get("stated_due")
        if day is None:
            return None
        zone = ZoneInfo(self.cleaned_data.get("time_zone") or settings.LEGAL_TIME_ZONE)
        return datetime.combine(day, time(23, 59, 59, 999999), tzinfo=zone)


class ScopeForm(forms.Form):
    kind = forms.ChoiceField(choices=ScopeItem.Kind.choices)
    value = forms.CharField(max_length=253)
    starts_at = forms.DateTimeField(required=False)
    ends_at = forms.DateTimeField(required=False)
    reason = forms.CharField(max_length=2000)


class TransitionForm(forms.Form):
    to_state = forms.ChoiceField(choices=State.choices)
    reason = forms.CharField(max_length=4000)


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=4000)


class VerifyForm(ReasonForm):
    method = forms.CharField(max_length=300)


class CallbackForm(forms.Form):
    number = forms.CharField(max_length=40)
    source = forms.CharField(max_length=300)
    note = forms.CharField(max_length=4000, required=False)
    harm_description = forms.CharField(widget=forms.Textarea)


class GagForm(ReasonForm):
    order_end = forms.DateField(required=False, help_text="Blank: a 90-day delayed-notice order")
    indefinite = forms.BooleanField(required=False)


class ConvertForm(ReasonForm):
    into = forms.CharField(max_length=20, help_text="The production request, e.g. LR-12")

    def clean_into(self) -> int:
        text = self.cleaned_data["into"].strip().upper().removeprefix("LR-")
        if not text.isdigit():
            raise forms.ValidationError("Name the request as LR-<number>.")
        return int(text)


class PackageForm(forms.Form):
    kind = forms.ChoiceField(choices=[("production", "Production package"),
                                      ("subject_export", "Data subject export")])  # fmt: skip


class ProduceForm(ReasonForm):
    package = forms.IntegerField()
    channel = forms.CharField(max_length=120)
    recipient = forms.CharField(max_length=300)


class NotifyForm(ReasonForm):
    body = forms.CharField(widget=forms.Textarea, max_length=10000)


class ClassifyForm(ReasonForm):
    type = forms.ChoiceField(choices=CLASSIFIED_TYPES)
    emergency = forms.BooleanField(required=False)


class SubjectForm(ReasonForm):
    external_id = forms.CharField(max_length=64)
