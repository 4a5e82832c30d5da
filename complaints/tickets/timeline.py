"""One timeline of a ticket: reports (with a summary of their events), messages, actions
and recorded changes, each with who and when, newest first.

Read-only: a selector over four tables, each bounded, merged in memory. Text in entries is
what people and attackers wrote; templates escape it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Max, Min

from complaints.models import Event, Message, Report, Ticket, TicketChange

PER_SOURCE = 200


@dataclass(frozen=True)
class Entry:
    at: datetime
    kind: str  # report | message | action | change
    who: str
    title: str
    body: str = ""
    status: str = ""
    css: str = ""
    object_id: int | None = None
    pending: bool = False


def _user(user: object | None, fallback: str = "system") -> str:
    return user.get_username() if user is not None else fallback  # type: ignore[attr-defined]


def _reports(ticket: Ticket) -> list[Entry]:
    rows = (
        Event.objects.filter(ticket=ticket)
        .values("report_id")
        .annotate(n=Count("id"), first=Min("observed_at"), last=Max("observed_at"))
        .order_by("-report_id")[:PER_SOURCE]
    )
    stats = {row["report_id"]: row for row in rows}
    reports = Report.objects.filter(pk__in=stats).select_related("reporter")
    entries = []
    for report in reports:
        row = stats[report.pk]
        who = str(report.reporter) if report.reporter else (report.sender or "unknown sender")
        span = f"{row['first']:%Y-%m-%d %H:%M}"
        if row["last"] != row["first"]:
            span += f" to {row['last']:%Y-%m-%d %H:%M}"
        entries.append(
            Entry(
                at=report.received_at,
                kind="report",
                who=who,
                title=f"Report {report.pk} ({report.format or 'unparsed'}): {row['n']} events, observed {span} UTC",
                body=report.subject,
                status=report.evidence_status,
                object_id=report.pk,
            )
        )
    return entries


_MESSAGE_TITLES = {
    Message.Direction.OUTBOUND: "to",
    Message.Direction.INBOUND: "from",
}


def _messages(ticket: Ticket) -> list[Entry]:
    entries = []
    rows = (
        Message.objects.filter(ticket=ticket)
        .select_related("author", "party")
        .order_by("-created_at")[:PER_SOURCE]
    )
    for message in rows:
        if message.direction == Message.Direction.NOTE:
            title = "Internal note"
            who = _user(message.author)
        elif message.direction == Message.Direction.OUTBOUND:
            title = f"{message.get_kind_display()} to {message.get_visibility_display().lower()}: {message.to_address}"
            who = _user(message.author, "desk (automatic)")
        else:
            title = f"{message.get_kind_display()} from {message.from_address or 'unknown'}"
            who = message.from_address or "unknown"
        entries.append(
            Entry(
                at=message.created_at,
                kind="message",
                who=who,
                title=title,
                body=f"{message.subject}\n\n{message.body}".strip(),
                status=message.status,
                css=f"msg-{message.direction} msg-{message.visibility}",
                object_id=message.pk,
                pending=message.status == Message.Status.PENDING,
            )
        )
    return entries


def _actions(ticket: Ticket) -> list[Entry]:
    try:
        from complaints.models import Action
    except ImportError:  # the actions feature is not installed
        return []
    entries = []
    rows = (
        Action.objects.filter(ticket=ticket)
        .select_related("requested_by", "approved_by", "reverted_by")
        .order_by("-requested_at")[:PER_SOURCE]
    )
    for action in rows:
        entries.append(
            Entry(
                at=action.requested_at,
                kind="action",
                who=_user(action.requested_by, "policy rule"),
                title=f"Action {action.get_kind_display()} requested",
                body=action.reason,
                status=action.status,
                object_id=action.pk,
            )
        )
        for at, who, what in (
            (action.approved_at, action.approved_by, "approved"),
            (action.completed_at, None, action.get_status_display().lower()),
            (action.reverted_at, action.reverted_by, "reverted"),
        ):
            if at is not None:
                body = (
                    action.error
                    if what == "failed"
                    else (action.revert_reason if what == "reverted" else "")
                )
                entries.append(
                    Entry(
                        at=at,
                        kind="action",
                        who=_user(who, "provisioning"),
                        title=f"Action {action.get_kind_display()} {what}",
                        body=body,
                        status=action.status,
                        object_id=action.pk,
                    )
                )
    return entries


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
            title=(
                f"{change.field.replace('_', ' ')}: {change.old_value or '—'} → {change.new_value or '—'}"
            ),
            body=change.note,
            object_id=change.pk,
        )
        for change in rows
    ]


def ticket_timeline(ticket: Ticket) -> list[Entry]:
    """Every source merged, newest first."""
    entries = _reports(ticket) + _messages(ticket) + _actions(ticket) + _changes(ticket)
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries
