"""One timeline of a ticket: reports (with a summary of their events), messages, actions
and recorded changes, each with who and when, newest first.

Read-only: a selector over four tables, each bounded, merged in memory. Text in entries is
what people and attackers wrote; templates escape it. Titles and status names are plain
words ("Reply to the customer", "Status: Open → Awaiting customer"), never stored codes:
each source says what its rows mean here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Max, Min

from accounts.roles import AnyUser
from complaints.classification import type_label
from complaints.models import Action, Event, Message, Receipt, Report, Ticket, TicketChange
from complaints.parsers.registry import format_label
from complaints.permissions import reports_reaching_only_visible

PER_SOURCE = 200


@dataclass(frozen=True)
class Entry:
    at: datetime
    kind: str  # report | message | action | change
    who: str
    title: str
    body: str = ""
    status: str = ""  # the code, for the badge's colour
    status_label: str = ""  # what the badge says
    css: str = ""
    object_id: int | None = None
    pending: bool = False


def _user(user: object | None, fallback: str = "system") -> str:
    return user.get_username() if user is not None else fallback  # type: ignore[attr-defined]


def _reports(ticket: Ticket, user: AnyUser | None) -> list[Entry]:
    rows = (
        Event.objects.filter(ticket=ticket)
        .values("report_id")
        .annotate(n=Count("id"), first=Min("observed_at"), last=Max("observed_at"))
        .order_by("-report_id")[:PER_SOURCE]
    )
    stats = {row["report_id"]: row for row in rows}
    reports = Report.objects.filter(pk__in=stats)
    if user is not None:
        # A report that also reaches a ticket the reader may not see is that case's mail.
        reports = reports_reaching_only_visible(user, reports)
    rows_read = list(reports.select_related("reporter"))
    channels: dict[int, str] = {}
    for report_id, channel in (
        Receipt.objects.filter(report__in=rows_read)
        .order_by("-pk")
        .values_list("report_id", "channel")
    ):
        channels[report_id] = channel  # the first receipt's, read last
    entries = []
    for report in rows_read:
        row = stats[report.pk]
        who = str(report.reporter) if report.reporter else (report.sender or "unknown sender")
        span = f"{row['first']:%Y-%m-%d %H:%M}"
        if row["last"] != row["first"]:
            span += f" to {row['last']:%Y-%m-%d %H:%M}"
        events = f"{row['n']} event{'s' if row['n'] != 1 else ''}"
        entries.append(
            Entry(
                at=report.received_at,
                kind="report",
                who=who,
                title=f"Report {report.pk} received "
                f"({format_label(report.format, channels.get(report.pk, ''))}): {events}, "
                f"observed {span} UTC",
                body=report.subject,
                status=report.evidence_status,
                status_label=f"evidence: {report.get_evidence_status_display().lower()}",
                object_id=report.pk,
            )
        )
    return entries


# Who a message goes to or comes from, by its visibility.
_PARTY = {
    Message.Visibility.CUSTOMER: "the customer",
    Message.Visibility.REPORTER: "the reporter",
}


def _message_title(message: Message) -> tuple[str, str]:
    """(who, title) of a message entry."""
    party = _PARTY.get(message.visibility, "")  # type: ignore[call-overload]
    if message.direction == Message.Direction.NOTE:
        return _user(message.author), "Internal note"
    if message.direction == Message.Direction.OUTBOUND:
        what = message.get_kind_display()
        title = f"{what} to {party or message.to_address}"
        if party and message.to_address:
            title += f" ({message.to_address})"
        return _user(message.author, "desk (automatic)"), title
    sender = message.from_address or "an unknown sender"
    if message.kind == Message.Kind.BOUNCE:
        return sender, f"Bounce from {sender}: a mail of ours was not delivered"
    if message.status == Message.Status.PENDING:
        return sender, f"Mail from {sender}, not yet confirmed as part of this ticket"
    return sender, f"Mail from {party} ({sender})" if party else f"Mail from {sender}"


def _messages(ticket: Ticket) -> list[Entry]:
    entries = []
    rows = (
        Message.objects.filter(ticket=ticket)
        .select_related("author", "party")
        .order_by("-created_at")[:PER_SOURCE]
    )
    for message in rows:
        who, title = _message_title(message)
        entries.append(
            Entry(
                at=message.created_at,
                kind="message",
                who=who,
                title=title,
                body=f"{message.subject}\n\n{message.body}".strip(),
                status=message.status,
                status_label=message.get_status_display(),
                css=f"msg-{message.direction} msg-{message.visibility}",
                object_id=message.pk,
                pending=message.status == Message.Status.PENDING,
            )
        )
    return entries


def _actions(ticket: Ticket) -> list[Entry]:
    entries = []
    rows = (
        Action.objects.filter(ticket=ticket)
        .select_related("requested_by", "approved_by", "reverted_by")
        .order_by("-requested_at")[:PER_SOURCE]
    )
    for action in rows:
        name = action.get_kind_display()
        label = action.get_status_display()
        entries.append(
            Entry(
                at=action.requested_at,
                kind="action",
                who=_user(action.requested_by, "policy rule"),
                title=f"{name} requested",
                body=action.reason,
                status=action.status,
                status_label=label,
                object_id=action.pk,
            )
        )
        for at, who, what, body in _action_steps(action):
            entries.append(
                Entry(
                    at=at,
                    kind="action",
                    who=who,
                    title=f"{name} {what}",
                    body=body,
                    status=action.status,
                    status_label=label,
                    object_id=action.pk,
                )
            )
    return entries


def _action_steps(action: Action) -> list[tuple[datetime, str, str, str]]:
    """(when, who, what happened, text) after the request: approval, the outcome, a revert."""
    steps = []
    if action.approved_at is not None:
        steps.append((action.approved_at, _user(action.approved_by, "policy rule"), "approved", ""))
    if action.completed_at is not None:
        # A reverted action was done first; a cancelled one was stopped by a person.
        status = Action.Status.DONE if action.status == Action.Status.REVERTED else action.status
        outcome: str = {
            Action.Status.DONE: "done",
            Action.Status.FAILED: "failed",
            Action.Status.REJECTED: "rejected",
            Action.Status.CANCELLED: "cancelled",
        }.get(Action.Status(status), str(Action.Status(status).label).lower())
        who = _user(action.cancelled_by) if action.cancelled_by_id else "provisioning system"
        body = action.error if status != Action.Status.DONE else ""
        steps.append((action.completed_at, who, outcome, body))
    if action.reverted_at is not None:
        steps.append(
            (action.reverted_at, _user(action.reverted_by), "reverted", action.revert_reason)
        )
    return steps


def _changes(ticket: Ticket) -> list[Entry]:
    rows = (
        TicketChange.objects.filter(ticket=ticket)
        .select_related("actor")
        .order_by("-created_at")[:PER_SOURCE]
    )
    return [
        Entry(
            at=change.created_at,
            kind="change",
            who=_user(change.actor),
            title=change_title(change),
            body=change.note,
            object_id=change.pk,
        )
        for change in rows
    ]


def _choice(choices: type[Ticket.Status] | type[Ticket.Kind], value: str) -> str:
    return str(choices(value).label) if value in choices.values else (value or "—")


def change_title(change: TicketChange) -> str:
    """One recorded change in words; a field this does not know is still shown readably."""
    field, old, new = change.field, change.old_value, change.new_value
    if field == "status":
        return f"Status: {_choice(Ticket.Status, old)} → {_choice(Ticket.Status, new)}"
    if field == "kind":
        return f"Kind: {_choice(Ticket.Kind, old)} → {_choice(Ticket.Kind, new)}"
    if field == "type":
        return f"Classification: {type_label(old) or '—'} → {type_label(new) or '—'}"
    if field == "assignee":
        if not new:
            return f"Unassigned (was {old})" if old else "Unassigned"
        return f"Assigned to {new}" + (f" (was {old})" if old else "")
    if field == "merged":
        return f"Merged {new} into this ticket"
    if field == "merged_into":
        return f"Merged into ticket {new}"
    if field == "restricted_group":
        return f"Restricted to {new}" if new else f"No longer restricted to {old}"
    if field == "message":
        return "Mail removed from this ticket" if old and not new else "Mail added to this ticket"
    if field == "selfservice_link":
        return f"Self-service link {new}… issued" if new else f"Self-service link {old}… revoked"
    if field == "customer_fixed":
        return "The customer says the problem is fixed"
    if field == "customer_contact":
        return "Mail to the customer stopped"
    name = field.replace("_", " ").capitalize()
    return f"{name}: {old or '—'} → {new or '—'}"


def ticket_timeline(ticket: Ticket, *, user: AnyUser | None = None) -> list[Entry]:
    """Every source merged, newest first; report entries limited to those ``user`` may
    read (None: all of them, for the system's own use)."""
    entries = _reports(ticket, user) + _messages(ticket) + _actions(ticket) + _changes(ticket)
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries
