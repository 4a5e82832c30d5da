"""The rollups: each rewrites one snapshot of figures from the tickets, set-based, on beat
(docs/architecture.md, "leads/").

Every rollup is one transaction: it deletes its rows and inserts the new ones, so a page
reads either the last snapshot or the new one, never half of each (and DELETE, unlike
TRUNCATE, never makes a reader wait). A transaction-level advisory lock per rollup lets
one refresh run at a time; a second one started meanwhile skips (its result would be
the same). Rows are grouped by the tickets' visibility class (``kind``,
``restricted_group``) and by assignee through GROUPING SETS: the team's rows have a null
``assignee_id``, each agent's rows their id (``leads.models``).

The figures are medians and 90th percentiles over windows of 7, 30 and 90 days, computed
exactly (``percentile_cont``) per row, which is why each window is a row of its own rather
than a sum of days.

Definitions (shown on the pages too):

- first response: ``Ticket.first_responded_at`` (kept by the SLA sweep) after opening;
- customer notice: the first mail to the customer (sent, or recorded as sent) after opening;
- mitigation: the ticket resolved, or a blocking countermeasure (suspend, terminate,
  null-route) done, whichever came first;
- worked: someone on the desk did something on the ticket (a message or note they wrote,
  a change they made, a countermeasure they asked for); automatic mail is not work;
- repeats: tickets of the 90 days beyond the first of each classification per customer;
- active allocated addresses: IPv4 addresses (IPv6: /64s) of the allocations held now.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper
from django.utils import timezone

from complaints.models import Action, Event, Message, Reporter, Ticket, TicketChange
from complaints.models.tickets import OPEN_STATUSES
from customers.models import Customer, IPAllocation, Listing, Service
from leads.models import (
    BacklogFigure,
    RollupState,
    SlaFigure,
    TrendDay,
    TrendFigure,
    WorkloadFigure,
    WorstFigure,
)

SLA_WINDOWS = (7, 30, 90)
WORKLOAD_WINDOWS = (7, 30)
TREND_WINDOWS = (7, 30, 90)
WORST_DAYS = 90
# A customer, service or network needs this many tickets in the 90 days to be ranked:
# below it one ticket on a single address would top every normalised table.
WORST_MIN_TICKETS = 3
WORST_ROWS = 100  # kept per table
# (band, label, upper bound of the age) of the backlog's age bands.
AGE_BANDS = (
    (0, "under 1 day", timedelta(days=1)),
    (1, "1-3 days", timedelta(days=3)),
    (2, "3-7 days", timedelta(days=7)),
    (3, "7-30 days", timedelta(days=30)),
    (4, "30-90 days", timedelta(days=90)),
    (5, "over 90 days", None),
)
MITIGATING_ACTIONS = ("suspend", "terminate", "null_route")
CLOSED_STATUSES = ("resolved", "closed")
_LOCK_CLASS = 1_571_500  # advisory lock namespace of the rollups (first key)


def _t(model: type) -> str:
    return connection.ops.quote_name(model._meta.db_table)  # type: ignore[attr-defined]


def _seconds(later: str, earlier: str) -> str:
    """Seconds from ``earlier`` to ``later``, never negative, null when either is null
    (GREATEST would turn a null into 0)."""
    span = f"EXTRACT(EPOCH FROM {later} - {earlier})"
    return f"(CASE WHEN {span} < 0 THEN 0 ELSE {span} END)"


def _windows(days: tuple[int, ...]) -> str:
    return "(VALUES " + ", ".join(f"({int(d)})" for d in days) + ") AS w(days)"


def _in(values: tuple[str, ...]) -> str:
    return "(" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + ")"


# Per-agent grouping sets report only assigned tickets (the team's rows count the rest).
_AGENT_ROWS = "HAVING GROUPING(t.assignee_id) = 1 OR t.assignee_id IS NOT NULL"
_ASSIGNEE = "CASE WHEN GROUPING(t.assignee_id) = 0 THEN t.assignee_id END"


def _sla(cursor: CursorWrapper, now: datetime) -> int:
    cursor.execute(f"DELETE FROM {_t(SlaFigure)}")  # noqa: S608 - table names and constants; values are parameters
    cursor.execute(
        f"""
        INSERT INTO {_t(SlaFigure)} (window_days, kind, restricted_group, type, assignee_id,
            tickets, responded, first_response_p50_s, first_response_p90_s, noticed,
            notice_p50_s, notice_p90_s, mitigated, mitigation_p50_s, mitigation_p90_s, breached)
        SELECT w.days, t.kind, t.restricted_group,
               CASE WHEN GROUPING(t.type) = 0 THEN t.type END, {_ASSIGNEE},
               count(*), count(t.first_response_s),
               percentile_cont(0.5) WITHIN GROUP (ORDER BY t.first_response_s),
               percentile_cont(0.9) WITHIN GROUP (ORDER BY t.first_response_s),
               count(t.notice_s),
               percentile_cont(0.5) WITHIN GROUP (ORDER BY t.notice_s),
               percentile_cont(0.9) WITHIN GROUP (ORDER BY t.notice_s),
               count(t.mitigation_s),
               percentile_cont(0.5) WITHIN GROUP (ORDER BY t.mitigation_s),
               percentile_cont(0.9) WITHIN GROUP (ORDER BY t.mitigation_s),
               count(*) FILTER (WHERE t.sla_breached)
          FROM (
            SELECT t.kind, t.restricted_group, t.type, t.assignee_id, t.created_at, t.sla_breached,
                   {_seconds("t.first_responded_at", "t.created_at")} AS first_response_s,
                   {_seconds("n.at", "t.created_at")} AS notice_s,
                   {_seconds(f"LEAST(CASE WHEN t.status IN {_in(CLOSED_STATUSES)} THEN t.resolved_at END, a.at)", "t.created_at")} AS mitigation_s
              FROM {_t(Ticket)} t
              LEFT JOIN LATERAL (
                SELECT min(COALESCE(m.sent_at, m.created_at)) AS at FROM {_t(Message)} m
                 WHERE m.ticket_id = t.id AND m.direction = 'out' AND m.visibility = 'customer'
                   AND m.status IN ('sent', 'recorded')
              ) n ON true
              LEFT JOIN LATERAL (
                SELECT min(x.completed_at) AS at FROM {_t(Action)} x
                 WHERE x.ticket_id = t.id AND x.kind IN {_in(MITIGATING_ACTIONS)}
                   AND x.status IN ('done', 'reverted')
              ) a ON true
             WHERE t.created_at >= %(since)s AND t.created_at <= %(now)s
          ) t
          JOIN {_windows(SLA_WINDOWS)} ON t.created_at >= %(now)s - w.days * interval '1 day'
         GROUP BY GROUPING SETS (
            (w.days, t.kind, t.restricted_group), (w.days, t.kind, t.restricted_group, t.type),
            (w.days, t.kind, t.restricted_group, t.assignee_id),
            (w.days, t.kind, t.restricted_group, t.type, t.assignee_id))
        {_AGENT_ROWS}
        """,  # noqa: S608 - table names and constants; values are parameters
        {"now": now, "since": now - timedelta(days=max(SLA_WINDOWS))},
    )
    return cursor.rowcount


def _backlog(cursor: CursorWrapper, now: datetime) -> int:
    bands = " ".join(
        f"WHEN t.created_at > %(now)s - interval '{int(bound.total_seconds())} seconds' THEN {band}"
        for band, _, bound in AGE_BANDS
        if bound is not None
    )
    cursor.execute(f"DELETE FROM {_t(BacklogFigure)}")  # noqa: S608 - table names and constants; values are parameters
    cursor.execute(
        f"""
        INSERT INTO {_t(BacklogFigure)} (kind, restricted_group, assignee_id, age_band, tickets,
            breached, unassigned)
        SELECT t.kind, t.restricted_group, {_ASSIGNEE}, t.band, count(*),
               count(*) FILTER (WHERE t.sla_breached), count(*) FILTER (WHERE t.assignee_id IS NULL)
          FROM (SELECT t.kind, t.restricted_group, t.assignee_id, t.sla_breached,
                       CASE {bands} ELSE {AGE_BANDS[-1][0]} END AS band
                  FROM {_t(Ticket)} t WHERE t.status IN {_in(OPEN_STATUSES)}) t
         GROUP BY GROUPING SETS ((t.kind, t.restricted_group, t.band),
                                 (t.kind, t.restricted_group, t.band, t.assignee_id))
        {_AGENT_ROWS}
        """,  # noqa: S608 - table names and constants; values are parameters
        {"now": now},
    )
    return cursor.rowcount


def _workload(cursor: CursorWrapper, now: datetime) -> int:
    users = _t(get_user_model())
    cursor.execute(f"DELETE FROM {_t(WorkloadFigure)}")  # noqa: S608 - table names and constants; values are parameters
    cursor.execute(
        f"""
        WITH acts AS (
            SELECT c.actor_id AS user_id, c.ticket_id, c.created_at, c.field, c.new_value
              FROM {_t(TicketChange)} c
             WHERE c.actor_id IS NOT NULL AND c.created_at >= %(since)s
        ), facts AS (
            SELECT 'touched' AS what, user_id, ticket_id, created_at FROM acts
            UNION ALL
            SELECT 'touched', m.author_id, m.ticket_id, m.created_at FROM {_t(Message)} m
             WHERE m.author_id IS NOT NULL AND m.ticket_id IS NOT NULL
               AND m.direction IN ('out', 'note') AND m.created_at >= %(since)s
            UNION ALL
            SELECT 'touched', x.requested_by_id, x.ticket_id, x.requested_at FROM {_t(Action)} x
             WHERE x.requested_by_id IS NOT NULL AND x.requested_at >= %(since)s
            UNION ALL
            SELECT 'solved', user_id, ticket_id, created_at FROM acts
             WHERE field = 'status' AND new_value IN {_in(CLOSED_STATUSES)}
            UNION ALL
            SELECT 'reopened', s.actor_id, c.ticket_id, c.created_at
              FROM {_t(TicketChange)} c
             CROSS JOIN LATERAL (
                SELECT p.actor_id FROM {_t(TicketChange)} p
                 WHERE p.ticket_id = c.ticket_id AND p.field = 'status'
                   AND p.new_value IN {_in(CLOSED_STATUSES)} AND p.id < c.id
                 ORDER BY p.id DESC LIMIT 1) s
             WHERE c.field = 'status' AND c.old_value IN {_in(CLOSED_STATUSES)}
               AND c.new_value IN {_in(OPEN_STATUSES)} AND c.created_at >= %(since)s
               AND s.actor_id IS NOT NULL
        ), counted AS (
            SELECT w.days, f.user_id, t.kind, t.restricted_group, 0 AS assigned_open,
                   count(DISTINCT f.ticket_id) FILTER (WHERE f.what = 'touched') AS touched,
                   count(DISTINCT f.ticket_id) FILTER (WHERE f.what = 'solved') AS solved,
                   count(DISTINCT f.ticket_id) FILTER (WHERE f.what = 'reopened') AS reopened
              FROM facts f
              JOIN {_windows(WORKLOAD_WINDOWS)} ON f.created_at >= %(now)s - w.days * interval '1 day'
              JOIN {_t(Ticket)} t ON t.id = f.ticket_id
             GROUP BY 1, 2, 3, 4
            UNION ALL
            SELECT w.days, t.assignee_id, t.kind, t.restricted_group, count(*), 0, 0, 0
              FROM {_t(Ticket)} t CROSS JOIN {_windows(WORKLOAD_WINDOWS)}
             WHERE t.status IN {_in(OPEN_STATUSES)} AND t.assignee_id IS NOT NULL
             GROUP BY 1, 2, 3, 4
        )
        INSERT INTO {_t(WorkloadFigure)} (window_days, user_id, username, kind, restricted_group,
            assigned_open, touched, solved, reopened)
        SELECT c.days, c.user_id, u.username, c.kind, c.restricted_group, sum(c.assigned_open),
               sum(c.touched), sum(c.solved), sum(c.reopened)
          FROM counted c JOIN {users} u ON u.id = c.user_id
         GROUP BY c.days, c.user_id, u.username, c.kind, c.restricted_group
        """,  # noqa: S608 - table names and constants; values are parameters
        {"now": now, "since": now - timedelta(days=max(WORKLOAD_WINDOWS))},
    )
    return cursor.rowcount


def _worked_table(cursor: CursorWrapper, since: datetime) -> None:
    """``leads_worked``: the tickets someone on the desk did something on since ``since``."""
    # ON COMMIT DROP does not fire when the refresh runs inside an outer transaction.
    cursor.execute("DROP TABLE IF EXISTS leads_worked")
    cursor.execute(
        f"""
        CREATE TEMPORARY TABLE leads_worked ON COMMIT DROP AS
        SELECT DISTINCT ticket_id FROM (
            SELECT ticket_id FROM {_t(TicketChange)}
             WHERE actor_id IS NOT NULL AND created_at >= %(since)s
            UNION ALL
            SELECT ticket_id FROM {_t(Message)}
             WHERE author_id IS NOT NULL AND ticket_id IS NOT NULL
               AND direction IN ('out', 'note') AND created_at >= %(since)s
            UNION ALL
            SELECT ticket_id FROM {_t(Action)}
             WHERE requested_by_id IS NOT NULL AND requested_at >= %(since)s
        ) w
        """,  # noqa: S608 - table names and constants; values are parameters
        {"since": since},
    )
    cursor.execute("CREATE UNIQUE INDEX ON leads_worked (ticket_id)")
    cursor.execute("ANALYZE leads_worked")


def _trends(cursor: CursorWrapper, now: datetime) -> int:
    longest = max(TREND_WINDOWS)
    since = now - timedelta(days=2 * longest)
    _worked_table(cursor, since)
    cursor.execute(f"DELETE FROM {_t(TrendFigure)}")  # noqa: S608 - table names and constants; values are parameters
    cursor.execute(f"DELETE FROM {_t(TrendDay)}")  # noqa: S608 - table names and constants; values are parameters
    cursor.execute(
        f"""
        INSERT INTO {_t(TrendFigure)} (window_days, type, reporter_id, reporter_label, kind,
            restricted_group, assignee_id, tickets, worked, tickets_before)
        SELECT g.days, g.type, g.reporter_id,
               COALESCE(NULLIF(r.organisation, ''), NULLIF(r.name, ''), r.address, ''),
               g.kind, g.restricted_group, g.assignee_id, g.tickets, g.worked, g.tickets_before
          FROM (
            SELECT w.days, t.type, t.reporter_id, t.kind, t.restricted_group, {_ASSIGNEE} AS assignee_id,
                   count(*) FILTER (WHERE t.created_at >= %(now)s - w.days * interval '1 day') AS tickets,
                   count(*) FILTER (WHERE t.worked AND t.created_at >= %(now)s - w.days * interval '1 day') AS worked,
                   count(*) FILTER (WHERE t.created_at < %(now)s - w.days * interval '1 day') AS tickets_before
              FROM (
                SELECT t.type, t.kind, t.restricted_group, t.assignee_id, t.created_at,
                       (k.ticket_id IS NOT NULL) AS worked, r.reporter_id
                  FROM {_t(Ticket)} t
                  LEFT JOIN leads_worked k ON k.ticket_id = t.id
                 CROSS JOIN LATERAL unnest(CASE WHEN cardinality(t.reporter_ids) = 0
                                                THEN ARRAY[NULL]::bigint[] ELSE t.reporter_ids END)
                       AS r(reporter_id)
                 WHERE t.created_at >= %(since)s AND t.created_at <= %(now)s
              ) t
              JOIN {_windows(TREND_WINDOWS)} ON t.created_at >= %(now)s - 2 * w.days * interval '1 day'
             GROUP BY GROUPING SETS (
                (w.days, t.type, t.reporter_id, t.kind, t.restricted_group),
                (w.days, t.type, t.reporter_id, t.kind, t.restricted_group, t.assignee_id))
            {_AGENT_ROWS}
          ) g
          LEFT JOIN {_t(Reporter)} r ON r.id = g.reporter_id
        """,  # noqa: S608 - table names and constants; values are parameters
        {"now": now, "since": since},
    )
    rows = cursor.rowcount
    cursor.execute(
        f"""
        INSERT INTO {_t(TrendDay)} (day, type, kind, restricted_group, assignee_id, tickets, worked)
        SELECT t.day, t.type, t.kind, t.restricted_group, {_ASSIGNEE}, count(*),
               count(*) FILTER (WHERE t.worked)
          FROM (SELECT (t.created_at AT TIME ZONE 'UTC')::date AS day, t.type, t.kind,
                       t.restricted_group, t.assignee_id, (k.ticket_id IS NOT NULL) AS worked
                  FROM {_t(Ticket)} t LEFT JOIN leads_worked k ON k.ticket_id = t.id
                 WHERE t.created_at >= %(since)s AND t.created_at <= %(now)s) t
         GROUP BY GROUPING SETS ((t.day, t.type, t.kind, t.restricted_group),
                                 (t.day, t.type, t.kind, t.restricted_group, t.assignee_id))
        {_AGENT_ROWS}
        """,  # noqa: S608 - table names and constants; values are parameters
        {"now": now, "since": now - timedelta(days=longest)},
    )
    return rows + cursor.rowcount


# Units of an allocation: IPv4 addresses, IPv6 /64s.
_UNITS = (
    "CASE WHEN family({n}) = 4 THEN power(2, 32 - masklen({n}))"
    " ELSE power(2, GREATEST(0, 64 - masklen({n}))) END"
)
_ACTIVE = "a.valid_from <= %(now)s AND (a.valid_to IS NULL OR a.valid_to > %(now)s)"
_RANKED = """
    SELECT row_number() OVER (ORDER BY x.per_1k_addresses DESC NULLS LAST, x.tickets DESC, x.label) AS rank, x.*
      FROM (SELECT g.*, CASE WHEN g.addresses > 0 THEN 1000.0 * g.tickets / g.addresses END
                        AS per_1k_addresses
              FROM ({inner}) g) x
     ORDER BY rank LIMIT %(limit)s
"""
_WORST_COLUMNS = (
    "entity, rank, label, customer_id, customer_external_id, service_id, network, tickets,"
    " repeats, open_tickets, remediate_p50_s, addresses, services, per_1k_addresses,"
    " per_service, listings"
)
_TICKET_FIGURES = (
    "count(*) AS tickets, count(*) - count(DISTINCT (t.customer_id, t.type)) AS repeats,"
    " count(*) FILTER (WHERE t.open) AS open_tickets,"
    " percentile_cont(0.5) WITHIN GROUP (ORDER BY t.remediate_s) AS remediate_p50_s"
)


def _insert_ranked(cursor: CursorWrapper, entity: str, inner: str, params: dict[str, Any]) -> int:
    """Insert the first ``WORST_ROWS`` of the ``inner`` query's entities, ranked."""
    ranked = _RANKED.format(inner=inner)
    cursor.execute(
        f"INSERT INTO {_t(WorstFigure)} ({_WORST_COLUMNS}) "  # noqa: S608 - constants; values are parameters
        f"SELECT %(entity)s, {_WORST_COLUMNS.split(',', 1)[1]} FROM ({ranked}) r",
        {**params, "entity": entity},
    )
    return cursor.rowcount


def _worst(cursor: CursorWrapper, now: datetime) -> int:
    since = now - timedelta(days=WORST_DAYS)
    params: dict[str, Any] = {"now": now, "since": since, "min": WORST_MIN_TICKETS, "limit": WORST_ROWS,
              "events_since": since - timedelta(days=30)}  # fmt: skip
    cursor.execute("DROP TABLE IF EXISTS leads_worst_tickets, leads_worst_nets")
    cursor.execute(
        f"""
        CREATE TEMPORARY TABLE leads_worst_tickets ON COMMIT DROP AS
        SELECT t.id, t.customer_id, t.service_id, t.type, t.status IN {_in(OPEN_STATUSES)} AS open,
               CASE WHEN t.status IN {_in(CLOSED_STATUSES)}
                    THEN {_seconds("t.resolved_at", "t.created_at")} END AS remediate_s
          FROM {_t(Ticket)} t
         WHERE t.created_at >= %(since)s AND t.created_at <= %(now)s AND t.restricted_group = ''
           AND t.kind IN ('abuse', 'listing', 'deliverability')
        """,  # noqa: S608 - table names and constants; values are parameters
        params,
    )
    cursor.execute("CREATE UNIQUE INDEX ON leads_worst_tickets (id)")
    cursor.execute("ANALYZE leads_worst_tickets")
    cursor.execute(f"DELETE FROM {_t(WorstFigure)}")  # noqa: S608 - table names and constants; values are parameters
    rows = 0
    customers = f"""
        SELECT c.name || ' (' || c.external_id || ')' AS label, c.id AS customer_id,
               c.external_id AS customer_external_id, NULL::bigint AS service_id, '' AS network,
               f.tickets, f.repeats, f.open_tickets, f.remediate_p50_s,
               COALESCE(a.units, 0)::bigint AS addresses, COALESCE(s.n, 0) AS services,
               f.tickets::float / NULLIF(s.n, 0) AS per_service, COALESCE(l.n, 0) AS listings
          FROM (SELECT t.customer_id, {_TICKET_FIGURES} FROM leads_worst_tickets t
                 WHERE t.customer_id IS NOT NULL GROUP BY t.customer_id
                HAVING count(*) >= %(min)s) f
          JOIN {_t(Customer)} c ON c.id = f.customer_id
          LEFT JOIN (SELECT a.customer_id, sum({_UNITS.format(n="a.network")}) AS units
                       FROM {_t(IPAllocation)} a WHERE {_ACTIVE} GROUP BY a.customer_id) a
                 ON a.customer_id = f.customer_id
          LEFT JOIN (SELECT customer_id, count(*) AS n FROM {_t(Service)}
                      WHERE status = 'active' GROUP BY customer_id) s ON s.customer_id = f.customer_id
          LEFT JOIN (SELECT customer_id, count(*) AS n FROM {_t(Listing)}
                      WHERE state IN ('new', 'active') AND customer_id IS NOT NULL
                      GROUP BY customer_id) l ON l.customer_id = f.customer_id
    """  # noqa: S608 - table names and constants; values are parameters
    services = f"""
        SELECT v.label || ' · ' || c.name AS label, c.id AS customer_id,
               c.external_id AS customer_external_id, v.id AS service_id, '' AS network,
               f.tickets, f.repeats, f.open_tickets, f.remediate_p50_s,
               COALESCE(a.units, 0)::bigint AS addresses, 1 AS services,
               NULL::float AS per_service, COALESCE(l.n, 0) AS listings
          FROM (SELECT t.service_id, {_TICKET_FIGURES} FROM leads_worst_tickets t
                 WHERE t.service_id IS NOT NULL GROUP BY t.service_id
                HAVING count(*) >= %(min)s) f
          JOIN {_t(Service)} v ON v.id = f.service_id
          JOIN {_t(Customer)} c ON c.id = v.customer_id
          LEFT JOIN (SELECT a.service_id, sum({_UNITS.format(n="a.network")}) AS units
                       FROM {_t(IPAllocation)} a WHERE {_ACTIVE} AND a.service_id IS NOT NULL
                      GROUP BY a.service_id) a ON a.service_id = f.service_id
          LEFT JOIN (SELECT service_id, count(*) AS n FROM {_t(Listing)}
                      WHERE state IN ('new', 'active') AND service_id IS NOT NULL
                      GROUP BY service_id) l ON l.service_id = f.service_id
    """  # noqa: S608 - table names and constants; values are parameters
    for entity, inner in (("customer", customers), ("service", services)):
        rows += _insert_ranked(cursor, entity, inner, params)

    # Networks: the /24 (IPv4) or /48 (IPv6) of each event of the tickets.
    net = "network(set_masklen({ip}, CASE WHEN family({ip}) = 4 THEN 24 ELSE 48 END))"
    cursor.execute(
        f"""
        CREATE TEMPORARY TABLE leads_worst_nets ON COMMIT DROP AS
        SELECT DISTINCT {net.format(ip="e.ip")} AS net, e.ticket_id
          FROM {_t(Event)} e JOIN leads_worst_tickets t ON t.id = e.ticket_id
         WHERE e.observed_at >= %(events_since)s AND e.ip IS NOT NULL
        """,  # noqa: S608 - table names and constants; values are parameters
        params,
    )
    # An allocation counts at most the network's own size, and the network at most its size.
    net_units = "CASE WHEN family(f.net) = 4 THEN 256 ELSE 65536 END"
    networks = f"""
        SELECT text(f.net) AS label, NULL::bigint AS customer_id, '' AS customer_external_id,
               NULL::bigint AS service_id, text(f.net) AS network,
               f.tickets, f.repeats, f.open_tickets, f.remediate_p50_s,
               COALESCE(LEAST(a.units, {net_units}), 0)::bigint AS addresses,
               COALESCE(a.services, 0) AS services,
               f.tickets::float / NULLIF(a.services, 0) AS per_service, COALESCE(l.n, 0) AS listings
          FROM (SELECT n.net, {_TICKET_FIGURES}
                  FROM leads_worst_nets n JOIN leads_worst_tickets t ON t.id = n.ticket_id
                 WHERE family(n.net) = %(family)s
                 GROUP BY n.net HAVING count(*) >= %(min)s) f
          LEFT JOIN LATERAL (
            SELECT sum(LEAST({_UNITS.format(n="a.network")}, {net_units})) AS units,
                   count(DISTINCT a.service_id) AS services
              FROM {_t(IPAllocation)} a WHERE a.network && f.net AND {_ACTIVE}) a ON true
          LEFT JOIN (SELECT {net.format(ip="l.ip")} AS net, count(*) AS n FROM {_t(Listing)} l
                      WHERE l.state IN ('new', 'active') AND l.ip IS NOT NULL GROUP BY 1) l
                 ON l.net = f.net
    """  # noqa: S608 - table names and constants; values are parameters
    for entity, family in (("net24", 4), ("net48", 6)):
        rows += _insert_ranked(cursor, entity, networks, {**params, "family": family})
    return rows


ROLLUPS: dict[str, Callable[[CursorWrapper, datetime], int]] = {
    "sla": _sla,
    "backlog": _backlog,
    "workload": _workload,
    "trends": _trends,
    "worst": _worst,
}
# The tables each rollup rewrites: analysed after the rewrite, so the pages' plans know
# the new row counts before autovacuum would.
TABLES: dict[str, tuple[type, ...]] = {
    "sla": (SlaFigure,),
    "backlog": (BacklogFigure,),
    "workload": (WorkloadFigure,),
    "trends": (TrendFigure, TrendDay),
    "worst": (WorstFigure,),
}


@transaction.atomic
def rollup_refresh(*, name: str, now: datetime | None = None) -> int | None:
    """Rewrite the rollup ``name``; the number of rows written, or None when another
    refresh of it holds the lock (it is writing the same figures)."""
    build = ROLLUPS[name]
    now = now or timezone.now()
    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_try_advisory_xact_lock(%s, hashtext(%s))", [_LOCK_CLASS, f"leads.{name}"]
        )
        if not cursor.fetchone()[0]:
            return None
        rows = build(cursor, now)
        for model in TABLES[name]:
            cursor.execute(f"ANALYZE {_t(model)}")
    RollupState.objects.update_or_create(
        name=name,
        defaults={
            "refreshed_at": now,
            "duration_ms": round((time.monotonic() - started) * 1000),
            "rows": rows,
        },
    )
    return rows


def rollups_refresh_every(*, now: datetime | None = None) -> dict[str, int | None]:
    """Every rollup, one after the other, in this process (``seed_demo``, tests, the bench);
    beat fans them out to tasks instead (``leads.tasks``)."""
    return {name: rollup_refresh(name=name, now=now) for name in ROLLUPS}
