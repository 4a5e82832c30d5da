"""The automatic follow-ups of a conversation: reminders to the party a ticket waits for,
and the closing notice to the reporters once a ticket is resolved or closed.

Both run from Celery beat (``complaints.mediation.tasks``), one task per ticket, and are
idempotent: a reminder is sent only while one is still due, a closing notice once per
closing. Never to the customer of a restricted case: its people write by hand.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Exists, Max, OuterRef, Q
from django.utils import timezone

from complaints.mediation import outbound
from complaints.mediation.digests import customer_notice_queue
from complaints.mediation.parties import reporter_parties
from complaints.mediation.replies import template_context
from complaints.mediation.selfservice import link_issue
from complaints.mediation.tasks import ticket_closed_notify_task
from complaints.mediation.templating import response_template_render, template_for
from complaints.models import Message, Ticket
from complaints.restriction import contact_withheld_q, restricted_q


def tickets_reminder_due() -> list[int]:
    """Tickets waiting for a party whose last message to that party is older than
    ``MEDIATION_REMINDER_AFTER_HOURS`` and that got fewer than ``MEDIATION_MAX_REMINDERS``.
    Never a restricted case: its people write by hand, and a reminder carries a new link;
    never to a customer under a legal hold (``complaints.restriction``)."""
    cut = timezone.now() - timedelta(hours=settings.MEDIATION_REMINDER_AFTER_HOURS)
    due = []
    for status, visibility in (
        (Ticket.Status.AWAITING_CUSTOMER, Message.Visibility.CUSTOMER),
        (Ticket.Status.AWAITING_REPORTER, Message.Visibility.REPORTER),
    ):
        withheld = (
            contact_withheld_q() if status == Ticket.Status.AWAITING_CUSTOMER else restricted_q()
        )
        rows = (
            Ticket.objects.filter(status=status)
            .exclude(withheld)
            .annotate(
                last_out=Max(
                    "messages__created_at",
                    filter=Q(
                        messages__direction=Message.Direction.OUTBOUND,
                        messages__visibility=visibility,
                    ),
                ),
                reminders=Count(
                    "messages",
                    filter=Q(
                        messages__kind=Message.Kind.REMINDER,
                        messages__visibility=visibility,
                    ),
                ),
            )
            .filter(last_out__lt=cut, reminders__lt=settings.MEDIATION_MAX_REMINDERS)
            .values_list("pk", flat=True)
        )
        due += list(rows)
    return due


@transaction.atomic
def ticket_remind(ticket_id: int) -> Message | None:
    """Send one reminder to the party a ticket waits for, if one is still due."""
    ticket = Ticket.objects.select_for_update().filter(pk=ticket_id).first()
    if ticket is None or ticket_id not in tickets_reminder_due_for(ticket):
        return None
    audience = "customer" if ticket.status == Ticket.Status.AWAITING_CUSTOMER else "reporter"
    template = template_for(purpose="reminder", audience=audience, type_=ticket.type)
    link_url = ""
    if audience == "customer":
        _, link_url = link_issue(ticket=ticket, created_by_id=None)
    if template is not None:
        rendered = response_template_render(
            template, template_context(ticket, audience=audience, self_service_url=link_url)
        )
        subject, body = rendered.subject, rendered.body
    else:
        subject = f"Reminder: [Ticket #{ticket.pk}] {ticket.subject}"
        body = (
            f"Hello,\n\nwe are still waiting for your answer about ticket #{ticket.pk} "
            f"({ticket.subject}).\nPlease reply to this message"
            + (f" or answer on:\n{link_url}\n" if link_url else ".\n")
            + f"\n{settings.PROVIDER_NAME} Abuse Desk\n"
        )
    if link_url and link_url not in body:
        body = body.rstrip() + f"\n\nAnswer or see the evidence on:\n{link_url}\n"
    if audience == "customer":
        return customer_notice_queue(
            ticket, kind=Message.Kind.REMINDER, subject=subject, body=body, template=template
        )
    parties = reporter_parties(ticket)
    if not parties:
        return None
    return outbound.message_queue(
        kind=Message.Kind.REMINDER,
        visibility=Message.Visibility.REPORTER,
        to_address=parties[-1].email,
        subject=subject,
        body=body,
        ticket=ticket,
        party=parties[-1],
        template=template,
    )


def tickets_reminder_due_for(ticket: Ticket) -> list[int]:
    return [pk for pk in tickets_reminder_due() if pk == ticket.pk]


def tickets_closed_unnotified() -> list[int]:
    """Resolved or closed tickets whose reporters were not told since they were closed."""
    told = Message.objects.filter(
        ticket_id=OuterRef("pk"),
        kind=Message.Kind.CLOSED,
        created_at__gte=OuterRef("resolved_at"),
    )
    return list(
        Ticket.objects.filter(
            status__in=[Ticket.Status.RESOLVED, Ticket.Status.CLOSED],
            resolved_at__isnull=False,
            resolved_at__gte=timezone.now() - timedelta(days=7),
        )
        .filter(~Exists(told))
        .values_list("pk", flat=True)[:5000]
    )


@transaction.atomic
def ticket_closed_notify(ticket_id: int) -> list[Message]:
    """Tell the ticket's reachable reporters that the case is closed (template purpose
    "closed"); once per closing."""
    ticket = Ticket.objects.select_for_update().filter(pk=ticket_id).first()
    if ticket is None or ticket.status not in (Ticket.Status.RESOLVED, Ticket.Status.CLOSED):
        return []
    since = ticket.resolved_at or ticket.updated_at
    if Message.objects.filter(ticket=ticket, kind=Message.Kind.CLOSED, created_at__gte=since):
        return []
    template = template_for(purpose="closed", audience="reporter", type_=ticket.type)
    if template is not None:
        rendered = response_template_render(template, template_context(ticket, audience="reporter"))
        subject, body = rendered.subject, rendered.body
    else:
        subject = f"Closed: [Ticket #{ticket.pk}] {ticket.subject}"
        body = (
            f"Hello,\n\nthank you for your report. The case #{ticket.pk} ({ticket.subject}) "
            "has been handled with our customer and is now closed.\nIf the abuse continues, "
            "please send a new report.\n\n"
            f"{settings.PROVIDER_NAME} Abuse Desk\n"
        )
    sent = []
    for party in reporter_parties(ticket):
        try:
            sent.append(
                outbound.message_queue(
                    kind=Message.Kind.CLOSED,
                    visibility=Message.Visibility.REPORTER,
                    to_address=party.email,
                    subject=subject,
                    body=body,
                    ticket=ticket,
                    party=party,
                    template=template,
                )
            )
        except outbound.MailWithheld:  # the reporter is the restricted case's customer
            continue
    return sent


def ticket_closed_notify_later(ticket_id: int) -> None:
    """Queue the closing notice after the caller's commit (the beat sweep catches tickets
    closed elsewhere, e.g. by a bulk action)."""
    transaction.on_commit(lambda: ticket_closed_notify_task.delay(ticket_id), robust=True)
