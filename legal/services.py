"""Every write to a legal request: intake, the workflow's transitions, verification and
emergency vetting, the gag and the preservation with their holds on customers, production,
the customer notice and the reminders (docs/architecture.md "Legal desk").

The workflow (``TRANSITIONS``): received → triaged → authenticity verified → legal review →
narrowed or rejected as deficient → approved → collecting → produced / no records →
customer notified, or notice delayed by a gag → closed. A preservation runs beside it:
active → extended → converted → lapsed. Every change is one service here, done by a person
holding the legal role, with a reason, written to the request's history and to the desk's
audit trail (``complaints.audit``) in the same transaction.

Facts some transitions need are recorded by their own service, which makes the transition:
``request_verify`` (the authenticity of the request, or a data subject's identity),
``request_approve`` (an emergency request needs its callback to an independently sourced
number and a written description of the harm first), ``request_second_approve`` (four
eyes: an emergency request is disclosed only after a second legal person approved),
``request_produce`` (what was produced, its SHA-256, channel and recipient) and
``request_customer_notify``.

Holds: a gag (``request_gag_set``) and a preservation (approved preservation requests) put
``customers.CustomerLegalHold`` rows on every customer the scope matched, and close their
ways in (``complaints.restriction.customer_contact_cut_off``); the rest of the desk reads
those rows, never this app.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from accounts.roles import AnyUser
from complaints.audit import audit_record
from complaints.mediation.outbound import InvalidAddress, MailWithheld, message_queue
from complaints.models import Message
from complaints.restriction import customer_contact_cut_off
from customers.legal_holds import customers_under_legal_hold, legal_hold_place
from customers.models import Customer, CustomerLegalHold
from legal import deadlines
from legal.access import is_legal
from legal.models import (
    DataCategory,
    LegalRequest,
    Outcome,
    PreservationState,
    Reminder,
    RequestEvent,
    RequestType,
    ScopeItem,
    ScopeMatch,
    State,
)

S = State
TRANSITIONS: dict[str, frozenset[str]] = {
    S.RECEIVED: frozenset({S.TRIAGED, S.REJECTED}),
    S.TRIAGED: frozenset({S.VERIFIED, S.REJECTED}),
    S.VERIFIED: frozenset({S.LEGAL_REVIEW, S.REJECTED}),
    S.LEGAL_REVIEW: frozenset({S.NARROWED, S.REJECTED, S.APPROVED}),
    S.NARROWED: frozenset({S.LEGAL_REVIEW, S.APPROVED, S.REJECTED}),
    S.APPROVED: frozenset({S.COLLECTING, S.CLOSED}),
    S.COLLECTING: frozenset({S.PRODUCED, S.NO_RECORDS}),
    S.PRODUCED: frozenset({S.CUSTOMER_NOTIFIED, S.NOTICE_DELAYED, S.CLOSED}),
    S.NO_RECORDS: frozenset({S.CUSTOMER_NOTIFIED, S.NOTICE_DELAYED, S.CLOSED}),
    S.NOTICE_DELAYED: frozenset({S.CUSTOMER_NOTIFIED, S.CLOSED}),
    S.CUSTOMER_NOTIFIED: frozenset({S.CLOSED}),
    S.REJECTED: frozenset({S.CLOSED}),
    S.CLOSED: frozenset(),
}
# Reached only through the service that records the facts they need.
RECORDED_STATES = frozenset({S.VERIFIED, S.APPROVED, S.PRODUCED, S.CUSTOMER_NOTIFIED})
PRESERVATION_LIVE = (PreservationState.ACTIVE, PreservationState.EXTENDED)


class LegalError(Exception):
    """A change the workflow refuses, with the reason shown to the person asking."""


# --- helpers ------------------------------------------------------------------------------


def require_legal_actor(actor: AnyUser) -> None:
    if not is_legal(actor):
        raise LegalError("only the legal role works legal requests")


def _locked(request_id: int) -> LegalRequest:
    return LegalRequest.objects.select_for_update().get(pk=request_id)


def request_record(
    request: LegalRequest,
    *,
    actor: AnyUser | None,
    verb: str,
    reason: str = "",
    from_state: str = "",
    to_state: str = "",
    detail: dict[str, Any] | None = None,
) -> RequestEvent:
    """The request's history row and the desk's audit entry, in the caller's transaction."""
    named = actor is not None and actor.is_authenticated
    event = RequestEvent.objects.create(
        request=request,
        actor=actor if named else None,  # type: ignore[misc]
        actor_name=actor.get_username() if named else "",  # type: ignore[union-attr]
        verb=verb,
        from_state=from_state,
        to_state=to_state,
        reason=reason[:4000],
    )
    audit_record(
        actor=actor,
        verb=f"legal.{verb}"[:40],
        obj=request,
        detail={"from": from_state, "to": to_state, "reason": reason[:500], **(detail or {})},
    )
    return event


def _reason(reason: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise LegalError("say why: every change to a legal request carries its reason")
    return text


def _move(request: LegalRequest, to_state: str, *, actor: AnyUser, reason: str) -> None:
    """The transition itself, checked against ``TRANSITIONS``; saved and recorded."""
    allowed = TRANSITIONS.get(request.state, frozenset())
    if to_state not in allowed:
        raise LegalError(f"{request.get_state_display()} cannot move to {State(to_state).label}")
    if to_state == S.CLOSED and request.state == S.APPROVED:
        if not request.is_preservation:
            raise LegalError("an approved request is collected and answered before it closes")
        if request.preservation_state in PRESERVATION_LIVE:
            raise LegalError("the preservation is still running: it lapses, or is converted")
    if to_state == S.NOTICE_DELAYED and not nondisclosure_in_force(request):
        raise LegalError("no non-disclosure order is in force: notify the customer")
    if to_state == S.COLLECTING and request.emergency and request.second_approved_by_id is None:
        raise LegalError("an emergency disclosure needs a second legal approver first")
    before = request.state
    request.state = to_state
    if to_state == S.REJECTED:
        request.outcome = Outcome.REJECTED
    elif to_state == S.NO_RECORDS:
        request.outcome = Outcome.NO_RECORDS
    elif to_state == S.PRODUCED:
        narrowed = request.history.filter(to_state=S.NARROWED).exists()
        request.outcome = Outcome.PARTIAL if narrowed else Outcome.PRODUCED
    request.save()
    request_record(request, actor=actor, verb="transition", reason=reason,
            from_state=before, to_state=to_state)  # fmt: skip
    if to_state in (S.CLOSED, S.REJECTED):
        # The answer's clocks stop; a gag's do not (the order outlives the request).
        Reminder.objects.filter(request=request, fired_at__isnull=True).exclude(
            kind__in=[Reminder.Kind.GAG_ENDING, Reminder.Kind.NOTIFY_CUSTOMER]
        ).delete()
        holds_sync(request)


def nondisclosure_in_force(request: LegalRequest, *, at: datetime | None = None) -> bool:
    now = at or timezone.now()
    if request.nondisclosure_indefinite:
        return True
    return request.nondisclosure_until is not None and request.nondisclosure_until > now


def clocks_apply(request: LegalRequest) -> None:
    """Compute the request's clocks (``legal.deadlines``) and keep one reminder per clock:
    a moved clock's reminder fires again."""
    clocks = deadlines.request_clocks(
        type_=request.type,
        received_at=request.received_at,
        emergency=request.emergency,
        tz=request.time_zone,
        stated_due=request.stated_due_at,
        extended=request.extended_due_at is not None,
        preservation_extensions=request.preservation_extensions,
        nondisclosure_until=None
        if request.nondisclosure_indefinite
        else request.nondisclosure_until,
    )
    request.due_at = clocks.due_at
    request.extended_due_at = clocks.extended_due_at
    if request.is_preservation:
        request.preserve_until = clocks.preserve_until
    request.save(update_fields=["due_at", "extended_due_at", "preserve_until", "updated_at"])
    wanted = dict(clocks.reminders)
    if request.extension_notice_sent_at is not None:
        wanted.pop(Reminder.Kind.EXTENSION_NOTICE, None)
    for reminder in Reminder.objects.filter(request=request):
        due = wanted.pop(reminder.kind, None)
        if due is None:
            if reminder.fired_at is None:
                reminder.delete()
        elif due != reminder.due_at:
            Reminder.objects.filter(pk=reminder.pk).update(due_at=due, fired_at=None, done_at=None)
    for kind, due in wanted.items():
        Reminder.objects.create(request=request, kind=kind, due_at=due)


# --- intake -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScopeInput:
    kind: str
    value: str
    starts_at: datetime | None = None
    ends_at: datetime | None = None


def _scope_validate(item: ScopeInput) -> ScopeInput:
    value = (item.value or "").strip()
    if item.kind == ScopeItem.Kind.IP:
        try:
            value = str(ipaddress.ip_address(value))
        except ValueError as exc:
            raise LegalError(f"not an IP address: {value[:60]!r}") from exc
        if item.starts_at is None or item.ends_at is None:
            raise LegalError("an IP in scope needs its time range (who held it changes)")
    elif item.kind == ScopeItem.Kind.DOMAIN:
        value = value.lower().rstrip(".")
        if "." not in value or " " in value:
            raise LegalError(f"not a domain name: {value[:60]!r}")
    elif item.kind not in (ScopeItem.Kind.CUSTOMER, ScopeItem.Kind.SERVICE):
        raise LegalError(f"unknown scope kind {item.kind!r}")
    if not value:
        raise LegalError("a scope item needs its identifier")
    if item.starts_at and item.ends_at and item.ends_at <= item.starts_at:
        raise LegalError("a scope's time range must end after it starts")
    return ScopeInput(item.kind, value[:253], item.starts_at, item.ends_at)


@transaction.atomic
def request_receive(
    *,
    actor: AnyUser | None,
    type: str,
    authority: str,
    jurisdiction: str,
    received_at: datetime | None = None,
    channel: str = "form",
    officer_name: str = "",
    officer_email: str = "",
    officer_phone: str = "",
    case_number: str = "",
    legal_basis: str = "",
    description: str = "",
    data_categories: Iterable[str] = (),
    emergency: bool = False,
    stated_due: datetime | None = None,
    time_zone: str = "",
    subject_name: str = "",
    subject_email: str = "",
    scope: Iterable[ScopeInput] = (),
    source_sha256: str = "",
) -> LegalRequest:
    """A new request, its deadlines computed from its type and receipt. ``actor`` is the
    legal person entering it (None: the legal mailbox). A request already received from
    the same document (``source_sha256``) is returned as it is."""
    if actor is not None:
        require_legal_actor(actor)
    if type not in RequestType.values:
        raise LegalError(f"unknown request type {type!r}")
    if source_sha256:
        known = LegalRequest.objects.filter(source_sha256=source_sha256).first()
        if known is not None:
            return known
    categories = sorted(set(data_categories))
    unknown = set(categories) - set(DataCategory.values)
    if unknown:
        raise LegalError(f"unknown data categories: {', '.join(sorted(unknown))}")
    if officer_email:
        try:
            validate_email(officer_email)
        except Exception as exc:  # Django's ValidationError: a form error, said plainly
            raise LegalError("the officer's e-mail is not an address") from exc
    items = [_scope_validate(item) for item in scope]
    request = LegalRequest.objects.create(
        type=type,
        channel=channel,
        authority=authority.strip()[:200] or "(not stated)",
        jurisdiction=(jurisdiction or "").strip().upper()[:2],
        officer_name=officer_name[:200],
        officer_email=officer_email[:254],
        officer_phone=officer_phone[:40],
        case_number=case_number[:120],
        legal_basis=legal_basis[:300],
        description=description,
        data_categories=categories,
        emergency=emergency or type == RequestType.EMERGENCY,
        time_zone=time_zone or settings.LEGAL_TIME_ZONE,
        received_at=received_at or timezone.now(),
        subject_name=subject_name[:200],
        subject_email=subject_email[:254],
        stated_due_at=stated_due,
        created_by=actor if actor is not None and actor.is_authenticated else None,  # type: ignore[misc]
        assignee=actor if actor is not None and actor.is_authenticated else None,  # type: ignore[misc]
        source_sha256=source_sha256,
    )
    for item in items:
        ScopeItem.objects.create(request=request, kind=item.kind, value=item.value,
                                 starts_at=item.starts_at, ends_at=item.ends_at)  # fmt: skip
    clocks_apply(request)
    request_record(request, actor=actor, verb="received", to_state=S.RECEIVED,
            reason=f"received by {request.get_channel_display()}")  # fmt: skip
    return request


@transaction.atomic
def scope_item_add(*, request_id: int, actor: AnyUser, item: ScopeInput, reason: str) -> ScopeItem:
    """Add one identifier to the scope (the request names it, or narrowing keeps it)."""
    require_legal_actor(actor)
    request = _locked(request_id)
    checked = _scope_validate(item)
    added = ScopeItem.objects.create(request=request, kind=checked.kind, value=checked.value,
                                     starts_at=checked.starts_at, ends_at=checked.ends_at)  # fmt: skip
    request_record(request, actor=actor, verb="scope.added", reason=_reason(reason),
            detail={"item": f"{checked.kind} {checked.value}"})  # fmt: skip
    return added


@transaction.atomic
def scope_item_remove(*, request_id: int, actor: AnyUser, item_id: int, reason: str) -> None:
    """Narrowing: an identifier leaves the scope (with its registry answers)."""
    require_legal_actor(actor)
    request = _locked(request_id)
    item = ScopeItem.objects.filter(pk=item_id, request=request).first()
    if item is None:
        raise LegalError("no such scope item on this request")
    label = f"{item.kind} {item.value}"
    item.delete()
    request_record(request, actor=actor, verb="scope.removed", reason=_reason(reason),
            detail={"item": label})  # fmt: skip
    holds_sync(request)


# --- the workflow -------------------------------------------------------------------------


@transaction.atomic
def request_transition(
    *, request_id: int, actor: AnyUser, to_state: str, reason: str
) -> LegalRequest:
    """Move a request along the workflow, with the reason. States that need facts recorded
    first are reached through their own service."""
    require_legal_actor(actor)
    if to_state in RECORDED_STATES:
        raise LegalError(f"{State(to_state).label} is recorded with its own form")
    request = _locked(request_id)
    _move(request, to_state, actor=actor, reason=_reason(reason))
    return request


@transaction.atomic
def request_assign(*, request_id: int, actor: AnyUser, assignee: AnyUser | None) -> LegalRequest:
    require_legal_actor(actor)
    if assignee is not None and not is_legal(assignee):
        raise LegalError("legal requests are assigned to the legal role only")
    request = _locked(request_id)
    request.assignee = assignee  # type: ignore[assignment]
    request.save(update_fields=["assignee", "updated_at"])
    name = assignee.get_username() if assignee is not None else "nobody"
    request_record(request, actor=actor, verb="assigned", reason=f"assigned to {name}")
    return request


@transaction.atomic
def request_verify(*, request_id: int, actor: AnyUser, method: str, reason: str) -> LegalRequest:
    """Record how the request was authenticated (or, for a data subject, how their identity
    was checked), by whom and when; the request is then authenticity-verified."""
    require_legal_actor(actor)
    method = (method or "").strip()
    if len(method) < 10:
        raise LegalError("say how it was verified (who was called, which register, ...)")
    request = _locked(request_id)
    if request.state != S.TRIAGED:
        raise LegalError("a request is verified after triage")
    request.verification_method = method[:300]
    request.verified_by = actor  # type: ignore[assignment]
    request.verified_at = timezone.now()
    request.save()
    _move(request, S.VERIFIED, actor=actor, reason=_reason(reason))
    return request


@transaction.atomic
def request_callback_record(
    *,
    request_id: int,
    actor: AnyUser,
    number: str,
    source: str,
    note: str,
    harm_description: str,
) -> LegalRequest:
    """Emergency vetting: the callback to an independently sourced number (never one the
    request gave: forged emergency requests come from compromised police mailboxes), and the
    written description of the harm the disclosure is to prevent."""
    require_legal_actor(actor)
    request = _locked(request_id)
    if not request.emergency:
        raise LegalError("only an emergency request is vetted by callback")
    number, source = (number or "").strip(), (source or "").strip()
    if not number or len(source) < 5:
        raise LegalError("record the number called and where it came from")
    given = "".join(ch for ch in request.officer_phone if ch.isdigit())
    if given and "".join(ch for ch in number if ch.isdigit()) == given:
        raise LegalError("the callback must go to a number found independently, not the request's")
    if len((harm_description or "").strip()) < 20:
        raise LegalError("describe the harm in writing: who is at risk of what")
    request.callback_number = number[:40]
    request.callback_source = source[:300]
    request.callback_note = note
    request.harm_description = harm_description.strip()
    request.callback_by = actor  # type: ignore[assignment]
    request.callback_at = timezone.now()
    request.save()
    request_record(request, actor=actor, verb="emergency.callback",
            reason=f"called {number} (source: {source}): {note}"[:4000])  # fmt: skip
    return request


@transaction.atomic
def request_approve(*, request_id: int, actor: AnyUser, reason: str) -> LegalRequest:
    """Approve the (possibly narrowed) request after legal review. An emergency request
    needs its callback and harm description first; a preservation starts here."""
    require_legal_actor(actor)
    request = _locked(request_id)
    if request.emergency and (request.callback_at is None or not request.harm_description):
        raise LegalError("an emergency request is approved only after its callback is recorded")
    if request.is_data_subject and request.verified_at is None:
        raise LegalError("a data subject's identity is checked before anything is approved")
    request.approved_by = actor  # type: ignore[assignment]
    request.approved_at = timezone.now()
    request.save()
    _move(request, S.APPROVED, actor=actor, reason=_reason(reason))
    if request.is_preservation:
        request.preservation_state = PreservationState.ACTIVE
        request.save(update_fields=["preservation_state", "updated_at"])
        clocks_apply(request)
        holds_sync(request)
        request_record(request, actor=actor, verb="preservation.active",
                reason=f"preserved until {request.preserve_until:%Y-%m-%d %H:%M %Z}")  # fmt: skip
    return request


@transaction.atomic
def request_second_approve(*, request_id: int, actor: AnyUser, reason: str) -> LegalRequest:
    """The second pair of eyes on an emergency disclosure: another legal person, after the
    first approval, confirming that the disclosure stays within the stated emergency."""
    require_legal_actor(actor)
    request = _locked(request_id)
    if request.approved_by_id is None or request.state != S.APPROVED:
        raise LegalError("the second approval follows the first")
    if request.approved_by_id == actor.pk:
        raise LegalError("four eyes: the second approver must be another person")
    request.second_approved_by = actor  # type: ignore[assignment]
    request.second_approved_at = timezone.now()
    request.save()
    request_record(request, actor=actor, verb="emergency.second_approval", reason=_reason(reason))
    return request


@transaction.atomic
def request_produce(
    *,
    request_id: int,
    actor: AnyUser,
    package_id: int,
    channel: str,
    recipient: str,
    reason: str,
) -> LegalRequest:
    """Record the production: the package handed over (its manifest and SHA-256), by which
    channel, to whom."""
    require_legal_actor(actor)
    request = _locked(request_id)
    package = request.packages.filter(pk=package_id, status="ready").first()
    if package is None:
        raise LegalError("produce a package that is built")
    if not channel.strip() or not recipient.strip():
        raise LegalError("record the channel and the recipient of the production")
    files = [f["name"] for f in package.manifest.get("files", [])]
    request.produced_what = f"{package.get_kind_display()} #{package.pk}: " + ", ".join(files)
    request.produced_sha256 = package.sha256
    request.production_channel = channel.strip()[:120]
    request.production_recipient = recipient.strip()[:300]
    request.produced_at = timezone.now()
    request.save()
    _move(request, S.PRODUCED, actor=actor, reason=_reason(reason))
    return request


# --- gag, preservation and the customer notice ------------------------------------------


def customers_in_scope(request: LegalRequest) -> list[Customer]:
    ids = ScopeMatch.objects.filter(item__request=request).values("customer_id")
    customers = list(Customer.objects.filter(pk__in=ids).order_by("pk"))
    if request.subject_customer_id is not None and all(
        c.pk != request.subject_customer_id for c in customers
    ):
        customers.append(request.subject_customer)  # type: ignore[arg-type]
    return customers


def holds_sync(request: LegalRequest) -> None:
    """The customer holds this request places, as its gag and preservation say now: placed
    on every customer the scope matches (and cut off), moved when the order moves, lifted
    from customers that left the scope."""
    reference = request.hold_reference
    customers = customers_in_scope(request)
    wanted: dict[str, datetime | None] = {}
    gag = request.nondisclosure_indefinite or request.nondisclosure_until is not None
    if gag and request.customer_notified_at is None:  # a dated gag's hold ends by itself
        wanted[CustomerLegalHold.Kind.GAG] = (
            None if request.nondisclosure_indefinite else request.nondisclosure_until
        )
    if request.is_preservation and request.preservation_state in PRESERVATION_LIVE:
        wanted[CustomerLegalHold.Kind.PRESERVATION] = request.preserve_until
    starts = request.received_at
    for kind in CustomerLegalHold.Kind.values:
        placed = CustomerLegalHold.objects.filter(reference=reference, kind=kind,
                                                  lifted_at__isnull=True)  # fmt: skip
        if kind not in wanted:
            placed.update(lifted_at=timezone.now())
            continue
        ends = wanted[kind]
        keep = {c.pk for c in customers}
        placed.exclude(customer_id__in=keep).update(lifted_at=timezone.now())
        for customer in customers:
            legal_hold_place(customer=customer, kind=kind, reference=reference,
                             starts_at=starts, ends_at=ends)  # fmt: skip
            customer_contact_cut_off(customer_id=customer.pk, actor_id=None)


@transaction.atomic
def request_gag_set(
    *,
    request_id: int,
    actor: AnyUser,
    reason: str,
    order_end: date | None = None,
    indefinite: bool = False,
) -> LegalRequest:
    """Record a non-disclosure order: until the date the order states, or — a delayed-notice
    order that states none — 90 days from receipt (``legal.deadlines``). Every customer in
    scope is held: nothing automatic and nobody outside legal writes to them."""
    require_legal_actor(actor)
    request = _locked(request_id)
    if indefinite:
        request.nondisclosure_indefinite, request.nondisclosure_until = True, None
    elif order_end is not None:
        request.nondisclosure_indefinite = False
        request.nondisclosure_until = deadlines.end_of_day(order_end, request.time_zone)
    else:
        request.nondisclosure_indefinite = False
        request.nondisclosure_until = deadlines.nondisclosure_end(
            starts_at=request.received_at, steps=1, tz=request.time_zone
        )
    if request.nondisclosure_until is not None and request.nondisclosure_until <= timezone.now():
        raise LegalError("that non-disclosure order has already ended")
    request.customer_notice_due_at = None
    request.save()
    clocks_apply(request)
    holds_sync(request)
    until = "further order" if indefinite else f"{request.nondisclosure_until:%Y-%m-%d %H:%M %Z}"
    request_record(
        request, actor=actor, verb="gag.set", reason=f"{_reason(reason)} (until {until})"
    )
    return request


@transaction.atomic
def request_gag_renew(*, request_id: int, actor: AnyUser, reason: str) -> LegalRequest:
    """A delayed-notice order renewed: one more 90-day step from its current end."""
    require_legal_actor(actor)
    request = _locked(request_id)
    if request.nondisclosure_until is None:
        raise LegalError("no dated non-disclosure order to renew")
    request.nondisclosure_until = deadlines.nondisclosure_renewed(
        current_end=request.nondisclosure_until, tz=request.time_zone
    )
    request.customer_notice_due_at = None
    request.save()
    clocks_apply(request)
    holds_sync(request)
    request_record(request, actor=actor, verb="gag.renewed",
            reason=f"{_reason(reason)} (until {request.nondisclosure_until:%Y-%m-%d %H:%M %Z})")  # fmt: skip
    return request


@transaction.atomic
def request_preservation_extend(*, request_id: int, actor: AnyUser, reason: str) -> LegalRequest:
    """A renewed preservation request: the one extension the law allows."""
    require_legal_actor(actor)
    request = _locked(request_id)
    if request.preservation_state not in PRESERVATION_LIVE:
        raise LegalError("only an active preservation is extended")
    if request.preservation_extensions >= deadlines.max_preservation_extensions(request.type):
        raise LegalError("this preservation was extended already; a new request is needed")
    request.preservation_extensions += 1
    request.preservation_state = PreservationState.EXTENDED
    request.save()
    clocks_apply(request)
    holds_sync(request)
    request_record(request, actor=actor, verb="preservation.extended",
            reason=f"{_reason(reason)} (until {request.preserve_until:%Y-%m-%d %H:%M %Z})")  # fmt: skip
    return request


@transaction.atomic
def request_preservation_convert(
    *, request_id: int, actor: AnyUser, into_id: int, reason: str
) -> LegalRequest:
    """The preserved data is now asked for by a production request (``into_id``): the
    preservation is converted, and its holds go on under the production request until it
    closes."""
    require_legal_actor(actor)
    request = _locked(request_id)
    into = LegalRequest.objects.select_for_update().filter(pk=into_id).first()
    if request.preservation_state not in PRESERVATION_LIVE:
        raise LegalError("only an active preservation is converted")
    if into is None or into.pk == request.pk or into.is_preservation or into.is_data_subject:
        raise LegalError("convert into a production request (subpoena, order, warrant, ...)")
    for match in ScopeMatch.objects.filter(item__request=request).select_related("item"):
        item = match.item
        if not into.scope.filter(kind=item.kind, value=item.value).exists():
            ScopeItem.objects.create(request=into, kind=item.kind, value=item.value,
                                     starts_at=item.starts_at, ends_at=item.ends_at)  # fmt: skip
    for customer in customers_in_scope(request):
        legal_hold_place(customer=customer, kind=CustomerLegalHold.Kind.PRESERVATION,
                         reference=into.hold_reference, starts_at=timezone.now(), ends_at=None)  # fmt: skip
    request.preservation_state = PreservationState.CONVERTED
    request.converted_to = into
    request.save()
    holds_sync(request)
    request_record(request, actor=actor, verb="preservation.converted",
            reason=f"{_reason(reason)} (into {into.reference})")  # fmt: skip
    request_record(into, actor=actor, verb="preservation.received",
            reason=f"preserved data of {request.reference} held under this request")  # fmt: skip
    return request


def preservation_lapse(*, request_id: int) -> bool:
    """Beat: a preservation whose period ended without extension or conversion lapses, and
    its holds are lifted. Idempotent: False when nothing was due."""
    with transaction.atomic():
        request = LegalRequest.objects.select_for_update().filter(pk=request_id).first()
        if request is None or request.preservation_state not in PRESERVATION_LIVE:
            return False
        if request.preserve_until is None or request.preserve_until > timezone.now():
            return False
        request.preservation_state = PreservationState.LAPSED
        request.save(update_fields=["preservation_state", "updated_at"])
        holds_sync(request)
        request_record(request, actor=None, verb="preservation.lapsed",
                reason="the preservation period ended without extension or conversion")  # fmt: skip
    return True


def preservations_lapse_due(*, limit: int = 500) -> list[int]:
    return list(
        LegalRequest.objects.filter(
            preservation_state__in=PRESERVATION_LIVE, preserve_until__lte=timezone.now()
        ).values_list("pk", flat=True)[:limit]
    )


CUSTOMER_NOTICE = (
    "Dear {name},\n\n"
    "we are writing to let you know that {provider} received a legal request concerning "
    "your account ({reference}, from {authority}, {jurisdiction}) on {received}, and "
    "{what}.\n\n{body}\n\n"
    "Please address any question about this notice to {legal_address}, not to the abuse "
    "desk.\n\n{provider} Legal\n"
)


@transaction.atomic
def request_customer_notify(
    *, request_id: int, actor: AnyUser, body: str, reason: str
) -> list[Message]:
    """Tell the customers in scope of the request, once no non-disclosure order forbids it:
    written by legal, sent through the outbound queue. Refused while this request's gag,
    or any other gag on one of those customers, is in force."""
    require_legal_actor(actor)
    request = _locked(request_id)
    if request.state not in (S.PRODUCED, S.NO_RECORDS, S.NOTICE_DELAYED):
        raise LegalError("the customer is notified after the request was answered")
    if nondisclosure_in_force(request):
        raise LegalError("a non-disclosure order is in force: the notice waits")
    customers = customers_in_scope(request)
    gagged = customers_under_legal_hold([c.pk for c in customers], kind=CustomerLegalHold.Kind.GAG)
    if gagged:
        raise LegalError("another non-disclosure order holds a customer in scope: the notice waits")
    what = (
        "we held no records within its scope"
        if request.state == S.NO_RECORDS
        else "we answered it as the law requires"
    )
    sent = []
    for customer in customers:
        address = customer.abuse_email or customer.billing_email
        if not address:
            continue
        text = CUSTOMER_NOTICE.format(
            name=customer.name, provider=settings.PROVIDER_NAME, reference=request.reference,
            authority=request.authority, jurisdiction=request.jurisdiction or "—",
            received=f"{request.received_at:%Y-%m-%d}", what=what, body=body.strip(),
            legal_address=settings.LEGAL_DESK_ADDRESS,
        )  # fmt: skip
        try:
            sent.append(message_queue(kind=Message.Kind.NOTICE, visibility=Message.Visibility.CUSTOMER,
                                      to_address=address, subject=f"Legal request {request.reference}",
                                      body=text, author_id=actor.pk))  # fmt: skip
        except (InvalidAddress, MailWithheld) as exc:
            raise LegalError(
                f"the notice to customer {customer.external_id} cannot go: {exc}"
            ) from exc
    if not sent:
        raise LegalError("no customer in scope has a contact address")
    request.customer_notified_at = timezone.now()
    request.customer_notice_due_at = None
    request.save()
    Reminder.objects.filter(request=request, kind=Reminder.Kind.NOTIFY_CUSTOMER).update(
        done_at=timezone.now(), done_by=actor
    )
    _move(request, S.CUSTOMER_NOTIFIED, actor=actor, reason=_reason(reason))
    return sent


@transaction.atomic
def request_extension_notice_record(
    *, request_id: int, actor: AnyUser, reason: str
) -> LegalRequest:
    """A data subject was told, within the first month, that the answer takes up to two
    more months (GDPR Art. 12(3)): the deadline moves."""
    require_legal_actor(actor)
    request = _locked(request_id)
    if not request.is_data_subject:
        raise LegalError("only a data subject request is extended this way")
    if request.extended_due_at is not None:
        raise LegalError("extended already")
    if request.due_at is not None and timezone.now() > request.due_at:
        raise LegalError("the extension must be notified within the first month")
    request.extension_notice_sent_at = timezone.now()
    request.extended_due_at = deadlines.months_after(
        request.received_at, deadlines.GDPR_EXTENDED_MONTHS, request.time_zone
    )
    request.save()
    clocks_apply(request)
    Reminder.objects.filter(request=request, kind=Reminder.Kind.EXTENSION_NOTICE).update(
        done_at=timezone.now(), done_by=actor
    )
    request_record(request, actor=actor, verb="deadline.extended",
            reason=f"{_reason(reason)} (now due {request.extended_due_at:%Y-%m-%d %H:%M %Z})")  # fmt: skip
    return request


# --- reminders ---------------------------------------------------------------------------


def reminders_due(*, limit: int = 1000) -> list[int]:
    return list(
        Reminder.objects.filter(fired_at__isnull=True, due_at__lte=timezone.now())
        .order_by("due_at")
        .values_list("pk", flat=True)[:limit]
    )


def reminder_fire(*, reminder_id: int) -> bool:
    """Beat: fire one reminder (idempotent: claimed by a conditional update). When a gag
    ends, the request shows "notify the customer now" on top of the legal queue."""
    with transaction.atomic():
        now = timezone.now()
        claimed = Reminder.objects.filter(
            pk=reminder_id, fired_at__isnull=True, due_at__lte=now
        ).update(fired_at=now)
        if not claimed:
            return False
        reminder = Reminder.objects.select_related("request").get(pk=reminder_id)
        request = reminder.request
        if reminder.kind == Reminder.Kind.NOTIFY_CUSTOMER:
            if request.customer_notified_at is not None or nondisclosure_in_force(request):
                Reminder.objects.filter(pk=reminder_id).update(done_at=now)
                return True
            LegalRequest.objects.filter(pk=request.pk).update(customer_notice_due_at=now)
            holds_sync(request)
        request_record(request, actor=None, verb=f"reminder.{reminder.kind}",
                reason=reminder.get_kind_display())  # fmt: skip
    return True


@transaction.atomic
def reminder_done(*, reminder_id: int, actor: AnyUser) -> None:
    require_legal_actor(actor)
    Reminder.objects.filter(pk=reminder_id, done_at__isnull=True).update(
        done_at=timezone.now(), done_by=actor
    )


@transaction.atomic
def request_subject_link(
    *, request_id: int, actor: AnyUser, external_id: str, reason: str
) -> LegalRequest:
    """Link a data subject request to the customer record of the person (found by its
    external id after the identity check), which the export and the erasure work on."""
    require_legal_actor(actor)
    request = _locked(request_id)
    if not request.is_data_subject:
        raise LegalError("only a data subject request has a data subject")
    customer = Customer.objects.filter(external_id=external_id.strip()).first()
    if customer is None:
        raise LegalError("no customer has that external id")
    request.subject_customer = customer
    request.save(update_fields=["subject_customer", "updated_at"])
    request_record(request, actor=actor, verb="subject.linked",
                   reason=f"{_reason(reason)} (customer {customer.external_id})")  # fmt: skip
    return request


@transaction.atomic
def request_classify(
    *, request_id: int, actor: AnyUser, type: str, reason: str, emergency: bool = False
) -> LegalRequest:
    """Say what a request is (a mail to the legal mailbox arrives unclassified, or the first
    reading was wrong): its clocks follow the type from its receipt."""
    require_legal_actor(actor)
    if type not in RequestType.values or type == RequestType.UNCLASSIFIED:
        raise LegalError("classify it as one of the request types")
    request = _locked(request_id)
    if request.state not in (S.RECEIVED, S.TRIAGED):
        raise LegalError("a request is classified at triage")
    before = request.get_type_display()
    request.type = type
    request.emergency = emergency or type == RequestType.EMERGENCY
    request.save(update_fields=["type", "emergency", "updated_at"])
    clocks_apply(request)
    request_record(request, actor=actor, verb="classified",
                   reason=f"{_reason(reason)} ({before} → {request.get_type_display()})")  # fmt: skip
    return request
