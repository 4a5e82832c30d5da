"""``manage.py ingest [--json] PATH...``: file reports from disk through the same pipeline
the workers run, in-process (docs/architecture.md "Stable interfaces")."""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from complaints.intake.filing.pipeline import Outcome, reports_process
from complaints.intake.receiving import Arrival, TooLarge, reports_receive
from complaints.intake.sources import iter_messages
from complaints.models import Receipt, Report


class Command(BaseCommand):
    help = "Ingest .eml files, folders, Maildir, mbox and bare report documents."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", type=Path)
        parser.add_argument("--json", action="store_true", help="one JSON line per message")

    def handle(self, *args: Any, **options: Any) -> None:
        as_json: bool = options["json"]
        progress = sys.stderr.isatty() and not options.get("no_color")
        counts: Counter[str] = Counter()
        started = time.monotonic()
        batch: list[tuple[str, bytes]] = []
        for path in options["paths"]:
            if not path.exists():
                raise CommandError(f"{path}: no such file or directory", returncode=2)
            try:
                for item in iter_messages(path):
                    batch.append(item)
                    if len(batch) >= settings.INGEST_BATCH_SIZE:
                        self._ingest(batch, as_json, counts)
                        batch = []
                        if progress:
                            sys.stderr.write(f"\r{sum(counts.values()):,} messages…")
            except (OSError, ValueError) as exc:
                self.stderr.write(f"{path}: {exc}")
                counts["unreadable"] += 1
        if batch:
            self._ingest(batch, as_json, counts)
        elapsed = time.monotonic() - started
        if progress or not as_json:
            total = sum(counts.values())
            summary = ", ".join(f"{n:,} {status}" for status, n in sorted(counts.items()))
            sys.stderr.write(f"\r{total:,} messages in {elapsed:.1f} s: {summary}\n")

    def _ingest(self, batch: list[tuple[str, bytes]], as_json: bool, counts: Counter[str]) -> None:
        arrivals = []
        answers: list[dict[str, Any]] = []
        for label, raw in batch:
            arrivals.append(
                Arrival(
                    raw=raw, channel=Receipt.Channel.FILE, path=label, filename=Path(label).name
                )
            )
        try:
            received = reports_receive(arrivals, queue=False)
        except TooLarge:
            received = []
            for arrival in arrivals:
                try:
                    received.extend(reports_receive([arrival], queue=False))
                except TooLarge as exc:
                    answers.append({"path": arrival.path, "status": "refused", "reason": str(exc)})
                    received.append(None)  # type: ignore[arg-type]
        new_ids = [r.report_id for r in received if r is not None and r.outcome == "new"]
        outcomes: dict[int, Outcome] = {o.report_id: o for o in reports_process(new_ids)}
        known = {
            r.pk: r
            for r in Report.objects.filter(
                pk__in=[r.report_id for r in received if r is not None]
            ).only("pk", "status", "format", "quarantine_reason")
        }
        for arrival, answer in zip(arrivals, received, strict=True):
            if answer is None:
                continue
            outcome = outcomes.get(answer.report_id)
            report = known.get(answer.report_id)
            line: dict[str, Any] = {
                "path": arrival.path,
                "status": "duplicate"
                if answer.outcome != "new"
                else (outcome.status if outcome else report.status if report else "received"),
                "report_id": answer.report_id,
                "format": (outcome.format if outcome else (report.format if report else ""))
                or None,
                "events": outcome.events if outcome and answer.outcome == "new" else [],
                "ticket_ids": outcome.ticket_ids if outcome and answer.outcome == "new" else [],
                "customers": outcome.customers if outcome and answer.outcome == "new" else [],
            }
            if line["status"] == "quarantined":
                line["reason"] = (
                    outcome.reason if outcome else (report.quarantine_reason if report else "")
                )
            answers.append(line)
        for line in answers:
            counts[line["status"]] += 1
            if as_json:
                self.stdout.write(json.dumps(line))
            else:
                detail = (
                    line.get("reason")
                    or f"{len(line.get('events', []))} events, tickets {line.get('ticket_ids', [])}"
                )
                self.stdout.write(
                    f"{line['status']:<12} {line.get('format') or '-':<13} {line['path']}  ({detail})"
                )
