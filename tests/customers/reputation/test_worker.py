"""The periodic sweep through a real Celery worker: the beat task fans the allocated space
out into batch tasks on the "checks" queue, and they record listings and tickets."""

from __future__ import annotations

import time

import pytest

from complaints.models import Ticket
from customers.models import Listing
from customers.reputation.tasks import dnsbl_sweep_all_task


@pytest.mark.worker
def test_sweep_runs_through_a_real_worker(zones, network, celery_worker_process, settings) -> None:  # type: ignore[no-untyped-def]
    from customers.reputation.sweep import sweep_fan_out

    assert settings.CELERY_TASK_ROUTES["customers.dnsbl_*"] == {"queue": "checks"}
    # The worker's DNSBL_BATCH_SIZE (4,096) holds the three /29s in one batch, and the hosted
    # domains make a second.
    queued = dnsbl_sweep_all_task.apply_async().get(timeout=60)
    assert queued == 2
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and Listing.objects.count() < 4:
        time.sleep(0.3)
    assert set(Listing.objects.values_list("resource", "state")) == {
        ("192.0.2.10", "new"),
        ("192.0.2.11", "new"),
        ("192.0.2.20", "new"),
        ("spam-site.example", "new"),
    }
    assert Ticket.objects.filter(kind="listing").count() == 3
    # Smaller batches from the same fan-out service: one task per /29, all idempotent (the
    # listings only become active, no ticket is added).
    assert sweep_fan_out(size=8) == 4
    while time.monotonic() < deadline + 30 and Listing.objects.filter(state="active").count() < 4:
        time.sleep(0.3)
    assert set(Listing.objects.values_list("state", flat=True)) == {"active"}
    assert Ticket.objects.filter(kind="listing").count() == 3
