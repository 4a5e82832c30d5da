"""REST for billing under ``/api/v1/billing/`` (docs/architecture.md "billing/").

``POST /api/v1/billing/inquiries/``: a billing question from an integration (the customer
portal, a chat tool), filed like the mail and the web form (``inquiry_file``). Only a token
of the billing role may post: the answer names the ticket. ``GET
/api/v1/billing/customers/{external_id}/ledger/``: a customer's ledger and the verifier's
findings, for ledger readers.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import can_read_customers
from billing import selectors
from billing.inquiries import InquiryIn, inquiry_file
from billing.models import Inquiry, InquiryReason
from customers.models import Customer


class InquiryCreateSerializer(serializers.Serializer):
    sender_email = serializers.EmailField(max_length=254)
    sender_name = serializers.CharField(
        max_length=200, required=False, default="", allow_blank=True
    )
    customer_number = serializers.CharField(
        max_length=64, required=False, default="", allow_blank=True
    )
    invoice_number = serializers.CharField(
        max_length=64, required=False, default="", allow_blank=True
    )
    reason = serializers.ChoiceField(choices=InquiryReason.choices, required=False, default="")
    subject = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)
    body = serializers.CharField(max_length=50_000)


class InquirySerializer(serializers.ModelSerializer):
    customer = serializers.CharField(source="customer.external_id", default=None, allow_null=True)

    class Meta:
        model = Inquiry
        fields = ["id", "ticket", "customer", "channel", "reason", "match", "sender_is_contact",
                  "created_at"]  # fmt: skip
        read_only_fields = fields


class InquiryCreateApi(APIView):
    @extend_schema(request=InquiryCreateSerializer, responses={201: InquirySerializer})
    def post(self, request: Request) -> Response:
        if not selectors.can_adjust(request.user):
            raise PermissionDenied("Only the billing role files billing inquiries.")
        serializer = InquiryCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        inquiry = inquiry_file(
            data=InquiryIn(
                channel=Inquiry.Channel.API, sender_email=data["sender_email"],
                sender_name=data["sender_name"], customer_number=data["customer_number"],
                invoice_number=data["invoice_number"], reason=data["reason"],
                subject=data["subject"], body=data["body"],
            ),
            actor=request.user,
        )  # fmt: skip
        return Response(InquirySerializer(inquiry).data, status=status.HTTP_201_CREATED)


_LEDGER = inline_serializer(
    "CustomerLedger",
    {
        "customer": serializers.CharField(),
        "services": serializers.ListField(child=serializers.DictField()),
        "invoices": serializers.ListField(child=serializers.DictField()),
        "transactions": serializers.ListField(child=serializers.DictField()),
        "credit_balance": serializers.CharField(),
        "findings": serializers.ListField(child=serializers.DictField()),
    },
)


class CustomerLedgerApi(APIView):
    @extend_schema(responses=_LEDGER)
    def get(self, request: Request, external_id: str) -> Response:
        if not (selectors.can_read_ledger(request.user) and can_read_customers(request.user)):
            raise PermissionDenied
        customer = get_object_or_404(Customer, external_id=external_id)
        ledger = selectors.customer_ledger(customer)
        return Response(
            {
                "customer": customer.external_id,
                "services": [
                    {
                        "id": s.remote_id,
                        "product": s.product,
                        "label": s.label,
                        "cycle": s.cycle,
                        "recurring_amount": str(s.recurring_amount),
                        "currency": s.currency,
                        "next_due_on": s.next_due_on,
                        "status": s.status,
                    }
                    for s in ledger.services
                ],
                "invoices": [
                    {
                        "id": i.remote_id,
                        "number": i.number,
                        "issued_on": i.issued_on,
                        "due_on": i.due_on,
                        "total": str(i.total),
                        "status": i.status,
                        "paid_at": i.paid_at,
                    }
                    for i in ledger.invoices
                ],
                "transactions": [
                    {
                        "id": t.remote_id,
                        "invoice": t.invoice_remote_id,
                        "occurred_at": t.occurred_at,
                        "gateway": t.gateway,
                        "amount_in": str(t.amount_in),
                        "amount_out": str(t.amount_out),
                    }
                    for t in ledger.transactions
                ],
                "credit_balance": str(ledger.credit_balance),
                "findings": [
                    {
                        "check": f.check,
                        "key": f.key,
                        "title": f.title,
                        "evidence": list(f.evidence),
                        "amount": str(f.amount),
                        "invoice": f.invoice_remote_id,
                        "transactions": list(f.transaction_remote_ids),
                    }
                    for f in ledger.findings
                ],
            }
        )
