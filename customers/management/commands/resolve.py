"""``manage.py resolve IP [--at ISO8601]``: who held an address at a moment (docs/architecture.md)."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from customers.models import IPAllocation
from customers.resolution import holding_at
from customers.services import ip_text, parse_moment


class Command(BaseCommand):
    help = "Print as JSON the customer, service and allocation holding IP at a time (default now)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("ip")
        parser.add_argument("--at", help="ISO 8601 time; without an offset it is UTC")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            ip = ip_text(options["ip"])
        except ValidationError as exc:
            raise CommandError(exc.messages[0], returncode=2) from exc
        try:
            at = parse_moment(options["at"]) if options["at"] else timezone.now()
        except ValueError as exc:
            raise CommandError(f"--at: {exc}", returncode=2) from exc
        holding = holding_at(ip, at)
        answer: dict[str, Any] = {
            "ip": ip,
            "at": at.isoformat(),
            "customer": None,
            "service": None,
            "allocation": None,
        }
        if holding is not None:
            allocation = IPAllocation.objects.select_related("service").get(
                pk=holding.allocation_id
            )
            answer.update(
                customer=holding.customer_external_id,
                service=allocation.service.label if allocation.service else None,
                allocation=holding.network,
            )
        self.stdout.write(json.dumps(answer))
