"""Demo data of the legal desk for the ``leo`` login (``manage.py seed_demo``): a few
requests of each kind at every stage of the workflow, made through the services as the
legal desk would make them, so their deadlines, holds, history and audit trail are real.
The emergency request waits for its second approver: log in as ``lex`` for the four eyes.

Idempotent: each demo request carries the SHA-256 of its demo key as its source document,
so a second run finds it and makes nothing new. Only the demo registry's customers and
reserved ranges are named (``customers.demo``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from complaints.intake.receiving import Arrival
from customers.models import Customer, IPAllocation
from legal import services
from legal.intake import legal_mail_receive
from legal.models import LegalMail, LegalRequest, Reminder
from legal.packages import package_build, package_request
from legal.scope import request_scope_resolve
from legal.services import ScopeInput

CHECKED = "called the agency's duty desk at the number on its official website"


def _key(name: str) -> str:
    return hashlib.sha256(f"legal-demo:{name}".encode()).hexdigest()


def _ip_scope(allocation: IPAllocation | None, start: datetime) -> list[ScopeInput]:
    if allocation is None:
        return []
    network = allocation.network
    host = network.network_address + (1 if network.num_addresses > 1 else 0)
    return [ScopeInput("ip", str(host), start, start + timedelta(days=2))]


def _advance(request: LegalRequest, user: Any, steps: list[str]) -> None:
    """Walk the request along the workflow: each step as the legal desk takes it."""
    pk = request.pk
    for step in steps:
        if step == "verified":
            services.request_verify(request_id=pk, actor=user, method=CHECKED, reason="genuine")
        elif step == "approved":
            services.request_approve(
                request_id=pk, actor=user, reason="valid process, proportionate scope"
            )
        else:
            services.request_transition(request_id=pk, actor=user, to_state=step,
                                        reason=f"demo: {step.replace('_', ' ')}")  # fmt: skip


def _produce(request: LegalRequest, user: Any, kind: str = "production") -> None:
    package = package_request(request_id=request.pk, actor=user, kind=kind)
    package_build(package_id=package.pk)
    services.request_produce(request_id=request.pk, actor=user, package_id=package.pk,
                             channel="law-enforcement portal", recipient=request.officer_name or request.authority,
                             reason="produced as approved")  # fmt: skip


def seed_legal() -> dict[str, int]:
    """Create the demo requests (once); how many exist and how many are new."""
    users = get_user_model().objects
    leo = users.filter(username="leo").first()
    customers = list(Customer.objects.order_by("external_id")[:12])
    if leo is None or len(customers) < 6:
        return {"requests": 0, "created": 0}
    allocations = [
        IPAllocation.objects.filter(customer=c).order_by("valid_from").first() for c in customers
    ]
    now = timezone.now()
    created = 0

    def make(name: str, build: Callable[[str], LegalRequest | None]) -> None:
        nonlocal created
        if LegalRequest.objects.filter(source_sha256=_key(name)).exists():
            return
        with transaction.atomic():
            request = build(_key(name))
        if request is not None:
            created += 1

    def receive(key: str, **kw: Any) -> LegalRequest:
        kw.setdefault("received_at", now - timedelta(days=3))
        kw.setdefault("officer_name", "Det. Sgt. Demo")
        kw.setdefault("officer_phone", "+1 555 0100")
        request = services.request_receive(actor=leo, source_sha256=key, **kw)
        request_scope_resolve(request_id=request.pk, actor=leo)
        return LegalRequest.objects.get(pk=request.pk)

    def subpoena_review(key: str) -> LegalRequest:
        r = receive(key, type="subpoena", authority="U.S. District Court, District of Example",
                    jurisdiction="US", case_number="1:25-mj-00417", legal_basis="18 U.S.C. 2703(c)(2)",
                    data_categories=["subscriber", "transactional"],
                    scope=_ip_scope(allocations[0], now - timedelta(days=20)))  # fmt: skip
        _advance(r, leo, ["triaged", "verified", "legal_review"])
        return r

    def subpoena_gagged(key: str) -> LegalRequest:
        r = receive(key, type="subpoena", authority="U.S. Attorney's Office, Example District",
                    jurisdiction="US", case_number="GJ-2025-0193", legal_basis="18 U.S.C. 2703(c)(2); 2705(b) order",
                    data_categories=["subscriber"], received_at=now - timedelta(days=12),
                    scope=[ScopeInput("customer", customers[1].external_id)])  # fmt: skip
        _advance(r, leo, ["triaged", "verified", "legal_review", "approved", "collecting"])
        _produce(r, leo)
        services.request_gag_set(
            request_id=r.pk, actor=leo, reason="2705(b) order of the court, 90 days"
        )
        _advance(r, leo, ["notice_delayed"])
        return r

    def court_order(key: str) -> LegalRequest:
        r = receive(key, type="court_order", authority="Amtsgericht Beispielstadt", jurisdiction="DE",
                    case_number="3 Gs 412/25", legal_basis="§ 100j StPO",
                    data_categories=["subscriber", "transactional", "content"],
                    scope=_ip_scope(allocations[2], now - timedelta(days=30)))  # fmt: skip
        _advance(
            r, leo, ["triaged", "verified", "legal_review", "narrowed", "approved", "collecting"]
        )
        package = package_request(request_id=r.pk, actor=leo, kind="production")
        package_build(package_id=package.pk)
        return r

    def warrant(key: str) -> LegalRequest:
        r = receive(key, type="search_warrant", authority="Example County Sheriff", jurisdiction="US",
                    case_number="SW-25-881", scope=[ScopeInput("customer", customers[3].external_id)],
                    data_categories=["content"], received_at=now - timedelta(hours=5))  # fmt: skip
        _advance(r, leo, ["triaged"])
        return r

    def preservation(key: str) -> LegalRequest:
        r = receive(key, type="preservation", authority="FBI Example Field Office", jurisdiction="US",
                    case_number="2703f-25-044", received_at=now - timedelta(days=80),
                    scope=[ScopeInput("customer", customers[4].external_id)])  # fmt: skip
        _advance(r, leo, ["triaged", "verified", "legal_review", "approved"])
        return r

    def eu_preservation(key: str) -> LegalRequest:
        return receive(key, type="eu_preservation", authority="Parquet de Exemple", jurisdiction="FR",
                       case_number="EPOC-PR 25/117", received_at=now - timedelta(hours=2),
                       scope=_ip_scope(allocations[5], now - timedelta(days=3)))  # fmt: skip

    def emergency(key: str) -> LegalRequest:
        r = receive(key, type="emergency", authority="Example City Police", jurisdiction="US",
                    officer_name="Sgt. Example", officer_phone="+1 555 0142", case_number="EDR-0991",
                    data_categories=["subscriber"], received_at=now - timedelta(minutes=20),
                    scope=[ScopeInput("customer", customers[6 % len(customers)].external_id)])  # fmt: skip
        _advance(r, leo, ["triaged", "verified", "legal_review"])
        services.request_callback_record(request_id=r.pk, actor=leo, number="+1 555 0100",
                                         source="the department's official website, duty desk",
                                         note="Lt. Example confirmed the request and the officer",
                                         harm_description="A user of the service posted a credible threat to "
                                                          "harm named students at a school tomorrow morning.")  # fmt: skip
        _advance(r, leo, ["approved"])
        return r

    def mlat(key: str) -> LegalRequest:
        r = receive(key, type="mlat", authority="Ministère de la Justice (via DOJ OIA)", jurisdiction="FR",
                    case_number="MLAT 2025-FR-0042", scope=[ScopeInput("customer", customers[7 % len(customers)].external_id)])  # fmt: skip
        _advance(r, leo, ["triaged", "rejected"])
        return r

    def civil(key: str) -> LegalRequest:
        return receive(key, type="civil_subpoena", authority="Counsel for Example Records LLC", jurisdiction="US",
                       case_number="2:25-cv-01123", received_at=now - timedelta(days=1),
                       scope=[ScopeInput("domain", customers[8 % len(customers)].domains.values_list("name", flat=True).first() or "example.test")])  # fmt: skip

    def eu_production(key: str) -> LegalRequest:
        r = receive(key, type="eu_production", authority="Staatsanwaltschaft Beispiel", jurisdiction="DE",
                    case_number="EPOC 276 Js 51/25", data_categories=["subscriber"],
                    received_at=now - timedelta(days=6), scope=_ip_scope(allocations[1], now - timedelta(days=9)))  # fmt: skip
        _advance(r, leo, ["triaged", "verified"])
        return r

    def dsa(key: str) -> LegalRequest:
        return receive(key, type="dsa_order", authority="Digital Services Coordinator (demo)", jurisdiction="IE",
                       case_number="DSA-10-2025-7", received_at=now - timedelta(days=2),
                       scope=[ScopeInput("customer", customers[9 % len(customers)].external_id)])  # fmt: skip

    def gdpr_access(key: str) -> LegalRequest:
        subject = customers[10 % len(customers)]
        r = receive(key, type="gdpr_access", authority=subject.name, jurisdiction="DE",
                    subject_name=subject.name, subject_email=subject.abuse_email, received_at=now - timedelta(days=26))  # fmt: skip
        _advance(r, leo, ["triaged"])
        services.request_verify(request_id=r.pk, actor=leo, reason="identity matches the contract",
                                method="answer from the contract's address plus the customer number")  # fmt: skip
        services.request_subject_link(
            request_id=r.pk, actor=leo, external_id=subject.external_id, reason="their account"
        )
        _advance(r, leo, ["legal_review", "approved", "collecting"])
        package = package_request(request_id=r.pk, actor=leo, kind="subject_export")
        package_build(package_id=package.pk)
        return r

    def gdpr_erasure(key: str) -> LegalRequest:
        subject = customers[11 % len(customers)]
        r = receive(key, type="gdpr_erasure", authority=subject.name, jurisdiction="NL",
                    subject_name=subject.name, subject_email=subject.abuse_email, received_at=now - timedelta(days=4))  # fmt: skip
        _advance(r, leo, ["triaged"])
        return r

    def gdpr_portability(key: str) -> LegalRequest:
        return receive(key, type="gdpr_portability", authority="A former customer", jurisdiction="AT",
                       subject_name="A former customer", subject_email="someone@example.test")  # fmt: skip

    def gdpr_rectification(key: str) -> LegalRequest:
        subject = customers[0]
        return receive(key, type="gdpr_rectification", authority=subject.name, jurisdiction="DE",
                       subject_name=subject.name, subject_email=subject.abuse_email,
                       description="Asks that the billing contact be corrected.",
                       received_at=now - timedelta(days=8))  # fmt: skip

    def by_mail(key: str) -> LegalRequest | None:
        # As the legal mailbox receives it (``legal.intake``), without an IMAP server.
        raw = (
            "From: Det. Demo <detective@police.example>\r\nTo: legal@desk.example\r\n"
            "Subject: Request for subscriber information, case 25-3317\r\n"
            f"Message-ID: <{key[:16]}@police.example>\r\n\r\n"
            "Please provide subscriber information for the customer hosting the site in the\r\n"
            "attached screenshot. A formal subpoena follows.\r\n"
        ).encode()
        answer = legal_mail_receive([Arrival(raw=raw, channel="imap")], False)[0]
        if answer.outcome != "new":  # received on an earlier run
            return None
        return LegalMail.objects.get(pk=answer.report_id).request

    def art18(key: str) -> LegalRequest:
        r = receive(key, type="dsa_art18", authority="Europol (EU IRU)", jurisdiction="EU",
                    description="Our report: a hosted page announces a planned attack on a named person.",
                    received_at=now - timedelta(days=9), data_categories=["subscriber", "content"],
                    scope=[ScopeInput("customer", customers[2].external_id)])  # fmt: skip
        _advance(r, leo, ["triaged", "verified", "legal_review", "approved", "collecting"])
        _produce(r, leo)
        return r

    def gag_over(key: str) -> LegalRequest:
        r = receive(key, type="court_order", authority="Landgericht Beispiel", jurisdiction="DE",
                    case_number="12 Qs 7/25", received_at=now - timedelta(days=120),
                    data_categories=["subscriber"], scope=[ScopeInput("customer", customers[5].external_id)])  # fmt: skip
        _advance(r, leo, ["triaged", "verified", "legal_review", "approved", "collecting"])
        _produce(r, leo)
        services.request_gag_set(request_id=r.pk, actor=leo, reason="order of the court: no disclosure for 30 days",
                                 order_end=(now + timedelta(days=1)).date())  # fmt: skip
        _advance(r, leo, ["notice_delayed"])
        # the order has since run out: beat fires "notify the customer now"
        ended = now - timedelta(hours=1)
        LegalRequest.objects.filter(pk=r.pk).update(nondisclosure_until=ended)
        r.refresh_from_db()
        services.clocks_apply(r)
        services.holds_sync(r)
        return r

    for name, build in [
        ("subpoena-review", subpoena_review), ("subpoena-gagged", subpoena_gagged),
        ("court-order", court_order), ("warrant", warrant), ("preservation", preservation),
        ("eu-preservation", eu_preservation), ("emergency", emergency), ("mlat", mlat),
        ("civil", civil), ("eu-production", eu_production), ("dsa", dsa),
        ("gdpr-access", gdpr_access), ("gdpr-erasure", gdpr_erasure),
        ("gdpr-portability", gdpr_portability), ("gdpr-rectification", gdpr_rectification),
        ("art18", art18), ("gag-over", gag_over), ("by-mail", by_mail),
    ]:  # fmt: skip
        make(name, build)
    for reminder_id in services.reminders_due():
        services.reminder_fire(reminder_id=reminder_id)
    return {"requests": LegalRequest.objects.count(), "created": created,
            "reminders_fired": Reminder.objects.filter(fired_at__isnull=False).count()}  # fmt: skip
