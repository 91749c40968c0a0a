"""Pure figure builders: stored results in, a Plotly figure out.

No store, no callback context and no statistics here: every value drawn is a stored
number (shares of counts are scaled for display only). A click on a time series
gives the window start as its x value (and the column as y on the heatmap), which the
pages turn into a link.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import plotly.graph_objects as go

from dashboards.performance import PerformanceView
from dashboards.queries import HeatmapView, Marker, VersionChange
from monitor.engine.report import Histogram
from monitor.store import CheckPoint, ColumnPoint

__all__ = [
    "STATUS_COLOURS",
    "distribution",
    "drift_heatmap",
    "drift_timeline",
    "effect_timeline",
    "empty_figure",
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
_REFERENCE: Final = "#5c6bc0"
_CURRENT: Final = "#ef6c00"
_MARGIN: Final = {"l": 50, "r": 20, "t": 40, "b": 40}


def _layout(figure: go.Figure, title: str, *, height: int) -> go.Figure:
    figure.update_layout(
        title={"text": title, "x": 0, "font": {"size": 15}},
        height=height,
        margin=_MARGIN,
        template="plotly_white",
        hovermode="closest",
        showlegend=True,
        legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 1, "xanchor": "right"},
    )
    return figure


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
    selected: CheckPoint | None = None,
    drift_share: float | None = None,
) -> go.Figure:
    """Share of drifted columns per window, coloured by check status, with model-version
    changes as vertical lines and, on top, alert transitions (one marker per state
    reached: pending, firing, resolved, ok) and retraining triggers."""
    if not points:
        return empty_figure("No checks in this time range")
    figure = go.Figure()
    figure.add_trace(
        go.Scatter(
            x=[p.window_start_at for p in points],
            y=[p.share_drifted if p.share_drifted is not None else 0.0 for p in points],
            text=[f"{p.status}: {p.reason}" for p in points],
            mode="lines+markers",
            name="share of drifted columns",
            line={"color": "#455a64", "width": 1.5},
            marker={"size": 6, "color": [STATUS_COLOURS[p.status] for p in points]},
            hovertemplate="%{x}<br>share drifted %{y:.0%}<br>%{text}<extra></extra>",
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
    if selected is not None:
        figure.add_vrect(
            x0=selected.window_start_at,
            x1=selected.window_end_at,
            fillcolor="#ffd54f",
            opacity=0.4,
            line_width=0,
        )
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


def drift_heatmap(view: HeatmapView | None) -> go.Figure:
    """Columns x windows coloured by effect size; an x marks cells where the column drifted
    (in at least one window of the bucket). A click gives the column (y) and the bucket's
    first window start (x)."""
    if view is None or not view.columns:
        return empty_figure("No column results in this time range")
    several = any(max(row) > 1 for row in view.windows)
    label = "largest effect size" if several else "effect size"
    figure = go.Figure(
        go.Heatmap(
            z=view.effect,
            x=view.bucket_starts,
            y=view.columns,
            customdata=view.drifted,
            colorscale="YlOrRd",
            colorbar={"title": {"text": label}},
            hovertemplate="%{y}<br>%{x}<br>"
            + label
            + " %{z:.3f}<br>drifted in %{customdata} window(s)<extra></extra>",
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
    figure.update_yaxes(
        autorange="reversed", type="category", tickmode="array", tickvals=list(view.columns)
    )
    height = max(260, 90 + 20 * len(view.columns))
    return _layout(figure, "Effect size per column and window (x: drifted)", height=height)


def effect_timeline(points: Sequence[ColumnPoint], title: str) -> go.Figure:
    """One column's effect size over time against its tolerance (delta), drifted windows
    marked."""
    tested = [p for p in points if p.effect_size is not None]
    if not tested:
        return empty_figure(f"{title}: no tested window in this time range")
    figure = go.Figure()
    figure.add_trace(
        go.Scatter(
            x=[p.window_start_at for p in tested],
            y=[p.effect_size for p in tested],
            mode="lines+markers",
            name=f"effect size ({tested[-1].effect_method or '-'})",
            line={"color": "#455a64", "width": 1.5},
            marker={"size": 6, "color": ["#c62828" if p.drifted else "#2e7d32" for p in tested]},
            hovertemplate="%{x}<br>effect size %{y:.4f}<extra></extra>",
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
    return _layout(figure, title, height=300)


def distribution(histogram: Histogram | None, column: str, kind: str) -> go.Figure:
    """Reference and current distributions overlaid: the share of values per baseline bin
    (numeric) or per category (categorical)."""
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
                marker={"color": colour},
                opacity=0.7,
                hovertemplate="%{x}<br>%{y:.1%} (%{customdata} values)<extra></extra>",
            )
        )
    axis = "baseline bin" if histogram.edges is not None else "category"
    figure.update_layout(barmode="overlay")
    figure.update_xaxes(title=axis, type="category")
    figure.update_yaxes(title="share of values", tickformat=".0%")
    return _layout(figure, f"{column} ({kind}): reference vs current", height=340)


_REALISED: Final = "#2e7d32"
_ESTIMATED: Final = "#1565c0"


def performance_timeline(view: PerformanceView | None) -> go.Figure:
    """The main metric per window: realised (from labels) against the CBPE estimate with
    its band, the baseline's value as a reference line, and the label coverage as bars
    on a secondary axis."""
    if view is None or not view.points:
        return empty_figure(
            "No model performance stored (the baseline needs --target and --prediction)"
        )
    points, metric = view.points, view.metric
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
    figure.add_trace(
        go.Scatter(
            x=starts,
            y=[p.estimated for p in points],
            mode="lines+markers",
            name=f"estimated {metric} (CBPE)",
            line={"color": _ESTIMATED, "dash": "dash", "width": 1.5},
            marker={"size": 5},
            hovertemplate="%{x}<br>estimated %{y:.4f}<extra></extra>",
        )
    )
    figure.add_trace(
        go.Scatter(
            x=starts,
            y=[p.realised for p in points],
            text=[
                "no labels" if p.n_labelled is None else f"{p.n_labelled} labelled" for p in points
            ],
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
    figure = _layout(figure, f"Model performance: {metric}, realised vs estimated", height=320)
    figure.update_layout(margin={**_MARGIN, "r": 60})
    return figure
