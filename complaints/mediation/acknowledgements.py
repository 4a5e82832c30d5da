"""Acknowledgements to reporters (pipeline step 5), without ever becoming a backscatter source.

A From header costs nothing to forge: answering every complaint would let anyone make the
desk mail a victim, and answering automatic mail would start mail loops (docs/architecture.md promise
8). So a report is acknowledged only when all of these hold:

- it was filed (not quarantined), it is a complaint (not an auto-reply, bounce, DMARC or
  TLS report), and it arrived as mail (IMAP or a mail file; API callers got their 202);
- its reporter is a person or organisation (not a feedback loop, a feed or an agent),
  not blocked, wants acknowledgements, and is *known* (trust >= KNOWN) or the mail passed
  authentication at our border (``Report.sender_authenticated``, see ``mail_auth``);
- the mail is not automatic or list mail (RFC 3834 section 2): no ``Auto-Submitted`` other
  than ``no``, no ``Precedence: bulk/junk/list/auto_reply``, no ``List-Id`` or
  ``List-Unsubscribe`` on the *outer* message (a complaint that quotes a list message
  carries those headers inside its body or attachment, not on top, so it is still
  acknowledged; a complaint posted to a list is not answered to the list), no
  ``X-Autoreply``/``X-Autorespond``, and ``X-Auto-Response-Suppress`` is honoured;
- the sender is not null (``Return-Path: <>``), not a daemon or list robot
  (MAILER-DAEMON, LISTSERV, majordomo, ``owner-``, ``-request``, no-reply), and not us
  (From in ``DESK_MAIL_DOMAIN`` or ``X-Loop`` naming it);
- the reporter's address and domain are under their hourly limits (Redis), so even an
  authenticated flood yields a bounded number of mails;
- the recipient is not the customer of a restricted case (legal, investigations) that the
  report reaches through its events or the messages it became: a customer who answers an
  investigation, or reports something themselves, is not told anything automatically
  (``complaints.restriction``).

At most one acknowledgement per report: the ``message_one_ack_per_report`` constraint holds
it under retries and concurrent workers. ``Report.acknowledged_at`` is set when the mail is
actually sent (``complaints.mediation.outbound``).
"""

from __future__ import annotations

import hashlib
import logging
import time
from email.message import Message as MailMessage
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import parseaddr

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import BinaryField, F, Func, Value

from complaints import classification
from complaints.mediation.outbound import (
    InvalidAddress,
    MailWithheld,
    address_validate,
    message_queue,
    msgid_clean,
)
from complaints.mediation.templating import response_template_render, template_for
from complaints.models import (
    Event,
    Message,
    Party,
    Receipt,
    Report,
    Reporter,
    ReportRaw,
    Ticket,
)
from complaints.restriction import is_to_customer, report_restricted_tickets

logger = logging.getLogger(__name__)

HEADER_BYTES = 65536
MAX_RESOURCES = 50
_MAIL_CHANNELS = (Receipt.Channel.IMAP, Receipt.Channel.FILE)
_ROBOT_LOCALPARTS = frozenset(
    {"mailer-daemon", "mailer_daemon", "maildaemon", "listserv", "majordomo", "mdaemon",
     "no-reply", "noreply", "do-not-reply", "donotreply", "bounce", "bounces"}
)  # fmt: skip
_LIST_PRECEDENCE = frozenset({"bulk", "junk", "list", "auto_reply", "auto-reply"})


def mail_headers(raw: bytes) -> MailMessage:
    """The header block of a raw message (bounded), parsed leniently."""
    return BytesHeaderParser(policy=compat32).parsebytes(raw[:HEADER_BYTES])


def _value(headers: MailMessage, name: str) -> str:
    return str(headers.get(name, "") or "").strip()


def _is_ours(address: str) -> bool:
    domain = address.rpartition("@")[2].lower()
    ours = settings.DESK_MAIL_DOMAIN.lower()
    return domain == ours or domain.endswith("." + ours)


def ack_refusal(report: Report, headers: MailMessage | None, *, has_mail_receipt: bool) -> str:
    """Why ``report`` must not be acknowledged ("" when it may be). Stable slugs, logged."""
    if report.status != Report.Status.FILED:
        return "not-filed"
    if report.kind != "complaint":
        return "not-a-complaint"
    reporter = report.reporter
    if reporter is None:
        return "no-reporter"
    if reporter.kind != Reporter.Kind.PERSON:
        return f"reporter-is-{reporter.kind}"
    if reporter.trust <= Reporter.Trust.BLOCKED:
        return "reporter-blocked"
    if not reporter.acknowledge:
        return "reporter-opted-out"
    if not has_mail_receipt or headers is None:
        return "not-mail"
    if reporter.trust < Reporter.Trust.KNOWN and not report.sender_authenticated:
        return "unknown-unauthenticated"
    auto = _value(headers, "Auto-Submitted").split(";", 1)[0].strip().lower()
    if auto and auto != "no":
        return "auto-submitted"
    if _value(headers, "Precedence").lower() in _LIST_PRECEDENCE:
        return "precedence"
    if headers.get("List-Id") is not None or headers.get("List-Unsubscribe") is not None:
        return "list-mail"
    if headers.get("X-Autoreply") is not None or headers.get("X-Autorespond") is not None:
        return "auto-reply"
    suppress = {p.strip().lower() for p in _value(headers, "X-Auto-Response-Suppress").split(",")}
    if suppress & {"all", "autoreply", "oof"}:
        return "auto-response-suppressed"
    loop = _value(headers, "X-Loop").lower()
    if loop and settings.DESK_MAIL_DOMAIN.lower() in loop:
        return "own-mail"
    return_path = headers.get("Return-Path")
    if return_path is not None and parseaddr(str(return_path))[1] == "":
        return "null-sender"
    sender = parseaddr(_value(headers, "From"))[1].lower() or report.sender
    if not sender:
        return "no-sender"
    if _is_ours(sender) or _is_ours(report.sender or ""):
        return "own-mail"
    local = sender.partition("@")[0]
    if local in _ROBOT_LOCALPARTS or local.startswith("owner-") or local.endswith("-request"):
        return "robot-sender"
    return ""


def _recipient(report: Report) -> str:
    """Where the acknowledgement goes: the authenticated From, or the known reporter's own
    address (a forged From on a known reporter's name can only make us mail that reporter)."""
    assert report.reporter is not None
    address = report.sender if report.sender_authenticated else report.reporter.address
    return address_validate(address)


def _rate_allows(address: str) -> bool:
    """Fixed one-hour windows per address and per domain, counted in Redis."""
    bucket = int(time.time() // 3600)
    domain = address.rpartition("@")[2].lower()
    limits = (
        (f"ack-rate:a:{hashlib.sha256(address.lower().encode()).hexdigest()[:32]}:{bucket}",
         settings.ACK_RATE_PER_ADDRESS_HOUR),
        (f"ack-rate:d:{hashlib.sha256(domain.encode()).hexdigest()[:32]}:{bucket}",
         settings.ACK_RATE_PER_DOMAIN_HOUR),
    )  # fmt: skip
    for key, limit in limits:
        cache.add(key, 0, timeout=3700)
        if cache.incr(key) > limit:
            return False
    return True


def _context(report: Report, ticket_ids: list[int]) -> dict[str, object]:
    events = Event.objects.filter(report_id=report.pk)
    resources: list[str] = []
    seen: set[str] = set()
    total = 0
    types: list[str] = []
    for ip, domain, url, type_ in events.values_list("ip", "domain", "url", "type").order_by("pk"):
        resource = ip or domain or url
        if type_ not in types:
            types.append(type_)
        if resource and resource not in seen:
            seen.add(resource)
            total += 1
            if len(resources) < MAX_RESOURCES:
                resources.append(resource)
    first_type = types[0] if types else ""
    return {
        "provider_name": settings.PROVIDER_NAME,
        "desk_address": settings.DESK_FROM_ADDRESS,
        "ticket_number": ticket_ids[0] if ticket_ids else "",
        "tickets": ticket_ids,
        "type": first_type,
        "type_label": classification.type_label(first_type) if first_type else "",
        "resources": resources,
        "resource_count": total,
        "more_resources": max(0, total - len(resources)),
        "report_subject": report.subject,
        "report_received": report.received_at,
        "not_our_network": report.not_our_network or not ticket_ids,
        "self_service_url": "",
    }


def reports_acknowledge(report_ids: list[int]) -> list[int]:
    """Queue one acknowledgement per eligible report; returns the queued messages' ids.
    Safe to call again for the same reports: they are acknowledged once."""
    if not report_ids:
        return []
    already = set(
        Message.objects.filter(
            report_id__in=report_ids, kind=Message.Kind.ACKNOWLEDGEMENT
        ).values_list("report_id", flat=True)
    )
    reports = (
        Report.objects.filter(pk__in=set(report_ids) - already)
        .select_related("reporter")
        .order_by("pk")
    )
    mailed = set(
        Receipt.objects.filter(report_id__in=report_ids, channel__in=_MAIL_CHANNELS).values_list(
            "report_id", flat=True
        )
    )
    # Only the head of each raw message is read: a report may be megabytes.
    heads = dict(
        ReportRaw.objects.filter(report_id__in=mailed)
        .annotate(
            head=Func(
                F("content"), Value(1), Value(HEADER_BYTES),
                function="substring", output_field=BinaryField(),
            )
        )
        .values_list("report_id", "head")
    )  # fmt: skip
    queued: list[int] = []
    for report in reports:
        head = heads.get(report.pk)
        headers = mail_headers(bytes(head)) if head else None
        reason = ack_refusal(report, headers, has_mail_receipt=report.pk in mailed)
        if reason:
            logger.info("report %s not acknowledged: %s", report.pk, reason)
            continue
        try:
            to = _recipient(report)
        except InvalidAddress:
            logger.info("report %s not acknowledged: invalid-address", report.pk)
            continue
        if _to_restricted_customer(report, to):
            logger.info("report %s not acknowledged: customer-of-restricted-case", report.pk)
            continue
        assert headers is not None
        message_pk = _acknowledge_one(report, to, msgid_clean(_value(headers, "Message-ID")))
        if message_pk is not None:
            queued.append(message_pk)
    return queued


def _acknowledge_one(report: Report, to: str, report_message_id: str) -> int | None:
    ticket_ids = sorted(
        set(
            Event.objects.filter(report_id=report.pk, ticket__isnull=False).values_list(
                "ticket_id", flat=True
            )
        )
    )
    # An insufficient complaint about our space is answered with the request for evidence
    # (docs/architecture.md evidence check): same one-per-report acknowledgement, different words.
    asks_evidence = (
        bool(ticket_ids)
        and report.evidence_status == Report.Evidence.INSUFFICIENT
        and "not-our-network" not in (report.evidence_reasons or [])
    )
    template = template_for(
        purpose="evidence_request" if asks_evidence else "acknowledgement",
        audience="reporter",
        type_=Ticket.objects.filter(pk__in=ticket_ids[:1]).values_list("type", flat=True).first()
        or "",
    )
    if template is None:
        logger.warning("report %s not acknowledged: no active acknowledgement template", report.pk)
        return None
    # Checked last: a refused report must not spend the reporter's budget.
    if not _rate_allows(to):
        logger.warning("report %s not acknowledged: rate limit of %s", report.pk, to)
        return None
    rendered = response_template_render(template, _context(report, ticket_ids))
    reporter = report.reporter
    assert reporter is not None
    try:
        with transaction.atomic():
            party = None
            if ticket_ids:
                Party.objects.bulk_create(
                    [
                        Party(ticket_id=tid, role=Party.Role.REPORTER, email=to,
                              name=reporter.name[:200], reporter=reporter)
                        for tid in ticket_ids
                    ],
                    ignore_conflicts=True,
                )  # fmt: skip
                party = Party.objects.get(
                    ticket_id=ticket_ids[0], role=Party.Role.REPORTER, email=to
                )
            message = message_queue(
                kind=Message.Kind.ACKNOWLEDGEMENT,
                visibility=Message.Visibility.REPORTER,
                to_address=to,
                subject=rendered.subject,
                body=rendered.body,
                ticket=Ticket.objects.get(pk=ticket_ids[0]) if ticket_ids else None,
                report=report,
                party=party,
                template=template,
                in_reply_to=report_message_id,
            )
    except IntegrityError:  # a concurrent run acknowledged it first
        return None
    except MailWithheld:  # a case restricted meanwhile: the choke point said no
        logger.info("report %s not acknowledged: customer-of-restricted-case", report.pk)
        return None
    return message.pk


def _to_restricted_customer(report: Report, address: str) -> bool:
    """Whether ``address`` is the customer's of a restricted ticket the report reaches."""
    return any(
        is_to_customer(
            ticket, visibility=Message.Visibility.REPORTER, party=None, to_address=address
        )
        for ticket in report_restricted_tickets(report.pk)
    )
