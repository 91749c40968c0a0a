"""Figure builders are pure functions of stored results (no browser, no store)."""

from __future__ import annotations

import datetime as dt

from dashboards import figures
from dashboards.queries import HeatmapView, Marker, VersionChange
from monitor.engine.report import Histogram
from monitor.store import CheckPoint, ColumnPoint

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)


def _point(hour: int, share: float | None, status: str = "ok", version: str = "1") -> CheckPoint:
    start = T0 + hour * HOUR
    return CheckPoint(hour, start, start + HOUR, status, "r", share, 10, "m", version, start)  # type: ignore[arg-type]


def test_drift_timeline_plots_the_stored_shares_at_their_window_starts() -> None:
    points = [_point(0, 0.0), _point(1, 0.5, "drifting"), _point(2, None, "failed")]
    figure = figures.drift_timeline(points)
    trace = figure.data[0]
    assert list(trace.y) == [0.0, 0.5, 0.0]
    assert list(trace.x) == [T0, T0 + HOUR, T0 + 2 * HOUR]
    assert list(trace.marker.color) == [
        figures.STATUS_COLOURS[s] for s in ("ok", "drifting", "failed")
    ]


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
    assert [list(row) for row in heat.z] == [[0.5, 0.2], [None, 0.01]]
    assert list(heat.y) == ["income", "age"]
    assert [list(row) for row in heat.customdata] == [[1, 0], [0, 0]]
    assert list(drifted.x) == [T0] and list(drifted.y) == ["income"]
    assert heat.colorbar.title.text == "effect size"


def test_effect_timeline_draws_the_threshold_and_colours_drifted_windows() -> None:
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
    ]
    figure = figures.effect_timeline(points, "income")
    effect, threshold = figure.data
    assert list(effect.y) == [0.05, 0.3]
    assert list(effect.marker.color) == ["#2e7d32", "#c62828"]
    assert list(threshold.y) == [0.1, 0.1]


def test_distribution_overlays_reference_and_current_shares_per_bin() -> None:
    histogram = Histogram(("< 1", "[1, 2)", ">= 2"), (2, 6, 2), (0, 1, 3), (1.0, 2.0))
    figure = figures.distribution(histogram, "income", "numeric")
    reference, current = figure.data
    assert list(reference.y) == [0.2, 0.6, 0.2]
    assert list(current.y) == [0.0, 0.25, 0.75]
    assert list(current.customdata) == [0, 1, 3]
    assert reference.name == "reference (n=10)" and current.name == "current (n=4)"
    assert figure.layout.xaxis.title.text == "baseline bin"
