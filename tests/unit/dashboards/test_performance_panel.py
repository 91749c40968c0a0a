"""The performance panel's view and figure: pure functions of stored performance."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

from dashboards import figures
from dashboards.performance import Importance, importances, performance_view
from monitor.engine.performance_report import EstimatedPerformance, RealisedPerformance
from monitor.engine.report import ColumnImpact, DriftReport
from monitor.stats import CbpeEstimate
from monitor.store import CheckDetail, CheckSummary, WindowPerformance

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)
BASELINE = {"accuracy": 0.9, "roc_auc": 0.95}


def _window(hour: int, *, estimate: float | None, realised: float | None,
            labelled: int = 0) -> WindowPerformance:  # fmt: skip
    guess = None
    if estimate is not None:
        cbpe = CbpeEstimate(
            n=100, expected_tp=1.0, expected_fp=1.0, expected_fn=1.0, expected_tn=1.0,
            estimates={"accuracy": estimate, "roc_auc": 0.8},
            lower={"accuracy": estimate - 0.05, "roc_auc": 0.7},
            upper={"accuracy": estimate + 0.05, "roc_auc": 0.9},
            confidence=0.95, n_draws=10, seed=0,
        )  # fmt: skip
        guess = EstimatedPerformance(100, cbpe, BASELINE)
    known = RealisedPerformance(
        task="binary", n_records=100, n_labelled=labelled, n_unusable_labels=0,
        metrics={} if realised is None else {"accuracy": realised}, baseline_metrics=BASELINE,
    )  # fmt: skip
    start = T0 + hour * HOUR
    return WindowPerformance("credit", start, start + HOUR, realised=known, estimated=guess)


HISTORY = [
    _window(0, estimate=0.88, realised=0.86, labelled=50),
    _window(1, estimate=0.80, realised=None),
    _window(2, estimate=None, realised=math.nan, labelled=10),
]


def test_the_view_lines_up_realised_coverage_estimate_and_band_per_window() -> None:
    view = performance_view(HISTORY)
    assert view is not None
    assert (view.metric, view.baseline) == ("accuracy", 0.9)
    assert [p.window_start_at for p in view.points] == [T0, T0 + HOUR, T0 + 2 * HOUR]
    assert [p.realised for p in view.points] == [0.86, None, None]  # NaN is not drawn
    assert [p.label_coverage for p in view.points] == [0.5, 0.0, 0.1]
    assert [p.estimated for p in view.points] == [0.88, 0.80, None]
    assert view.points[0].lower == 0.88 - 0.05 and view.points[0].upper == 0.88 + 0.05


def test_the_view_takes_another_metric_and_is_none_without_history() -> None:
    view = performance_view(HISTORY, metric="roc_auc")
    assert view is not None and view.baseline == 0.95
    assert [p.estimated for p in view.points] == [0.8, 0.8, None]
    assert performance_view([]) is None


def test_the_figure_draws_band_estimate_realised_coverage_and_baseline() -> None:
    figure = figures.performance_timeline(performance_view(HISTORY))
    band, estimated, realised, coverage = figure.data
    assert band.name == "estimate band" and band.fill == "toself"
    # the band goes along the upper bounds and back along the lower ones (windows 0, 1)
    assert list(band.y) == [0.88 + 0.05, 0.80 + 0.05, 0.80 - 0.05, 0.88 - 0.05]
    assert estimated.name == "estimated accuracy (CBPE)"
    assert list(estimated.y) == [0.88, 0.80, None]
    assert realised.name == "realised accuracy" and list(realised.y) == [0.86, None, None]
    assert coverage.type == "bar" and coverage.yaxis == "y2"
    assert list(coverage.y) == [0.5, 0.0, 0.1]
    assert figure.layout.yaxis2.range == (0, 1)
    [line] = figure.layout.shapes
    assert (line.y0, line.y1) == (0.9, 0.9)
    assert figure.layout.annotations[0].text == "baseline accuracy 0.9"


def test_the_figure_says_why_it_is_empty() -> None:
    figure = figures.performance_timeline(None, empty="No labels yet")
    assert figure.data == ()
    assert figure.layout.annotations[0].text == "No labels yet"


def _detail(report: Mapping[str, Any] | None) -> CheckDetail:
    summary = CheckSummary(
        1, "credit", T0, T0 + HOUR, "ok", "r", 0.0, None, 100, None, None, None, T0, T0,
    )  # fmt: skip
    if report is None:
        return CheckDetail(summary, (), (), None)
    impact = tuple(
        ColumnImpact(
            i["name"], i["importance"], i["importance_rank"], "model", None, 0.1, 0.05, False
        )
        for i in report["impact"]
    )
    typed = DriftReport(100, 100, (), (), 0.05, 0.1, 0.1, 0.5, "bh", impact=impact)
    return CheckDetail(summary, (), (), typed)


def test_importances_come_from_the_stored_impact_ranking() -> None:
    report = {
        "impact": [
            {"name": "income", "importance": 0.6, "importance_rank": 1},
            {"name": "age", "importance": 0.4, "importance_rank": 2},
        ]
    }
    assert importances(_detail(report)) == {
        "income": Importance(0.6, 1), "age": Importance(0.4, 2),
    }  # fmt: skip
    assert importances(_detail({"impact": []})) == {}
    assert importances(_detail(None)) == {}
    assert importances(None) == {}
