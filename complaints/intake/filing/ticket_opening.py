"""Opening and counting tickets for a filing: the open ticket of each aggregation key, or
a new one.

A ticket's counts, event times and reporters are written by the intake itself, with what
the filing brings, before its events go in by a statement the events' trigger leaves alone
(``event_copy``):
- a new ticket opens with all of it, search text included, so it is written once; its id is
  taken from the sequence first, so that the events' rows can be built while the server
  inserts the tickets;
- an open ticket that has events already gets the filing's counts added (its search text is
  settled by then). An open ticket without events (opened by hand) is left to the events'
  trigger, which also gives it its first search text.
These statements (``TicketPlan.statements``) are run by ``trustsafety.db_background`` while
the worker fingerprints the events. Where some events turn out to be on file already (a
re-sent report), ``tickets_recount`` takes back what they would have added.

Locks are taken in one order everywhere (new tickets by key, then tickets by id), which
keeps concurrent filings from deadlocking; a key whose ticket a concurrent filing opened
meanwhile is locked after the others, and the rare deadlock that can cause is retried."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connection

from complaints import classification, search_sql
from complaints.intake.filing.attribution import Attributed
from complaints.intake.filing.bulk_sql import (
    Column,
    arrays,
    defaults_sql,
    insert_columns,
    select_list,
    unnest_sql,
)
from complaints.intake.filing.rows import MAX_EVENT_EVIDENCE, MAX_REPORT_EVIDENCE, EventRow, clean
from complaints.intake.filing.rows import ParsedReport as Parsed
from complaints.models import Ticket
from complaints.models.tickets import OPEN_STATUSES
from trustsafety.db_background import Statement
from trustsafety.pg_arrays import array_literal

_OPEN_LIST = ", ".join(f"'{s}'" for s in OPEN_STATUSES)

# The statements a filing runs on existing tickets (bench/ticket_statements.py explains
# them on a million tickets).
SQL_OPEN_OF_KEYS = (
    "SELECT aggregation_key, id FROM complaints_ticket "  # noqa: S608 - constants only
    f"WHERE aggregation_key = ANY(%s::text[]) AND status IN ({_OPEN_LIST})"
)
SQL_LOCK = "SELECT id FROM complaints_ticket WHERE id = ANY(%s::bigint[]) ORDER BY id FOR UPDATE"


@dataclass(frozen=True)
class Counts:
    """What one filing adds to a ticket."""

    events: int
    reports: int


@dataclass
class Counted:
    """The tickets whose counts the intake wrote, with what it counted for each."""

    opened: dict[int, Counts] = field(default_factory=dict)  # opened by this filing
    added: dict[int, Counts] = field(default_factory=dict)  # open already, counts added

    @property
    def ids(self) -> set[int]:
        return set(self.opened) | set(self.added)

    def planned(self) -> dict[int, Counts]:
        return {**self.opened, **self.added}


@dataclass
class TicketPlan:
    """The tickets of a batch: those found open, and those to open with their new ids."""

    groups: dict[str, list[EventRow]]  # aggregation key -> the batch's rows
    report_ids: dict[str, set[int]]  # aggregation key -> the reports of its rows
    verdicts: dict
    parsed_of: dict[int, Parsed]
    reporters: dict[int, int]  # report id -> reporter id
    ticket_of_key: dict[str, int] = field(default_factory=dict)
    new_ids: dict[str, int] = field(default_factory=dict)  # key -> id of the ticket to open
    found: dict[str, int] = field(default_factory=dict)  # key -> its open ticket, as planned

    def counts(self, key: str) -> Counts:
        return Counts(len(self.groups[key]), len(self.report_ids[key]))

    def facts(self, key: str) -> tuple[datetime, datetime, str]:
        """The first and last time of the key's rows, and their reporters' ids (an array
        literal)."""
        times = [row.observed_at for row in self.groups[key]]
        reporters = sorted({self.reporters[report_id] for report_id in self.report_ids[key]})
        return min(times), max(times), array_literal(reporters)

    def arrivals(self, ticket_ids: set[int] | dict[int, Counts]) -> dict[int, datetime]:
        """When the first report of each of these tickets' keys arrived in this batch:
        where their SLA clocks start (``complaints.tickets.clocks``)."""
        return {
            ticket_id: min(self.parsed_of[rid].received_at for rid in self.report_ids[key])
            for key, ticket_id in self.ticket_of_key.items()
            if ticket_id in ticket_ids
        }

    def statements(self) -> list[Statement]:
        """In lock order: the INSERT of the tickets to open (returning the keys opened),
        the lock of the open tickets found, and the UPDATE adding this filing's counts to
        those of them with events (returning their ids). ``tickets_settle`` reads the
        results."""
        statements: list[Statement] = []
        if self.new_ids:
            statements.append(_open_statement(self, self.new_ids))
        if self.found:
            statements.extend(_add_statements(self))
        return statements


def tickets_plan(
    rows: list[EventRow],
    verdicts: dict,
    parsed_of: dict[int, Parsed],
    reporters: dict[int, int],
) -> TicketPlan:
    """Find the open ticket of every aggregation key in the batch and take ids for the
    others. A ticket counts the batch's rows of its key."""
    groups: dict[str, list[EventRow]] = defaultdict(list)
    for row in rows:
        if row.key:
            groups[row.key].append(row)
    plan = TicketPlan(
        groups,
        {key: {row.report_id for row in group} for key, group in groups.items()},
        verdicts,
        parsed_of,
        reporters,
    )
    # Most keys of a batch have their open ticket already: subjects and search text are
    # only built for the tickets really opened.
    plan.found = _open_tickets_of(list(groups))
    plan.ticket_of_key = dict(plan.found)
    todo = sorted(key for key in groups if key not in plan.found)
    plan.new_ids = dict(zip(todo, _ticket_ids(len(todo)), strict=True))
    plan.ticket_of_key.update(plan.new_ids)
    return plan


def tickets_settle(plan: TicketPlan, results: list[list[tuple]]) -> Counted:
    """After the plan's statements (``results``, theirs in order): the tickets whose counts
    they wrote. Keys whose ticket a concurrent filing opened first (DO NOTHING) join that
    one; if it was closed again meanwhile, a ticket is opened now. ``plan.ticket_of_key``
    is updated."""
    results = list(results)
    opened_rows = results.pop(0) if plan.new_ids else []
    added_rows = results[_ADDED_RESULT] if plan.found else []
    key_of = {tid: key for key, tid in plan.found.items()}
    counted = Counted(added={tid: plan.counts(key_of[tid]) for (tid,) in added_rows})
    opened_keys = {key for key, _ in opened_rows}
    counted.opened = {plan.new_ids[key]: plan.counts(key) for key in opened_keys}
    pending = [key for key in plan.new_ids if key not in opened_keys]
    for _attempt in range(3):
        if not pending:
            break
        # Committed by the time DO NOTHING returned.
        plan.ticket_of_key.update(_open_tickets_of(pending))
        pending = [key for key in pending if plan.ticket_of_key[key] == plan.new_ids[key]]
        if not pending:
            break
        ids = dict(zip(pending, _ticket_ids(len(pending)), strict=True))
        plan.ticket_of_key.update(ids)
        plan.new_ids.update(ids)
        with connection.cursor() as cursor:
            cursor.execute(*_open_statement(plan, ids))
            again = {key for key, _ in cursor.fetchall()}
        counted.opened.update({ids[key]: plan.counts(key) for key in again})
        pending = [key for key in pending if key not in again]
    for key in pending:  # still not settled: its events stay without a ticket
        del plan.ticket_of_key[key]
    return counted


def tickets_lock(plan: TicketPlan, counted: Counted) -> None:
    """Lock the tickets of keys a concurrent filing opened meanwhile (the plan's statements
    locked the others), before the events' trigger updates them; mark complete the
    evidence of cases opened on insufficient reports that now have a complete one."""
    found = plan.ticket_of_key
    planned_found = set(plan.found.values())
    with connection.cursor() as cursor:
        late = sorted(
            tid for tid in found.values() if tid not in counted.opened and tid not in planned_found
        )
        if late:
            cursor.execute(SQL_LOCK, [array_literal(late)])
        upgrade = [
            found[key]
            for key, group in plan.groups.items()
            if key in found
            and found[key] not in counted.opened
            and any(plan.verdicts[row.report_id].status == "complete" for row in group)
        ]
        if upgrade:
            cursor.execute(
                "UPDATE complaints_ticket SET evidence_status = 'complete' "
                "WHERE id = ANY(%s::bigint[]) AND evidence_status <> 'complete'",
                [array_literal(upgrade)],
            )
    # SLA clocks of the tickets opened here are started by the SLA sweep (complaints.actions.sla).


def tickets_recount(counted: Counted, inserted: dict[int, Counts]) -> set[int]:
    """Where some of the events a ticket was counted for were on file already (a re-sent
    report), take back what they added: a ticket this filing opened gets the numbers
    actually inserted, and is removed if none of its events were new (opened in this
    transaction, nothing else refers to it yet); an open ticket gets the difference. Event
    times and reporters stay as counted: the events on file were observed at those times
    and reported by those reporters. Returns the ids of the tickets removed."""
    zero = Counts(0, 0)
    planned = counted.planned()
    wrong = {
        tid: inserted.get(tid, zero) for tid, c in planned.items() if inserted.get(tid, zero) != c
    }
    if not wrong:
        return set()
    removed = {tid for tid, c in wrong.items() if c.events == 0 and tid in counted.opened}
    ids = list(wrong)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE complaints_ticket t "
            "SET event_count = t.event_count - u.dn, report_count = t.report_count - u.dr "
            "FROM unnest(%s::bigint[], %s::int[], %s::int[]) AS u(id, dn, dr) "
            "WHERE t.id = u.id AND NOT (t.id = ANY(%s::bigint[]))",
            [
                array_literal(ids),
                array_literal(planned[tid].events - wrong[tid].events for tid in ids),
                array_literal(planned[tid].reports - wrong[tid].reports for tid in ids),
                array_literal(removed),
            ],
        )
        if removed:
            cursor.execute(
                "DELETE FROM complaints_ticket WHERE id = ANY(%s::bigint[])",
                [array_literal(removed)],
            )
    return removed


@dataclass(frozen=True)
class _Found:
    """What one filing adds to a ticket found open for its key."""

    id: int
    counts: Counts
    first_at: datetime
    last_at: datetime
    reporters: str  # an array literal of reporter ids


# The counts a filing adds to an open ticket, one row per ticket (see ``COUNTS_ADDED``).
_ADD_COLUMNS: tuple[Column[_Found], ...] = (
    Column("id", "bigint", lambda t: t.id),
    Column("n", "int", lambda t: t.counts.events),
    Column("reports_n", "int", lambda t: t.counts.reports),
    Column("first_at", "timestamptz", lambda t: t.first_at),
    Column("last_at", "timestamptz", lambda t: t.last_at),
    Column("rp", "text", lambda t: t.reporters),
)
SQL_ADD = f"""
UPDATE complaints_ticket t
   SET {search_sql.COUNTS_ADDED}
  FROM (SELECT id, n, reports_n, first_at, last_at, rp::bigint[] AS reporters
          FROM {unnest_sql(_ADD_COLUMNS)}) d
 WHERE t.id = d.id AND ({search_sql.TEXT_SETTLED})
RETURNING t.id
"""  # noqa: S608 - built from constant SQL fragments
_ADDED_RESULT = 2  # the position of SQL_ADD's rows among the results of _add_statements


def _add_statements(plan: TicketPlan) -> list[Statement]:
    """Lock the open tickets found, in id order, and add the filing's counts to those whose
    search text is settled, as the events' trigger would (``search_sql.COUNTS_ADDED``). The
    ticket guard keeps derived columns such as the reporters from being written, unless
    ``tsd.derive`` is on."""
    found = []
    for key in sorted(plan.found, key=plan.found.__getitem__):
        first, last, reporters = plan.facts(key)
        found.append(_Found(plan.found[key], plan.counts(key), first, last, reporters))
    return [
        (SQL_LOCK, [array_literal([ticket.id for ticket in found])]),
        ("SELECT set_config('tsd.derive', 'on', true)", []),
        (SQL_ADD, arrays(_ADD_COLUMNS, found)),
        ("SELECT set_config('tsd.derive', '', true)", []),
    ]


def _open_tickets_of(keys: list[str]) -> dict[str, int]:
    """The open tickets of these aggregation keys: key -> id."""
    if not keys:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(SQL_OPEN_OF_KEYS, [array_literal(keys)])
        return dict(cursor.fetchall())


def _ticket_ids(n: int) -> list[int]:
    if not n:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence('complaints_ticket', 'id')) "
            "FROM generate_series(1, %s)",
            [n],
        )
        return [row[0] for row in cursor.fetchall()]


def report_text(item: Parsed, per_customer: bool) -> str:
    """A report's searchable text in a ticket, as the events' trigger takes it
    (search_sql.py): a per-customer ticket takes the subject only."""
    result = item.result
    if per_customer:
        return clean(result.subject, 998)
    return f"{clean(result.subject, 998)} {clean(result.evidence, MAX_REPORT_EVIDENCE)[:1500]}"


def events_text(group: list[EventRow], per_customer: bool) -> str:
    """The searchable text of a ticket's first events, as the events' trigger takes it
    (search_sql.py): a per-customer ticket takes their resources only."""
    return " ".join(
        " ".join(
            part
            for part in (
                row.ip,
                row.domain,
                row.url,
                "" if per_customer else clean(row.parsed.evidence, MAX_EVENT_EVIDENCE)[:500],
            )
            if part
        )
        for row in group[: search_sql.TEXT_EVENTS]
    )[: search_sql.TEXT_CHARS]


def _customer_names(plan: TicketPlan, keys: list[str]) -> dict[int, str]:
    # One customer per key: the first row of each group tells.
    customer_ids = {
        who.customer_id for key in keys if (who := plan.groups[key][0].who) is not None
    } - {None}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, name FROM customers_customer WHERE id = ANY(%s::bigint[])",
            [array_literal(customer_ids)],
        )
        return dict(cursor.fetchall())


@dataclass(frozen=True)
class _Opening:
    """What a new ticket opens with, for one aggregation key of the plan."""

    id: int
    key: str
    first: EventRow  # the key's first row: its type
    who: Attributed  # ... and its customer and service
    subject: str
    resource: str
    complete: bool  # a report of the key carries complete evidence
    counts: Counts
    first_at: datetime
    last_at: datetime
    reporters: str  # an array literal of reporter ids
    text: str  # the searchable text of its first events
    report_index: int  # its first report's position among the report texts


# A new ticket's columns; the kind, status, times and search vector are set in the SQL.
_NEW_TICKET_COLUMNS: tuple[Column[_Opening], ...] = (
    Column("id", "bigint", lambda t: t.id),
    Column("aggregation_key", "text", lambda t: t.key),
    Column("subject", "text", lambda t: clean(t.subject, 300)),
    Column("type", "text", lambda t: t.first.parsed.type),
    Column("taxonomy", "text", lambda t: classification.taxonomy_of(t.first.parsed.type)),
    Column("resource", "text", lambda t: clean(t.resource, 300)),
    Column("customer_id", "bigint", lambda t: t.who.customer_id),
    Column("service_id", "bigint", lambda t: t.who.service_id),
    Column("needs_triage", "boolean", lambda t: t.who.customer_id is None),
    Column(
        "evidence_status",
        "text",
        lambda t: (Ticket.Evidence.COMPLETE if t.complete else Ticket.Evidence.INSUFFICIENT).value,
    ),
    Column("event_count", "int", lambda t: t.counts.events),
    Column("report_count", "int", lambda t: t.counts.reports),
    Column("first_event_at", "timestamptz", lambda t: t.first_at),
    Column("last_event_at", "timestamptz", lambda t: t.last_at),
    Column("reporter_ids", "text", lambda t: t.reporters, sql="u.reporter_ids::bigint[]"),
    Column("events_text", "text", lambda t: t.text, stored=False),
    Column("report_index", "int", lambda t: t.report_index, stored=False),
)
# Set by the statement itself (the kind and status are parameters).
_NEW_TICKET_SET = ("kind", "status", "created_at", "updated_at", "search_vector")


def _opening(
    plan: TicketPlan,
    key: str,
    ticket_id: int,
    names: dict[int, str],
    report_order: dict[tuple[int, bool], int],
) -> _Opening:
    """The new ticket of ``key``. ``report_order`` numbers the first reports whose text
    the statement turns into lexemes (once for all the tickets of a report: a feed report
    opens hundreds); a report first seen here is added to it."""
    group = plan.groups[key]
    first = group[0]
    who = first.who
    assert who is not None
    label = classification.type_label(first.parsed.type)
    resource = classification.key_resource(key)
    per_customer = resource == ""
    if per_customer:
        subject = f"{label}: {names.get(who.customer_id or 0, 'customer')}"
    else:
        subject = f"{label} from {resource}"
    first_at, last_at, reporters = plan.facts(key)
    return _Opening(
        id=ticket_id,
        key=key,
        first=first,
        who=who,
        subject=subject,
        resource=resource,
        complete=any(plan.verdicts[row.report_id].status == "complete" for row in group),
        counts=plan.counts(key),
        first_at=first_at,
        last_at=last_at,
        reporters=reporters,
        text=events_text(group, per_customer),
        report_index=report_order.setdefault(
            (first.report_id, per_customer), len(report_order) + 1
        ),
    )


def _open_statement(plan: TicketPlan, ids: dict[str, int]) -> tuple[str, list[Any]]:
    """INSERT a ticket with the given id for each key, unless one is open by now; returns
    (sql, params), the statement returning the keys opened."""
    keys_in_order = sorted(ids)  # lock order: new tickets by key
    names = _customer_names(plan, keys_in_order)
    report_order: dict[tuple[int, bool], int] = {}
    opened = [_opening(plan, key, ids[key], names, report_order) for key in keys_in_order]
    explicit = [*_NEW_TICKET_SET, *insert_columns(_NEW_TICKET_COLUMNS)]
    extra_columns, extra_values, defaults = defaults_sql(Ticket, set(explicit))
    sql = f"""
        WITH reports AS MATERIALIZED (
            SELECT n, setweight(to_tsvector('simple'::regconfig, text), 'C') AS vector
              FROM unnest(%s::text[]) WITH ORDINALITY AS x(text, n))
        INSERT INTO complaints_ticket ({", ".join(explicit)}{extra_columns})
        SELECT %s, %s, now(), now(),
               tsd_subject_vector(u.subject, u.resource) || reports.vector
                 || setweight(to_tsvector('simple'::regconfig, u.events_text), 'C'),
               {select_list(_NEW_TICKET_COLUMNS)}
               {extra_values}
          FROM {unnest_sql(_NEW_TICKET_COLUMNS)}
          JOIN reports ON reports.n = u.report_index
         ORDER BY u.aggregation_key
        ON CONFLICT (aggregation_key) WHERE status IN ({_OPEN_LIST}) DO NOTHING
        RETURNING aggregation_key, id
    """  # noqa: S608 - column names and OPEN_STATUSES are constants
    # Placeholders in order: the report texts (WITH), the kind, status and defaults (SELECT
    # list), then the arrays (FROM).
    report_texts = array_literal(report_text(plan.parsed_of[rid], pc) for rid, pc in report_order)
    return sql, [
        report_texts,
        Ticket.Kind.ABUSE.value,
        Ticket.Status.NEW.value,
        *defaults,
        *arrays(_NEW_TICKET_COLUMNS, opened),
    ]
