"""REST representations of customers and allocations."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from customers.fields import parse_network
from customers.models import Customer, IPAllocation, Service


class ServiceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Service
        fields = ["id", "kind", "label", "status"]


class CustomerSerializer(serializers.ModelSerializer):
    services = ServiceSerializer(many=True, read_only=True)

    class Meta:
        model = Customer
        fields = [
            "id", "external_id", "name", "abuse_email", "billing_email", "country",
            "status", "protected", "services", "created_at",
        ]  # fmt: skip


class AllocationSerializer(serializers.ModelSerializer):
    network = serializers.CharField(max_length=64)
    customer = serializers.SlugRelatedField(
        slug_field="external_id", queryset=Customer.objects.all()
    )
    service = serializers.PrimaryKeyRelatedField(
        queryset=Service.objects.all(), allow_null=True, required=False
    )

    class Meta:
        model = IPAllocation
        fields = [
            "id",
            "network",
            "customer",
            "service",
            "valid_from",
            "valid_to",
            "shared",
            "note",
        ]

    def validate_network(self, value: str) -> str:
        from django.core.exceptions import ValidationError

        try:
            return str(parse_network(value))
        except ValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc

    def to_representation(self, instance: IPAllocation) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["network"] = str(instance.network)
        return data
