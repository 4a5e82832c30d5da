"""Saving response templates: the one write path for the template editor.

A template that does not compile in the restricted engine is refused here, whoever saves
it, so a broken template can never reach the outbound queue.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from complaints.mediation.templating import template_validate
from complaints.models import ResponseTemplate

FIELDS = ("slug", "name", "purpose", "audience", "type", "subject", "body", "active")


@transaction.atomic
def response_template_save(
    *, template: ResponseTemplate | None, data: dict[str, object]
) -> ResponseTemplate:
    errors = template_validate(subject=str(data["subject"]), body=str(data["body"]))
    if errors:
        raise ValidationError(errors)
    template = template or ResponseTemplate()
    for name in FIELDS:
        setattr(template, name, data[name])
    template.full_clean()
    template.save()
    return template
