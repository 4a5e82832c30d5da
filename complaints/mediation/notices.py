"""First notices to customers (pipeline step 5), as the stored notice policy says.

For every open abuse ticket that the given reports' events were filed on, and that has no
customer notice yet, ``reports_notify_customers`` queues one notice to the customer's abuse
contact when ``NoticePolicy`` for the ticket's type says "notify". One notice per *ticket*:
a Shadowserver report with 300 vulnerable hosts of one customer is one ticket and one
notice; the next day's report joins the open ticket and sends nothing (reminders are the
SLA's business). The ticket row is locked while deciding, so two workers reacting to two
reports of one ticket cannot both notify.

Decisions:

- A type without a policy row, or whose row says "agent decides", gets no automatic notice.
- A restricted case (escalated to investigations, or legal) gets none: its customer must
  not learn that anyone is looking (``complaints.restriction``).
- Tickets whose evidence is insufficient get no automatic notice: an agent asks the reporter
  for evidence first. When a later report with evidence joins, that report's reaction sends
  the notice (the ticket still has none).
- Protected customers are notified like any other: a notice is information, not an action.
  What protection forbids — automatic suspensions and other countermeasures — is decided by
  the actions code, not here.
- The notice goes to ``Customer.abuse_email``, else to ``billing_email``; a customer with
  neither is left to an agent.
- Evidence is redacted (``complaints.mediation.redaction``): the customer never sees the reporter's
  address or the recipients'; only its own contacts and addresses at its own domains stay.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from complaints import classification
from complaints.mediation.digests import customer_notice_queue
from complaints.mediation.outbound import InvalidAddress, address_validate
from complaints.mediation.redaction import redact_for_customer
from complaints.mediation.selfservice import link_issue
from complaints.mediation.templating import response_template_render, template_for
from complaints.models import Event, Message, NoticePolicy, Party, Report, Ticket
from complaints.models.tickets import OPEN_STATUSES
from complaints.restriction import contact_withheld_q, ticket_contact_withheld
from customers.models import Customer, Domain

logger = logging.getLogger(__name__)

MAX_RESOURCES = 50
MAX_EVIDENCE_EVENTS = 5
MAX_EVIDENCE_CHARS = 4000


def reports_notify_customers(report_ids: list[int]) -> list[int]:
    """Queue first notices for the tickets these reports were filed on; returns the queued
    messages' ids. Safe to call again: a ticket is noticed once."""
    if not report_ids:
        return []
    ticket_ids = sorted(
        set(
            Event.objects.filter(report_id__in=report_ids, ticket__isnull=False).values_list(
                "ticket_id", flat=True
            )
        )
    )
    candidates = (
        Ticket.objects.filter(
            pk__in=ticket_ids,
            kind=Ticket.Kind.ABUSE,
            status__in=OPEN_STATUSES,
            customer__isnull=False,
        )
        .exclude(contact_withheld_q())
        .exclude(
            messages__kind=Message.Kind.NOTICE, messages__visibility=Message.Visibility.CUSTOMER
        )
        .values_list("pk", flat=True)
        .order_by("pk")
    )
    queued = []
    for ticket_id in candidates:
        message_pk = ticket_notify_customer(ticket_id=ticket_id, report_ids=report_ids)
        if message_pk is not None:
            queued.append(message_pk)
    return queued


def _customer_address(customer: Customer) -> str | None:
    for address in (customer.abuse_email, customer.billing_email):
        if address:
            try:
                return address_validate(address)
            except InvalidAddress:
                continue
    return None


def customer_keep_set(customer: Customer) -> set[str]:
    """What redaction keeps in a notice to ``customer``: its contacts and its domains."""
    keep = {a.lower() for a in (customer.abuse_email, customer.billing_email) if a}
    now = timezone.now()
    domains = Domain.objects.filter(customer=customer, valid_from__lte=now).exclude(
        valid_to__lte=now
    )
    keep.update(f"@{name.lower()}" for name in domains.values_list("name", flat=True)[:1000])
    return keep


def _excerpt(ticket: Ticket, report_ids: list[int], keep: set[str]) -> str:
    """Evidence of this ticket: the events' own evidence, and the excerpt of each report
    (at most two) whose events are *all* on this ticket — a report that also names other
    customers' resources is never quoted whole. Redacted *before* it is cut, so a cut can
    never leave half an address behind."""
    events = Event.objects.filter(ticket=ticket).exclude(evidence="")
    texts = list(
        events.filter(report_id__in=report_ids)
        .order_by("observed_at")
        .values_list("evidence", flat=True)[:MAX_EVIDENCE_EVENTS]
    ) or list(
        events.order_by("observed_at").values_list("evidence", flat=True)[:MAX_EVIDENCE_EVENTS]
    )
    own_reports = (
        Report.objects.filter(pk__in=report_ids, events__ticket=ticket)
        .exclude(events__ticket__in=Ticket.objects.exclude(pk=ticket.pk))
        .exclude(evidence="")
        .distinct()
        .order_by("pk")
        .values_list("evidence", flat=True)[:2]
    )
    texts.extend(own_reports)
    unique: list[str] = []
    for text in texts:
        text = text.strip()
        if text and not any(text in seen for seen in unique):
            unique = [seen for seen in unique if seen not in text]
            unique.append(text)
    redacted = redact_for_customer("\n\n".join(unique), keep=keep)
    if len(redacted) > MAX_EVIDENCE_CHARS:
        redacted = redacted[:MAX_EVIDENCE_CHARS].rsplit("\n", 1)[0] + "\n[...]"
    return redacted


def notice_context(ticket: Ticket, customer: Customer, report_ids: list[int]) -> dict[str, object]:
    """The plain values a notice template sees (``complaints.mediation.templating.VARIABLES``)."""
    keep = customer_keep_set(customer)
    resources: list[str] = []
    total = 0
    seen: set[str] = set()
    rows = (
        Event.objects.filter(ticket=ticket)
        .values_list("ip", "domain", "url")
        .order_by("observed_at")
    )
    for ip, domain, url in rows.iterator(chunk_size=2000):
        resource = ip or domain or url
        if resource and resource not in seen:
            seen.add(resource)
            total += 1
            if len(resources) < MAX_RESOURCES:
                resources.append(redact_for_customer(resource, keep=keep))
    now = timezone.now()
    return {
        "provider_name": settings.PROVIDER_NAME,
        "desk_address": settings.DESK_FROM_ADDRESS,
        "ticket_number": ticket.pk,
        "ticket_subject": ticket.subject,
        "type": ticket.type,
        "type_label": classification.type_label(ticket.type),
        "customer_name": customer.name,
        "resources": resources,
        "resource_count": total,
        "more_resources": max(0, total - len(resources)),
        "evidence": _excerpt(ticket, report_ids, keep),
        "first_seen": ticket.first_event_at,
        "last_seen": ticket.last_event_at,
        "event_count": ticket.event_count,
        "deadline": now + timedelta(hours=settings.CUSTOMER_NOTICE_DEADLINE_HOURS),
        "self_service_url": "",
    }


@transaction.atomic
def ticket_notify_customer(*, ticket_id: int, report_ids: list[int]) -> int | None:
    """The first notice of one ticket, when its policy says so and none was sent yet;
    returns the queued message's id."""
    ticket = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("customer")
        .filter(pk=ticket_id, status__in=OPEN_STATUSES)
        .first()
    )
    if ticket is None or ticket.customer is None:
        return None
    if ticket_contact_withheld(ticket):  # restricted, or its customer under a legal hold
        logger.info("ticket %s: customer contact withheld, no notice", ticket.pk)
        return None
    if Message.objects.filter(
        ticket=ticket, kind=Message.Kind.NOTICE, visibility=Message.Visibility.CUSTOMER
    ).exists():
        return None
    policy = NoticePolicy.objects.filter(type=ticket.type).select_related("template").first()
    if policy is None or not policy.notify:
        logger.info("ticket %s: no automatic notice for type %r", ticket.pk, ticket.type)
        return None
    if ticket.evidence_status != Ticket.Evidence.COMPLETE:
        logger.info("ticket %s: evidence insufficient, notice left to an agent", ticket.pk)
        return None
    customer = ticket.customer
    to = _customer_address(customer)
    if to is None:
        logger.warning(
            "ticket %s: customer %s has no usable contact address", ticket.pk, customer.pk
        )
        return None
    template = policy.template if policy.template and policy.template.active else None
    template = template or template_for(purpose="notice", audience="customer", type_=ticket.type)
    if template is None:
        logger.warning("ticket %s: no active notice template for %r", ticket.pk, ticket.type)
        return None
    # Every notice carries its own signed, expiring self-service link (revocable on the
    # ticket page); a burst of notices to one customer goes out as a digest instead.
    _, self_service_url = link_issue(ticket=ticket, created_by_id=None)
    context = notice_context(ticket, customer, report_ids)
    context["self_service_url"] = self_service_url
    rendered = response_template_render(template, context)
    Party.objects.get_or_create(
        ticket=ticket,
        role=Party.Role.CUSTOMER,
        email=to,
        defaults={"name": customer.name[:200], "customer": customer},
    )
    message = customer_notice_queue(
        ticket, kind=Message.Kind.NOTICE, subject=rendered.subject, body=rendered.body,
        template=template,
    )  # fmt: skip
    return message.pk
