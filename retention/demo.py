"""Demo retention for ``seed_demo``: cancellations of the demo billing customers over the
last three months (reasons, offers shown and taken, one termination for abuse kept apart as
involuntary), satisfaction answers on solved demo cases (one bad, with its follow-up for a
lead), and a live cancellation link for trying the customer's page.

Everything goes through the services (``retention.cancellations``, ``retention.surveys``),
then the rows are backdated so the leads' figures have a history. Idempotent: the demo's
cancellations carry a marker and are made once; a new cancellation link is issued on every
run (its token exists only in this run's output).
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from billing.demo import FIRST
from billing.models import LedgerService
from complaints.models import Action, ActionKind, Ticket
from complaints.tickets.services import ticket_open_or_join
from customers.demo import demo_customers
from customers.models import Customer
from retention.cancellations import (
    cancellation_request,
    cancellation_save,
    cancellation_send,
    involuntary_record,
)
from retention.links import cancel_link_issue
from retention.models import Cancellation, SaveOffer, SurveyInvitation, SurveyResponse
from retention.surveys import csat_invite, survey_answer

MARKER = "(demo)"
# (customer index, reason, type, comment, offer taken or "", days ago)
PLAN = [
    (26, "too_expensive", "end_of_period", "Found hosting for half the price", "", 80),
    (27, "switched_provider", "end_of_period", "Our agency moved everything", "", 71),
    (28, "project_ended", "immediate", "The event site is not needed any more", "", 64),
    (29, "too_expensive", "end_of_period", "", "loyalty-discount", 55),
    (30, "performance", "end_of_period", "Slow during the sale", "migration-help", 47),
    (31, "unused", "immediate", "", "", 39),
    (32, "missing_features", "end_of_period", "No Node.js", "", 30),
    (33, "unused", "end_of_period", "", "pause-3-months", 21),
    (34, "support", "end_of_period", "Waited four days for an answer", "", 12),
    (35, "too_expensive", "end_of_period", "", "", 5),
]
TERMINATED = 36
LINK_FOR = 25


def _customer(index: int) -> Customer:
    return Customer.objects.get(external_id=demo_customers()[index]["external_id"])


def _backdate(model: type[Cancellation] | type[SurveyResponse], pk: int, days: int) -> None:
    model._default_manager.filter(pk=pk).update(created_at=timezone.now() - timedelta(days=days))


def _cancellations() -> int:
    if Cancellation.objects.filter(comment__endswith=MARKER).exists():
        return 0
    shown = list(SaveOffer.objects.filter(active=True).values_list("code", flat=True))
    made = 0
    for index, reason, type_, comment, offer, days in PLAN:
        customer = _customer(index)
        service = LedgerService.objects.filter(customer=customer).first()
        if service is None:
            continue
        text = f"{comment} {MARKER}".strip()
        if offer:
            saved = cancellation_save(
                customer=customer, service=service, reason=reason, comment=text,
                offer=SaveOffer.objects.get(code=offer), channel="selfservice", offers_shown=shown,
            )  # fmt: skip
            _backdate(Cancellation, saved.pk, days)
        else:
            with transaction.atomic():
                requested = cancellation_request(
                    customer=customer, service=service, type=type_, reason=reason, comment=text,
                    channel="selfservice" if index % 3 else "mail", offers_shown=shown,
                )  # fmt: skip
            cancellation_send(cancellation_id=requested.cancellation.pk)
            _backdate(Cancellation, requested.cancellation.pk, days)
            exit_survey = SurveyInvitation.objects.filter(
                cancellation=requested.cancellation
            ).first()
            if exit_survey is not None and index % 2 == 0:
                response = survey_answer(invitation=exit_survey, rating=2 + index % 3, comment="")
                _backdate(SurveyResponse, response.pk, days)
        made += 1
    # A termination for abuse: an involuntary cancellation, counted apart.
    customer = _customer(TERMINATED)
    ticket, _ = ticket_open_or_join(
        key=f"demo-retention:termination:{customer.external_id}", kind=Ticket.Kind.ABUSE,
        subject=f"Botnet controller on {customer.name}'s server (terminated)",
        customer_id=customer.pk, type_="c2-server",
    )  # fmt: skip
    action = Action.objects.create(
        ticket=ticket, customer=customer, kind=ActionKind.TERMINATE, status=Action.Status.DONE,
        reason=f"Repeated C2 hosting {MARKER}", completed_at=timezone.now() - timedelta(days=18),
    )  # fmt: skip
    for cancellation in involuntary_record(action_id=action.pk):
        Cancellation.objects.filter(pk=cancellation.pk).update(
            comment=cancellation.comment + f" {MARKER}"
        )
        cancellation_send(cancellation_id=cancellation.pk)
        _backdate(Cancellation, cancellation.pk, 18)
    return made


def _ratings() -> int:
    """CSAT on the solved demo cases with a customer; the ratings spread 1-5."""
    solved = Ticket.objects.filter(
        status__in=[Ticket.Status.RESOLVED, Ticket.Status.CLOSED], customer__isnull=False,
        restricted_group="",
    ).exclude(kind__in=["legal", "investigation", "cancellation"]).order_by("pk")[:12]  # fmt: skip
    answered = 0
    for n, ticket in enumerate(solved):
        if ticket.resolved_at is None:
            Ticket.objects.filter(pk=ticket.pk).update(
                resolved_at=timezone.now() - timedelta(days=2)
            )
        invitation = csat_invite(ticket_id=ticket.pk)
        if invitation is None or invitation.status != SurveyInvitation.Status.SENT or n % 4 == 3:
            continue  # one in four never answers
        rating = [5, 4, 5, 1, 3, 4, 5, 2][n % 8]
        response = survey_answer(
            invitation=invitation, rating=rating,
            comment="Nobody told us what was found." if rating <= 2 else "",
        )  # fmt: skip
        _backdate(SurveyResponse, response.pk, 3 + n * 5)
        answered += 1
    return answered


def seed_retention() -> dict[str, object]:
    """The demo's cancellations, ratings and a fresh cancellation link (module docstring)."""
    cancellations = _cancellations()
    ratings = _ratings()
    _, url = cancel_link_issue(customer=_customer(LINK_FOR), created_by_id=None)
    assert LINK_FOR >= FIRST  # a billed customer: the page has services to offer
    return {"cancellations": cancellations, "ratings": ratings, "cancel_link": url,
            "customer": demo_customers()[LINK_FOR]["external_id"]}  # fmt: skip
