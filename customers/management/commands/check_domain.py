"""``manage.py check_domain DOMAIN [--ip SENDING_IP] [--dkim-selector S]...
[--nameserver HOST[:PORT]] [--json]`` (docs/architecture.md): the deliverability doctor from the
command line. The result is stored as a ``DomainCheck`` like a check from the page.

With ``--json``: ``{"domain", "ip", "findings": [{"check", "severity", "message", "fix"}]}``.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from customers.dns.nameserver import NameserverError, parse_nameserver
from customers.reputation.doctor import domain_check_perform


class Command(BaseCommand):
    help = "Explain why mail from DOMAIN (and SENDING_IP) may be rejected: MX, SPF, DKIM, DMARC, PTR, blocklists."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("domain")
        parser.add_argument("--ip", help="the address mail is sent from")
        parser.add_argument(
            "--dkim-selector", action="append", default=[], dest="selectors",
            help="DKIM selector to check (repeatable); default: common selectors",
        )  # fmt: skip
        parser.add_argument("--nameserver", help="HOST[:PORT] resolving the domain's records")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        nameserver = options["nameserver"]
        if nameserver:
            try:
                nameserver = str(parse_nameserver(nameserver))
            except NameserverError as exc:
                raise CommandError(f"--nameserver: {exc}", returncode=2) from exc
        check, report = domain_check_perform(
            domain=options["domain"],
            ip=options["ip"],
            selectors=[s.strip() for s in options["selectors"] if s.strip()],
            nameserver=nameserver,
        )
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict()))
            return
        self.stdout.write(
            f"{report.domain}"
            + (f" from {report.ip}" if report.ip else "")
            + f" (check #{check.pk})"
        )
        for finding in report.findings:
            self.stdout.write(
                f"  [{finding.severity.value:<7}] {finding.check.value:<9} {finding.message}"
            )
            if finding.fix:
                self.stdout.write(f"{'':21}fix: {finding.fix}")
