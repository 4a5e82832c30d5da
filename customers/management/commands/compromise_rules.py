"""``manage.py compromise_rules [--apply] [--json]``: what the compromise-detection rules
would mark now (dry run, the default), or mark it (``--apply``)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from customers.reputation.compromise import compromise_candidates, compromise_rules_apply


class Command(BaseCommand):
    help = "Dry-run (default) or apply the compromise-detection rules."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--apply", action="store_true", help="mark services, raise tickets")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        candidates = compromise_candidates()
        marked = (
            {(m.service_id, m.rule_id) for m in compromise_rules_apply()}
            if options["apply"]
            else set()
        )
        for c in candidates:
            line = {
                "rule": c.rule_name,
                "resource": c.resource,
                "score": c.score,
                "service": c.service_id,
                "customer": c.customer_id,
                "already_marked": c.already_marked,
                "marked": (c.service_id, c.rule_id) in marked,
                "evidence": c.evidence,
            }
            if options["json"]:
                self.stdout.write(json.dumps(line))
            else:
                verdict = (
                    "marked"
                    if line["marked"]
                    else (
                        "already marked"
                        if c.already_marked
                        else ("no service" if c.service_id is None else "would mark")
                    )
                )
                self.stdout.write(
                    f"{c.rule_name}: {c.resource} score {c.score} service {c.service_id} -> {verdict}"
                )
        if not options["json"]:
            self.stdout.write(
                f"{len(candidates)} candidate(s){'; ' + str(len(marked)) + ' marked' if options['apply'] else ' (dry run)'}."
            )
