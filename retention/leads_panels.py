"""Retention's panel on the leads' dashboards (``/leads/``): churn, the reasons, save rates
by offer and satisfaction per agent and per kind of case, from ``retention.selectors`` —
the figures page's own tables, here with the dashboards' charts and CSV export. Team-only:
an agent does not read the team's ratings (docs/architecture.md "retention/")."""

from __future__ import annotations

from leads.panels import COUNT, RATE, SHARE, TEXT, Chart, Column, Panel, Table, panel_register
from leads.permissions import Viewer
from retention import selectors


def _tables(viewer: Viewer, window: int) -> list[Table]:
    user = viewer.user
    return [
        Table(
            "churn", "Churn (customers who cancelled over customers billed)",
            [Column("kind", "Kind"), Column("customers", "Customers", COUNT),
             Column("services", "Services", COUNT), Column("billed", "Customers billed", COUNT),
             Column("rate", "Churn rate", SHARE, series=True)],
            selectors.churn(user, window), chart=Chart("bar", label_column="kind"),
            note="Voluntary: the customers' own; involuntary: terminated by us for abuse.",
        ),
        Table(
            "reasons", "Why customers leave",
            [Column("reason", "Reason"), Column("cancellations", "Cancellations", COUNT, series=True),
             Column("share", "Share", SHARE)],
            selectors.reason_mix(user, window), chart=Chart("bar", label_column="reason", horizontal=True),
        ),
        Table(
            "offers", "Save rate by offer",
            [Column("offer", "Offer"), Column("kind", "Kind", TEXT), Column("shown", "Shown", COUNT),
             Column("taken", "Taken", COUNT), Column("rate", "Save rate", SHARE, series=True)],
            selectors.save_rates(user, window), chart=Chart("bar", label_column="offer"),
        ),
        Table(
            "csat-agents", "Satisfaction per agent", _csat_columns("Agent"),
            selectors.csat_by_agent(user, window), chart=Chart("bar", label_column="label"),
        ),
        Table(
            "csat-kinds", "Satisfaction per kind of case", _csat_columns("Kind"),
            selectors.csat_by_kind(user, window), chart=Chart("bar", label_column="label"),
        ),
    ]  # fmt: skip


def _csat_columns(label: str) -> list[Column]:
    """The columns of a CSAT table grouped by ``label`` (an agent, a kind of case)."""
    return [
        Column("label", label), Column("answers", "Answers", COUNT),
        Column("mean", "Mean (1-5)", RATE, series=True),
        Column("satisfied", "Satisfied (4-5)", SHARE),
        Column("sent", "Sent", COUNT), Column("withheld", "Withheld", COUNT),
    ]  # fmt: skip


RETENTION = panel_register(
    Panel(
        "retention",
        "Retention and satisfaction",
        _tables,
        order=60,
        team_only=True,
        digest_tables=("churn", "csat-kinds"),
        description="Churn, reasons, save offers and customer satisfaction.",
    )
)
