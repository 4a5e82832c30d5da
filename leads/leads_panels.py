"""The dashboards' own panels: SLA, backlog, workload, trends and the "worst" tables
(docs/architecture.md, "leads/"). Another app adds its panels the same way, in its own
``leads_panels`` module.
"""

from __future__ import annotations

from collections import defaultdict

from django.urls import reverse

from leads.panels import (
    COUNT,
    HOURS,
    RATE,
    SHARE,
    TEXT,
    Chart,
    Column,
    Panel,
    Table,
    panel_register,
)
from leads.permissions import Viewer
from leads.rollups import AGE_BANDS, WORST_DAYS, WORST_MIN_TICKETS
from leads.selectors import (
    UNWORKED_MIN_TICKETS,
    UNWORKED_SHARE,
    backlog_by_kind,
    class_label,
    sla_by_kind,
    sla_due_soon,
    trend_weeks,
    trends_by_type,
    trends_by_type_and_reporter,
    workload_by_agent,
    worst_rows,
)

LABEL = Column("label", "Tickets", TEXT)
WEEKLY_TYPES = 6  # classifications drawn one by one in the weekly chart; the rest is "other"


def _sla(viewer: Viewer, window: int) -> list[Table]:
    by_kind = [
        {
            "label": class_label(r.kind, r.restricted_group),
            "tickets": r.tickets,
            "fr50": r.first_response_p50_s,
            "fr90": r.first_response_p90_s,
            "n50": r.notice_p50_s,
            "n90": r.notice_p90_s,
            "m50": r.mitigation_p50_s,
            "m90": r.mitigation_p90_s,
            "breached": r.breached,
        }
        for r in sla_by_kind(viewer, window=window)
    ]
    by_queue = [
        {
            "label": class_label(r.kind, r.restricted_group),
            "queue": r.type or "(none)",
            "tickets": r.tickets,
            "fr50": r.first_response_p50_s,
            "n50": r.notice_p50_s,
            "m50": r.mitigation_p50_s,
            "breached": r.breached,
        }
        for r in sla_by_kind(viewer, window=window, by_type=True)
    ]
    breached_open: dict[tuple[str, str], int] = defaultdict(int)
    for key, bands in backlog_by_kind(viewer).items():
        breached_open[key] = sum(b.breached for b in bands.values())
    due = {(d.kind, d.restricted_group): d for d in sla_due_soon(viewer)}
    due_rows = [
        {
            "label": class_label(*key),
            "due_4h": due[key].due_4h if key in due else 0,
            "due_24h": due[key].due_24h if key in due else 0,
            "breached": breached_open.get(key, 0),
        }
        for key in sorted(set(due) | set(breached_open))
    ]
    times = [
        Column("fr50", "First response, median", HOURS, series=True),
        Column("fr90", "First response, 90th pct", HOURS),
        Column("n50", "Customer notice, median", HOURS, series=True),
        Column("n90", "Customer notice, 90th pct", HOURS),
        Column("m50", "Mitigation, median", HOURS, series=True),
        Column("m90", "Mitigation, 90th pct", HOURS),
    ]
    return [
        Table(
            "by-kind",
            f"Service levels of the tickets opened in the last {window} days, by kind",
            [
                Column("label", "Kind"),
                Column("tickets", "Tickets", COUNT),
                *times,
                Column("breached", "Breached", COUNT),
            ],
            by_kind,
            chart=Chart("bar", "label", unit="hours"),
            note="First response: the first answer a person sent. Customer notice: the first "
            "mail to the customer. Mitigation: resolved, or suspended, terminated or "
            "null-routed, whichever came first. Each among the tickets that got there.",
        ),
        Table(
            "by-queue",
            f"By kind and queue (classification), last {window} days",
            [
                Column("label", "Kind"),
                Column("queue", "Queue"),
                Column("tickets", "Tickets", COUNT),
                Column("fr50", "First response, median", HOURS),
                Column("n50", "Customer notice, median", HOURS),
                Column("m50", "Mitigation, median", HOURS),
                Column("breached", "Breached", COUNT),
            ],
            by_queue,
        ),
        Table(
            "due",
            "Open tickets due soon, and breached",
            [
                Column("label", "Kind"),
                Column("due_4h", "Due in 4 h", COUNT, series=True),
                Column("due_24h", "Due in 24 h", COUNT, series=True),
                Column("breached", "Breached, still open", COUNT, series=True),
            ],
            due_rows,
            chart=Chart("bar", "label", unit="tickets"),
            note="Due: the next deadline of the ticket's SLA clock (first response, then "
            "resolution), live; a clock paused while awaiting the customer is not due.",
            empty="Nothing is due in the next 24 hours and nothing open is breached.",
        ),
    ]


def _backlog(viewer: Viewer, window: int) -> list[Table]:
    rows = []
    for (kind, group), bands in backlog_by_kind(viewer).items():
        row: dict[str, object] = {"label": class_label(kind, group)}
        for band, _, _ in AGE_BANDS:
            row[f"band{band}"] = bands[band].tickets if band in bands else 0
        row["total"] = sum(b.tickets for b in bands.values())
        row["breached"] = sum(b.breached for b in bands.values())
        row["unassigned"] = sum(b.unassigned for b in bands.values())
        rows.append(row)
    columns = [Column("label", "Kind")]
    columns += [Column(f"band{band}", label, COUNT, series=True) for band, label, _ in AGE_BANDS]
    columns += [
        Column("total", "Open", COUNT),
        Column("breached", "Breached", COUNT),
        Column("unassigned", "Unassigned", COUNT),
    ]
    return [
        Table(
            "by-age",
            "Open tickets by age and kind",
            columns,
            rows,
            chart=Chart("stacked", "label", horizontal=True, unit="open tickets"),
            note="Age from the ticket's opening.",
            empty="No open tickets.",
        )
    ]


def _workload(viewer: Viewer, window: int) -> list[Table]:
    rows = [
        {
            "label": w.username,
            "assigned": w.assigned_open,
            "touched": w.touched,
            "solved": w.solved,
            "reopened": w.reopened,
        }
        for w in workload_by_agent(viewer, window=window)
    ]
    return [
        Table(
            "agents",
            f"Workload per agent, last {window} days",
            [
                Column("label", "Agent"),
                Column("assigned", "Assigned, open now", COUNT, series=True),
                Column("touched", "Touched", COUNT, series=True),
                Column("solved", "Solved", COUNT, series=True),
                Column("reopened", "Reopened", COUNT, series=True),
            ],
            rows,
            chart=Chart("bar", "label", unit="tickets"),
            note="Touched: tickets they wrote on, changed or asked a countermeasure for. "
            "Solved: set resolved or closed by them. Reopened: tickets they solved that were "
            "opened again in the window.",
        )
    ]


def _trends(viewer: Viewer, window: int) -> list[Table]:
    weeks, series = trend_weeks(viewer)
    top = sorted(series, key=lambda t: (-sum(series[t]), t))[:WEEKLY_TYPES]
    weekly_rows = []
    for n, week in enumerate(weeks):
        row: dict[str, object] = {"label": week.isoformat()}
        for i, type_ in enumerate(top):
            row[f"t{i}"] = series[type_][n]
        row["other"] = sum(counts[n] for type_, counts in series.items() if type_ not in top)
        weekly_rows.append(row)
    weekly_columns = [Column("label", "Week of")]
    weekly_columns += [
        Column(f"t{i}", type_ or "(none)", COUNT, series=True) for i, type_ in enumerate(top)
    ]
    weekly_columns.append(Column("other", "Other", COUNT, series=True))

    def figures(trend) -> dict[str, object]:  # type: ignore[no-untyped-def]
        return {
            "tickets": trend.tickets,
            "before": trend.tickets_before,
            "worked": trend.worked,
            "unworked": trend.tickets - trend.worked,
            "unworked_share": trend.unworked_share,
            "flag": trend.left_unworked,
        }

    by_type = trends_by_type(viewer, window=window)
    unworked = [t for t in by_type if t.left_unworked]
    type_rows = [{"label": t.type or "(none)", **figures(t)} for t in by_type]
    reporter_rows = [
        {"label": t.type or "(none)", "reporter": t.reporter_label or "(no reporter)", **figures(t)}
        for t in trends_by_type_and_reporter(viewer, window=window)
    ]
    counts = [
        Column("tickets", f"Last {window} days", COUNT),
        Column("before", f"The {window} days before", COUNT),
        Column("worked", "Worked", COUNT, series=True),
        Column("unworked", "Not worked", COUNT, series=True),
        Column("unworked_share", "Not worked, share", SHARE),
    ]
    flagged = ", ".join(
        f"{t.type or '(none)'} ({100 * (t.unworked_share or 0):.0f} % of {t.tickets})"
        for t in unworked
    )
    return [
        Table(
            "by-classification",
            f"Tickets by classification, last {window} days",
            [Column("label", "Classification"), *counts],
            type_rows,
            chart=Chart("stacked", "label", horizontal=True, unit="tickets"),
            flag_key="flag",
            flag_label="left unworked",
            note=(f"Left unworked: {flagged}. " if flagged else "")
            + f"Flagged when nobody on the desk worked {100 * UNWORKED_SHARE:.0f} % or more of "
            f"a classification's tickets (at least {UNWORKED_MIN_TICKETS}); automatic mail is "
            "not work.",
        ),
        Table(
            "by-reporter",
            f"By classification and reporter, last {window} days",
            [Column("label", "Classification"), Column("reporter", "Reporter"), *counts],
            reporter_rows,
            flag_key="flag",
            flag_label="left unworked",
            page_limit=40,
        ),
        Table(
            "weekly",
            "Tickets opened per week, by classification (90 days)",
            weekly_columns,
            weekly_rows,
            chart=Chart("line", "label", unit="tickets"),
        ),
    ]


_WORST_COLUMNS = [
    Column("tickets", "Tickets (90 days)", COUNT),
    Column("per_1k", "Per 1,000 addresses", RATE, series=True),
    Column("per_service", "Per service", RATE),
    Column("addresses", "Active addresses", COUNT),
    Column("repeats", "Repeats", COUNT),
    Column("remediate", "Median time to remediate", HOURS),
    Column("unresolved", "Unresolved", SHARE),
    Column("listings", "Blocklisted now", COUNT),
]


def _worst(viewer: Viewer, window: int) -> list[Table]:
    tables = []
    for entity, caption, label, charted in (
        ("customer", "Customers", "Customer", True),
        ("service", "Services", "Service", False),
        ("net24", "IPv4 /24 networks", "Network", True),
        ("net48", "IPv6 /48 networks (addresses counted in /64s)", "Network", False),
    ):
        rows = [
            {
                "label": r.label,
                "link": reverse("customers:customer-detail", args=[r.customer_external_id])
                if r.customer_external_id
                else "",
                "tickets": r.tickets,
                "per_1k": r.per_1k_addresses,
                "per_service": r.per_service,
                "addresses": r.addresses,
                "repeats": r.repeats,
                "remediate": r.remediate_p50_s,
                "unresolved": r.open_tickets / r.tickets if r.tickets else None,
                "listings": r.listings,
            }
            for r in worst_rows(viewer, entity=entity)
        ]
        tables.append(
            Table(
                entity,
                f"Worst {caption.lower()}"
                if entity in ("customer", "service")
                else f"Worst {caption}",
                [Column("label", label), *_WORST_COLUMNS],
                rows,
                chart=Chart("bar", "label", horizontal=True, unit="tickets per 1,000 addresses")
                if charted
                else None,
                link_key="link",
                note="",
                empty=f"Nobody has {WORST_MIN_TICKETS} or more tickets in the last {WORST_DAYS} days.",
            )
        )
    tables[0].note = (
        f"Abuse, listing and deliverability tickets opened in the last {WORST_DAYS} days per "
        "1,000 active allocated addresses (raw counts mostly rank size), with "
        f"{WORST_MIN_TICKETS} tickets at least. Repeats: tickets beyond the first of each "
        "classification per customer. Unresolved: still open. Restricted cases are not "
        "counted here."
    )
    return tables


SLA = panel_register(
    Panel(
        "sla",
        "Service levels",
        _sla,
        order=10,
        digest_tables=("by-kind", "due"),
        description="First response, customer notice and mitigation by kind and queue; "
        "what is due soon.",
    )
)
BACKLOG = panel_register(
    Panel("backlog", "Backlog", _backlog, order=20, windows=(), digest_tables=("by-age",))
)
WORKLOAD = panel_register(
    Panel(
        "workload",
        "Workload",
        _workload,
        order=30,
        windows=(7, 30),
        default_window=7,
        digest_tables=("agents",),
    )
)
TRENDS = panel_register(
    Panel(
        "trends",
        "Trends",
        _trends,
        order=40,
        digest_tables=("by-classification",),
        description="What comes in, from whom, and what nobody works.",
    )
)
WORST = panel_register(
    Panel(
        "worst",
        "Worst customers and networks",
        _worst,
        order=50,
        windows=(90,),
        default_window=90,
        team_only=True,
        digest_tables=("customer",),
    )
)
