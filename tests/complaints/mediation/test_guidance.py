"""The knowledge base and the template pages."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse

from complaints.mediation.guidance import guidance_for_type
from complaints.models import GuidanceArticle, ResponseTemplate


@pytest.fixture
def articles(db: None) -> None:
    importlib.import_module("complaints.migrations.0005_mediation_guidance").load(apps, None)


@pytest.mark.parametrize(
    ("type_", "slug", "must_say"),
    [
        ("application-compromise", "compromised-website-cms", "wp core verify-checksums"),
        ("ddos-amplifier", "open-resolvers-and-amplifiers", "-U 0"),
        ("ddos-amplifier", "open-resolvers-and-amplifiers", "disable monitor"),
        ("ddos-amplifier", "open-resolvers-and-amplifiers", "recursion no;"),
        ("spam", "compromised-mailbox-smtp-auth", "smtpd_client_message_rate_limit"),
        ("brute-force", "ssh-brute-force", "PasswordAuthentication no"),
        ("phishing", "phishing-kit-removal", ".htaccess"),
        ("infected-system", "malware-cleanup", "clamscan"),
        ("copyright", "copyright-notice", "counter-notice"),
    ],
)
def test_articles_cover_the_classifications(articles, type_: str, slug: str, must_say: str) -> None:
    found = {a.slug: a for a in guidance_for_type(type_)}
    assert slug in found
    assert must_say in found[slug].body


def test_no_guidance_for_blank_type(articles) -> None:
    assert list(guidance_for_type("")) == []
    assert GuidanceArticle.objects.count() >= 7


def test_guidance_pages_for_agents_only(articles, users) -> None:
    url = reverse("workspace:guidance-detail", args=["ssh-brute-force"])
    agent = Client()
    agent.force_login(users["agent"])
    assert "fail2ban" in agent.get(url).content.decode()
    billing = Client()
    billing.force_login(users["billing"])
    assert billing.get(url).status_code == 403


def test_template_editing_by_role_and_preview(db, users) -> None:
    template = ResponseTemplate.objects.create(
        slug="t1", name="T1", purpose="reply", audience="customer", subject="Hi", body="Hello"
    )
    url = reverse("workspace:template-edit", args=[template.pk])
    data = {"slug": "t1", "name": "T1", "purpose": "reply", "audience": "customer", "type": "",
            "subject": "About {{ ticket_number }}", "body": "Dear {{ customer_name }}", "active": "on"}  # fmt: skip
    agent = Client()
    agent.force_login(users["agent"])
    assert agent.get(url).status_code == 200
    assert agent.post(url, data).status_code == 403
    lead = Client()
    lead.force_login(users["lead"])
    assert lead.post(url, data).status_code == 302
    template.refresh_from_db()
    assert template.body == "Dear {{ customer_name }}"
    bad = lead.post(url, {**data, "body": "{% load static %}{% include 'x' %}"})
    assert bad.status_code == 200 and "body:" in bad.content.decode()
    preview = agent.post(reverse("workspace:template-preview"),
                         {"subject": "About {{ ticket_number }}", "body": "Dear {{ customer_name }} <b>"})  # fmt: skip
    html = preview.content.decode()
    assert "About 12345" in html and "Dear Example Customer Ltd &lt;b&gt;" in html
    none = Client()
    none.force_login(users["none"])
    assert none.get(reverse("workspace:template-list")).status_code == 403
