"""Pure figure builders: stored results in, a Plotly figure out.

No store, no callback context and no statistics here: every value drawn is a stored
number (shares of counts are scaled for display only). A click on a time series
gives the window start as its x value (and the column as y on the heatmap), which the
pages turn into a link.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import plotly.graph_objects as go

from dashboards.performance import PerformanceView
from dashboards.queries import HeatmapView, Marker, VersionChange
from monitor.engine.report import Histogram
from monitor.store import CheckPoint, ColumnPoint, MultivariatePoint

__all__ = [
    "HEATMAP_MAX",
    "STATUS_COLOURS",
    "VERDICT_COLOURS",
    "WATCH_LABEL",
    "Frame",
    "distribution",
    "drift_heatmap",
    "drift_timeline",
    "effect_timeline",
    "empty_figure",
    "multivariate_timeline",
    "performance_timeline",
    "sparkline",
]

STATUS_COLOURS: Final = {
    "ok": "#2e7d32",
    "drifting": "#ef6c00",
    "failed": "#c62828",
    "insufficient_data": "#9e9e9e",
    "no_data": "#9e9e9e",
}
VERDICT_COLOURS: Final = {"drift": "#c62828", "watch": "#1565c0", "ok": "#2e7d32"}
WATCH_LABEL: Final = "watch: significant, below δ"
"""The legend entry of ``watch`` cells and points (never drawn as drift)."""
_REFERENCE: Final = "#5c6bc0"
_CURRENT: Final = "#ef6c00"
_MARGIN: Final = {"l": 50, "r": 20, "t": 40, "b": 40}
# The legend sits under the plot, left-aligned: the toolbar (top right) never covers it.
_LEGEND_MARGIN: Final = 90
HEATMAP_MAX: Final = 2.0
"""The heatmap's colour scale runs from 0 to this many times the column's δ (beyond: the
top colour), the same in every view."""


@dataclass(frozen=True, slots=True)
class Frame:
    """What every time chart of a page shares: the range's windows starting in
    [since, until), the window length, and the selected window's start (highlighted)."""

    since: dt.datetime | None
    until: dt.datetime | None
    window: dt.timedelta | None
    selected: dt.datetime | None = None


def _layout(figure: go.Figure, title: str, *, height: int) -> go.Figure:
    figure.update_layout(
        title={"text": title, "x": 0, "font": {"size": 15}},
        height=height + _LEGEND_MARGIN,
        margin={**_MARGIN, "b": _LEGEND_MARGIN},
        template="plotly_white",
        hovermode="closest",
        showlegend=True,
        legend={"orientation": "h", "y": -0.12, "yanchor": "top", "x": 0, "xanchor": "left"},
    )
    return figure


def _frame(figure: go.Figure, frame: Frame | None, first: dt.datetime | None = None) -> None:
    """The frame's x-range (points are drawn at their window start, so the axis runs half
    a window either side) and its selected window as a band."""
    if frame is None or frame.window is None or frame.until is None:
        return
    half = frame.window / 2
    since = frame.since if frame.since is not None else first
    if since is not None:
        figure.update_xaxes(range=[since - half, frame.until - half], type="date")
    if frame.selected is not None:
        figure.add_vrect(
            x0=frame.selected - half,
            x1=frame.selected + half,
            fillcolor="#ffd54f",
            opacity=0.35,
            line_width=0,
            layer="below",
        )


def _gapped(
    starts: Sequence[dt.datetime], values: Sequence[Any], window: dt.timedelta | None
) -> tuple[list[dt.datetime], list[Any]]:
    """``starts`` and ``values`` with a None put in each run of windows that has no
    point, so a line breaks there instead of bridging the empty windows."""
    xs: list[dt.datetime] = []
    ys: list[Any] = []
    for index, (start, value) in enumerate(zip(starts, values, strict=True)):
        if index and window is not None and start - starts[index - 1] > window * 1.5:
            xs.append(starts[index - 1] + window)
            ys.append(None)
        xs.append(start)
        ys.append(value)
    return xs, ys


def _verdict_line(
    starts: Sequence[dt.datetime],
    effects: Sequence[float | None],
    verdicts: Sequence[str | None],
    texts: Sequence[str],
    window: dt.timedelta | None,
    *,
    name: str,
    hovertemplate: str,
) -> go.Scatter:
    """An effect size per window as one line broken over windows without a result, each
    marker coloured by its verdict (``VERDICT_COLOURS``; grey when it has none)."""
    xs, ys = _gapped(starts, effects, window)
    _, colours = _gapped(starts, [VERDICT_COLOURS.get(v or "") for v in verdicts], window)
    _, hover = _gapped(starts, texts, window)
    return go.Scatter(
        x=xs,
        y=ys,
        text=hover,
        mode="lines+markers",
        name=name,
        line={"color": "#455a64", "width": 1.5},
        marker={"size": 6, "color": [c or "#455a64" for c in colours]},
        connectgaps=False,
        hovertemplate=hovertemplate,
    )


def empty_figure(message: str, *, height: int = 240) -> go.Figure:
    """A blank figure that says why there is nothing to draw."""
    figure = go.Figure()
    figure.add_annotation(text=message, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False)
    figure.update_layout(height=height, margin=_MARGIN, template="plotly_white")
    return figure


def sparkline(points: Sequence[CheckPoint]) -> go.Figure:
    """Share of drifted columns over the latest windows, small and without axes."""
    figure = go.Figure(
        go.Scatter(
            x=[p.window_start_at for p in points],
            y=[p.share_drifted for p in points],
            mode="lines+markers",
            line={"width": 1.5, "color": "#455a64"},
            marker={"size": 4, "color": [STATUS_COLOURS[p.status] for p in points]},
            hoverinfo="skip",
        )
    )
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False, range=[-0.05, 1.05])
    figure.update_layout(
        height=40,
        width=180,
        margin={"l": 2, "r": 2, "t": 2, "b": 2},
        showlegend=False,
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
    )
    return figure


def drift_timeline(
    points: Sequence[CheckPoint],
    *,
    changes: Sequence[VersionChange] = (),
    markers: Sequence[Marker] = (),
    drift_share: float | None = None,
    frame: Frame | None = None,
    empty: str = "No checks in this time range",
) -> go.Figure:
    """Share of drifted columns per window, coloured by check status, with model-version
    changes as vertical lines and, on top, alert transitions (one marker per state
    reached: pending, firing, resolved, ok) and retraining triggers. Windows without a
    check, and failed or empty checks (marked apart at 0), break the line."""
    if not points:
        return empty_figure(empty)
    figure = go.Figure()
    window = frame.window if frame else None
    starts = [p.window_start_at for p in points]
    xs, ys = _gapped(starts, [p.share_drifted for p in points], window)
    _, texts = _gapped(starts, [f"{p.status}: {p.reason}" for p in points], window)
    _, colours = _gapped(starts, [STATUS_COLOURS[p.status] for p in points], window)
    figure.add_trace(
        go.Scatter(
            x=xs,
            y=ys,
            text=texts,
            mode="lines+markers",
            name="share of drifted columns",
            line={"color": "#455a64", "width": 1.5},
            marker={"size": 6, "color": [c or "#455a64" for c in colours]},
            connectgaps=False,
            hovertemplate="%{x}<br>share drifted %{y:.0%}<br>%{text}<extra></extra>",
        )
    )
    unread = [p for p in points if p.share_drifted is None]
    if unread:
        figure.add_trace(
            go.Scatter(
                x=[p.window_start_at for p in unread],
                y=[0.0] * len(unread),
                text=[f"{p.status}: {p.reason}" for p in unread],
                mode="markers",
                name="failed or no data",
                marker={
                    "symbol": "x",
                    "size": 8,
                    "color": [STATUS_COLOURS[p.status] for p in unread],
                },
                hovertemplate="%{x}<br>%{text}<extra></extra>",
            )
        )
    if drift_share is not None:
        figure.add_hline(
            y=drift_share,
            line={"dash": "dot", "color": "#c62828"},
            annotation_text=f"drift share {drift_share:.0%}",
        )
    for change in changes:
        figure.add_vline(x=change.at, line={"dash": "dash", "color": "#6a1b9a"})
    if changes:
        figure.add_trace(
            go.Scatter(
                x=[c.at for c in changes],
                y=[1.1] * len(changes),
                mode="markers+text",
                text=[f"v{c.previous} → v{c.current}" for c in changes],
                textposition="middle right",
                marker={"symbol": "diamond", "size": 10, "color": "#6a1b9a"},
                name="model version change",
                hoverinfo="text",
            )
        )
    for name, chosen, symbol, colour in _marker_groups(markers):
        figure.add_trace(
            go.Scatter(
                x=[m.at for m in chosen],
                y=[1.02 if m.kind == "alert" else 1.14 for m in chosen],
                mode="markers",
                text=[m.label for m in chosen],
                marker={"symbol": symbol, "size": 11, "color": colour},
                name=name,
                hoverinfo="text",
            )
        )
    _frame(figure, frame, points[0].window_start_at)
    figure.update_yaxes(range=[-0.02, 1.18], tickformat=".0%", title="drifted columns")
    return _layout(figure, "Share of drifted columns per window", height=320)


_ALERT_MARKERS: Final = (
    ("pending", "alert pending", "triangle-down-open", "#ef6c00"),
    ("firing", "alert firing", "triangle-down", "#c62828"),
    ("resolved", "alert resolved", "triangle-up", "#2e7d32"),
    ("ok", "alert back to ok", "circle-open", "#757575"),
)


def _marker_groups(markers: Sequence[Marker]) -> list[tuple[str, list[Marker], str, str]]:
    """One legend entry per alert state reached, and one for retraining triggers."""
    groups = [
        (name, [m for m in markers if m.kind == "alert" and m.state == state], symbol, colour)
        for state, name, symbol, colour in _ALERT_MARKERS
    ]
    groups.append(
        ("retraining trigger", [m for m in markers if m.kind == "retrain"], "star", "#00838f")
    )
    return [group for group in groups if group[1]]


def drift_heatmap(
    view: HeatmapView | None,
    *,
    frame: Frame | None = None,
    empty: str = "No column results in this time range",
) -> go.Figure:
    """Columns x windows coloured by effect size relative to the column's tolerance δ on
    a fixed scale (0 to ``HEATMAP_MAX`` x δ), so a colour means the same in every view;
    an x marks cells where the column drifted (in at least one window of the bucket), an
    open circle cells on ``watch`` (significant, effect below δ) with no drift. The hover
    text names the cell's verdict. A click gives the column (y) and the bucket's first
    window start (x)."""
    if view is None or not view.columns:
        return empty_figure(empty)
    several = any(max(row) > 1 for row in view.windows)
    label = "largest effect size" if several else "effect size"
    deltas = view.deltas or (None,) * len(view.columns)
    watch = view.watch or tuple((0,) * len(row) for row in view.drifted)
    custom = [
        [
            [
                drifted,
                "-" if effect is None else f"{effect:.3f}",
                "-" if d is None else f"{d:g}",
                _cell_verdict(effect, drifted, watched),
                watched,
            ]
            for drifted, effect, watched in zip(drifted_row, effect_row, watch_row, strict=True)
        ]
        for drifted_row, effect_row, watch_row, d in zip(
            view.drifted, view.effect, watch, deltas, strict=True
        )
    ]
    figure = go.Figure(
        go.Heatmap(
            z=view.relative,
            x=view.bucket_starts,
            y=view.columns,
            customdata=custom,
            zmin=0.0,
            zmax=HEATMAP_MAX,
            colorscale="YlOrRd",
            colorbar={
                "title": {"text": f"{label} / δ"},
                "tickvals": [0, 0.5, 1, 1.5, 2],
                "ticktext": ["0", "½δ", "δ", "1½δ", "≥2δ"],
            },
            hovertemplate="%{y}<br>%{x}<br><b>%{customdata[3]}</b><br>"
            + label
            + " %{customdata[1]} (δ %{customdata[2]}, %{z:.2f}×δ)"
            + "<br>drifted in %{customdata[0]}, on watch in %{customdata[4]} window(s)"
            + "<extra></extra>",
            hoverongaps=False,
            name=label,
        )
    )
    xs, ys = [], []
    for column, row in zip(view.columns, view.drifted, strict=True):
        for start, count in zip(view.bucket_starts, row, strict=True):
            if count:
                xs.append(start)
                ys.append(column)
    if xs:
        figure.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="markers",
                name="drifted",
                marker={"symbol": "x-thin", "size": 7, "line": {"width": 1.5, "color": "#212121"}},
                hoverinfo="skip",
            )
        )
    watched = [
        (start, column)
        for column, drifted_row, watch_row in zip(view.columns, view.drifted, watch, strict=True)
        for start, drifted, count in zip(view.bucket_starts, drifted_row, watch_row, strict=True)
        if count and not drifted
    ]
    if watched:
        figure.add_trace(
            go.Scatter(
                x=[start for start, _ in watched],
                y=[column for _, column in watched],
                mode="markers",
                name=WATCH_LABEL,
                marker={
                    "symbol": "circle-open",
                    "size": 8,
                    "line": {"width": 1.5, "color": VERDICT_COLOURS["watch"]},
                },
                hoverinfo="skip",
            )
        )
    figure.update_yaxes(
        autorange="reversed", type="category", tickmode="array", tickvals=list(view.columns)
    )
    if frame is not None and view.bucket != frame.window:
        frame = Frame(frame.since, frame.until, view.bucket, None)
    _frame(figure, frame, view.bucket_starts[0])
    height = max(260, 90 + 20 * len(view.columns))
    return _layout(
        figure, "Effect size / δ per column and window (x: drifted, o: watch)", height=height
    )


def _cell_verdict(effect: float | None, drifted: int, watched: int) -> str:
    """A heatmap cell's verdict in words (a bucket of several windows: its worst)."""
    if effect is None:
        return "not tested"
    if drifted:
        return "drift"
    return WATCH_LABEL if watched else "ok"


def effect_timeline(
    points: Sequence[ColumnPoint],
    title: str,
    *,
    frame: Frame | None = None,
    empty: str | None = None,
) -> go.Figure:
    """One column's effect size over time against its tolerance (delta); each window's
    marker is coloured by its verdict (drift, watch, ok; named in the hover text and the
    legend); the line breaks over windows without a result."""
    tested = [p for p in points if p.effect_size is not None]
    if not tested:
        return empty_figure(empty or f"{title}: no tested window in this time range")
    figure = go.Figure()
    window = frame.window if frame else None
    verdicts = [p.verdict or "-" for p in tested]
    figure.add_trace(
        _verdict_line(
            [p.window_start_at for p in tested],
            [p.effect_size for p in tested],
            verdicts,
            verdicts,
            window,
            name=f"effect size ({tested[-1].effect_method or '-'})",
            hovertemplate="%{x}<br>effect size %{y:.4f}<br>verdict %{text}<extra></extra>",
        )
    )
    for verdict, name in (("drift", "drift"), ("watch", WATCH_LABEL)):
        chosen = [p for p, v in zip(tested, verdicts, strict=True) if v == verdict]
        if chosen:
            figure.add_trace(
                go.Scatter(
                    x=[p.window_start_at for p in chosen],
                    y=[p.effect_size for p in chosen],
                    mode="markers",
                    name=name,
                    marker={
                        "symbol": "circle-open",
                        "size": 11,
                        "line": {"width": 2, "color": VERDICT_COLOURS[verdict]},
                    },
                    hoverinfo="skip",
                )
            )
    figure.add_trace(
        go.Scatter(
            x=[p.window_start_at for p in tested],
            y=[p.delta for p in tested],
            mode="lines",
            name="threshold (delta)",
            line={"color": "#c62828", "dash": "dot", "shape": "hv"},
            hovertemplate="threshold %{y}<extra></extra>",
        )
    )
    _frame(figure, frame, tested[0].window_start_at)
    return _layout(figure, title, height=300)


def multivariate_timeline(
    points: Sequence[MultivariatePoint],
    *,
    frame: Frame | None = None,
    empty: str = "No multivariate result in this time range",
) -> go.Figure:
    """The multivariate method's effect per window (the domain classifier's AUC − 0.5, or
    PCA reconstruction's W1/sd of the errors: the axis and title name the method the
    results carry), markers coloured by its verdict, against its threshold: a horizontal
    line (a step line if the threshold changed within the range). The line breaks over
    windows without a tested result."""
    tested = [
        (p, p.result)
        for p in points
        if p.result is not None and p.result.status == "tested" and p.result.effect_size is not None
    ]
    if not tested:
        untested = [p.result for p in points if p.result is not None and p.result.reason]
        reason = f" ({untested[-1].reason})" if untested else ""
        return empty_figure(empty + reason)
    methods = {r.method: r for _, r in tested}
    if len(methods) == 1:  # one method in the range: its name and its effect's meaning
        (result,) = methods.values()
        title, effect_name = result.title, result.effect_name
    else:  # the monitor changed method within the range: effects on different scales
        title, effect_name = " / ".join(sorted(methods)), "effect size"
    figure = go.Figure()
    window = frame.window if frame else None
    starts = [p.window_start_at for p, _ in tested]
    figure.add_trace(
        _verdict_line(
            starts,
            [r.effect_size for _, r in tested],
            [r.verdict for _, r in tested],
            [
                f"{r.verdict}, {r.method}: {r.statistic_name} {r.statistic:.3f}, p {r.p_value:.2g}"
                + (f"<br>top columns: {', '.join(r.top_columns)}" if r.top_columns else "")
                for _, r in tested
            ],
            window,
            name=f"{title} effect ({effect_name})",
            hovertemplate="%{x}<br>effect %{y:.3f}<br>%{text}<extra></extra>",
        )
    )
    thresholds = {r.threshold for _, r in tested}
    if len(thresholds) == 1:
        threshold = thresholds.pop()
        figure.add_hline(
            y=threshold,
            line={"dash": "dot", "color": VERDICT_COLOURS["drift"]},
            annotation_text=f"threshold {threshold:g}",
            name="threshold",
        )
    else:
        figure.add_trace(
            go.Scatter(
                x=starts,
                y=[r.threshold for _, r in tested],
                mode="lines",
                name="threshold",
                line={"color": VERDICT_COLOURS["drift"], "dash": "dot", "shape": "hv"},
                hovertemplate="threshold %{y}<extra></extra>",
            )
        )
    _frame(figure, frame, starts[0])
    figure.update_yaxes(title=effect_name)
    return _layout(figure, f"Multivariate drift: {title} effect per window", height=280)


def distribution(histogram: Histogram | None, column: str, kind: str) -> go.Figure:
    """Reference and current distributions side by side (grouped bars: the reference
    outlined, the current filled, so neither hides the other): the share of values per
    baseline bin (numeric) or per category (categorical)."""
    if histogram is None:
        return empty_figure(f"No stored distribution for {column} in this window")
    total_reference = sum(histogram.reference) or 1
    total_current = sum(histogram.current) or 1
    figure = go.Figure()
    for name, counts, total, colour in (
        ("reference", histogram.reference, total_reference, _REFERENCE),
        ("current", histogram.current, total_current, _CURRENT),
    ):
        figure.add_trace(
            go.Bar(
                x=list(histogram.labels),
                y=[c / total for c in counts],
                customdata=list(counts),
                name=f"{name} (n={sum(counts)})",
                marker=(
                    {"color": "rgba(92, 107, 192, 0.25)", "line": {"color": colour, "width": 1.5}}
                    if name == "reference"
                    else {"color": colour, "line": {"color": colour, "width": 1.5}}
                ),
                hovertemplate="%{x}<br>%{y:.1%} (%{customdata} values)<extra></extra>",
            )
        )
    axis = "baseline bin" if histogram.edges is not None else "category"
    figure.update_layout(barmode="group", bargap=0.15, bargroupgap=0.05)
    figure.update_xaxes(title=axis, type="category")
    figure.update_yaxes(title="share of values", tickformat=".0%")
    return _layout(figure, f"{column} ({kind}): reference vs current", height=340)


_REALISED: Final = "#2e7d32"
_ESTIMATED: Final = "#1565c0"


def performance_timeline(
    view: PerformanceView | None,
    *,
    frame: Frame | None = None,
    empty: str = "No model performance stored in this time range",
) -> go.Figure:
    """The main metric per window: realised (from labels) against the CBPE estimate with
    its band, the baseline's value as a reference line, and the label coverage as bars
    on a secondary axis. Lines break over windows without a value; with no label at all
    in the range, the chart says so."""
    if view is None or not view.points:
        return empty_figure(empty)
    points, metric = view.points, view.metric
    window = frame.window if frame else None
    starts = [p.window_start_at for p in points]
    figure = go.Figure()
    banded = [p for p in points if p.lower is not None and p.upper is not None]
    if banded:
        figure.add_trace(
            go.Scatter(
                x=[p.window_start_at for p in banded] + [p.window_start_at for p in banded][::-1],
                y=[p.upper for p in banded] + [p.lower for p in banded][::-1],
                fill="toself",
                fillcolor="rgba(21, 101, 192, 0.15)",
                line={"width": 0},
                hoverinfo="skip",
                name="estimate band",
            )
        )
    estimated_x, estimated_y = _gapped(starts, [p.estimated for p in points], window)
    realised_x, realised_y = _gapped(starts, [p.realised for p in points], window)
    _, realised_text = _gapped(
        starts,
        ["no labels" if p.n_labelled is None else f"{p.n_labelled} labelled" for p in points],
        window,
    )
    figure.add_trace(
        go.Scatter(
            x=estimated_x,
            y=estimated_y,
            connectgaps=False,
            mode="lines+markers",
            name=f"estimated {metric} (CBPE)",
            line={"color": _ESTIMATED, "dash": "dash", "width": 1.5},
            marker={"size": 5},
            hovertemplate="%{x}<br>estimated %{y:.4f}<extra></extra>",
        )
    )
    figure.add_trace(
        go.Scatter(
            x=realised_x,
            y=realised_y,
            text=realised_text,
            connectgaps=False,
            mode="lines+markers",
            name=f"realised {metric}",
            line={"color": _REALISED, "width": 2},
            marker={"size": 6},
            hovertemplate="%{x}<br>realised %{y:.4f}<br>%{text}<extra></extra>",
        )
    )
    figure.add_trace(
        go.Bar(
            x=starts,
            y=[p.label_coverage for p in points],
            name="label coverage",
            marker={"color": "#9e9e9e"},
            opacity=0.3,
            yaxis="y2",
            hovertemplate="%{x}<br>label coverage %{y:.0%}<extra></extra>",
        )
    )
    if view.baseline is not None:
        figure.add_hline(
            y=view.baseline,
            line={"dash": "dot", "color": "#6a1b9a"},
            annotation_text=f"baseline {metric} {view.baseline:.4g}",
        )
    figure.update_layout(
        yaxis={"title": metric},
        yaxis2={
            "title": "label coverage",
            "overlaying": "y",
            "side": "right",
            "range": [0, 1],
            "dtick": 0.25,
            "tickformat": ".0%",
            "showgrid": False,
        },
    )
    if all(p.realised is None for p in points):
        figure.add_annotation(
            text=f"no labels yet in this range: realised {metric} shows once labels arrive",
            showarrow=False,
            x=0.5,
            y=0.95,
            xref="paper",
            yref="paper",
            bgcolor="#fff8e1",
        )
    _frame(figure, frame, starts[0])
    figure = _layout(figure, f"Model performance: {metric}, realised vs estimated", height=320)
    figure.update_layout(margin={**_MARGIN, "r": 60, "b": _LEGEND_MARGIN})
    return figure
