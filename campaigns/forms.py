"""Forms of the campaign pages. They validate input only; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms

from campaigns.feeds import family_names
from campaigns.models import Campaign
from campaigns.services import EDITABLE_FIELDS, MEASUREMENT_FIELDS
from complaints.models import GuidanceArticle, PolicyRule
from customers.fields import parse_network
from customers.models import Customer

DEFAULT_FIX_STEPS = """1. Find the service on each host listed above.
2. Update it to a fixed version, or stop it from answering on the Internet (a firewall
   rule allowing only the addresses that need it).
3. Check that the port no longer answers from outside your network."""


class CampaignForm(forms.ModelForm):
    feed_family = forms.ChoiceField(label="Shadowserver report type")

    class Meta:
        model = Campaign
        fields = list(EDITABLE_FIELDS)
        widgets = {
            "body_template": forms.Textarea(attrs={"rows": 18}),
            "fix_steps": forms.Textarea(attrs={"rows": 6}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields
        fields["feed_family"].choices = [(f, f) for f in family_names()]
        fields["guidance"].queryset = GuidanceArticle.objects.order_by("title")
        fields["escalation_rule"].queryset = PolicyRule.objects.filter(enabled=True)
        if self.instance.pk and self.instance.status != Campaign.Status.DRAFT:
            for name in MEASUREMENT_FIELDS:
                self.fields[name].disabled = True
                self.fields[name].help_text = "fixed at launch"


class RecheckForm(forms.Form):
    fixed = forms.TypedChoiceField(
        choices=[("1", "Fixed"), ("0", "Still vulnerable")], coerce=lambda v: v == "1"
    )
    note = forms.CharField(max_length=400, required=False)


class SuppressionForm(forms.Form):
    network = forms.CharField(
        max_length=50, required=False, help_text="a CIDR, e.g. 203.0.113.0/24"
    )
    customer = forms.CharField(
        max_length=64, required=False, help_text="or a customer's external id"
    )
    campaign = forms.ModelChoiceField(
        queryset=Campaign.objects.exclude(status=Campaign.Status.STOPPED),
        required=False,
        empty_label="every campaign",
    )
    reason = forms.CharField(max_length=200)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        network, external_id = data.get("network", "").strip(), data.get("customer", "").strip()
        if bool(network) == bool(external_id):
            raise forms.ValidationError("Give either a network or a customer.")
        if network:
            data["network"] = parse_network(network)
            data["customer_id"] = None
        else:
            customer = Customer.objects.filter(external_id=external_id).first()
            if customer is None:
                raise forms.ValidationError("No customer has that external id.")
            data["network"] = None
            data["customer_id"] = customer.pk
        return data


class AcknowledgeForm(forms.Form):
    text = forms.CharField(max_length=5000, required=False, widget=forms.Textarea)
