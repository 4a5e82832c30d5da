"""``manage.py seed_demo``: a believable, idempotent demo data set (docs/architecture.md)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.demo import DEMO_PASSWORD, seed_users
from billing.demo import seed_billing
from campaigns.demo import seed_campaigns
from complaints.demo import seed_report_stream, seed_tickets
from customers.demo import seed_registry
from customers.reputation.demo import seed_demo_zone, seed_reputation
from leads.demo import seed_lead_history
from legal.demo import seed_legal
from retention.demo import seed_retention


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
        legal = seed_legal()  # the legal desk, for leo (and lex, the second approver)
        campaigns = seed_campaigns()
        billing = seed_billing()  # the ledger and inquiries, for bill
        retention = seed_retention()  # cancellations and ratings, for the leads' figures
        history = seed_lead_history()  # last: it runs the dashboards' rollups over all of it
        seed_demo_zone(settings.BASE_DIR / "var" / "dnsbl")
        self.stdout.write(
            f"Demo desk: {stream['reports']} new reports filed, {tickets['created']} new demo cases, "
            f"reputation {reputation}, {history['tickets']} cases of dashboard history."
        )
        self.stdout.write(
            f"Demo campaign: {campaigns['reports']} daily feed reports filed, "
            f"{campaigns['notices']} customers in the campaign."
        )
        self.stdout.write(
            f"Demo legal desk: {legal['requests']} requests ({legal['created']} new), for leo."
        )
        self.stdout.write(
            f"Demo billing: {billing['source']} synced ({billing['sync']}), {billing['inquiries']} "
            f"new inquiries; {retention['cancellations']} new cancellations, "
            f"{retention['ratings']} new ratings. Customer {billing['customer']} was charged twice."
        )
        self.stdout.write(
            f"Demo cancellation page for {retention['customer']}: {retention['cancel_link']}"
        )
        self.stdout.write(f"Demo logins (password {DEMO_PASSWORD!r}):")
        for username, held in users:
            self.stdout.write(f"  {username:<8} {', '.join(held)}")
