"""The billing question form: the customer's (public, on the site) and the staff's (a call
or a letter taken down). Both file through ``billing.inquiries.inquiry_file``."""

from __future__ import annotations

from django import forms

from billing.models import InquiryReason

MAX_MESSAGE = 10_000


class InquiryForm(forms.Form):
    customer_number = forms.CharField(
        max_length=64, help_text="On every invoice, and in your client area (for example C100007)"
    )
    invoice_number = forms.CharField(max_length=64, required=False)
    email = forms.EmailField(max_length=254, help_text="We answer at the contact of your account")
    name = forms.CharField(max_length=200, required=False)
    reason = forms.ChoiceField(choices=InquiryReason.choices)
    subject = forms.CharField(max_length=200, required=False)
    message = forms.CharField(widget=forms.Textarea(attrs={"rows": 8}), max_length=MAX_MESSAGE)
    # A field people do not see: a form filled in by a robot fills it in too.
    website = forms.CharField(required=False, widget=forms.HiddenInput)


class StaffInquiryForm(InquiryForm):
    customer_number = forms.CharField(max_length=64, required=False)
    email = forms.EmailField(max_length=254, required=False)
