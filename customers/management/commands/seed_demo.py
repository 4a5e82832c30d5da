"""``manage.py seed_demo``: a believable, idempotent demo data set (DESIGN.md)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.demo import DEMO_PASSWORD, seed_users
from customers.demo import seed_registry


class Command(BaseCommand):
    help = (
        "Create demo users (one per role), networks, customers, services, domains and allocations."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo creates users with a known password; run it with DEBUG on only"
            )
        users = seed_users()
        registry = seed_registry()
        self.stdout.write(
            f"Demo registry: {registry['customers']} customers, {registry['allocations']} allocations "
            f"({registry['allocations_created']} new)."
        )
        self.stdout.write(f"Demo logins (password {DEMO_PASSWORD!r}):")
        for username, held in users:
            self.stdout.write(f"  {username:<8} {', '.join(held)}")
