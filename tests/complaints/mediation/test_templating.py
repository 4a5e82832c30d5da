"""Stored templates render to plain text; attacker text in values is never template syntax,
and the template language is cut down to control flow and filters."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from complaints.mediation.templating import (
    TemplateError,
    template_for,
    template_render,
    template_validate,
)
from complaints.models import ResponseTemplate
from tests.complaints.ack_support import default_templates_ensure

HOSTILE = "{{ settings.SECRET_KEY }} {% load static %}{% debug %} {{ ticket_number }}"


def test_template_syntax_in_values_appears_literally() -> None:
    rendered = template_render(
        subject="Re: {{ report_subject }}",
        body="You wrote:\n{{ evidence }}\nTicket {{ ticket_number }}",
        context={"report_subject": HOSTILE, "evidence": HOSTILE, "ticket_number": 7},
    )
    assert HOSTILE in rendered.body
    assert "Ticket 7" in rendered.body
    assert rendered.subject == f"Re: {HOSTILE}"
    from django.conf import settings

    assert settings.SECRET_KEY not in rendered.body


def test_output_is_plain_text_not_html_escaped() -> None:
    rendered = template_render(
        subject="{{ customer_name }}",
        body="Dear {{ customer_name }}, see <{{ url }}>",
        context={"customer_name": "Bits & Bytes <Ltd>", "url": "http://x.example/?a=1&b=2"},
    )
    assert rendered.body == "Dear Bits & Bytes <Ltd>, see <http://x.example/?a=1&b=2>\n"
    assert rendered.subject == "Bits & Bytes <Ltd>"


def test_unknown_variables_render_empty() -> None:
    rendered = template_render(
        subject="[{{ nope }}]", body="a{{ missing.attr }}b{{ self_service_url }}c", context={}
    )
    assert rendered.subject == "[]"
    assert rendered.body == "abc\n"


@pytest.mark.parametrize(
    "subject",
    [
        "Re: {{ report_subject }}",
        "{{ report_subject }}\nBcc: {{ report_subject }}",  # a line break in the template itself
    ],
)
def test_subject_is_one_line_whatever_the_template_or_values(subject: str) -> None:
    hostile = "Hi\r\nBcc: victim@example.org\u2028X-Evil: 1\x0bY: 2\x00"
    rendered = template_render(subject=subject, body="", context={"report_subject": hostile})
    assert rendered.subject.splitlines() == [rendered.subject]
    assert "\r" not in rendered.subject and "\n" not in rendered.subject
    assert "\x00" not in rendered.subject
    assert rendered.subject.startswith(("Re: Hi Bcc: victim@example.org", "Hi Bcc:"))


@pytest.mark.parametrize(
    "body",
    [
        "{% load i18n %}",
        "{% include 'base.html' %}",
        "{% extends 'base.html' %}",
        "{% debug %}",
        "{% url 'home' %}",
        "{% csrf_token %}",
        "{{ customer_name.__class__ }}",
    ],
)
def test_forbidden_template_features_are_refused(body: str) -> None:
    assert template_validate(subject="ok", body=body)
    with pytest.raises(TemplateError):
        template_render(subject="ok", body=body, context={"customer_name": "x"})


def test_control_flow_and_filters_work() -> None:
    rendered = template_render(
        subject="{{ type_label|upper }}",
        body=(
            "{% for r in resources %}- {{ r }}\n{% endfor %}"
            "{% if more_resources %}and {{ more_resources }} more{% endif %}\n"
            "{{ deadline }} {{ tickets|length }} {{ name|default:'customer' }}"
        ),
        context={
            "type_label": "Spam",
            "resources": ["192.0.2.1", "shop.example.net"],
            "more_resources": 3,
            "deadline": datetime(2024, 5, 13, 10, 0, tzinfo=UTC),
            "tickets": [1, 2],
        },
    )
    assert rendered.subject == "SPAM"
    assert rendered.body == (
        "- 192.0.2.1\n- shop.example.net\nand 3 more\n2024-05-13 10:00 UTC 2 customer\n"
    )


def test_model_instances_are_reduced_to_text(db: None) -> None:
    """A template cannot call methods or walk relations of rows: values are plain."""
    template = ResponseTemplate.objects.create(
        slug="t", name="t", purpose="reply", audience="customer", subject="s", body="b"
    )
    rendered = template_render(
        subject="{{ obj.pk }}", body="{{ obj }}|{{ obj.delete }}", context={"obj": template}
    )
    assert rendered.subject == ""
    assert rendered.body == "t|\n"
    assert ResponseTemplate.objects.filter(pk=template.pk).exists()


def test_every_default_template_renders(db: None) -> None:
    default_templates_ensure()
    templates = list(ResponseTemplate.objects.all())
    slugs = {t.slug for t in templates}
    assert {
        "acknowledgement", "notice-spam", "notice-phishing", "notice-malware-distribution",
        "notice-infected-system", "notice-brute-force", "notice-scanner", "notice-ddos-amplifier",
        "notice-vulnerable-system", "notice-copyright", "notice-system-compromise",
        "notice-generic", "evidence-request", "closed-reporter", "reminder-customer",
    } <= slugs  # fmt: skip
    for template in templates:
        assert template_validate(subject=template.subject, body=template.body) == [], template.slug
        rendered = template_render(
            subject=template.subject,
            body=template.body,
            context={
                "ticket_number": 5,
                "ticket_subject": "Spam from 192.0.2.66",
                "resources": ["192.0.2.66"],
                "resource_count": 1,
            },
        )
        assert "192.0.2.66" in rendered.subject + rendered.body, template.slug
        assert "{{" not in rendered.body and "{%" not in rendered.body


def test_template_for_prefers_the_type_then_the_generic_one(db: None) -> None:
    default_templates_ensure()
    assert template_for(purpose="notice", audience="customer", type_="spam").slug == "notice-spam"
    assert (
        template_for(purpose="notice", audience="customer", type_="exploit").slug
        == "notice-generic"
    )
    ResponseTemplate.objects.filter(slug="notice-spam").update(active=False)
    assert (
        template_for(purpose="notice", audience="customer", type_="spam").slug == "notice-generic"
    )
