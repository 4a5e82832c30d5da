"""Saved views belong to one agent: another agent can neither list, open nor delete them."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from complaints.models import SavedView

pytestmark = pytest.mark.django_db


@pytest.fixture
def clients(users, make_user):
    mine, theirs = Client(), Client()
    mine.force_login(users["agent"])
    theirs.force_login(make_user("other-agent", "agent"))
    return mine, theirs


def test_save_open_and_list_my_view(clients, users):
    mine, _ = clients
    response = mine.post(
        reverse("workspace:saved-view-save"),
        {"name": "My phishing", "query": "type=phishing&assignee=me&bogus=1&status=active"},
    )
    view = SavedView.objects.get(owner=users["agent"])
    assert view.query == "type=phishing&assignee=me"  # canonical: defaults and junk dropped
    assert response["Location"].endswith("?type=phishing&assignee=me")
    opened = mine.get(reverse("workspace:saved-view-open", args=[view.pk]))
    assert opened.status_code == 302 and opened["Location"].endswith("?type=phishing&assignee=me")
    page = mine.get(reverse("workspace:queue"))
    assert "My phishing" in page.content.decode()


def test_saving_the_same_name_replaces_the_filters(clients, users):
    mine, _ = clients
    url = reverse("workspace:saved-view-save")
    mine.post(url, {"name": "Mine", "query": "type=spam"})
    mine.post(url, {"name": "Mine", "query": "type=phishing"})
    assert list(SavedView.objects.filter(owner=users["agent"]).values_list("query", flat=True)) == [
        "type=phishing"
    ]


def test_another_agent_cannot_see_open_move_or_delete_my_view(clients, users):
    mine, theirs = clients
    mine.post(reverse("workspace:saved-view-save"), {"name": "Secret triage", "query": "type=spam"})
    view = SavedView.objects.get(owner=users["agent"])
    assert "Secret triage" not in theirs.get(reverse("workspace:queue")).content.decode()
    assert theirs.get(reverse("workspace:saved-view-open", args=[view.pk])).status_code == 404
    assert theirs.post(reverse("workspace:saved-view-delete", args=[view.pk])).status_code == 404
    assert (
        theirs.post(
            reverse("workspace:saved-view-move", args=[view.pk]), {"direction": "up"}
        ).status_code
        == 404
    )
    assert SavedView.objects.filter(pk=view.pk).exists()
    assert mine.post(reverse("workspace:saved-view-delete", args=[view.pk])).status_code == 302
    assert not SavedView.objects.filter(pk=view.pk).exists()


def test_views_keep_their_order_and_move(clients, users):
    mine, _ = clients
    for name in ("A", "B", "C"):
        mine.post(reverse("workspace:saved-view-save"), {"name": name, "query": f"q={name}"})
    c = SavedView.objects.get(owner=users["agent"], name="C")
    mine.post(reverse("workspace:saved-view-move", args=[c.pk]), {"direction": "up"})
    names = list(
        SavedView.objects.filter(owner=users["agent"])
        .order_by("position")
        .values_list("name", flat=True)
    )
    assert names == ["A", "C", "B"]
