"""Alerts: each rule's state, the alert transitions with their reasons, silences,
deliveries with every attempt (status code, latency, the redacted error), retraining
triggers with their outcome (for an MLflow Project target: the run with a link to it in
MLflow, the version it registered and the promotion gate's numbers), and a "Retrain now"
button.

The button calls the retrain action of ``DashboardSettings`` (``driftline serve`` wires in
the code path of ``POST /api/v1/monitors/<name>/retrain``): the trigger is recorded and its
delivery queued in one transaction; the page then follows its outcome as the service's
delivery job sends it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Final

from dash import Dash, Input, Output, State, dcc, html

from dashboards import queries
from dashboards.components import fmt_number, fmt_time, notice, status_badge, table
from dashboards.links import monitor_href
from monitor.errors import ConfigError
from monitor.store import AlertHistory, AuditEntry, Delivery, RetrainTrigger, Silence

if TYPE_CHECKING:
    from dashboards.context import PageContext

__all__ = ["DEFAULT_REASON", "READ_ONLY", "make_layout", "register_callbacks", "trigger_outcome"]

DEFAULT_REASON: Final = "requested from the dashboard"
_NO_ACTION: Final = "Retraining by hand needs the alerts package (driftline serve wires it in)."
READ_ONLY: Final = (
    "Your dashboard login is read-only (dashboard.scope: read): retraining needs scope "
    "'admin'. Ask an administrator, or use a token with scope admin."
)


def make_layout(context: PageContext) -> Callable[..., Any]:
    def layout(monitor: str | None = None, **_: Any) -> html.Div:
        names = [m.name for m in context.store.list_monitors()]
        chosen = monitor if monitor in names else (names[0] if names else None)
        retrain = context.settings.retrain is not None
        return html.Div(
            [
                dcc.Store(id="alerts-retrain-trigger", data=None),
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
                        html.Span(id="alerts-monitor-link"),
                    ],
                    className="toolbar",
                ),
                html.Div(
                    [
                        dcc.Input(
                            id="alerts-retrain-reason",
                            type="text",
                            value=DEFAULT_REASON,
                            placeholder="reason for retraining",
                            className="reason-input",
                        ),
                        html.Button(
                            "Retrain now",
                            id="alerts-retrain",
                            disabled=not retrain,
                            title=(
                                _NO_ACTION
                                if not retrain
                                else READ_ONLY
                                if context.settings.scope != "admin"
                                else ""
                            ),
                        ),
                        html.Span(id="alerts-retrain-outcome", className="outcome"),
                    ],
                    className="toolbar",
                ),
                html.H2("Alert rules"),
                html.Div(id="alerts-states"),
                html.H2("Alert history"),
                html.Div(id="alerts-history"),
                html.H2("Silences"),
                html.Div(id="alerts-silences"),
                html.H2("Deliveries (every attempt)"),
                html.Div(id="alerts-deliveries"),
                html.H2("Retraining triggers"),
                html.Div(id="alerts-triggers"),
                html.H2("Audit trail"),
                html.Div(id="alerts-audit"),
            ],
            className="page",
        )

    return layout


def _states(history: Sequence[AlertHistory]) -> Any:
    rows = [
        [
            a.status.rule,
            a.status.severity,
            status_badge(a.status.state, id=f"alerts-state-{a.status.rule}"),
            fmt_time(a.status.state_since_at),
            str(a.status.streak),
            fmt_time(a.status.last_window_end_at),
            fmt_time(a.status.last_notified_at),
        ]
        for a in history
    ]
    return table(
        ["rule", "severity", "state", "since", "streak", "last window end", "last notified"],
        rows,
        id="alerts-states-table",
        empty="No alert rule has been evaluated for this monitor yet.",
    )


def _history(history: Sequence[AlertHistory]) -> Any:
    rows = [
        [
            fmt_time(t.at),
            t.rule,
            html.Span(f"{t.from_state} → {t.to_state}", className=f"to-{t.to_state}"),
            t.reason,
            t.detail,
            fmt_time(t.window_start_at),
            "yes" if t.notified else "no",
        ]
        for t in queries.transitions(history)
    ]
    return table(
        ["at", "rule", "transition", "reason", "detail", "window", "notified"],
        rows,
        id="alerts-history-table",
        empty="No alert transitions for this monitor.",
    )


def _silences(found: Sequence[Silence], now: dt.datetime) -> Any:
    rows = [
        [
            s.rule or "(every rule)",
            fmt_time(s.starts_at),
            fmt_time(s.ends_at),
            "active" if s.is_active(now) else ("ended" if s.ends_at <= now else "scheduled"),
            s.created_by,
            s.comment,
        ]
        for s in found
    ]
    return table(
        ["rule", "starts", "ends", "now", "created by", "comment"],
        rows,
        id="alerts-silences-table",
        empty="No silences.",
    )


def _deliveries(found: Sequence[Delivery]) -> Any:
    rows: list[list[Any]] = []
    for d in found:
        what = f"{d.kind} ({d.payload.get('type', '-')})"
        head = [str(d.id), what, d.channel, status_badge(d.status), fmt_time(d.created_at)]
        if not d.attempts:
            rows.append([*head, "-", "-", "-", "-", f"next at {fmt_time(d.next_attempt_at)}"])
        for a in d.attempts:
            rows.append(
                [
                    *head,
                    str(a.number),
                    fmt_time(a.started_at),
                    "-" if a.status_code is None else str(a.status_code),
                    fmt_number(a.latency_s * 1000, ".0f"),
                    a.error or "ok",
                ]
            )
    return table(
        [
            "delivery",
            "what",
            "channel",
            "status",
            "queued",
            "attempt",
            "at",
            "status code",
            "latency ms",
            "error",
        ],
        rows,
        id="alerts-deliveries-table",
        empty="No deliveries.",
    )


def trigger_outcome(trigger: RetrainTrigger) -> str:
    """What became of a retraining trigger, in words."""
    if trigger.run is not None:
        return trigger.run.summary()
    match trigger.outcome:
        case "delivered":
            return f"delivered to the retrain target (attempt {trigger.attempts})"
        case "failed":
            why = f": {trigger.detail}" if trigger.detail else "; see Deliveries"
            return f"delivery failed after {trigger.attempts} attempt(s){why}"
        case "pending":
            tried = f", {trigger.attempts} attempt(s) so far" if trigger.attempts else ""
            return f"queued for the retrain target{tried}"
        case _:
            return "recorded; this monitor has no retrain target (alerts.retrain), nothing sent"


def _run_cell(trigger: RetrainTrigger) -> Any:
    run = trigger.run
    if run is None or run.run_id is None:
        return "-"
    if run.run_url:
        return html.A(run.run_id, href=run.run_url, target="_blank", rel="noopener")
    return run.run_id


def _triggers(found: Sequence[RetrainTrigger]) -> Any:
    rows = [
        [
            fmt_time(t.created_at),
            t.trigger_id,
            t.source,
            t.rule or "-",
            t.requested_by or "-",
            t.reason,
            html.Span(t.outcome, className=f"outcome-{t.outcome}"),
            _run_cell(t),
            "-" if t.run is None else status_badge(t.run.outcome),
            trigger_outcome(t),
        ]
        for t in found
    ]
    return table(
        [
            "requested",
            "trigger",
            "source",
            "rule",
            "by",
            "reason",
            "outcome",
            "MLflow run",
            "retraining",
            "",
        ],
        rows,
        id="alerts-triggers-table",
        empty="No retraining triggers.",
    )


def _audit(found: Sequence[AuditEntry]) -> Any:
    rows = [
        [
            fmt_time(e.at),
            e.actor,
            e.action,
            ", ".join(f"{k}={v}" for k, v in sorted(e.detail.items())),
            e.request_id or "-",
        ]
        for e in found
    ]
    return table(
        ["at", "actor", "action", "detail", "request"],
        rows,
        id="alerts-audit-table",
        empty="No recorded changes.",
    )


def register_callbacks(app: Dash, context: PageContext) -> None:
    store = context.store

    @app.callback(
        Output("alerts-monitor-link", "children"),
        Output("alerts-states", "children"),
        Output("alerts-history", "children"),
        Output("alerts-silences", "children"),
        Output("alerts-deliveries", "children"),
        Output("alerts-triggers", "children"),
        Output("alerts-audit", "children"),
        Input("alerts-monitor", "value"),
        Input("alerts-retrain-trigger", "data"),
        Input("refresh", "n_intervals"),
    )
    def _fill(monitor: str | None, _trigger: Any, _tick: Any) -> tuple[Any, ...]:
        if monitor is None:
            return notice("No monitors yet.", id="alerts-no-monitors"), *([None] * 6)
        history = queries.alert_history(store, monitor)
        return (
            dcc.Link("Monitor page", href=monitor_href(context.base, monitor)),
            _states(history),
            _history(history),
            _silences(queries.silences(store, monitor), dt.datetime.now(dt.UTC)),
            _deliveries(queries.deliveries(store, monitor)),
            _triggers(queries.retrain_triggers(store, monitor)),
            _audit(queries.audit_events(store, monitor)),
        )

    @app.callback(
        Output("alerts-retrain-trigger", "data"),
        Input("alerts-retrain", "n_clicks"),
        State("alerts-monitor", "value"),
        State("alerts-retrain-reason", "value"),
        prevent_initial_call=True,
    )
    def _retrain(_clicks: Any, monitor: str | None, reason: str | None) -> dict[str, str]:
        action = context.settings.retrain
        if action is None:
            return {"error": _NO_ACTION}
        if context.settings.scope != "admin":
            return {"error": READ_ONLY}
        if monitor is None:
            return {"error": "Choose a monitor first."}
        try:
            trigger = action(monitor, (reason or "").strip() or DEFAULT_REASON)
        except ConfigError as exc:
            return {"error": str(exc)}
        return {"trigger_id": trigger.trigger_id}

    @app.callback(
        Output("alerts-retrain-outcome", "children"),
        Input("alerts-retrain-trigger", "data"),
        Input("refresh", "n_intervals"),
    )
    def _outcome(data: dict[str, str] | None, _tick: Any) -> Any:
        if not data:
            return ""
        if "error" in data:
            return html.Span(data["error"], id="alerts-retrain-error", className="drift")
        trigger = store.get_retrain_trigger(data["trigger_id"])
        if trigger is None:
            return html.Span(f"trigger {data['trigger_id']} not found", className="drift")
        return html.Span(
            [
                html.Span(trigger.trigger_id, id="alerts-retrain-id"),
                f" requested at {fmt_time(trigger.created_at)}: ",
                html.Strong(trigger.outcome, id="alerts-retrain-status"),
                f" ({trigger_outcome(trigger)})",
            ]
        )
