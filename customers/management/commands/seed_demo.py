"""``manage.py seed_demo``: a believable, idempotent demo data set (DESIGN.md)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.demo import DEMO_PASSWORD, seed_users
from complaints.demo import seed_report_stream, seed_tickets
from customers.demo import seed_registry
from customers.reputation_demo import seed_demo_zone, seed_reputation


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
        stream = seed_report_stream()
        tickets = seed_tickets()
        reputation = seed_reputation()
        seed_demo_zone(settings.BASE_DIR / "var" / "dnsbl")
        self.stdout.write(
            f"Demo desk: {stream['reports']} new reports filed, {tickets['created']} new demo cases, "
            f"reputation {reputation}."
        )
        self.stdout.write(f"Demo logins (password {DEMO_PASSWORD!r}):")
        for username, held in users:
            self.stdout.write(f"  {username:<8} {', '.join(held)}")
