"""Monitor: drift over time, model performance over time, the columns x windows heatmap
(drift and watch cells), the multivariate (classifier or PCA) effect over time, and the
selected window's columns (with their verdict and importance), prediction drift and
data-quality findings."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from dash import Dash, Input, Output, State, ctx, dcc, html, no_update

from dashboards import figures, queries
from dashboards.components import (
    fmt_number,
    fmt_time,
    key_numbers,
    notice,
    range_selector,
    status_badge,
    table,
)
from dashboards.links import (
    alerts_href,
    column_href,
    monitor_href,
    parse_window,
    range_key,
)
from dashboards.performance import importances, load_performance, performance_view
from dashboards.selection import select
from monitor.engine.report import ColumnResult, DriftReport
from monitor.store import CheckPoint, Store, WindowPerformance, monitor_status

if TYPE_CHECKING:
    from dashboards.context import PageContext

__all__ = ["make_layout", "register_callbacks"]


def make_layout(context: PageContext) -> Callable[..., Any]:
    def layout(
        name: str = "", range: str | None = None, window: str | None = None, **_: Any
    ) -> html.Div:
        monitor = unquote(name)
        chosen = range_key(range)
        return html.Div(
            [
                dcc.Store(
                    id="monitor-params",
                    data={"monitor": monitor, "range": chosen, "window": window},
                ),
                html.H1(["Monitor ", html.Span(monitor, id="monitor-name")]),
                html.Div(
                    [
                        html.Span("Time range (ending at the latest check): "),
                        range_selector(
                            "monitor-range", chosen, windows=context.settings.default_windows
                        ),
                        dcc.Link(
                            "Alerts", href=alerts_href(context.base, monitor), className="side-link"
                        ),
                    ],
                    className="toolbar",
                ),
                html.Div(id="monitor-summary"),
                dcc.Graph(id="monitor-timeline", config={"displaylogo": False}),
                html.H2("Performance"),
                dcc.Graph(id="monitor-performance", config={"displaylogo": False}),
                dcc.Graph(id="monitor-heatmap", config={"displaylogo": False}),
                dcc.Graph(id="monitor-multivariate", config={"displaylogo": False}),
                html.H2(id="monitor-window-title"),
                html.Div(id="monitor-columns"),
                html.H2("Prediction drift"),
                html.Div(id="monitor-prediction"),
                dcc.Graph(id="monitor-prediction-graph", config={"displaylogo": False}),
                html.H2("Data quality"),
                html.Div(id="monitor-quality"),
            ],
            className="page",
        )

    return layout


def _columns_table(context: PageContext, monitor: str, key: str, detail: Any) -> Any:
    rows = []
    ranks = importances(detail)
    for result in queries.ranked_columns(detail):
        found = ranks.get(result.name)
        href = column_href(
            context.base, monitor, result.name, range_key=key, window=detail.summary.window_start_at
        )
        rows.append(
            [
                dcc.Link(result.name, href=href, id=f"column-link-{result.name}"),
                result.role,
                result.kind,
                result.status,
                result.method or "-",
                fmt_number(result.statistic, ".4g"),
                fmt_number(result.p_value_adjusted, ".2e"),
                f"{fmt_number(result.effect_size, '.4f')} ({result.effect_method or '-'})",
                fmt_number(result.delta, "g"),
                "-" if found is None else f"{fmt_number(found.importance, '.3f')} (#{found.rank})",
                _verdict(result),
            ]
        )
    headers = [
        "column",
        "role",
        "kind",
        "status",
        "method",
        "statistic",
        "p-value (adjusted)",
        "effect size",
        "threshold",
        "importance (rank)",
        "verdict",
    ]
    return table(
        headers,
        rows,
        id="monitor-columns-table",
        empty="This check has no column results (it failed or had too few records).",
    )


def _verdict(result: ColumnResult) -> Any:
    """drift / watch / ok, or why the column was not compared."""
    if result.verdict == "drift":
        return html.Strong("drift", className="drift")
    if result.verdict == "watch":
        return html.Span("watch", className="watch", title=figures.WATCH_LABEL)
    if result.verdict == "ok":
        return "ok"
    if result.not_compared is not None:
        return f"not compared ({result.not_compared})"
    return f"not tested ({result.status})"


def _multivariate(report: DriftReport | None) -> str:
    """The selected window's multivariate verdict with its top columns."""
    joint = None if report is None else report.multivariate
    if joint is None:
        return "-"
    if joint.verdict is None:
        return joint.status.replace("_", " ")
    top = f": {', '.join(joint.top_columns)}" if joint.top_columns else ""
    shown = f"{joint.method} {joint.statistic_name} {fmt_number(joint.statistic, '.3f')}"
    return f"{joint.verdict} ({shown}){top}"


def _prediction(detail: Any) -> Any:
    found = [c for c in detail.columns if c.role == "prediction"] if detail else []
    if not found:
        return notice(
            "No prediction column in this window's results.", id="monitor-prediction-none"
        )
    result = found[0]
    verdict = "drifted" if result.drifted else "no drift"
    return html.P(
        f"{result.name}: {verdict}; {result.method or '-'} p-value (adjusted) "
        f"{fmt_number(result.p_value_adjusted, '.2e')}, effect size "
        f"{fmt_number(result.effect_size, '.4f')} (threshold {result.delta:g})",
        id="monitor-prediction-verdict",
    )


def _quality(detail: Any) -> Any:
    rows = (
        [[q.severity, q.kind, q.column or "-", q.message] for q in detail.quality] if detail else []
    )
    return table(
        ["severity", "kind", "column", "finding"],
        rows,
        id="monitor-quality-table",
        empty="No data-quality findings in this window.",
    )


def _performance_empty(
    store: Store,
    monitor: str,
    points: Sequence[CheckPoint],
    history: Sequence[WindowPerformance],
    never_checked: str | None,
) -> str:
    """Why the performance chart is empty: never checked, no checks in the range, the
    baseline has no performance part, or none stored for this range's windows."""
    if never_checked is not None:
        return never_checked
    if not points:
        return "No checks in this range, so no performance."
    if history:
        return f"No performance metric stored for {monitor!r} in this range."
    if not store.performance_history(monitor, limit=1):
        return (
            "No model performance: the baseline has no performance part "
            "(build it with --target and --prediction)."
        )
    return "No model performance stored for this range's windows."


def register_callbacks(app: Dash, context: PageContext) -> None:
    store = context.store

    @app.callback(
        Output("monitor-summary", "children"),
        Output("monitor-timeline", "figure"),
        Output("monitor-performance", "figure"),
        Output("monitor-heatmap", "figure"),
        Output("monitor-multivariate", "figure"),
        Output("monitor-window-title", "children"),
        Output("monitor-columns", "children"),
        Output("monitor-prediction", "children"),
        Output("monitor-prediction-graph", "figure"),
        Output("monitor-quality", "children"),
        Input("monitor-params", "data"),
        Input("refresh", "n_intervals"),
    )
    def _fill(params: dict[str, Any], _tick: Any) -> tuple[Any, ...]:
        chosen = select(context, params)
        if isinstance(chosen, str):
            empty = figures.empty_figure(chosen)
            missing = notice(chosen, id="monitor-unknown")
            return missing, empty, empty, empty, empty, "", None, None, empty, None
        monitor, window_range, points = chosen.monitor, chosen.range, chosen.points
        frame, detail = chosen.frame, chosen.detail
        empty = chosen.empty or "No checks in this range."
        report = detail.report if detail else None
        timeline = figures.drift_timeline(
            points,
            changes=queries.version_changes(points),
            markers=queries.alert_markers(store, monitor, window_range, points),
            drift_share=None if report is None else report.drift_share,
            frame=frame,
            empty=empty,
        )
        deltas = queries.column_deltas(store, points, detail)
        heat = figures.drift_heatmap(
            queries.heatmap(store, monitor, points, deltas=deltas),
            frame=frame,
            empty=empty if not points else "No column results in this range (every check failed).",
        )
        joint = figures.multivariate_timeline(
            queries.multivariate_series(store, monitor, window_range),
            frame=frame,
            empty=empty if not points else "No multivariate result in this range",
        )
        history = load_performance(store, monitor, window_range)
        performance = figures.performance_timeline(
            performance_view(history),
            frame=frame,
            empty=_performance_empty(store, monitor, points, history, chosen.empty),
        )
        prediction = queries.prediction_series(store, monitor, window_range)
        prediction_figure = figures.effect_timeline(
            prediction,
            f"Prediction ({prediction[0].column})" if prediction else "Prediction",
            frame=frame,
            empty=empty if not points else "No prediction column tested in this range.",
        )
        problems = [
            notice(text, id=f"monitor-link-problem-{i}") for i, text in enumerate(chosen.problems)
        ]
        if detail is None:
            message = notice(empty, id="monitor-no-checks")
            status = key_numbers([("status", status_badge(chosen.status), "monitor-status")])
            return (
                html.Div([*problems, status, message]),
                timeline,
                performance,
                heat,
                joint,
                "",
                None,
                None,
                prediction_figure,
                None,
            )
        summary = detail.summary
        share = "-" if summary.share_drifted is None else f"{summary.share_drifted:.0%}"
        numbers = key_numbers(
            [
                ("status", status_badge(chosen.status), "monitor-status"),
                (
                    "this window",
                    status_badge(monitor_status(summary.status)),
                    "monitor-window-status",
                ),
                ("drifted columns", share, "monitor-share"),
                ("on watch", str(len(report.watch_columns)) if report else "-", "monitor-watch"),
                ("multivariate", _multivariate(report), "monitor-multivariate-verdict"),
                (
                    "window",
                    f"{fmt_time(summary.window_start_at)} .. {fmt_time(summary.window_end_at)}",
                    "monitor-window",
                ),
                ("records", str(summary.n_current or 0), "monitor-records"),
                ("model version", summary.model_version or "-", "monitor-version"),
                ("checks in range", str(len(points)), "monitor-check-count"),
            ]
        )
        reason = html.P(summary.reason, id="monitor-reason", className="reason")
        title = f"Columns in the window starting {fmt_time(summary.window_start_at)}"
        return (
            html.Div([*problems, numbers, reason]),
            timeline,
            performance,
            heat,
            joint,
            title,
            _columns_table(context, monitor, window_range.key, detail),
            _prediction(detail),
            prediction_figure,
            _quality(detail),
        )

    @app.callback(
        Output("nav", "href", allow_duplicate=True),
        Input("monitor-range", "value"),
        Input("monitor-timeline", "clickData"),
        Input("monitor-heatmap", "clickData"),
        State("monitor-params", "data"),
        prevent_initial_call=True,
    )
    def _navigate(key: str, timeline_click: Any, heatmap_click: Any, params: dict[str, Any]) -> Any:
        monitor = params["monitor"]
        window = parse_window(params.get("window"))
        if ctx.triggered_id == "monitor-range":
            if key == params["range"]:
                return no_update  # the selector drawn with the page's own range
            return monitor_href(context.base, monitor, range_key=key, window=window)
        click = timeline_click if ctx.triggered_id == "monitor-timeline" else heatmap_click
        point = (click or {}).get("points", [{}])[0]
        start = parse_window(point.get("x"))
        if start is None:
            return no_update
        if ctx.triggered_id == "monitor-timeline":
            return monitor_href(context.base, monitor, range_key=params["range"], window=start)
        return column_href(
            context.base, monitor, str(point.get("y")), range_key=params["range"], window=start
        )
