"""Alerts: alert history with state transitions, silences, deliveries with every attempt,
and a "Retrain now" button. Reads through ``dashboards.queries``' alerts functions, which
are empty until the alerts package gives the store its alert methods."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from dash import Dash, Input, Output, State, dcc, html

from dashboards import queries
from dashboards.components import fmt_time, notice, table

if TYPE_CHECKING:
    from dashboards.app import PageContext

__all__ = ["make_layout", "register_callbacks"]

_UNAVAILABLE = "Alerts are not available yet: this Driftline has no alert rules installed."


def make_layout(context: PageContext) -> Callable[..., Any]:
    def layout(monitor: str | None = None, **_: Any) -> html.Div:
        names = [m.name for m in context.store.list_monitors()]
        chosen = monitor if monitor in names else (names[0] if names else None)
        retrain = context.settings.retrain is not None
        return html.Div(
            [
                html.H1("Alerts"),
                html.Div(
                    [
                        html.Span("Monitor: "),
                        dcc.Dropdown(
                            id="alerts-monitor",
                            options=[{"label": n, "value": n} for n in names],
                            value=chosen,
                            clearable=False,
                            className="picker",
                        ),
                        html.Button("Retrain now", id="alerts-retrain", disabled=not retrain),
                        html.Span(
                            "" if retrain else "Retraining triggers are not available yet.",
                            id="alerts-retrain-outcome",
                        ),
                    ],
                    className="toolbar",
                ),
                html.H2("Alert history"),
                html.Div(id="alerts-history"),
                html.H2("Silences"),
                html.Div(id="alerts-silences"),
                html.H2("Deliveries"),
                html.Div(id="alerts-deliveries"),
            ],
            className="page",
        )

    return layout


def register_callbacks(app: Dash, context: PageContext) -> None:
    store = context.store

    @app.callback(
        Output("alerts-history", "children"),
        Output("alerts-silences", "children"),
        Output("alerts-deliveries", "children"),
        Input("alerts-monitor", "value"),
        Input("refresh", "n_intervals"),
    )
    def _fill(monitor: str | None, _tick: Any) -> tuple[Any, Any, Any]:
        if not queries.alerts_available(store):
            return notice(_UNAVAILABLE, id="alerts-unavailable"), None, None
        if monitor is None:
            return notice("No monitors yet.", id="alerts-no-monitors"), None, None
        history = [
            [
                alert.rule,
                alert.state,
                fmt_time(alert.changed_at),
                alert.reason,
                " → ".join(f"{state} ({fmt_time(at)})" for state, at, _ in alert.transitions),
            ]
            for alert in queries.alert_history(store, monitor)
        ]
        silences = [list(row.values()) for row in queries.silences(store, monitor)]
        attempts = [list(row.values()) for row in queries.deliveries(store, monitor)]
        return (
            table(
                ["rule", "state", "since", "reason", "transitions"],
                history,
                id="alerts-history-table",
                empty="No alerts for this monitor.",
            ),
            table(
                ["rule", "starts", "ends", "reason"],
                silences,
                id="alerts-silences-table",
                empty="No silences.",
            ),
            table(
                ["channel", "delivery", "attempt", "at", "status code", "latency s", "error"],
                attempts,
                id="alerts-deliveries-table",
                empty="No deliveries.",
            ),
        )

    @app.callback(
        Output("alerts-retrain-outcome", "children"),
        Input("alerts-retrain", "n_clicks"),
        State("alerts-monitor", "value"),
        prevent_initial_call=True,
    )
    def _retrain(_clicks: Any, monitor: str | None) -> str:
        action = context.settings.retrain
        if action is None or monitor is None:
            return "Retraining triggers are not available yet."
        return action(monitor)
