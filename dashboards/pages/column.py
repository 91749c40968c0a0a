"""Column: one column's reference and current distributions in the selected window, its
verdict, and its effect size over time against its threshold with each window's verdict
(drift, watch, ok)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from dash import Dash, Input, Output, State, ctx, dcc, html, no_update

from dashboards import figures, queries
from dashboards.components import fmt_number, fmt_time, key_numbers, notice, range_selector
from dashboards.links import column_href, monitor_href, parse_window, range_key
from dashboards.selection import select
from monitor.engine.report import ColumnResult

if TYPE_CHECKING:
    from dashboards.context import PageContext

__all__ = ["make_layout", "register_callbacks"]


def make_layout(context: PageContext) -> Callable[..., Any]:
    def layout(
        name: str = "",
        column: str = "",
        range: str | None = None,
        window: str | None = None,
        **_: Any,
    ) -> html.Div:
        monitor, column_name, chosen = unquote(name), unquote(column), range_key(range)
        back = monitor_href(context.base, monitor, range_key=chosen, window=parse_window(window))
        return html.Div(
            [
                dcc.Store(
                    id="column-params",
                    data={
                        "monitor": monitor,
                        "column": column_name,
                        "range": chosen,
                        "window": window,
                    },
                ),
                html.H1(["Column ", html.Span(column_name, id="column-name")]),
                html.Div(
                    [
                        dcc.Link(f"← monitor {monitor}", href=back, id="column-back"),
                        html.Span(" Time range: "),
                        range_selector(
                            "column-range", chosen, windows=context.settings.default_windows
                        ),
                    ],
                    className="toolbar",
                ),
                html.Div(id="column-summary"),
                dcc.Graph(id="column-distribution", config={"displaylogo": False}),
                dcc.Graph(id="column-effect", config={"displaylogo": False}),
            ],
            className="page",
        )

    return layout


def _verdict(result: ColumnResult) -> str:
    if result.verdict == "watch":
        return figures.WATCH_LABEL
    if result.verdict is not None:
        return result.verdict
    return f"not compared ({result.not_compared or result.status})"


def register_callbacks(app: Dash, context: PageContext) -> None:
    store = context.store

    @app.callback(
        Output("column-summary", "children"),
        Output("column-distribution", "figure"),
        Output("column-effect", "figure"),
        Input("column-params", "data"),
        Input("refresh", "n_intervals"),
    )
    def _fill(params: dict[str, Any], _tick: Any) -> tuple[Any, Any, Any]:
        column = params["column"]
        chosen = select(context, params)
        if isinstance(chosen, str):
            empty = figures.empty_figure(chosen)
            return notice(chosen, id="column-unknown"), empty, empty
        monitor, detail = chosen.monitor, chosen.detail
        problems = [
            notice(text, id=f"column-link-problem-{i}") for i, text in enumerate(chosen.problems)
        ]
        series = queries.column_series(store, monitor, column, chosen.range)
        effect = figures.effect_timeline(
            series,
            f"{column}: effect size over time",
            frame=chosen.frame,
            empty=chosen.empty or f"No tested window of {column!r} in this range.",
        )
        result = (
            None if detail is None else next((c for c in detail.columns if c.name == column), None)
        )
        if detail is None or result is None:
            if chosen.empty is not None:
                message = chosen.empty
            elif detail is not None and not detail.columns:
                message = f"This window's check has no column results ({detail.summary.reason})."
            else:
                message = f"No result for column {column!r} in this window."
            empty = figures.empty_figure(message)
            return html.Div([*problems, notice(message, id="column-missing")]), empty, effect
        summary = key_numbers(
            [
                (
                    "window",
                    f"{fmt_time(detail.summary.window_start_at)} .. "
                    f"{fmt_time(detail.summary.window_end_at)}",
                    "column-window",
                ),
                ("verdict", _verdict(result), "column-verdict"),
                ("method", result.method or "-", "column-method"),
                ("statistic", fmt_number(result.statistic, ".4g"), "column-statistic"),
                (
                    "p-value (adjusted)",
                    fmt_number(result.p_value_adjusted, ".2e"),
                    "column-p-value",
                ),
                (
                    f"effect size ({result.effect_method or '-'})",
                    fmt_number(result.effect_size, ".4f"),
                    "column-effect-size",
                ),
                ("threshold", fmt_number(result.delta, "g"), "column-threshold"),
                (
                    "records (reference / current)",
                    f"{result.n_reference} / {result.n_current}",
                    "column-counts",
                ),
            ]
        )
        histogram = queries.column_histogram(detail, column)
        distribution = figures.distribution(histogram, column, result.kind)
        return html.Div([*problems, summary, html.P(result.detail)]), distribution, effect

    @app.callback(
        Output("nav", "href", allow_duplicate=True),
        Input("column-range", "value"),
        Input("column-effect", "clickData"),
        State("column-params", "data"),
        prevent_initial_call=True,
    )
    def _navigate(key: str, click: Any, params: dict[str, Any]) -> Any:
        monitor, column = params["monitor"], params["column"]
        if ctx.triggered_id == "column-range":
            if key == params["range"]:
                return no_update  # the selector drawn with the page's own range
            return column_href(
                context.base,
                monitor,
                column,
                range_key=key,
                window=parse_window(params.get("window")),
            )
        start = parse_window((click or {}).get("points", [{}])[0].get("x"))
        if start is None:
            return no_update
        return column_href(context.base, monitor, column, range_key=params["range"], window=start)
