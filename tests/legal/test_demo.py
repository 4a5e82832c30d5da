"""The legal desk's demo data (``seed_demo``): requests of every kind at many stages for
the ``leo`` login, idempotent, with real holds, packages and fired reminders."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from accounts.demo import seed_users
from customers.demo import seed_registry
from customers.legal_holds import customers_under_legal_hold
from legal.demo import seed_legal
from legal.models import LegalRequest, Package, RequestType

pytestmark = pytest.mark.django_db


def test_the_demo_has_every_kind_for_leo_and_seeds_once() -> None:
    seed_users()
    seed_registry()
    first = seed_legal()
    assert first["created"] == 18
    assert set(LegalRequest.objects.values_list("type", flat=True)) == set(RequestType.values)
    states = set(LegalRequest.objects.values_list("state", flat=True))
    assert {"received", "triaged", "verified", "legal_review", "approved", "collecting",
            "produced", "notice_delayed", "rejected"} <= states  # fmt: skip
    assert Package.objects.filter(status="ready").count() >= 4
    assert customers_under_legal_hold(kind="gag")
    assert customers_under_legal_hold(kind="preservation")
    # a gag ran out: "notify the customer now"
    assert LegalRequest.objects.filter(customer_notice_due_at__isnull=False).exists()
    assert seed_legal()["created"] == 0
    leo = Client()
    leo.force_login(get_user_model().objects.get(username="leo"))
    queue = leo.get("/legal/")
    assert queue.status_code == 200 and "notify the customer now" in queue.content.decode()
    for request in LegalRequest.objects.all():
        assert leo.get(f"/legal/requests/{request.pk}/").status_code == 200
