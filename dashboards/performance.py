"""The Monitor page's model performance: stored performance in, a plain view out.

``load_performance`` is the one read-only store call (the windows of a time range);
``performance_view`` picks the main metric and lines up, per window, the realised value
with its label coverage and the CBPE estimate with its band; ``importances`` reads each
feature's importance and rank from a check's stored impact ranking. Nothing here
computes a metric: every number is a stored one.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from dashboards.links import TimeRange
from monitor.store import CheckDetail, Store, WindowPerformance

__all__ = [
    "MAIN_METRICS",
    "Importance",
    "PerformancePoint",
    "PerformanceView",
    "importances",
    "load_performance",
    "performance_view",
]

MAIN_METRICS: Final = ("accuracy", "roc_auc", "f1", "r2", "mae", "rmse")
"""The first of these the baseline has is the panel's metric."""


@dataclass(frozen=True, slots=True)
class PerformancePoint:
    """One window: the realised value and label coverage, the estimate and its band
    (None where not stored)."""

    window_start_at: dt.datetime
    window_end_at: dt.datetime
    realised: float | None
    label_coverage: float | None
    n_labelled: int | None
    estimated: float | None
    lower: float | None
    upper: float | None


@dataclass(frozen=True, slots=True)
class PerformanceView:
    metric: str
    baseline: float | None
    points: tuple[PerformancePoint, ...]


@dataclass(frozen=True, slots=True)
class Importance:
    """A feature's share of the model's importances and its rank (1 = most important)."""

    importance: float
    rank: int


def load_performance(
    store: Store, monitor: str, window_range: TimeRange
) -> list[WindowPerformance]:
    """The stored performance of the windows in the range, oldest first."""
    found = store.performance_history(monitor, since=window_range.since)
    until = window_range.until
    return [w for w in found if until is None or w.window_start_at < until]


def _number(values: Mapping[str, float], key: str) -> float | None:
    value = values.get(key)
    return None if value is None or math.isnan(value) else float(value)


def _baseline_metrics(history: Sequence[WindowPerformance]) -> Mapping[str, float]:
    for window in reversed(history):
        for part in (window.realised, window.estimated):
            if part is not None and part.baseline_metrics:
                return part.baseline_metrics
    return {}


def performance_view(
    history: Sequence[WindowPerformance], metric: str | None = None
) -> PerformanceView | None:
    """The panel's view of ``history`` for ``metric`` (default: the first of
    ``MAIN_METRICS`` the baseline or a window has), or None when nothing is stored."""
    if not history:
        return None
    baseline = _baseline_metrics(history)
    if metric is None:
        seen = set(baseline)
        for window in history:
            seen |= set(window.realised.metrics if window.realised else ())
            seen |= set(window.estimated.metrics if window.estimated else ())
        metric = next((m for m in MAIN_METRICS if m in seen), None)
        if metric is None:
            return None
    points = []
    for window in history:
        realised, estimated = window.realised, window.estimated
        points.append(
            PerformancePoint(
                window.window_start_at,
                window.window_end_at,
                realised=None if realised is None else _number(realised.metrics, metric),
                label_coverage=None if realised is None else realised.label_coverage,
                n_labelled=None if realised is None else realised.n_labelled,
                estimated=None if estimated is None else _number(estimated.metrics, metric),
                lower=None if estimated is None else _number(estimated.estimate.lower, metric),
                upper=None if estimated is None else _number(estimated.estimate.upper, metric),
            )
        )
    return PerformanceView(metric, _number(baseline, metric), tuple(points))


def importances(detail: CheckDetail | None) -> dict[str, Importance]:
    """Each ranked feature's importance, from the check's stored impact ranking ({} when
    the check has none: no baseline performance part, or the check failed)."""
    report = None if detail is None else detail.report
    ranking = report.impact if report is not None else ()
    out = {}
    for entry in ranking:
        out[entry.name] = Importance(entry.importance, entry.importance_rank)
    return out
