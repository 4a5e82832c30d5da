"""Benchmark: the legal desk's heavy reads (issue 14).

- scope resolution of one IP over a year in which it changed hands 52 times (weekly
  reassignments of its /24, a nested /29 part of the time): how long ``request_scope_resolve``
  takes and how many holdings it finds;
- a production package for one customer holding that IP for a month with 20,000 events in
  200 tickets and 2,000 messages, all categories: build time, zip size;
- a data subject export of the same customer: build time.

Runs on its own database (``<name>_bench_legal``), dropped by nothing: rerun reuses it.
Run: ``.venv/bin/python bench/legal.py``. Prints its figures and one JSON line."""

from __future__ import annotations

import ipaddress
import json
import time
import uuid
from datetime import UTC, datetime, timedelta

from _setup import django_on_bench_database

T0 = datetime(2025, 1, 6, tzinfo=UTC)
IP = "198.51.100.77"


def load() -> dict:
    from django.contrib.auth.models import Group

    from accounts.services import user_with_roles_ensure
    from complaints.models import Event, Message, Report, Ticket
    from customers.models import Customer, IPAllocation, Network

    Group.objects.get_or_create(name="legal")
    leo = user_with_roles_ensure(username="bench-leo", password="x" * 20, roles=["legal"])
    if Customer.objects.filter(external_id="BENCH-0").exists():
        return {"leo": leo, "customer": Customer.objects.get(external_id="BENCH-MONTH")}
    Network.objects.get_or_create(prefix=ipaddress.ip_network("198.51.100.0/24"))
    holders = [Customer(external_id=f"BENCH-{n}", name=f"Bench holder {n}",
                        abuse_email=f"abuse@holder{n}.example") for n in range(52)]  # fmt: skip
    Customer.objects.bulk_create(holders)
    holders = list(Customer.objects.filter(external_id__startswith="BENCH-").order_by("pk"))
    net = ipaddress.ip_network("198.51.100.0/24")
    IPAllocation.objects.bulk_create(
        IPAllocation(network=net, customer=holders[n], valid_from=T0 + timedelta(weeks=n),
                     valid_to=T0 + timedelta(weeks=n + 1))
        for n in range(52)
    )  # fmt: skip
    month = Customer.objects.create(external_id="BENCH-MONTH", name="Bench month customer",
                                    abuse_email="abuse@month.example")  # fmt: skip
    IPAllocation.objects.create(network=ipaddress.ip_network("198.51.100.72/29"), customer=month,
                                valid_from=T0 + timedelta(weeks=10), valid_to=T0 + timedelta(weeks=14))  # fmt: skip
    start = T0 + timedelta(weeks=10)
    report = Report.objects.create(sha256=uuid.uuid4().hex * 2, size=1, status="filed")
    tickets = Ticket.objects.bulk_create(
        Ticket(kind="abuse", status="resolved", aggregation_key=f"bench:{n}", subject=f"Spam {n}",
               type="spam", resource=IP, customer=month)
        for n in range(200)
    )  # fmt: skip
    Ticket.objects.filter(pk__in=[t.pk for t in tickets]).update(
        created_at=start + timedelta(days=1)
    )
    Event.objects.bulk_create(
        Event(report=report, ticket=tickets[n % 200], fingerprint=uuid.uuid4(), ip=IP,
              taxonomy="abusive-content", type="spam", attribution="customer", customer=month,
              observed_at=start + timedelta(minutes=2 * n), evidence=f"spam run {n} to victim{n}@mail.example")
        for n in range(20_000)
    )  # fmt: skip
    Message.objects.bulk_create(
        Message(ticket=tickets[n % 200], direction="in" if n % 2 else "out", visibility="customer",
                kind="reply", status="sent", to_address="abuse@month.example",
                subject=f"About case {n}", body=f"Answer {n} from the customer, cc other{n}@example.org " * 5)
        for n in range(2_000)
    )  # fmt: skip
    return {"leo": leo, "customer": month}


def main() -> None:
    django_on_bench_database("_bench_legal")
    from legal import services
    from legal.models import LegalRequest, Package, ScopeMatch
    from legal.packages import package_build, package_request
    from legal.scope import request_scope_resolve

    world = load()
    leo, customer = world["leo"], world["customer"]
    LegalRequest.objects.all().delete()
    year = services.request_receive(actor=leo, type="subpoena", authority="Bench court", jurisdiction="US",
                                    data_categories=["subscriber", "transactional", "content"],
                                    scope=[services.ScopeInput("ip", IP, T0, T0 + timedelta(weeks=52))])  # fmt: skip
    began = time.perf_counter()
    holdings = request_scope_resolve(request_id=year.pk, actor=leo)
    scope_ms = (time.perf_counter() - began) * 1000
    customers = ScopeMatch.objects.filter(item__request=year).values("customer").distinct().count()
    print(
        f"scope of one IP over a year: {holdings} holdings of {customers} customers in {scope_ms:.1f} ms"
    )

    month = services.request_receive(actor=leo, type="subpoena", authority="Bench court", jurisdiction="US",
                                     data_categories=["subscriber", "transactional", "content"],
                                     scope=[services.ScopeInput("customer", customer.external_id,
                                                                T0, T0 + timedelta(weeks=52)),
                                            services.ScopeInput("ip", IP, T0 + timedelta(weeks=10),
                                                                T0 + timedelta(weeks=14))])  # fmt: skip
    request_scope_resolve(request_id=month.pk, actor=leo)
    for step in ("triaged",):
        services.request_transition(request_id=month.pk, actor=leo, to_state=step, reason="bench")
    services.request_verify(
        request_id=month.pk, actor=leo, method="bench verification text", reason="b"
    )
    services.request_transition(
        request_id=month.pk, actor=leo, to_state="legal_review", reason="bench"
    )
    services.request_approve(request_id=month.pk, actor=leo, reason="bench")
    services.request_transition(
        request_id=month.pk, actor=leo, to_state="collecting", reason="bench"
    )
    package = package_request(request_id=month.pk, actor=leo, kind="production")
    began = time.perf_counter()
    package_build(package_id=package.pk)
    build_s = time.perf_counter() - began
    package = Package.objects.get(pk=package.pk)
    files = len(package.manifest["files"])
    print(f"production package: {files} files, {package.size / 1e6:.2f} MB zip in {build_s:.2f} s")

    dsar = services.request_receive(
        actor=leo, type="gdpr_access", authority="Bench subject", jurisdiction="DE"
    )
    services.request_transition(request_id=dsar.pk, actor=leo, to_state="triaged", reason="bench")
    services.request_verify(
        request_id=dsar.pk, actor=leo, method="bench identity check", reason="b"
    )
    services.request_subject_link(
        request_id=dsar.pk, actor=leo, external_id=customer.external_id, reason="b"
    )
    services.request_transition(
        request_id=dsar.pk, actor=leo, to_state="legal_review", reason="bench"
    )
    services.request_approve(request_id=dsar.pk, actor=leo, reason="bench")
    services.request_transition(
        request_id=dsar.pk, actor=leo, to_state="collecting", reason="bench"
    )
    export = package_request(request_id=dsar.pk, actor=leo, kind="subject_export")
    began = time.perf_counter()
    package_build(package_id=export.pk)
    export_s = time.perf_counter() - began
    export = Package.objects.get(pk=export.pk)
    print(f"data subject export: {export.size / 1e6:.2f} MB zip in {export_s:.2f} s")
    print(json.dumps({"bench": "legal", "scope_year_ms": round(scope_ms, 1), "scope_holdings": holdings,
                      "package_s": round(build_s, 2), "package_bytes": package.size,
                      "export_s": round(export_s, 2), "export_bytes": export.size}))  # fmt: skip


if __name__ == "__main__":
    main()
