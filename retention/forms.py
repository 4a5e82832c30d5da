"""The customer's cancellation form and the survey's one question."""

from __future__ import annotations

from django import forms

from retention.models import Cancellation, CancelReason

KEEP = "cancel"  # the offer choice that means: no offer, cancel


class CancelForm(forms.Form):
    service = forms.ChoiceField(label="Service")
    type = forms.ChoiceField(
        label="When", choices=Cancellation.Type.choices, initial=Cancellation.Type.END_OF_PERIOD,
        widget=forms.RadioSelect,
    )  # fmt: skip
    reason = forms.ChoiceField(label="Why are you leaving?", choices=CancelReason.choices)
    comment = forms.CharField(
        label="Anything you want to tell us (optional)", required=False, max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )  # fmt: skip
    offer = forms.ChoiceField(label="Before you go", widget=forms.RadioSelect, initial=KEEP)

    def __init__(self, *args, services=(), offers=(), **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["service"].choices = [
            (str(s.pk), f"{s.product} {s.label}".strip() + (f" (due {s.next_due_on})" if s.next_due_on else ""))
            for s in services
        ]  # fmt: skip
        self.fields["offer"].choices = [(KEEP, "No thanks: cancel")] + [
            (o.code, f"Instead, I take: {o.title} — {o.description}") for o in offers
        ]


class StaffCancelForm(CancelForm):
    """Staff record what the customer asked for: no offers on this form."""

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        del self.fields["offer"]


class SurveyForm(forms.Form):
    rating = forms.TypedChoiceField(
        label="How satisfied are you?", coerce=int, widget=forms.RadioSelect,
        choices=[(5, "5 — very satisfied"), (4, "4"), (3, "3"), (2, "2"), (1, "1 — not at all")],
    )  # fmt: skip
    comment = forms.CharField(
        label="What could we have done better? (optional)", required=False, max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip
