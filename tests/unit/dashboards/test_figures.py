"""Figure builders are pure functions of stored results (no browser, no store)."""

from __future__ import annotations

import datetime as dt

from dashboards import figures
from dashboards.queries import HeatmapView, Marker, VersionChange
from monitor.engine.report import Histogram, MultivariateResult
from monitor.store import CheckPoint, ColumnPoint, MultivariatePoint

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)


def _point(hour: int, share: float | None, status: str = "ok", version: str = "1") -> CheckPoint:
    start = T0 + hour * HOUR
    return CheckPoint(hour, start, start + HOUR, status, "r", share, 10, "m", version, start)  # type: ignore[arg-type]


def test_drift_timeline_plots_the_stored_shares_at_their_window_starts() -> None:
    points = [_point(0, 0.0), _point(1, 0.5, "drifting"), _point(2, None, "failed")]
    figure = figures.drift_timeline(points)
    trace, failed = figure.data
    # a failed check has no share: a gap in the line, marked apart at 0
    assert list(trace.y) == [0.0, 0.5, None] and trace.connectgaps is False
    assert list(trace.x) == [T0, T0 + HOUR, T0 + 2 * HOUR]
    assert list(trace.marker.color) == [
        figures.STATUS_COLOURS[s] for s in ("ok", "drifting", "failed")
    ]
    assert failed.name == "failed or no data" and list(failed.x) == [T0 + 2 * HOUR]


def test_windows_without_a_check_break_the_line_and_the_frame_sets_the_axis() -> None:
    points = [_point(0, 0.1), _point(1, 0.2), _point(5, 0.3)]
    frame = figures.Frame(T0 - 2 * HOUR, T0 + 6 * HOUR, HOUR, selected=T0 + HOUR)
    figure = figures.drift_timeline(points, frame=frame)
    trace = figure.data[0]
    assert list(trace.x) == [T0, T0 + HOUR, T0 + 2 * HOUR, T0 + 5 * HOUR]
    assert list(trace.y) == [0.1, 0.2, None, 0.3]
    # the axis runs over the whole range (points sit at window starts: half a window
    # either side), and the selected window is a band around its point
    assert tuple(figure.layout.xaxis.range) == (T0 - 2.5 * HOUR, T0 + 5.5 * HOUR)
    [band] = [s for s in figure.layout.shapes if s.type == "rect"]
    assert (band.x0, band.x1) == (T0 + 0.5 * HOUR, T0 + 1.5 * HOUR)


def test_legends_sit_under_the_plot_away_from_the_toolbar() -> None:
    figure = figures.drift_timeline([_point(0, 0.1)])
    legend = figure.layout.legend
    assert legend.yanchor == "top" and legend.y < 0 and legend.xanchor == "left"


def test_drift_timeline_marks_version_changes_alerts_and_retrains() -> None:
    figure = figures.drift_timeline(
        [_point(0, 0.1), _point(1, 0.2, version="2")],
        changes=[VersionChange(T0 + HOUR, "1", "2")],
        markers=[
            Marker(T0, "alert", "ds: ok → pending", "pending"),
            Marker(T0 + HOUR, "alert", "ds: pending → firing", "firing"),
            Marker(T0 + 2 * HOUR, "alert", "ds: firing → resolved", "resolved"),
            Marker(T0 + HOUR, "retrain", "retraining (ds): delivered"),
        ],
    )
    names = [trace.name for trace in figure.data]
    assert names == [
        "share of drifted columns",
        "model version change",
        "alert pending",
        "alert firing",
        "alert resolved",
        "retraining trigger",
    ]
    assert list(figure.data[1].text) == ["v1 → v2"]
    assert list(figure.data[3].x) == [T0 + HOUR]
    assert list(figure.data[3].text) == ["ds: pending → firing"]
    assert list(figure.data[5].text) == ["retraining (ds): delivered"]
    assert len([s for s in figure.layout.shapes if s.type == "line"]) == 1


def test_drift_timeline_draws_only_the_alert_states_reached() -> None:
    figure = figures.drift_timeline(
        [_point(0, 0.6)], markers=[Marker(T0, "alert", "ds: pending → firing", "firing")]
    )
    assert [trace.name for trace in figure.data] == ["share of drifted columns", "alert firing"]


def test_empty_inputs_give_a_figure_that_says_why() -> None:
    assert figures.drift_timeline([]).layout.annotations[0].text == "No checks in this time range"
    assert "No column results" in figures.drift_heatmap(None).layout.annotations[0].text
    assert "no tested window" in figures.effect_timeline([], "x").layout.annotations[0].text
    assert (
        "No stored distribution"
        in figures.distribution(None, "x", "numeric").layout.annotations[0].text
    )


def test_heatmap_colours_by_effect_size_and_marks_drifted_cells() -> None:
    view = HeatmapView(
        columns=("income", "age"),
        bucket_starts=(T0, T0 + HOUR),
        bucket=HOUR,
        effect=((0.5, 0.2), (None, 0.01)),
        drifted=((1, 0), (0, 0)),
        windows=((1, 1), (0, 1)),
        last_window_starts=(T0, T0 + HOUR),
    )
    figure = figures.drift_heatmap(view)
    heat, drifted = figure.data
    # without the columns' delta the colour says drifted (1) or not (0), never a raw size
    assert [list(row) for row in heat.z] == [[1.0, 0.0], [None, 0.0]]
    assert list(heat.y) == ["income", "age"]
    assert [[cell[0] for cell in row] for row in heat.customdata] == [[1, 0], [0, 0]]
    assert list(drifted.x) == [T0] and list(drifted.y) == ["income"]
    assert heat.colorbar.title.text == "effect size / δ"


def test_heatmap_colour_is_the_effect_over_delta_on_a_fixed_scale() -> None:
    def view(effect: float) -> HeatmapView:
        return HeatmapView(
            columns=("income", "region"),
            bucket_starts=(T0,),
            bucket=HOUR,
            effect=((effect,), (effect / 2,)),
            drifted=((1,), (0,)),
            windows=((1,), (1,)),
            last_window_starts=(T0,),
            deltas=(0.1, 0.05),
        )

    # one view whose largest effect is 0.05, another whose largest is 0.5: the same
    # effect relative to delta gets the same number, and the scale does not stretch
    small, large = figures.drift_heatmap(view(0.05)), figures.drift_heatmap(view(0.5))
    assert [list(r) for r in small.data[0].z] == [[0.5], [0.5]]
    assert [list(r) for r in large.data[0].z] == [[5.0], [5.0]]
    for figure in (small, large):
        assert (figure.data[0].zmin, figure.data[0].zmax) == (0.0, figures.HEATMAP_MAX)
    assert list(small.data[0].customdata[0][0]) == [1, "0.050", "0.1", "drift", 0]


def test_effect_timeline_draws_the_threshold_and_colours_each_window_by_verdict() -> None:
    points = [
        ColumnPoint(
            i,
            T0 + i * HOUR,
            T0 + (i + 1) * HOUR,
            "income",
            "feature",
            "tested",
            "cvm",
            "wasserstein",
            effect,
            1e-3,
            0.1,
            effect >= 0.1,
            "1",
        )
        for i, effect in enumerate((0.05, 0.3))
    ] + [
        ColumnPoint(2, T0 + 2 * HOUR, T0 + 3 * HOUR, "income", "feature", "tested", "cvm",
                    "wasserstein", 0.01, 0.4, 0.1, False, "1")
    ]  # fmt: skip
    figure = figures.effect_timeline(points, "income")
    traces = {trace.name: trace for trace in figure.data}
    effect = figure.data[0]
    assert list(effect.y) == [0.05, 0.3, 0.01]
    # significant but below delta: watch (blue), never drift (red)
    assert list(effect.text) == ["watch", "drift", "ok"]
    assert list(effect.marker.color) == ["#1565c0", "#c62828", "#2e7d32"]
    assert list(traces[figures.WATCH_LABEL].x) == [T0]
    assert list(traces["drift"].x) == [T0 + HOUR]
    assert list(traces["threshold (delta)"].y) == [0.1, 0.1, 0.1]


def test_heatmap_marks_watch_cells_apart_from_drift_with_a_legend_entry() -> None:
    view = HeatmapView(
        columns=("income", "age", "region"),
        bucket_starts=(T0, T0 + HOUR),
        bucket=HOUR,
        effect=((0.5, 0.05), (0.04, 0.01), (0.02, None)),
        drifted=((1, 0), (0, 0), (0, 0)),
        windows=((1, 1), (1, 1), (1, 0)),
        last_window_starts=(T0, T0 + HOUR),
        deltas=(0.1, 0.1, 0.1),
        # income's first cell is drift and watch in one bucket: drawn as drift only
        watch=((1, 1), (1, 0), (0, 0)),
    )
    figure = figures.drift_heatmap(view)
    traces = {trace.name: trace for trace in figure.data}
    watch = traces[figures.WATCH_LABEL]
    assert list(zip(watch.x, watch.y, strict=True)) == [(T0 + HOUR, "income"), (T0, "age")]
    assert watch.marker.symbol == "circle-open" and watch.showlegend is not False
    drifted = traces["drifted"]
    assert list(zip(drifted.x, drifted.y, strict=True)) == [(T0, "income")]
    heat = figure.data[0]
    verdicts = [[cell[3] for cell in row] for row in heat.customdata]
    assert verdicts == [
        ["drift", figures.WATCH_LABEL],
        [figures.WATCH_LABEL, "ok"],
        ["ok", "not tested"],
    ]
    assert "%{customdata[3]}" in heat.hovertemplate
    # a watch cell's colour is below delta: never the colour of drift
    assert heat.z[1][0] is not None and heat.z[1][0] < 1


def _joint(hour: int, effect: float | None, **fields: object) -> MultivariatePoint:
    start = T0 + hour * HOUR
    p_value = fields.pop("p_value", 1e-6 if effect and effect >= 0.02 else 0.4)
    result = MultivariateResult(
        status=fields.pop("status", "tested"),  # type: ignore[arg-type]
        statistic=None if effect is None else 0.5 + effect,
        p_value=p_value,  # type: ignore[arg-type]
        effect_size=effect,
        threshold=fields.pop("threshold", 0.05),  # type: ignore[arg-type]
        drifted=effect is not None and effect >= 0.05,
        top_columns=fields.pop("top_columns", ()),  # type: ignore[arg-type]
        reason=fields.pop("reason", ""),  # type: ignore[arg-type]
        method=fields.pop("method", "classifier"),  # type: ignore[arg-type]
    )
    return MultivariatePoint(hour, start, start + HOUR, result)


def test_multivariate_timeline_plots_the_effect_against_its_threshold_line() -> None:
    points = [
        _joint(0, 0.01),
        _joint(1, 0.03),
        MultivariatePoint(2, T0 + 2 * HOUR, T0 + 3 * HOUR, None),  # failed check
        _joint(4, 0.3, top_columns=("income", "age")),
    ]
    frame = figures.Frame(T0, T0 + 5 * HOUR, HOUR)
    figure = figures.multivariate_timeline(points, frame=frame)
    line = figure.data[0]
    # a gap over the windows without a tested result
    assert list(line.x) == [T0, T0 + HOUR, T0 + 2 * HOUR, T0 + 4 * HOUR]
    assert list(line.y) == [0.01, 0.03, None, 0.3]
    assert list(line.marker.color) == ["#2e7d32", "#1565c0", "#455a64", "#c62828"]
    assert line.text[1].startswith("watch") and "top columns: income, age" in line.text[3]
    [threshold] = [s for s in figure.layout.shapes if s.type == "line"]
    assert (threshold.y0, threshold.y1) == (0.05, 0.05)
    assert (threshold.xref, threshold.x0, threshold.x1) == ("x domain", 0, 1)
    assert [a.text for a in figure.layout.annotations] == ["threshold 0.05"]


def test_multivariate_timeline_steps_a_changed_threshold_and_explains_an_empty_range() -> None:
    figure = figures.multivariate_timeline([_joint(0, 0.1), _joint(1, 0.1, threshold=0.2)])
    [threshold] = [t for t in figure.data if t.name == "threshold"]
    assert list(threshold.y) == [0.05, 0.2] and threshold.line.shape == "hv"
    empty = figures.multivariate_timeline(
        [_joint(0, None, status="insufficient_data", reason="the baseline has no joint sample")]
    )
    assert "no joint sample" in empty.layout.annotations[0].text


def test_multivariate_timeline_names_the_method_its_results_carry() -> None:
    """PCA results are drawn as PCA's effect (W1/sd of the errors), not the classifier's
    AUC - 0.5; a range where the monitor changed method says so and names both."""
    pca = [_joint(0, 0.4, method="pca", threshold=0.1), _joint(1, 0.02, method="pca")]
    figure = figures.multivariate_timeline(pca)
    assert figure.layout.title.text == "Multivariate drift: PCA reconstruction effect per window"
    assert figure.layout.yaxis.title.text == "W1/sd of the errors"
    assert figure.data[0].name == "PCA reconstruction effect (W1/sd of the errors)"
    assert "pca: error AUC 0.900" in figure.data[0].text[0]
    mixed = figures.multivariate_timeline([pca[0], _joint(1, 0.1)])
    assert mixed.layout.title.text == "Multivariate drift: classifier / pca effect per window"
    assert mixed.layout.yaxis.title.text == "effect size"


def test_distribution_puts_reference_and_current_side_by_side() -> None:
    histogram = Histogram(("a", "b"), (60, 40), (30, 70), None)
    figure = figures.distribution(histogram, "region", "categorical")
    reference, current = figure.data
    assert figure.layout.barmode == "group"
    assert reference.name.startswith("reference") and current.name.startswith("current")
    assert list(reference.y) == [0.6, 0.4] and list(current.y) == [0.3, 0.7]
    # the reference is outlined (its fill see-through), never hidden behind the current
    assert reference.marker.line.width > 0 and "0.25" in reference.marker.color


def test_distribution_overlays_reference_and_current_shares_per_bin() -> None:
    histogram = Histogram(("< 1", "[1, 2)", ">= 2"), (2, 6, 2), (0, 1, 3), (1.0, 2.0))
    figure = figures.distribution(histogram, "income", "numeric")
    reference, current = figure.data
    assert list(reference.y) == [0.2, 0.6, 0.2]
    assert list(current.y) == [0.0, 0.25, 0.75]
    assert list(current.customdata) == [0, 1, 3]
    assert reference.name == "reference (n=10)" and current.name == "current (n=4)"
    assert figure.layout.xaxis.title.text == "baseline bin"
