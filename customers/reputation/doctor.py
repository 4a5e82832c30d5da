"""Stored deliverability checks: run the doctor, keep its findings, attach them to a
deliverability ticket, send them to the customer.

Never onto a restricted case (``complaints.restriction``): when the domain's open
deliverability ticket has been escalated (or is a legal case), the doctor neither notes on
it nor mails its customer, and says only that the case cannot be worked from here.

The doctor (``customers.dns.doctor.check_domain``) makes DNS queries for up to its time
budget, so it always runs outside a transaction: the page creates a pending
``DomainCheck`` and a ``checks``-queue task runs it (the page polls with htmx); the
``check_domain`` command runs it in-process and stores the result the same way.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from complaints.mediation.outbound import message_queue
from complaints.models import Message, Party
from complaints.restriction import ticket_contact_withheld, ticket_is_restricted
from complaints.tickets.services import ticket_note_add, ticket_open_or_join
from customers.dns import dnsbl
from customers.dns.doctor import check_blocklists, check_domain
from customers.dns.findings import Check, DomainReport, Severity
from customers.reputation.models import DomainCheck
from customers.reputation.tasks import domain_check_run_task
from customers.reputation.zones import sweep_zone, zones_enabled
from customers.resolution import domain_holdings_at

logger = logging.getLogger(__name__)

SEVERITY_ORDER = ["ok", "info", "warning", "error"]


class NotSendable(Exception):
    """The check cannot be attached or sent: no customer, no abuse contact on file, or the
    domain's case is restricted."""


# Said to whoever works the doctor: not why (the case is another team's), only that.
NOT_FROM_HERE = "this domain's deliverability case cannot be worked from here"


@dataclass(frozen=True)
class DoctorRequest:
    domain: str
    ip: str | None
    selectors: tuple[str, ...]


def domain_check_diagnose(
    request: DoctorRequest, *, nameserver: str | None = None, budget: float = 20.0
) -> DomainReport:
    """Run the doctor (network I/O, no database writes). Blocklists are the enabled IP
    zones, asked through each zone's own nameserver."""
    zones = [sweep_zone(z) for z in zones_enabled() if z.lists == "ip"]
    default_server = settings.DNSBL_NAMESERVER
    main = [z.spec for z in zones if z.nameserver == default_server]
    report = check_domain(
        request.domain,
        ip=request.ip,
        dkim_selectors=list(request.selectors) or None,
        nameserver=nameserver or settings.DOCTOR_NAMESERVER,
        budget=budget,
        blocklist_zones=main,
        blocklist_nameserver=default_server,
    )
    if report.ip and not any(
        f.check is Check.PTR and "not an IP" in f.message for f in report.findings
    ):
        import ipaddress

        address = ipaddress.ip_address(report.ip)
        others: dict[str, list[dnsbl.ZoneSpec]] = {}
        for zone in zones:
            if zone.nameserver != default_server:
                others.setdefault(zone.nameserver, []).append(zone.spec)
        for server, specs in others.items():
            check_blocklists(report, address, specs, server, 2.0, False)
    return report


def worst(findings: Sequence[dict[str, str]]) -> str:
    severities = [f.get("severity", "ok") for f in findings]
    return max(
        severities,
        key=lambda s: SEVERITY_ORDER.index(s) if s in SEVERITY_ORDER else 0,
        default="ok",
    )


def _customer_of(domain: str) -> int | None:
    [holding] = domain_holdings_at([(domain, timezone.now())])
    return holding.customer_id if holding else None


@transaction.atomic
def domain_check_create(
    *, domain: str, ip: str | None, selectors: Sequence[str], user_id: int | None
) -> DomainCheck:
    """A pending check, run by the ``customers.domain_check_run`` task after the commit."""
    check = DomainCheck.objects.create(
        domain=domain.strip().rstrip(".").lower(),
        ip=ip or None,
        selectors=list(selectors),
        status=DomainCheck.Status.PENDING,
        customer_id=_customer_of(domain),
        checked_at=timezone.now(),
        checked_by_id=user_id,
    )
    check_id = check.pk
    # Robust: a broker that is down must not turn the agent's request into a 500; the
    # check stays pending, and asking again queues it again.
    transaction.on_commit(lambda: domain_check_run_task.delay(check_id), robust=True)
    return check


def domain_check_run(*, check_id: int, nameserver: str | None = None) -> DomainCheck:
    """Run a pending check and store its findings; a finished check is left as it is, so a
    redelivered task does nothing twice."""
    check = DomainCheck.objects.get(pk=check_id)
    if check.status != DomainCheck.Status.PENDING:
        return check
    request = DoctorRequest(check.domain, check.ip, tuple(check.selectors or ()))
    try:
        report = domain_check_diagnose(request, nameserver=nameserver)
    except Exception as exc:  # the doctor promises no exception; if it breaks, say so on the row
        logger.exception("domain check %s failed", check_id)
        return domain_check_fail(check_id=check_id, error=f"{type(exc).__name__}: {exc}")
    return domain_check_store(check_id=check_id, report=report)


@transaction.atomic
def domain_check_fail(*, check_id: int, error: str) -> DomainCheck:
    DomainCheck.objects.filter(pk=check_id, status=DomainCheck.Status.PENDING).update(
        status=DomainCheck.Status.FAILED, error=error[:2000], checked_at=timezone.now()
    )
    return DomainCheck.objects.get(pk=check_id)


@transaction.atomic
def domain_check_store(*, check_id: int, report: DomainReport) -> DomainCheck:
    findings = [f.as_dict() for f in report.findings]
    DomainCheck.objects.filter(pk=check_id, status=DomainCheck.Status.PENDING).update(
        status=DomainCheck.Status.DONE,
        ip=report.ip,
        findings=findings,
        worst_severity=report.worst().value,
        elapsed_s=round(report.elapsed_s, 3),
        checked_at=timezone.now(),
    )
    return DomainCheck.objects.get(pk=check_id)


def domain_check_perform(
    *,
    domain: str,
    ip: str | None,
    selectors: Sequence[str],
    nameserver: str | None = None,
    user_id: int | None = None,
) -> tuple[DomainCheck, DomainReport]:
    """Synchronous run for the command: diagnose first (no transaction), then store."""
    report = domain_check_diagnose(
        DoctorRequest(domain, ip, tuple(selectors)), nameserver=nameserver
    )
    return domain_check_save(report=report, selectors=selectors, user_id=user_id), report


@transaction.atomic
def domain_check_save(
    *, report: DomainReport, selectors: Sequence[str], user_id: int | None
) -> DomainCheck:
    findings = [f.as_dict() for f in report.findings]
    ip = report.ip
    try:
        import ipaddress

        ipaddress.ip_address(ip or "")
    except ValueError:
        ip = None
    return DomainCheck.objects.create(
        domain=report.domain,
        ip=ip,
        selectors=list(selectors),
        status=DomainCheck.Status.DONE,
        findings=findings,
        worst_severity=report.worst().value,
        elapsed_s=round(report.elapsed_s, 3),
        customer_id=_customer_of(report.domain) if "." in report.domain else None,
        checked_at=timezone.now(),
        checked_by_id=user_id,
    )


def findings_text(check: DomainCheck) -> str:
    """The findings as plain text for a note or a mail: problems first, each with its fix."""
    lines = [
        f"Deliverability check of {check.domain}"
        + (f" sending from {check.ip}" if check.ip else "")
    ]
    lines.append(f"Checked {check.checked_at:%Y-%m-%d %H:%M} UTC.")
    lines.append("")
    ordered = sorted(
        check.findings,
        key=lambda f: (
            -SEVERITY_ORDER.index(f.get("severity", "ok"))
            if f.get("severity") in SEVERITY_ORDER
            else 0
        ),
    )
    for finding in ordered:
        lines.append(
            f"[{finding.get('severity', '').upper()}] {finding.get('check', '').upper()}: {finding.get('message', '')}"
        )
        if finding.get("fix"):
            lines.append(f"    What to do: {finding['fix']}")
    return "\n".join(lines)


@transaction.atomic
def domain_check_attach(*, check_id: int, user_id: int | None) -> DomainCheck:
    """Attach the check to the open deliverability ticket of its customer and domain
    (opening one), with the findings as an internal note. Attaching twice adds nothing.
    Raises ``NotSendable`` when that ticket is restricted (nothing is written)."""
    check = DomainCheck.objects.select_for_update().get(pk=check_id)
    if check.ticket_id is not None:
        return check
    holder = check.customer_id or "none"
    ticket, _ = ticket_open_or_join(
        key=f"deliverability:{holder}:{check.domain}",
        kind="deliverability",
        subject=f"Deliverability of {check.domain}",
        customer_id=check.customer_id,
        resource=check.domain,
        at=check.checked_at,
    )
    if ticket_is_restricted(ticket):
        raise NotSendable(NOT_FROM_HERE)
    ticket_note_add(
        ticket=ticket,
        subject=f"Deliverability check of {check.domain}: worst {check.worst_severity}",
        body=findings_text(check),
        author_id=user_id,
    )
    check.ticket = ticket
    check.save(update_fields=["ticket"])
    return check


@transaction.atomic
def domain_check_send(*, check_id: int, user_id: int | None) -> Message:
    """Queue the findings as a message to the customer's abuse contact, on the check's
    deliverability ticket (attached first when needed). The SMTP sender sends queued
    messages after the commit."""
    check = domain_check_attach(check_id=check_id, user_id=user_id)
    check = (
        DomainCheck.objects.select_for_update(of=("self",))
        .select_related("customer", "ticket")
        .get(pk=check.pk)
    )
    if check.sent_message_id is not None:
        return Message.objects.get(pk=check.sent_message_id)
    if check.ticket is not None and ticket_contact_withheld(check.ticket):
        raise NotSendable(NOT_FROM_HERE)  # attached before the case was restricted
    customer = check.customer
    if customer is None or not customer.abuse_email:
        raise NotSendable("no customer with an abuse contact holds this domain")
    assert check.ticket is not None
    party, _ = Party.objects.get_or_create(
        ticket=check.ticket,
        role=Party.Role.CUSTOMER,
        email=customer.abuse_email,
        defaults={"name": customer.name, "customer": customer},
    )
    subject = f"Why mail from {check.domain} may be rejected"
    body = (
        f"Hello {customer.name},\n\n"
        f"We checked how {check.domain} is set up for sending e-mail. Receivers reject or "
        "junk mail when the points below are wrong; the most important come first, each "
        "with what to change.\n\n"
        f"{findings_text(check)}\n\n"
        f"Reply to this message if you have questions.\n\n{settings.PROVIDER_NAME} abuse desk\n"
    )
    message = message_queue(
        kind=Message.Kind.NOTICE,
        visibility=Message.Visibility.CUSTOMER,
        to_address=customer.abuse_email,
        subject=subject,
        body=body,
        ticket=check.ticket,
        party=party,
        author_id=user_id,
    )
    check.sent_message = message
    check.save(update_fields=["sent_message"])
    return message


__all__ = [
    "DoctorRequest",
    "NotSendable",
    "Severity",
    "domain_check_attach",
    "domain_check_create",
    "domain_check_perform",
    "domain_check_run",
    "domain_check_send",
]
