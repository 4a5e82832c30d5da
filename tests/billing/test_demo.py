"""The demo's ledger: every planted mistake is found by the verifier on its customer, the
"charged twice" inquiry is matched to the customer who was charged twice, and the retention
demo gives the leads' figures something to count (billing/demo.py, retention/demo.py)."""

from __future__ import annotations

import pytest

from billing import demo
from billing.models import Inquiry
from billing.selectors import customer_ledger
from customers.demo import demo_customers, seed_registry
from customers.models import Customer
from retention.demo import seed_retention
from retention.models import Cancellation, SurveyResponse

pytestmark = pytest.mark.django_db


def test_the_demo_plants_mistakes_the_verifier_finds(tmp_path, users, settings) -> None:  # type: ignore[no-untyped-def]
    settings.BASE_DIR = tmp_path  # the demo's files go under var/ of a scratch directory
    seed_registry()
    result = demo.seed_billing()
    assert result["sync"] == "ok"
    people = demo_customers()

    def checks(index: int) -> set[str]:
        customer = Customer.objects.get(external_id=people[index]["external_id"])
        return {f.check for f in customer_ledger(customer).findings}

    assert checks(demo.DUPLICATE) == {"duplicate_payment"}
    assert checks(demo.AMOUNT) == {"invoice_amount"}
    assert checks(demo.OFF_DAY) == {"invoice_date"}
    assert checks(demo.CANCELLED) == {"after_cancellation"}
    assert checks(demo.TOTAL) == {"invoice_total"}
    assert checks(demo.SUSPENDED) == {"paid_while_suspended"}
    assert checks(demo.FIRST + 1) == set()  # the others' ledgers are right
    inquiry = Inquiry.objects.get(message_id="<demo-duplicate@billing.demo>")
    assert inquiry.customer.external_id == people[demo.DUPLICATE]["external_id"]
    assert inquiry.reason == "duplicate_charge"
    assert Inquiry.objects.get(message_id="<demo-vat@billing.demo>").customer is None
    again = demo.seed_billing()  # idempotent
    assert again["inquiries"] == 0 and Inquiry.objects.count() == 4

    retention = seed_retention()
    assert retention["cancellations"] == 10 and "/retention/cancel/" in retention["cancel_link"]
    assert Cancellation.objects.filter(kind="involuntary").count() == 1
    assert Cancellation.objects.filter(status="saved").count() == 3
    assert seed_retention()["cancellations"] == 0
    assert SurveyResponse.objects.filter(invitation__kind="exit").exists()
