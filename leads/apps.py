from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class LeadsConfig(AppConfig):
    name = "leads"
    verbose_name = "Team leads' dashboards"

    def ready(self) -> None:
        # Every installed app may contribute dashboard panels in a ``leads_panels`` module
        # (the way Django's admin finds ``admin.py``): docs/architecture.md, "leads/".
        autodiscover_modules("leads_panels")
