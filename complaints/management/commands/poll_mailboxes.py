"""``manage.py poll_mailboxes [--mailbox NAME] [--queue] [--json]``: poll IMAP mailboxes now,
in this process, with the same ``mailbox_poll`` the workers run.

By default the new reports are also processed here (as ``ingest`` does), so an operator or
the demo sees them filed without a worker; ``--queue`` hands processing to the workers
instead. A named mailbox is polled even when disabled (an operator testing its settings).
Exits 1 when a poll failed; the reason is printed and recorded on the mailbox.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from complaints.intake.filing.pipeline import reports_process
from complaints.intake.imap import mailbox_poll
from complaints.intake.mailboxes import mailbox_ids_enabled
from complaints.models import Mailbox


class Command(BaseCommand):
    help = "Poll the enabled IMAP mailboxes (or one by name) now, in-process."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--mailbox", metavar="NAME", help="poll only this mailbox")
        parser.add_argument("--queue", action="store_true", help="queue processing for the workers")
        parser.add_argument("--json", action="store_true", help="one JSON line per mailbox")

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["mailbox"]
        if name:
            mailbox = Mailbox.objects.filter(name=name).first()
            if mailbox is None:
                raise CommandError(f"no mailbox named {name!r}", returncode=2)
            ids = [mailbox.pk]
        else:
            ids = mailbox_ids_enabled()
        names = dict(Mailbox.objects.filter(pk__in=ids).values_list("pk", "name"))
        failed = 0
        for mailbox_id in ids:
            result = mailbox_poll(mailbox_id, queue=options["queue"], include_disabled=bool(name))
            filed = quarantined = 0
            if not options["queue"] and result.new_report_ids:
                outcomes = reports_process(result.new_report_ids)
                filed = sum(1 for o in outcomes if o.status == "filed")
                quarantined = sum(1 for o in outcomes if o.status == "quarantined")
            if result.status not in ("ok", "disabled"):
                failed += 1
            if options["json"]:
                line = {"mailbox": names.get(mailbox_id, ""), **result.as_dict()}
                if not options["queue"]:
                    line.update(filed=filed, quarantined=quarantined)
                self.stdout.write(json.dumps(line))
                continue
            summary = (
                f"{names.get(mailbox_id, mailbox_id)}: {result.status}, "
                f"{result.fetched} fetched, {result.new} new, {result.duplicates} duplicate, "
                f"{result.refetched} seen before, {result.too_large} too large"
            )
            if not options["queue"]:
                summary += f"; {filed} filed, {quarantined} quarantined"
            if result.error:
                summary += f" — {result.error}"
            if result.more:
                summary += " (more left for the next poll)"
            self.stdout.write(summary)
        if failed:
            raise CommandError(f"{failed} of {len(ids)} mailbox polls failed", returncode=1)
