"""``manage.py reporter_token EMAIL``: issue an API token to a reporter (created if new).

The key is printed once; only its hash is stored, so a lost key is replaced, not recovered.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import validate_email

from complaints.intake.reporter_tokens import reporter_ensure, reporter_token_issue


class Command(BaseCommand):
    help = "Issue a REST API token to a reporter (created when new); prints the key once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email", help="The reporter's e-mail address")
        parser.add_argument("--name", default="", help="Name, when the reporter is new")
        parser.add_argument("--organisation", default="", help="Organisation, when new")

    def handle(self, *args: Any, **options: Any) -> None:
        email = options["email"].strip().lower()
        try:
            validate_email(email)
        except ValidationError as exc:
            raise CommandError(f"not an e-mail address: {email!r}") from exc
        reporter = reporter_ensure(
            address=email, name=options["name"], organisation=options["organisation"]
        )
        _, key = reporter_token_issue(reporter)
        self.stdout.write(key)
        self.stderr.write(
            f"Token for {reporter.address} (reporter {reporter.pk}); it is shown only once."
        )
