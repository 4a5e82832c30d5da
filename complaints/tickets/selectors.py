"""Read queries over tickets: the agents' queue, shared by the queue page, its partials, the
REST list and the benchmark, so all of them answer the same filters through the same
permission filter (``complaints.permissions``: nothing invisible leaks through a result,
a count or a search).

Filters arrive as a query string (``QueueFilters.from_query``) and go back to one
(``to_query``) for links and saved views. Pages are keyset pages: the cursor is the last
row's (sort key, id), and the next page is the index range after it, so the 200th page costs
what the first does. Every sort key is non-null (see ``QUEUE_ACTIVITY`` / ``QUEUE_SLA_DUE``
in the model) so a row comparison over (key, id) is exact.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.postgres.search import SearchQuery
from django.db.models import (
    BooleanField,
    DateTimeField,
    Expression,
    F,
    Func,
    GenericIPAddressField,
    IntegerField,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accounts import roles
from accounts.roles import AnyUser
from complaints import classification
from complaints.models import Event, Reporter, Ticket
from complaints.models.tickets import OPEN_STATUSES, QUEUE_ACTIVITY, QUEUE_SLA_DUE
from complaints.permissions import (
    RESTRICTED_GROUPS,
    kinds_seen_by,
    roles_seeing,
    tickets_visible_to,
)
from customers.models import Customer

PAGE_SIZE = 50
COUNT_CAP = 1000
# Name fragments can match many customers or reporters; the queue asks for at most this many
# (a fragment that broad is not what the agent meant, and the plan stays an index probe).
MATCH_CAP = 500
DUE_SOON = timedelta(hours=4)
STATUS_ACTIVE = "active"  # every open status
STATUS_ANY = "any"
_AGE = re.compile(r"^([<>])(\d{1,4})([hdw])$")
_AGE_UNITS = {"h": "hours", "d": "days", "w": "weeks"}
_INFINITY = "infinity"


@dataclass(frozen=True)
class SortKey:
    label: str
    expression: Any
    descending: bool
    numeric: bool = False


SORTS: dict[str, SortKey] = {
    "last_event": SortKey("Latest activity", QUEUE_ACTIVITY, descending=True),
    "created": SortKey("Newest", F("created_at"), descending=True),
    # TicketTally holds the index of this order (see complaints.models.tickets).
    "events": SortKey("Most events", F("tally__event_count"), descending=True, numeric=True),
    "sla_due": SortKey("SLA due first", QUEUE_SLA_DUE, descending=False),
}


@dataclass(frozen=True)
class QueueFilters:
    """The queue's filters, as parsed from (and written back to) a query string."""

    status: tuple[str, ...] = (STATUS_ACTIVE,)
    kind: tuple[str, ...] = ()
    type: tuple[str, ...] = ()
    customer: str = ""
    assignee: str = ""  # "me", "unassigned" or a username
    age: str = ""  # "<24h": created within; ">7d": older than (h, d, w)
    sla: str = ""  # "breached" or "due_soon"
    replied: bool = False  # the customer's last message is newer than ours
    reporter: str = ""  # address, name or organisation
    ip: str = ""  # an address or a CIDR; tickets with an event inside it
    q: str = ""  # full text over subject, evidence and messages
    sort: str = "last_event"
    errors: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_query(cls, params: Mapping[str, Any]) -> QueueFilters:
        """Parse a QueryDict (or a plain mapping); unknown values are dropped and reported in
        ``errors`` so a page can say what it ignored and the API can answer 400."""
        errors: dict[str, str] = {}

        def many(name: str) -> list[str]:
            getlist = getattr(params, "getlist", None)
            raw = getlist(name) if getlist else params.get(name, [])
            values = [raw] if isinstance(raw, str) else list(raw)
            return [part.strip() for value in values for part in value.split(",") if part.strip()]

        def one(name: str, limit: int = 200) -> str:
            value = params.get(name, "")
            if isinstance(value, list):
                value = value[-1] if value else ""
            return str(value).strip()[:limit]

        statuses = many("status") or [STATUS_ACTIVE]
        allowed_status = {*Ticket.Status.values, STATUS_ACTIVE, STATUS_ANY}
        if bad := [s for s in statuses if s not in allowed_status]:
            errors["status"] = f"Unknown status: {', '.join(bad)}"
        statuses = [s for s in statuses if s in allowed_status] or [STATUS_ACTIVE]
        kinds = many("kind")
        if bad := [k for k in kinds if k not in Ticket.Kind.values]:
            errors["kind"] = f"Unknown kind: {', '.join(bad)}"
        types = [t for t in many("type") if len(t) <= 40]
        age = one("age", 10)
        if age and not _AGE.match(age):
            errors["age"] = "Age looks like <24h, >7d or >2w"
            age = ""
        sla = one("sla", 20)
        if sla and sla not in ("breached", "due_soon"):
            errors["sla"] = "SLA is breached or due_soon"
            sla = ""
        ip = one("ip", 64)
        if ip:
            try:
                ip = str(ipaddress.ip_network(ip, strict=False))
            except ValueError:
                errors["ip"] = "Not an IP address or CIDR"
                ip = ""
        sort = one("sort", 20) or "last_event"
        if sort not in SORTS:
            errors["sort"] = f"Sort is one of {', '.join(SORTS)}"
            sort = "last_event"
        return cls(
            status=tuple(dict.fromkeys(statuses)),
            kind=tuple(k for k in dict.fromkeys(kinds) if k in Ticket.Kind.values),
            type=tuple(dict.fromkeys(types)),
            customer=one("customer"),
            assignee=one("assignee", 150),
            age=age,
            sla=sla,
            replied=one("replied", 5).lower() in ("1", "true", "on", "yes"),
            reporter=one("reporter", 320),
            ip=ip,
            q=one("q", 300),
            sort=sort,
            errors=errors,
        )

    def to_query(self, **overrides: Any) -> str:
        """The canonical query string (defaults left out), e.g. for a saved view."""
        current = replace(self, **overrides) if overrides else self
        default = QueueFilters()
        pairs: list[tuple[str, str]] = []
        for item in fields(self):
            if item.name == "errors":
                continue
            value = getattr(current, item.name)
            if value == getattr(default, item.name):
                continue
            if isinstance(value, tuple):
                pairs.extend((item.name, v) for v in value)
            elif isinstance(value, bool):
                pairs.append((item.name, "1"))
            else:
                pairs.append((item.name, str(value)))
        return urlencode(pairs)

    @property
    def sort_key(self) -> SortKey:
        return SORTS[self.sort]


class _RowCompare(Func):
    """``(a, b) < (c, d)``: a row comparison, which PostgreSQL answers as one index range
    over a (key, id) index — unlike the equivalent OR of two conditions."""

    output_field = BooleanField()

    def __init__(self, left: tuple[Any, Any], operator: str, right: tuple[Any, Any]) -> None:
        super().__init__(*left, *right)
        self.operator = operator

    def as_sql(self, compiler, connection, **extra_context):  # type: ignore[no-untyped-def,override]
        parts, params = [], []
        for expression in self.get_source_expressions():
            sql, sql_params = compiler.compile(expression)
            parts.append(sql)
            params.extend(sql_params)
        return f"({parts[0]}, {parts[1]}) {self.operator} ({parts[2]}, {parts[3]})", params


class _InetWithin(Func):
    """``ip <<= network``: a range scan of the b-tree on events' addresses (PostgreSQL
    rewrites the operator against a constant network into ``>=`` and ``<=``)."""

    output_field = BooleanField()
    template = "%(expressions)s"
    arg_joiner = " <<= "


def ticket_queue_for(user: AnyUser, filters: QueueFilters) -> QuerySet[Ticket]:
    """The tickets ``user`` may see that match ``filters``, in the queue's order."""
    qs = tickets_visible_to(user, Ticket.objects.all())
    qs = _apply_filters(qs, user, filters)
    key = filters.sort_key
    ordering = (
        (key.expression.desc(), F("id").desc())
        if key.descending
        else (key.expression.asc(), F("id").asc())
    )
    if filters.sort == "events":  # every ticket has a tally: an inner join, index-ordered
        qs = qs.filter(tally__event_count__gte=0)
    return (
        qs.select_related("customer", "assignee")
        .defer("search_vector", "reporter_ids")
        .order_by(*ordering)
    )


def _apply_filters(qs: QuerySet[Ticket], user: AnyUser, filters: QueueFilters) -> QuerySet[Ticket]:
    statuses = set(filters.status)
    if STATUS_ANY not in statuses:
        wanted = (statuses - {STATUS_ACTIVE}) | (
            set(OPEN_STATUSES) if STATUS_ACTIVE in statuses else set()
        )
        qs = qs.filter(status__in=sorted(wanted))
    if filters.kind:
        qs = qs.filter(kind__in=filters.kind)
    if filters.type:
        qs = qs.filter(type__in=filters.type)
    if filters.customer:
        qs = qs.filter(customer_id__in=_customer_ids(filters.customer))
    if filters.assignee:
        qs = _assignee_filter(qs, user, filters.assignee)
    if filters.age:
        match = _AGE.match(filters.age)
        assert match is not None
        sign, amount, unit = match.groups()
        edge = timezone.now() - timedelta(**{_AGE_UNITS[unit]: int(amount)})
        qs = qs.filter(created_at__gte=edge) if sign == "<" else qs.filter(created_at__lt=edge)
    if filters.sla == "breached":
        qs = qs.filter(sla_breached=True)
    elif filters.sla == "due_soon":
        qs = qs.alias(sla_due=QUEUE_SLA_DUE).filter(
            status__in=OPEN_STATUSES, sla_due__lte=timezone.now() + DUE_SOON, sla_breached=False
        )
    if filters.replied:
        qs = qs.filter(customer_replied=True)
    if filters.reporter:
        qs = qs.filter(reporter_ids__overlap=_reporter_ids(filters.reporter) or [0])
    if filters.ip:
        inside = Event.objects.filter(
            _InetWithin(F("ip"), Cast(Value(filters.ip), output_field=GenericIPAddressField()))
        ).values("ticket_id")
        qs = qs.filter(pk__in=inside)
    if filters.q:
        qs = qs.filter(
            search_vector=SearchQuery(filters.q, search_type="websearch", config="simple")
        )
    return qs


def _customer_ids(text: str) -> list[int]:
    matches = Customer.objects.filter(Q(external_id=text) | Q(name__icontains=text))
    return list(matches.values_list("id", flat=True)[:MATCH_CAP])


def _reporter_ids(text: str) -> list[int]:
    matches = Reporter.objects.filter(
        Q(address=text.lower()) | Q(name__icontains=text) | Q(organisation__icontains=text)
    )
    return list(matches.values_list("id", flat=True)[:MATCH_CAP])


def _assignee_filter(qs: QuerySet[Ticket], user: AnyUser, who: str) -> QuerySet[Ticket]:
    if who == "unassigned":
        return qs.filter(assignee__isnull=True)
    if who == "me":
        return qs.filter(assignee_id=user.pk) if user.pk else qs.none()
    User = get_user_model()
    user_id = User.objects.filter(**{User.USERNAME_FIELD: who}).values_list("pk", flat=True).first()
    return qs.filter(assignee_id=user_id) if user_id else qs.none()


# --- pages ----------------------------------------------------------------------------------


@dataclass
class QueuePage:
    rows: list[Ticket]
    next_cursor: str  # "" on the last page
    filters: QueueFilters


def ticket_sort_value(ticket: Ticket, filters: QueueFilters) -> datetime | int | None:
    """The row's sort key as the index holds it (None: the 'infinity' of an unset SLA)."""
    if filters.sort == "created":
        return ticket.created_at
    if filters.sort == "events":
        return ticket.event_count
    if filters.sort == "sla_due":
        candidates = [ticket.resolution_due_at]  # type: ignore[attr-defined]
        if ticket.first_responded_at is None:  # type: ignore[attr-defined]
            candidates.append(ticket.first_response_due_at)  # type: ignore[attr-defined]
        present = [c for c in candidates if c is not None]
        return min(present) if present else None
    return ticket.last_event_at or ticket.created_at


def cursor_for(ticket: Ticket, filters: QueueFilters) -> str:
    value = ticket_sort_value(ticket, filters)
    text = (
        _INFINITY
        if value is None
        else (str(value) if isinstance(value, int) else value.isoformat())
    )
    return f"{text}~{ticket.pk}"


def _parse_cursor(cursor: str, key: SortKey) -> tuple[Expression, int] | None:
    text, _, pk = cursor.rpartition("~")
    if not pk.isdigit():
        return None
    if key.numeric:
        if not text.lstrip("-").isdigit():
            return None
        return Value(int(text), output_field=IntegerField()), int(pk)
    if text == _INFINITY:
        return Cast(Value(_INFINITY), output_field=DateTimeField()), int(pk)
    moment = parse_datetime(text)
    if moment is None:
        return None
    return Value(moment, output_field=DateTimeField()), int(pk)


def ticket_queue_after(
    qs: QuerySet[Ticket], filters: QueueFilters, cursor: str
) -> QuerySet[Ticket]:
    """Rows strictly after ``cursor`` in the queue's order (an unreadable cursor: page 1)."""
    key = filters.sort_key
    parsed = _parse_cursor(cursor, key) if cursor else None
    if parsed is None:
        return qs
    value, pk = parsed
    operator = "<" if key.descending else ">"
    return qs.filter(_RowCompare((key.expression, F("id")), operator, (value, Value(pk))))


def ticket_queue_page(
    user: AnyUser, filters: QueueFilters, *, after: str = "", size: int = PAGE_SIZE
) -> QueuePage:
    """One keyset page of the queue; ``next_cursor`` continues it."""
    qs = ticket_queue_after(ticket_queue_for(user, filters), filters, after)
    rows = list(qs[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return QueuePage(
        rows=rows, next_cursor=cursor_for(rows[-1], filters) if more else "", filters=filters
    )


def ticket_queue_newer(
    user: AnyUser,
    filters: QueueFilters,
    *,
    since: datetime | None,
    since_id: int,
    size: int = PAGE_SIZE,
) -> list[Ticket]:
    """What appeared since the page was drawn, for the polling partial: tickets with newer
    activity (in the default order) or a higher id (new tickets, in any order)."""
    qs = ticket_queue_for(user, filters)
    if filters.sort == "last_event" and since is not None:
        qs = qs.alias(activity=QUEUE_ACTIVITY).filter(Q(activity__gt=since) | Q(pk__gt=since_id))
    else:
        qs = qs.filter(pk__gt=since_id)
    return list(qs[:size])


@dataclass(frozen=True)
class CappedCount:
    value: int
    capped: bool

    def __str__(self) -> str:
        return f"{self.value:,}+" if self.capped else f"{self.value:,}"


def ticket_queue_count(
    user: AnyUser, filters: QueueFilters, *, cap: int = COUNT_CAP
) -> CappedCount:
    """How many tickets match, counting at most ``cap + 1`` rows ("1,000+" beyond)."""
    qs = _apply_filters(tickets_visible_to(user, Ticket.objects.all()), user, filters)
    found = qs.order_by().values("pk")[: cap + 1].count()
    return CappedCount(min(found, cap), found > cap)


@dataclass(frozen=True)
class AgentHome:
    """An agent's own work for the home page: their open tickets (soonest due first) and
    what is due — theirs or nobody's, breached or due within ``DUE_SOON``, clock running."""

    mine: list[Ticket]
    mine_count: CappedCount
    due: list[Ticket]
    due_count: CappedCount


def ticket_home_for(user: AnyUser, *, size: int = 8) -> AgentHome:
    mine = QueueFilters(assignee="me", sort="sla_due")
    due = (
        tickets_visible_to(user, Ticket.objects.all())
        .filter(status__in=OPEN_STATUSES, sla_paused_since__isnull=True)
        .filter(Q(assignee_id=user.pk) | Q(assignee__isnull=True))
        .alias(sla_due=QUEUE_SLA_DUE)
        .filter(Q(sla_due__lte=timezone.now() + DUE_SOON) | Q(sla_breached=True))
    )
    found = due.order_by().values("pk")[: COUNT_CAP + 1].count()
    return AgentHome(
        mine=ticket_queue_page(user, mine, size=size).rows,
        mine_count=ticket_queue_count(user, mine),
        due=list(
            due.select_related("customer", "assignee")
            .defer("search_vector", "reporter_ids")
            .order_by(QUEUE_SLA_DUE.asc(), "id")[:size]
        ),
        due_count=CappedCount(min(found, COUNT_CAP), found > COUNT_CAP),
    )


def type_filter_choices() -> list[tuple[str, str]]:
    """Classification types for the queue's filter: the one list of names."""
    return classification.type_choices()


__all__ = [
    "COUNT_CAP",
    "PAGE_SIZE",
    "SORTS",
    "AgentHome",
    "CappedCount",
    "QueueFilters",
    "QueuePage",
    "cursor_for",
    "ticket_home_for",
    "ticket_queue_after",
    "ticket_queue_count",
    "ticket_queue_for",
    "ticket_queue_newer",
    "ticket_queue_page",
    "type_filter_choices",
]


def users_assignable(
    *, ticket: Ticket | None = None, viewer: AnyUser | None = None
) -> list[AbstractBaseUser]:
    """People a ticket may be handed to: active users who may see, and so work, it by the
    permission filter's own rule (``permissions.roles_seeing``): for a legal case the legal
    team, for an escalated one its restricted group, for a billing question billing and the
    leads. Without a ticket, for the queue's bulk assignment: those who may work a ticket of
    a kind ``viewer`` sees, or of a restricted group ``viewer`` belongs to
    (``ticket_assign`` still refuses, per ticket, anyone who may not see that one)."""
    if ticket is not None:
        seeing = roles_seeing(kind=ticket.kind, restricted_group=ticket.restricted_group)
    else:
        assert viewer is not None, "a ticket or a viewer"
        seeing = frozenset(
            role for kind in kinds_seen_by(viewer) for role in roles_seeing(kind=kind)
        ) | (RESTRICTED_GROUPS & roles.roles_of(viewer))
    User = get_user_model()
    return list(
        User.objects.filter(is_active=True, groups__name__in=sorted(seeing))
        .distinct()
        .order_by(User.USERNAME_FIELD)[:200]
    )
