"""Campaign pages by role, decided on the server (campaigns/permissions.py): leads create,
edit, launch and stop; agents, leads and admins read; agents and leads record re-checks;
leads and admins keep the suppression list; legal, investigations, billing and people
with no role get a 403, the anonymous the login page. A customer withheld since (a legal
hold) is a 404 on its notice and absent from every page and export, for every role."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from campaigns.demo import feed_file, feed_mail
from campaigns.models import Campaign, CampaignNotice, Suppression
from campaigns.services import campaign_advance, campaign_create, campaign_launch, suppression_add
from customers.legal_holds import legal_hold_place
from customers.models import Customer
from tests.campaigns.conftest import at, campaign_values

ROLES = ["agent", "lead", "admin", "legal", "investigations", "billing", "none", "anonymous"]
READERS = {"agent", "lead", "admin"}
HIDDEN_NAME = "Zq Withheld Customer Marker"


@pytest.fixture
def pages(world, file_feed, users):  # type: ignore[no-untyped-def]
    lead = users["lead"]
    shown, hidden = world.customers[:2]
    Customer.objects.filter(pk=hidden.pk).update(name=HIDDEN_NAME)
    file_feed(-1, world.rows([shown.pk, hidden.pk]))
    running = campaign_create(actor=lead, values=campaign_values(name="Running one"))
    running = campaign_launch(campaign=running, actor=lead, now=at(0))
    campaign_advance(campaign_id=running.pk, now=at(0))
    legal_hold_place(customer=hidden, kind="gag", reference="legal-request:77",
                     starts_at=timezone.now() - timedelta(minutes=1), ends_at=None)  # fmt: skip
    entry = suppression_add(actor=lead, reason="partner range", customer_id=world.customers[5].pk)
    return {
        "running": running,
        "notice": CampaignNotice.objects.get(campaign=running, customer=shown),
        "hidden": CampaignNotice.objects.get(campaign=running, customer=hidden),
        "entry": entry,
        "world": world,
    }


def _client(users, role: str) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    if role != "anonymous":
        client.force_login(users[role])
    return client


def _expect(role: str, allowed: set[str], status: int, ok: tuple[int, ...] = (200,)) -> bool:
    if role == "anonymous":
        return status == 302
    return status in ok if role in allowed else status == 403


@pytest.mark.django_db
def test_pages_by_role(pages, users):
    campaign, notice = pages["running"], pages["notice"]
    reads = [
        reverse("campaigns:list"),
        reverse("campaigns:detail", args=[campaign.pk]),
        reverse("campaigns:notices-csv", args=[campaign.pk]),
        reverse("campaigns:notice-detail", args=[notice.pk]),
        reverse("campaigns:suppressions"),
    ]
    failures = []
    for role in ROLES:
        client = _client(users, role)
        for path in reads:
            response = client.get(path)
            if not _expect(role, READERS, response.status_code):
                failures.append(f"GET {path} as {role}: {response.status_code}")
            assert HIDDEN_NAME not in response.content.decode(), (role, path)
        for path in (reverse("campaigns:create"), reverse("campaigns:edit", args=[campaign.pk])):
            response = client.get(path)
            if not _expect(role, {"lead"}, response.status_code):
                failures.append(f"GET {path} as {role}: {response.status_code}")
        response = client.post(reverse("campaigns:notice-recheck", args=[notice.pk]),
                               {"fixed": "0", "note": f"looked ({role})"})  # fmt: skip
        if not _expect(role, {"agent", "lead"}, response.status_code, (302,)):
            failures.append(f"recheck as {role}: {response.status_code}")
        response = client.post(reverse("campaigns:suppressions"),
                               {"network": f"198.19.{ROLES.index(role)}.0/24", "reason": role})  # fmt: skip
        if not _expect(role, {"lead", "admin"}, response.status_code, (302,)):
            failures.append(f"suppression add as {role}: {response.status_code}")
        # the withheld customer's notice: not there, for everyone who reads campaigns
        response = client.get(reverse("campaigns:notice-detail", args=[pages["hidden"].pk]))
        expected = 302 if role == "anonymous" else (404 if role in READERS else 403)
        if response.status_code != expected:
            failures.append(f"hidden notice as {role}: {response.status_code}")
    assert not failures, "\n".join(failures)
    rechecks = notice.changes.filter(note__startswith="re-check: still vulnerable")
    assert sorted(c.actor.username for c in rechecks) == ["user-agent", "user-lead"]
    assert set(
        Suppression.objects.filter(network__isnull=False).values_list("reason", flat=True)
    ) == {"lead", "admin"}


@pytest.mark.django_db
def test_only_a_lead_launches_stops_and_removes(pages, users):
    lead = users["lead"]
    draft = campaign_create(actor=lead, values=campaign_values(name="Draft one"))
    running, entry = pages["running"], pages["entry"]
    for role in [r for r in ROLES if r != "lead"] + ["lead"]:
        client = _client(users, role)
        launch = client.post(reverse("campaigns:launch", args=[draft.pk]))
        stop = client.post(reverse("campaigns:stop", args=[running.pk]))
        delete = client.post(reverse("campaigns:suppression-delete", args=[entry.pk]))
        draft.refresh_from_db()
        running.refresh_from_db()
        if role == "lead":
            assert (launch.status_code, stop.status_code, delete.status_code) == (302, 302, 404)
            assert (draft.status, running.status) == ("running", "stopped")
        else:
            assert (draft.status, running.status) == ("draft", "running"), role
            expected = 302 if role == "anonymous" else 403
            assert launch.status_code == stop.status_code == expected, role
            if role == "admin":  # admins keep the suppression list with the leads
                assert delete.status_code == 302
                assert not Suppression.objects.filter(pk=entry.pk).exists()
            else:
                assert delete.status_code == expected, role


@pytest.mark.django_db
def test_a_lead_starts_a_campaign_from_a_feed_and_launches_it_through_the_pages(world, users):
    yesterday = timezone.now().date() - timedelta(days=1)  # this one runs on the wall clock
    rows = world.rows([c.pk for c in world.customers[:6]])
    feed_file(feed_mail("scan_exchange", yesterday, rows), path="test-feed/pages")
    client = _client(users, "lead")
    listing = client.get(reverse("campaigns:list")).content.decode()
    assert "scan_exchange" in listing and "?family=scan_exchange" in listing
    form = client.get(reverse("campaigns:create") + "?family=scan_exchange")
    assert form.status_code == 200
    initial = form.context["form"].initial
    assert (
        initial["feed_family"] == "scan_exchange" and "{{ hosts" not in initial["subject_template"]
    )
    data = {**campaign_values(name="From the feed", guidance="", escalation_rule=""),
            "subject_template": initial["subject_template"], "body_template": initial["body_template"],
            "send_rate_per_hour": 100, "renotify_days": 7, "max_mails": 3,
            "escalate_ticket_days": 14, "escalate_action_days": 0, "lookback_days": 3}  # fmt: skip
    response = client.post(reverse("campaigns:create"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    campaign = Campaign.objects.get(name="From the feed")
    assert campaign.type == "vulnerable-system" and campaign.status == "draft"
    assert client.post(reverse("campaigns:launch", args=[campaign.pk])).status_code == 302
    campaign.refresh_from_db()
    assert campaign.status == "running" and campaign.launched_by == users["lead"]
    campaign_advance(campaign_id=campaign.pk)  # what the task queued at launch does
    page = client.get(reverse("campaigns:detail", args=[campaign.pk]))
    assert page.status_code == 200
    assert CampaignNotice.objects.filter(campaign=campaign).count() == 6
    text = page.content.decode()
    for customer in world.customers[:6]:
        assert customer.name in text
    csv_text = client.get(reverse("campaigns:notices-csv", args=[campaign.pk])).content.decode()
    assert csv_text.count("\n") == 7 and world.customers[0].external_id in csv_text
