from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Billing"

    def ready(self) -> None:
        # Apps that take some of the billing mailbox's mail (retention: requests to cancel)
        # register a router in their ``billing_routes`` module; billing imports none of them.
        autodiscover_modules("billing_routes")
