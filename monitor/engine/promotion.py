"""The promotion gate: does a retrained model version replace the one serving?

Values in, values out. :func:`scored_performance` turns one version's raw predictions for
a set of labelled records into its metrics, with the same code as a window's realised
performance (:func:`monitor.engine.performance.realised_performance`, which calls the
metrics of ``monitor.stats``): the records' prediction column is replaced by the version's
own predictions, read as its baseline says (the positive class's probability, class labels
or numbers). :func:`decide_promotion` compares the candidate's metric with the current
version's:

==============================================  =============================================
condition (checked in this order)               decision
==============================================  =============================================
``n_labels < min_labels``                       not promoted: too few labelled records
the candidate's metric is NaN                   not promoted: not computable (e.g. one class)
no version holds the alias (``current`` None)   promoted
the current version's metric is NaN             not promoted: nothing to compare with
``candidate >= current + min_gain``             promoted
otherwise                                       not promoted
==============================================  =============================================

Every metric the gate compares is one where higher is better
(``monitor.config.alerts.PERFORMANCE_METRICS``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from monitor.engine.baseline import Baseline
from monitor.engine.performance import realised_performance
from monitor.engine.performance_report import RealisedPerformance
from monitor.engine.predictions import positive_class
from monitor.errors import ConfigError

__all__ = ["PromotionDecision", "decide_promotion", "scored_performance"]


@dataclass(frozen=True, slots=True)
class PromotionDecision:
    """``promote``: whether the candidate takes the alias; ``reason`` says why, with numbers."""

    promote: bool
    reason: str


def scored_performance(
    baseline: Baseline, records: pd.DataFrame, raw: Any, *, alpha: float = 0.05
) -> RealisedPerformance:
    """The metrics of one model version on labelled ``records`` (the label in the baseline's
    target column), given the version's raw predictions ``raw`` for them, one per row.

    Raises ConfigError when the baseline has no performance part and ValueError when the
    predictions do not match the records one to one.

    >>> import numpy as np, pandas as pd
    >>> from monitor.engine.baseline import build_baseline
    >>> train = pd.DataFrame({"x": np.arange(40.0), "y": [0, 1] * 20, "p": [0.4, 0.6] * 20})
    >>> baseline = build_baseline(train, target="y", prediction="p")
    >>> records = pd.DataFrame({"record_id": ["a", "b", "c", "d"], "x": [1.0, 2, 3, 4],
    ...                         "y": [0, 0, 1, 1]})
    >>> proba = np.array([[0.9, 0.1], [0.6, 0.4], [0.3, 0.7], [0.2, 0.8]])
    >>> scored_performance(baseline, records, proba).metrics["roc_auc"]
    1.0
    """
    profile = baseline.performance
    if profile is None:
        raise ConfigError(
            "the version's baseline has no performance part (target and prediction); log it "
            "with log_baseline(..., target=..., prediction=...) so the gate can score it"
        )
    values = positive_class(raw) if profile.prediction_kind == "probability" else raw
    if isinstance(values, pd.DataFrame):
        if values.shape[1] != 1:
            raise ValueError(
                f"the model answered {values.shape[1]} columns per row; the gate needs one "
                "prediction per record (or two class probabilities)"
            )
        values = values.iloc[:, 0]
    array = np.asarray(values)
    if array.ndim != 1 or len(array) != len(records):
        raise ValueError(
            f"the model answered shape {array.shape} for {len(records)} records; expected "
            "one prediction per record"
        )
    frame = records.copy()
    frame[profile.prediction] = array
    return realised_performance(baseline, frame, alpha=alpha)


def _shown(value: float) -> str:
    return f"{value:.4f}"


def decide_promotion(
    *,
    metric: str,
    candidate: float,
    current: float | None,
    min_gain: float,
    n_labels: int,
    min_labels: int,
) -> PromotionDecision:
    """Whether the candidate replaces the current version (the table in the module
    docstring).

    >>> decide_promotion(metric="roc_auc", candidate=0.81, current=0.78, min_gain=0.0,
    ...                  n_labels=900, min_labels=500).promote
    True
    >>> decide_promotion(metric="roc_auc", candidate=0.79, current=0.78, min_gain=0.02,
    ...                  n_labels=900, min_labels=500).reason
    'roc_auc 0.7900 < 0.7800 + 0.0200 of the current version'
    """
    if n_labels < min_labels:
        return PromotionDecision(
            False, f"too few labelled records: {n_labels} < min_labels {min_labels}"
        )
    if math.isnan(candidate):
        return PromotionDecision(
            False, f"the candidate's {metric} is not computable on these records"
        )
    if current is None:
        return PromotionDecision(
            True, f"{metric} {_shown(candidate)}; no version held the alias before"
        )
    if math.isnan(current):
        return PromotionDecision(
            False, f"the current version's {metric} is not computable on these records"
        )
    bar = f"{_shown(current)} + {_shown(min_gain)} of the current version"
    if candidate >= current + min_gain:
        return PromotionDecision(True, f"{metric} {_shown(candidate)} >= {bar}")
    return PromotionDecision(False, f"{metric} {_shown(candidate)} < {bar}")
