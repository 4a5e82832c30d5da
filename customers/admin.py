"""The registry in the admin, for desk admins: networks, customers, services, domains and
allocations. Model validation (constraints included) runs on every save, so an overlapping
holding is refused here as it is by import and API."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from accounts.admin_access import DeskAdminOnly
from customers.legal_holds import customer_preserved
from customers.models import Customer, Domain, IPAllocation, Network, Service


@admin.register(Network)
class NetworkAdmin(DeskAdminOnly):
    list_display = ["prefix", "description", "asn"]
    search_fields = ["description"]


class ServiceInline(admin.TabularInline):
    model = Service
    extra = 0
    fields = ["label", "kind", "status"]


@admin.register(Customer)
class CustomerAdmin(DeskAdminOnly):
    list_display = ["name", "external_id", "status", "protected", "abuse_email"]
    list_filter = ["status", "protected", "country"]
    search_fields = ["name", "external_id", "abuse_email", "billing_email"]
    inlines = [ServiceInline]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A legal hold preserving the customer blocks its deletion (customers.legal_holds).
        if obj is not None and customer_preserved(obj.pk):
            return False
        return super().has_delete_permission(request, obj)


@admin.register(Service)
class ServiceAdmin(DeskAdminOnly):
    list_display = ["label", "customer", "kind", "status"]
    list_filter = ["kind", "status"]
    search_fields = ["label", "customer__name", "customer__external_id"]
    raw_id_fields = ["customer"]


@admin.register(Domain)
class DomainAdmin(DeskAdminOnly):
    list_display = ["name", "customer", "service", "valid_from", "valid_to"]
    search_fields = ["name", "customer__name", "customer__external_id"]
    raw_id_fields = ["customer", "service"]
    exclude = ["validity"]


@admin.register(IPAllocation)
class IPAllocationAdmin(DeskAdminOnly):
    list_display = ["network", "customer", "service", "valid_from", "valid_to", "shared"]
    list_filter = ["shared"]
    search_fields = ["customer__name", "customer__external_id", "note"]
    raw_id_fields = ["customer", "service"]
    exclude = ["validity"]
