"""``manage.py billing_sync [--source NAME]... [--client ID] [--json]``: sync billing sources
into the ledger mirror now, in this process (what beat's ``billing.source_sync`` does)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from billing.connector.base import ConnectorError
from billing.models import BillingSource
from billing.sync import source_sync


class Command(BaseCommand):
    help = "Sync billing sources into the desk's read-only ledger tables."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--source", action="append", default=[], help="source name")
        parser.add_argument("--client", default=None, help="only this client id")
        parser.add_argument("--json", action="store_true", help="one JSON line per source")

    def handle(self, *args: Any, **options: Any) -> None:
        sources = BillingSource.objects.filter(enabled=True)
        if options["source"]:
            sources = BillingSource.objects.filter(name__in=options["source"])
            missing = set(options["source"]) - set(sources.values_list("name", flat=True))
            if missing:
                raise CommandError(f"no billing source named {', '.join(sorted(missing))}")
        failed = False
        for source in sources.order_by("name"):
            try:
                outcome = source_sync(source_id=source.pk, client_id=options["client"])
                line = {"source": source.name, "status": outcome.status,
                        "counts": dict(outcome.counts), "error": outcome.error}  # fmt: skip
            except ConnectorError as exc:
                line = {
                    "source": source.name,
                    "status": "failed",
                    "counts": {},
                    "error": exc.reason,
                }
            failed = failed or line["status"] == "failed"
            if options["json"]:
                self.stdout.write(json.dumps(line, sort_keys=True))
            else:
                self.stdout.write(
                    f"{source.name}: {line['status']} {line['counts']} {line['error']}"
                )
        if failed:
            raise CommandError("a source failed to sync")
