"""Rendering of stored mail templates (``ResponseTemplate``) into plain-text mail.

Templates are written by admins in Django template syntax; the values they show (a report's
subject, an evidence excerpt, a customer's name) are written by strangers. The boundary:

- The engine is a private, restricted one: no ``{% load %}``, ``{% include %}``,
  ``{% extends %}``, ``{% debug %}`` or ``{% url %}``; only control-flow tags and the
  built-in filters. No loaders, so a template can reach no file.
- The context holds plain values only (strings, numbers, booleans, lists and dicts of
  them): no model instances, so a template cannot call methods or walk relations, and
  Django's rule against ``_`` attributes keeps it away from Python internals.
- Values are never parsed as template syntax (Django substitutes, it does not re-render),
  so ``{{ settings.SECRET_KEY }}`` in a report body appears literally.
- Output is text/plain, so autoescape is off; unknown variables render empty; the subject
  is collapsed onto one line, whatever the template or the values contain.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache

from django.template import Context, Engine, Library, TemplateSyntaxError, defaultfilters
from django.template import defaulttags as _tags
from django.utils import timezone

from complaints.models import ResponseTemplate

SUBJECT_MAX = 250
BODY_MAX = 100_000

# What a template may use (shown on the template page).
VARIABLES: dict[str, str] = {
    "provider_name": "Our company name",
    "desk_address": "The abuse desk's address",
    "ticket_number": "The ticket's number (reference to quote)",
    "ticket_subject": "The ticket's subject line",
    "type": "Classification type (RSIT), e.g. spam",
    "type_label": "Classification in words, e.g. Spam",
    "customer_name": "The customer's name",
    "resources": "List of the reported IP addresses, domains and URLs (at most 50)",
    "resource_count": "How many distinct resources were reported",
    "more_resources": "How many resources are not in the list",
    "evidence": "An excerpt of the evidence (redacted for customers)",
    "first_seen": "Time of the first event (UTC)",
    "last_seen": "Time of the last event (UTC)",
    "event_count": "Number of events on the ticket",
    "deadline": "When we expect the customer's answer (UTC)",
    "self_service_url": "Link to the customer's self-service page (may be empty)",
    "report_subject": "Subject of the report being answered (reporter mails)",
    "report_received": "When the report was received (UTC)",
    "not_our_network": "True when no reported resource is in our network",
    "tickets": "Numbers of the tickets a report was filed on (acknowledgements)",
}

# Control flow and formatting only: nothing that loads code, reads files or dumps state.
_SAFE_TAGS = (
    "autoescape", "comment", "cycle", "filter", "firstof", "for", "if", "ifchanged", "now",
    "regroup", "resetcycle", "spaceless", "templatetag", "verbatim", "widthratio", "with",
)  # fmt: skip

register = Library()
register.filters.update(defaultfilters.register.filters)
register.tags.update({name: _tags.register.tags[name] for name in _SAFE_TAGS})


class _RestrictedEngine(Engine):
    # Replaces defaulttags/loader_tags (load, include, extends, debug, url, csrf_token...).
    default_builtins = ["complaints.mediation.templating"]


@cache
def _engine() -> Engine:
    return _RestrictedEngine(
        dirs=[],
        app_dirs=False,
        loaders=[],
        libraries={},
        autoescape=False,
        string_if_invalid="",
        debug=False,
    )


class TemplateError(Exception):
    """A stored template that cannot be rendered (syntax error, forbidden tag)."""


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str


# Characters that end a line somewhere (str.splitlines, mail parsers) or are control codes.
_LINE_BREAKS = re.compile(r"[\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_SPACES = re.compile(r"\s+")
_BLANK_RUNS = re.compile(r"\n{3,}")
# Started only where a run of blanks starts: from every blank of a long run that no newline
# ends, the plain pattern rescanned the rest of the run (quadratic); the matches are the same.
_TRAILING = re.compile(r"(?<![ \t])[ \t]+\n")


def single_line(text: str, limit: int = SUBJECT_MAX) -> str:
    """One line of plain text: every line break and control code becomes a space."""
    text = _CONTROL.sub(" ", _LINE_BREAKS.sub(" ", text or ""))
    text = _SPACES.sub(" ", text).strip()
    return text[:limit].rstrip()


def plain_body(text: str, limit: int = BODY_MAX) -> str:
    """Mail body text: LF line ends, no control codes, no runs of blank lines."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text).replace("\x0b", "").replace("\x0c", "")
    text = _TRAILING.sub("\n", text)
    text = _BLANK_RUNS.sub("\n\n", text).strip("\n").rstrip()
    return text[:limit] + "\n"


def plain(value: object) -> object:
    """A context value reduced to plain data: anything else becomes its text."""
    if value is None or isinstance(value, bool | int | float | str):
        return value.replace("\x00", "") if isinstance(value, str) else value
    if isinstance(value, datetime):
        return timezone.localtime(value, timezone=UTC).strftime("%Y-%m-%d %H:%M UTC")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v) for v in value]
    return str(value)


def _compile(source: str) -> object:
    try:
        return _engine().from_string(source)
    except TemplateSyntaxError as exc:
        raise TemplateError(str(exc)) from exc


def template_validate(*, subject: str, body: str) -> list[str]:
    """Errors that would stop the template from rendering (for the template editor)."""
    errors = []
    for label, source in (("subject", subject), ("body", body)):
        try:
            _compile(source)
        except TemplateError as exc:
            errors.append(f"{label}: {exc}")
    return errors


def template_render(*, subject: str, body: str, context: Mapping[str, object]) -> Rendered:
    """Render a subject and body template against plain values."""
    values = {str(k): plain(v) for k, v in context.items()}
    rendered = []
    for source in (subject, body):
        template = _compile(source)
        rendered.append(template.render(Context(values, autoescape=False)))  # type: ignore[attr-defined]
    return Rendered(subject=single_line(rendered[0]), body=plain_body(rendered[1]))


def response_template_render(template: ResponseTemplate, context: Mapping[str, object]) -> Rendered:
    return template_render(subject=template.subject, body=template.body, context=context)


def template_for(*, purpose: str, audience: str, type_: str = "") -> ResponseTemplate | None:
    """The active template for a purpose and audience: the one for the classification type
    when there is one, else the generic one (blank type)."""
    candidates = ResponseTemplate.objects.filter(
        purpose=purpose, audience=audience, active=True, type__in={type_, ""}
    ).order_by("-type", "pk")
    # "-type": a non-blank type sorts before the blank, generic template.
    return candidates.first()
