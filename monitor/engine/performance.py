"""Performance of a window: realised from its labelled records, estimated before labels.

Values in, values out, as ``monitor.engine.compare``: the service loads a window's records and
labels from the store and saves what these functions return.

* :func:`realised_performance` joins a window's records with their labels (by record
  id; a label in the window's own target column counts too), computes the baseline's
  metrics on the labelled records with the label coverage, and compares the labels'
  distribution with the baseline's target like a feature (target drift).
* :func:`estimated_performance` applies the baseline's isotonic calibration to the
  predicted probabilities and estimates the metrics with CBPE
  (:func:`monitor.stats.cbpe`), for binary classification.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any, Final

import numpy as np
import pandas as pd

from monitor.engine.baseline import Baseline
from monitor.engine.baseline_performance import (
    BaselinePerformance,
    encode_labels,
    evaluate,
    label_text,
)
from monitor.engine.compare import compare
from monitor.engine.multivariate import MultivariateOptions
from monitor.engine.performance_report import EstimatedPerformance, RealisedPerformance
from monitor.engine.records import RECORD_ID
from monitor.engine.report import ColumnResult
from monitor.errors import ConfigError
from monitor.stats import cbpe

__all__ = ["estimated_performance", "realised_performance", "target_drift"]

MIN_LABELS_FOR_DRIFT: Final = 2


def _profile(baseline: Baseline) -> BaselinePerformance:
    if baseline.performance is None:
        raise ConfigError(
            "the baseline has no performance part; rebuild it with both --target and "
            "--prediction (build_baseline(df, target=..., prediction=...))"
        )
    return baseline.performance


def _labels_of(window: pd.DataFrame, target: str, labels: Mapping[str, Any] | None) -> pd.Series:
    """Each record's label: from ``labels`` by record id, else the window's target column."""
    own = (
        window[target].astype(object).where(window[target].notna(), None)
        if target in window.columns
        else pd.Series([None] * len(window), index=window.index, dtype=object)
    )
    if not labels or RECORD_ID not in window.columns:
        return own
    posted = window[RECORD_ID].map(lambda record_id: labels.get(str(record_id)))
    return posted.where(posted.notna(), own)


def target_drift(
    baseline: Baseline, values: pd.Series, *, alpha: float = 0.05, delta: float = 0.1
) -> ColumnResult | None:
    """The target column's drift decision for ``values`` (the labels), or None when the
    baseline has no target column."""
    if baseline.target is None or baseline.target not in baseline.columns:
        return None
    column = baseline.columns[baseline.target]
    if column.kind == "numeric":
        current: pd.Series = pd.to_numeric(values, errors="coerce")
    elif column.kind == "boolean":
        current = values.map(lambda v: None if label_text(v) is None else label_text(v) == "1")
    else:
        current = values.map(label_text)
    only_target = replace(baseline, columns={column.name: column}, performance=None)
    report = compare(
        only_target,
        pd.DataFrame({column.name: current}),
        alpha=alpha,
        delta=delta,
        workers=1,
        multivariate=MultivariateOptions(method="off"),
    )
    return report.column(column.name)


def realised_performance(
    baseline: Baseline,
    window: pd.DataFrame,
    labels: Mapping[str, Any] | None = None,
    *,
    alpha: float = 0.05,
    delta: float = 0.1,
) -> RealisedPerformance:
    """The window's metrics on its labelled records (see the module docstring).

    ``window`` holds the records (``record_id`` and the prediction column; the target
    column too when labels came with the records); ``labels`` maps record ids to labels.
    A record without a prediction is left out. Raises ConfigError when the baseline
    has no performance part.
    """
    profile = _profile(baseline)
    n_records = len(window)
    raw = _labels_of(window, profile.target, labels)
    has_label = raw.notna() & (
        window[profile.prediction].notna()
        if profile.prediction in window.columns
        else pd.Series(False, index=window.index)
    )
    chosen = raw[has_label]
    predictions = window.loc[has_label, profile.prediction] if has_label.any() else pd.Series()
    if profile.task == "regression":
        truth = pd.to_numeric(chosen, errors="coerce").to_numpy(dtype=np.float64)
        predicted = pd.to_numeric(predictions, errors="coerce").to_numpy(dtype=np.float64)
        usable = np.isfinite(truth) & np.isfinite(predicted)
    else:
        truth, usable = encode_labels(chosen, profile.classes)
        if profile.prediction_kind == "probability":
            predicted = pd.to_numeric(predictions, errors="coerce").to_numpy(dtype=np.float64)
            usable &= np.isfinite(predicted)
        else:
            predicted, known = encode_labels(predictions, profile.classes)
            usable &= known
    truth, predicted = truth[usable], predicted[usable]
    metrics = (
        evaluate(
            profile.task,
            profile.prediction_kind,
            profile.classes,
            truth,
            predicted,
            threshold=profile.threshold,
        )
        if truth.size
        else {}
    )
    drift = None
    if int(usable.sum()) >= MIN_LABELS_FOR_DRIFT:
        drift = target_drift(baseline, chosen[usable], alpha=alpha, delta=delta)
    return RealisedPerformance(
        task=profile.task,
        n_records=n_records,
        n_labelled=int(truth.size),
        n_unusable_labels=int(len(chosen) - truth.size),
        metrics=metrics,
        baseline_metrics=dict(profile.metrics),
        target_drift=drift,
        performance_source=profile.source,
    )


def estimated_performance(
    baseline: Baseline, window: pd.DataFrame, *, n_draws: int = 200, seed: int = 0
) -> EstimatedPerformance | None:
    """CBPE estimate of the window's metrics, or None when it does not apply: the task
    is not binary classification with a predicted probability, or the window has no
    prediction. Raises ConfigError when the baseline has no performance part."""
    profile = _profile(baseline)
    if profile.calibration is None or profile.prediction not in window.columns:
        return None
    scores = pd.to_numeric(window[profile.prediction], errors="coerce").to_numpy(dtype=np.float64)
    scores = scores[np.isfinite(scores)]
    if scores.size == 0:
        return None
    estimate = cbpe(
        profile.calibration.apply(scores),
        (scores >= profile.threshold).astype(np.int64),
        scores,
        n_draws=n_draws,
        seed=seed,
    )
    baseline_metrics = {k: v for k, v in profile.metrics.items() if k in estimate.estimates}
    return EstimatedPerformance(
        n_records=len(window),
        estimate=estimate,
        baseline_metrics=baseline_metrics,
        performance_source=profile.source,
    )
