"""``manage.py dnsbl_sweep [--zone Z]... [--nameserver HOST[:PORT]] [--json]`` (docs/architecture.md).

Sweeps every allocated range (and known IPv6 hosts and hosted domains) in-process against
the enabled zones, or the zones named; records listings and listing tickets exactly as
the periodic sweep does. With ``--json``: one line per zone ``{"zone", "healthy",
"reason"}``, then one per listing found ``{"ip", "zone", "code", "state"}`` (domain
listings carry ``"domain"`` and ``"ip": null``; ``codes`` holds every code returned).
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from customers.dns.nameserver import NameserverError, parse_nameserver
from customers.reputation import targets
from customers.reputation.listings import Change
from customers.reputation.sweep import sweep_resources
from customers.reputation.zones import zones_for_sweep


class Command(BaseCommand):
    help = "Sweep the allocated address space against DNS blocklists and record listings."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--zone",
            action="append",
            default=[],
            help="zone to ask (repeatable); default: enabled zones",
        )
        parser.add_argument(
            "--nameserver", help="HOST[:PORT] to ask instead of the configured ones"
        )
        parser.add_argument("--json", action="store_true", help="one JSON object per line")

    def handle(self, *args: Any, **options: Any) -> None:
        nameserver = options["nameserver"]
        if nameserver:
            try:
                nameserver = str(parse_nameserver(nameserver))
            except NameserverError as exc:
                raise CommandError(f"--nameserver: {exc}", returncode=2) from exc
        zones = zones_for_sweep(options["zone"], nameserver=nameserver)
        if not zones:
            raise CommandError(
                "no blocklist zone is enabled and configured; name one with --zone", returncode=2
            )
        report = sweep_resources(targets.all_resources(), zones)
        found = [c for c in report.outcome.changes if c.state != "delisted"]
        if options["json"]:
            for zone in zones:
                health = report.zones.get(zone.name)
                self.stdout.write(
                    json.dumps(
                        {
                            "zone": zone.name,
                            "healthy": bool(health and health.healthy),
                            "reason": (health.reason if health else "not-asked")
                            if not health or health.healthy
                            else f"{health.reason}: {health.detail}".rstrip(": "),
                        }
                    )
                )
            for change in sorted(found, key=lambda c: (c.zone, c.resource)):
                self.stdout.write(json.dumps(_listing_line(change)))
            return
        for zone in zones:
            health = report.zones.get(zone.name)
            state = (
                "ok"
                if health and health.healthy
                else f"UNHEALTHY ({health.reason if health else '?'})"
            )
            self.stdout.write(f"{zone.name}: {state}")
        for change in found:
            self.stdout.write(
                f"  {change.resource} on {change.zone}: {', '.join(change.codes)} [{change.state}]"
            )
        delisted = report.outcome.count("delisted")
        failed = sum(report.failures.values())
        self.stdout.write(
            f"{report.queries} queries in {report.elapsed_s:.1f} s; {len(found)} listed, "
            f"{report.outcome.count('new')} new, {delisted} delisted, {failed} checks failed."
        )


def _listing_line(change: Change) -> dict[str, object]:
    is_ip = ":" in change.resource or change.resource.replace(".", "").isdigit()
    line: dict[str, object] = {
        "ip": change.resource if is_ip else None,
        "zone": change.zone,
        "code": change.codes[0] if change.codes else None,
        "state": change.state,
        "codes": list(change.codes),
    }
    if not is_ip:
        line["domain"] = change.resource
    return line
