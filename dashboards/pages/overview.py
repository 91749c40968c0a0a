"""Overview: every monitor, its model and version, last check, status, recent drift and
open alerts (firing and pending, linking to the Alerts page)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from dash import Dash, Input, Output, dcc, html

from dashboards import figures, queries
from dashboards.components import fmt_time, key_numbers, notice, status_badge
from dashboards.links import alerts_href, monitor_href
from monitor.store import MONITOR_STATUSES

if TYPE_CHECKING:
    from dashboards.context import PageContext

__all__ = ["make_layout", "register_callbacks"]


def make_layout(context: PageContext) -> Callable[..., Any]:
    def layout(**_: Any) -> html.Div:
        return html.Div(
            [
                dcc.Store(id="overview-params", data={}),
                html.H1("Monitors"),
                html.Div(id="overview-summary"),
                html.Div(id="overview-table"),
            ],
            className="page",
        )

    return layout


def _open_alerts(context: PageContext, entry: queries.OverviewEntry) -> Any:
    """``0``, or e.g. ``2 firing, 1 pending`` linking to the monitor's alerts."""
    alerts = entry.alerts
    if alerts.total == 0:
        return "0"
    parts = [
        f"{n} {state}" for n, state in ((alerts.firing, "firing"), (alerts.pending, "pending")) if n
    ]
    return dcc.Link(", ".join(parts), href=alerts_href(context.base, entry.name))


def _row(context: PageContext, entry: queries.OverviewEntry) -> html.Tr:
    last = entry.last
    share = "-" if last is None or last.share_drifted is None else f"{last.share_drifted:.0%}"
    spark: Any = (
        dcc.Graph(
            figure=figures.sparkline(entry.recent),
            config={"staticPlot": True, "displayModeBar": False},
            className="sparkline",
        )
        if entry.recent
        else "no checks yet"
    )
    slug = entry.name
    return html.Tr(
        [
            html.Td(
                dcc.Link(
                    entry.name,
                    href=monitor_href(context.base, entry.name),
                    id=f"overview-link-{slug}",
                )
            ),
            html.Td(entry.model),
            html.Td(entry.version or "-"),
            html.Td(fmt_time(last.finished_at if last else None)),
            html.Td(fmt_time(last.window_end_at if last else None)),
            html.Td(status_badge(entry.status, id=f"overview-status-{slug}")),
            html.Td(share, id=f"overview-share-{slug}"),
            html.Td(spark),
            html.Td(_open_alerts(context, entry), id=f"overview-alerts-{slug}"),
        ],
        id=f"overview-row-{slug}",
    )


def register_callbacks(app: Dash, context: PageContext) -> None:
    @app.callback(
        Output("overview-summary", "children"),
        Output("overview-table", "children"),
        Input("overview-params", "data"),
        Input("refresh", "n_intervals"),
    )
    def _fill(_params: Any, _tick: Any) -> tuple[Any, Any]:
        entries = queries.overview(context.store, windows=context.settings.sparkline_windows)
        if not entries:
            message = "No monitors yet: add one to driftline.yaml and restart driftline serve."
            return None, notice(message, id="overview-empty")
        counts = Counter(e.status for e in entries)
        summary = key_numbers(
            [("monitors", str(len(entries)), "overview-count")]
            + [
                (status.replace("_", " "), str(counts.get(status, 0)), f"overview-count-{status}")
                for status in MONITOR_STATUSES
            ]
        )
        headers = [
            "monitor",
            "model",
            "version",
            "last check",
            "last window end",
            "status",
            "drifted (last window)",
            f"share drifted, last {context.settings.sparkline_windows} windows",
            "open alerts",
        ]
        body = html.Table(
            [
                html.Thead(html.Tr([html.Th(h) for h in headers])),
                html.Tbody([_row(context, e) for e in entries]),
            ],
            id="overview-monitors",
            className="results",
        )
        return summary, body
