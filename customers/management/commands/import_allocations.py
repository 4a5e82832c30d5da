"""``manage.py import_allocations FILE.csv``: load holdings, all or nothing (docs/architecture.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from customers.services import ImportRejected, allocations_import


class Command(BaseCommand):
    help = (
        "Import IP allocations from CSV with columns network, customer_external_id, "
        "customer_name, service, valid_from, valid_to (optional: shared). Every bad row is "
        "listed with its line number and nothing is imported unless the whole file is valid."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"{path}: {exc}", returncode=2) from exc
        try:
            result = allocations_import(text=text)
        except ImportRejected as exc:
            for error in exc.result.errors:
                self.stderr.write(f"{path}:{error.line}: {error.message}")
            raise CommandError(
                f"{len(exc.result.errors)} problem(s); nothing was imported", returncode=1
            ) from exc
        self.stdout.write(
            f"{result.created} created, {result.updated} updated, {result.unchanged} unchanged; "
            f"{result.customers_created} new customers, {result.services_created} new services"
        )
