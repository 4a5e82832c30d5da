"""Refunds and credits: requests the billing role makes and the billing system carries out
(docs/architecture.md "billing/").

The life of an adjustment:

1. ``adjustment_request`` (billing role): the amount, the reason, what it is about (a
   payment to refund, or a credit to the account) and, when it comes from the verifier, the
   finding word for word. At or below ``BILLING_FOUR_EYES_ABOVE`` it is approved by its
   requester at once; above, it waits for a second person of the billing role.
2. ``adjustment_approve`` / ``adjustment_reject``: the second person (never the requester).
3. ``adjustment_execute`` (task ``billing.adjustment_execute``, queued after the approval
   commits): asks the billing system through the connector, outside any transaction, under
   an advisory lock on the row (two workers never send one adjustment). The desk's
   idempotency key goes along, so a repeat after a lost answer is recognised there. The
   outcome: done (with the billing system's reference), to do by hand (a source that cannot
   act: ``adjustment_done_by_hand`` records it once done), or failed with the reason; a
   temporary failure is retried by the task.

Every step writes the audit trail and, when the adjustment belongs to a ticket, a note on it.
A refund may not exceed what the payment brought in less what was refunded of it already.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import Sum
from django.utils import timezone

from accounts.roles import AnyUser
from billing.connector.base import (
    ActionUnsupported,
    PermanentConnectorError,
    TemporaryConnectorError,
)
from billing.connectors import connector_for
from billing.models import Adjustment, BillingSource, LedgerService, LedgerTransaction
from billing.selectors import can_adjust
from billing.tasks import adjustment_execute_task
from billing.verifier import Finding
from complaints.audit import audit_record
from complaints.models import Ticket
from complaints.tickets.services import ticket_note_add
from customers.models import Customer

logger = logging.getLogger(__name__)
MAX_AMOUNT = Decimal("1000000.00")
STUCK_AFTER = timedelta(minutes=15)


class AdjustmentError(ValueError):
    """The request cannot be made or decided as asked; the message says why."""


def _note(adjustment: Adjustment, text: str, actor: AnyUser | None = None) -> None:
    if adjustment.ticket_id is None:
        return
    ticket_note_add(
        ticket=adjustment.ticket_id,
        subject=f"{adjustment.get_kind_display()} of {adjustment.amount} {adjustment.currency}".strip(),
        body=text,
        author_id=actor.pk if actor is not None and actor.is_authenticated else None,
    )


def _audit(actor: AnyUser | None, verb: str, adjustment: Adjustment, **detail: object) -> None:
    audit_record(
        actor=actor, verb=verb, obj=adjustment, ticket=adjustment.ticket_id,
        detail={"kind": adjustment.kind, "amount": str(adjustment.amount),
                "customer": adjustment.client_id, **detail},
    )  # fmt: skip


def _refundable(source: BillingSource, payment: LedgerTransaction) -> Decimal:
    """What a payment brought in, less the refunds the ledger and the desk know of."""
    refunded = Adjustment.objects.filter(
        source=source,
        kind=Adjustment.Kind.REFUND,
        transaction_remote_id=payment.remote_id,
        status__in=[Adjustment.Status.REQUESTED, Adjustment.Status.APPROVED,
                    Adjustment.Status.DONE, Adjustment.Status.BY_HAND],
    ).aggregate(total=Sum("amount"))["total"] or Decimal("0.00")  # fmt: skip
    return payment.amount_in - payment.amount_out - refunded


@transaction.atomic
def adjustment_request(
    *,
    actor: AnyUser,
    kind: str,
    customer: Customer,
    amount: Decimal,
    reason: str,
    ticket: Ticket | None = None,
    invoice_remote_id: str = "",
    transaction_remote_id: str = "",
    finding: Finding | None = None,
) -> Adjustment:
    """Ask for a refund or a credit (module docstring, step 1)."""
    if not can_adjust(actor):
        raise AdjustmentError("Only the billing role asks for refunds and credits.")
    if kind not in Adjustment.Kind.values:
        raise AdjustmentError("Choose a refund or a credit.")
    amount = Decimal(amount).quantize(Decimal("0.01"))
    if amount <= 0 or amount > MAX_AMOUNT:
        raise AdjustmentError("The amount must be more than 0.")
    reason = reason.strip()[:2000]
    if not reason:
        raise AdjustmentError("Say why.")
    if ticket is not None and ticket.customer_id != customer.pk:
        raise AdjustmentError("The ticket is not this customer's.")
    payment = None
    if kind == Adjustment.Kind.REFUND:
        payment = (
            LedgerTransaction.objects.select_for_update()
            .filter(customer=customer, remote_id=transaction_remote_id)
            .select_related("source")
            .first()
        )
        if payment is None:
            raise AdjustmentError("A refund names one of the customer's payments.")
        if amount > _refundable(payment.source, payment):
            raise AdjustmentError(
                f"At most {_refundable(payment.source, payment)} of payment "
                f"{payment.remote_id} is left to refund."
            )
        source, currency = payment.source, payment.currency
        invoice_remote_id = invoice_remote_id or payment.invoice_remote_id
    else:
        ledger = LedgerService.objects.filter(customer=customer).select_related("source").first()
        if ledger is None:
            raise AdjustmentError("The billing system has no service of this customer.")
        source, currency = ledger.source, ledger.currency
    four_eyes = amount > settings.BILLING_FOUR_EYES_ABOVE
    adjustment = Adjustment.objects.create(
        kind=kind, source=source, customer=customer, client_id=customer.external_id, ticket=ticket,
        amount=amount, currency=currency, invoice_remote_id=invoice_remote_id,
        transaction_remote_id=payment.remote_id if payment else "", reason=reason,
        finding=finding.check if finding else "", evidence=finding.as_text() if finding else "",
        needs_second_person=four_eyes, requested_by=actor,  # type: ignore[misc]
    )  # fmt: skip
    _audit(actor, "billing.adjustment_requested", adjustment, four_eyes=four_eyes,
           finding=adjustment.finding)  # fmt: skip
    what = (f"{actor.get_username()} asks for a {kind} of {amount} {currency}: {reason}"
            + (f"\n\nThe verifier's finding:\n{adjustment.evidence}" if finding else ""))  # fmt: skip
    if four_eyes:
        _note(adjustment, what + f"\n\nAbove {settings.BILLING_FOUR_EYES_ABOVE}: a second "
              "person of the billing role approves it.", actor)  # fmt: skip
        return adjustment
    _note(adjustment, what, actor)
    return _approve(adjustment, actor, note="within the amount one person may approve")


def _approve(adjustment: Adjustment, actor: AnyUser, *, note: str) -> Adjustment:
    now = timezone.now()
    updated = Adjustment.objects.filter(
        pk=adjustment.pk, status=Adjustment.Status.REQUESTED
    ).update(
        status=Adjustment.Status.APPROVED,
        decided_by=actor,
        decided_at=now,
        decision_note=note[:500],
    )
    if not updated:
        raise AdjustmentError("It was decided already.")
    adjustment.refresh_from_db()
    _audit(actor, "billing.adjustment_approved", adjustment, note=note[:200])
    adjustment_id = adjustment.pk
    transaction.on_commit(lambda: adjustment_execute_task.delay(adjustment_id), robust=True)
    return adjustment


@transaction.atomic
def adjustment_approve(*, adjustment: Adjustment, actor: AnyUser, note: str = "") -> Adjustment:
    """The second person approves (module docstring, step 2)."""
    if not can_adjust(actor):
        raise AdjustmentError("Only the billing role approves refunds and credits.")
    locked = Adjustment.objects.select_for_update().get(pk=adjustment.pk)
    if locked.requested_by_id == actor.pk:
        raise AdjustmentError("A second person approves it: not the one who asked.")
    approved = _approve(locked, actor, note=note or "approved")
    _note(approved, f"{actor.get_username()} approved it." + (f" {note}" if note else ""), actor)
    return approved


@transaction.atomic
def adjustment_reject(*, adjustment: Adjustment, actor: AnyUser, note: str) -> Adjustment:
    if not can_adjust(actor):
        raise AdjustmentError("Only the billing role decides refunds and credits.")
    note = note.strip()[:500]
    if not note:
        raise AdjustmentError("Say why it is rejected.")
    updated = Adjustment.objects.filter(
        pk=adjustment.pk, status=Adjustment.Status.REQUESTED
    ).update(status=Adjustment.Status.REJECTED, decided_by=actor, decided_at=timezone.now(),
             decision_note=note)  # fmt: skip
    if not updated:
        raise AdjustmentError("It was decided already.")
    adjustment.refresh_from_db()
    _audit(actor, "billing.adjustment_rejected", adjustment, note=note)
    _note(adjustment, f"{actor.get_username()} rejected it: {note}", actor)
    return adjustment


@contextmanager
def _execute_lock(adjustment_id: int) -> Iterator[bool]:
    key = f"billing.adjustment_execute:{adjustment_id}"
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(hashtextextended(%s, 0))", [key])
        locked = bool(cursor.fetchone()[0])
    try:
        yield locked
    finally:
        if locked:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", [key])
            except DatabaseError:
                logger.warning("could not release the lock of adjustment %s", adjustment_id)


def adjustment_execute(*, adjustment_id: int) -> str:
    """Carry out one approved adjustment (module docstring, step 3). Returns its status
    ("busy" when another worker holds it); raises ``TemporaryConnectorError`` to retry."""
    with _execute_lock(adjustment_id) as locked:
        if not locked:
            return "busy"
        adjustment = Adjustment.objects.select_related("source").get(pk=adjustment_id)
        if adjustment.status != Adjustment.Status.APPROVED:
            return adjustment.status
        reference = str(adjustment.idempotency_key)
        note = adjustment.reason[:200]
        try:
            connector = connector_for(adjustment.source)
            if adjustment.kind == Adjustment.Kind.REFUND:
                result = connector.refund(
                    client_id=adjustment.client_id, invoice_remote_id=adjustment.invoice_remote_id,
                    transaction_remote_id=adjustment.transaction_remote_id,
                    amount=adjustment.amount, reference=reference, note=note,
                )  # fmt: skip
            else:
                result = connector.credit_add(
                    client_id=adjustment.client_id, amount=adjustment.amount,
                    reference=reference, note=note,
                )  # fmt: skip
        except TemporaryConnectorError as exc:
            Adjustment.objects.filter(pk=adjustment_id).update(error=exc.reason[:2000])
            raise
        except ActionUnsupported as exc:
            return _finish(adjustment, Adjustment.Status.BY_HAND, error=exc.reason)
        except PermanentConnectorError as exc:
            return _finish(adjustment, Adjustment.Status.FAILED, error=exc.reason)
        return _finish(
            adjustment,
            Adjustment.Status.DONE,
            reference=result.reference,
            answer=dict(result.answer),
        )


@transaction.atomic
def _finish(
    adjustment: Adjustment,
    status: str,
    *,
    reference: str = "",
    answer: dict | None = None,
    error: str = "",
) -> str:
    done = status == Adjustment.Status.DONE
    Adjustment.objects.filter(pk=adjustment.pk, status=Adjustment.Status.APPROVED).update(
        status=status, remote_reference=reference[:200], answer=answer or {}, error=error[:2000],
        completed_at=timezone.now() if done else None,
    )  # fmt: skip
    adjustment.refresh_from_db()
    if status == Adjustment.Status.DONE:
        verb, text = (
            "billing.adjustment_done",
            (f"The billing system carried it out (reference {reference or '—'})."),
        )
    elif status == Adjustment.Status.BY_HAND:
        verb, text = (
            "billing.adjustment_by_hand",
            (f"To carry out by hand in the billing system: {error}"),
        )
    else:
        verb, text = "billing.adjustment_failed", f"The billing system refused it: {error}"
    _audit(None, verb, adjustment, reference=reference, error=error[:300])
    _note(adjustment, text)
    return status


@transaction.atomic
def adjustment_done_by_hand(
    *, adjustment: Adjustment, actor: AnyUser, reference: str
) -> Adjustment:
    """Someone of the billing role carried it out in the billing system by hand."""
    if not can_adjust(actor):
        raise AdjustmentError("Only the billing role records this.")
    reference = reference.strip()[:200]
    if not reference:
        raise AdjustmentError("Give the billing system's reference.")
    updated = Adjustment.objects.filter(pk=adjustment.pk, status=Adjustment.Status.BY_HAND).update(
        status=Adjustment.Status.DONE, remote_reference=reference, completed_at=timezone.now(),
        completed_by=actor,
    )  # fmt: skip
    if not updated:
        raise AdjustmentError("It is not waiting to be done by hand.")
    adjustment.refresh_from_db()
    _audit(actor, "billing.adjustment_done", adjustment, reference=reference, by_hand=True)
    _note(
        adjustment, f"{actor.get_username()} carried it out by hand (reference {reference}).", actor
    )
    return adjustment


def adjustments_requeue_stuck() -> int:
    """Approved adjustments no task took (a lost task): queued again; the lock and the
    status check make a needless extra task harmless."""
    cut = timezone.now() - STUCK_AFTER
    ids = list(
        Adjustment.objects.filter(
            status=Adjustment.Status.APPROVED, decided_at__lt=cut
        ).values_list("pk", flat=True)[:500]
    )
    for pk in ids:
        adjustment_execute_task.delay(pk)
    return len(ids)
