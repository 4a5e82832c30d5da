"""Forms of the reputation pages: input validation only; the services do the work."""

from __future__ import annotations

import ipaddress
import re

from django import forms

from customers.dns.nameserver import NameserverError, parse_nameserver
from customers.reputation.models import BlocklistZone, DelistingRequest

_SELECTOR = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9_-]{0,62})(\.[A-Za-z0-9_-]{1,63})*$")
_DOMAIN = re.compile(
    r"^(?=.{1,253}$)([A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)


class DoctorForm(forms.Form):
    domain = forms.CharField(max_length=253, help_text="The domain in the sender's address")
    ip = forms.CharField(
        max_length=45,
        required=False,
        label="Sending IP",
        help_text="Optional: where mail leaves from",
    )
    selectors = forms.CharField(
        max_length=300,
        required=False,
        label="DKIM selectors",
        help_text="Optional, separated by spaces or commas; default: common selectors",
    )

    def clean_domain(self) -> str:
        value = self.cleaned_data["domain"].strip().rstrip(".").lower()
        if "@" in value:
            value = value.rsplit("@", 1)[1]
        try:
            value = value.encode("idna").decode("ascii")
        except UnicodeError:
            raise forms.ValidationError("Not a domain name.") from None
        if not _DOMAIN.match(value):
            raise forms.ValidationError("Not a domain name, e.g. example.com.")
        return value

    def clean_ip(self) -> str | None:
        value = self.cleaned_data["ip"].strip()
        if not value:
            return None
        try:
            return str(ipaddress.ip_address(value))
        except ValueError:
            raise forms.ValidationError("Not an IP address.") from None

    def clean_selectors(self) -> list[str]:
        items = [s for s in re.split(r"[\s,]+", self.cleaned_data["selectors"]) if s]
        if len(items) > 10:
            raise forms.ValidationError("At most 10 selectors.")
        bad = [s for s in items if not _SELECTOR.match(s)]
        if bad:
            raise forms.ValidationError(f"Not a DKIM selector: {bad[0]}")
        return items


class DelistingCreateForm(forms.Form):
    provider = forms.ChoiceField(choices=DelistingRequest.Provider.choices)
    resource = forms.CharField(max_length=253, required=False, help_text="IP, range or domain")
    reference = forms.CharField(max_length=200, required=False)
    status = forms.ChoiceField(
        choices=[
            (DelistingRequest.Status.OPEN, "Open (to be sent)"),
            (DelistingRequest.Status.SUBMITTED, "Submitted"),
        ],
        initial=DelistingRequest.Status.SUBMITTED,
    )
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=5000
    )


class DelistingUpdateForm(forms.Form):
    status = forms.ChoiceField(choices=DelistingRequest.Status.choices)
    reference = forms.CharField(max_length=200, required=False)
    outcome = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=5000
    )
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=5000,
        label="Follow-up note",
    )
    next_reminder_at = forms.DateTimeField(required=False, label="Next reminder (UTC)")


class ZoneForm(forms.ModelForm):
    class Meta:
        model = BlocklistZone
        fields = [
            "enabled",
            "query_suffix",
            "nameserver",
            "rate_per_second",
            "test_listed",
            "test_unlisted",
            "delisting_url",
            "delisting_instructions",
            "description",
        ]
        widgets = {
            "delisting_instructions": forms.Textarea(attrs={"rows": 4}),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def clean_nameserver(self) -> str:
        value = self.cleaned_data["nameserver"].strip()
        if not value:
            return ""
        try:
            return str(parse_nameserver(value))
        except NameserverError as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean_query_suffix(self) -> str:
        value = self.cleaned_data["query_suffix"].strip().rstrip(".").lower()
        if value and not _DOMAIN.match(value):
            raise forms.ValidationError("Not a DNS name.")
        return value

    def clean(self) -> dict:  # type: ignore[type-arg]
        data = super().clean() or {}
        if data.get("enabled") and not data.get("query_suffix"):
            raise forms.ValidationError("An enabled zone needs a query suffix.")
        return data
