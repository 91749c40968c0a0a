"""Invariants of the performance metrics, the calibration map and CBPE."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.stats.calibration import fit_isotonic
from monitor.stats.cbpe import CBPE_METRICS, cbpe
from monitor.stats.classification import accuracy, brier, f1, log_loss, precision, recall, roc_auc
from monitor.stats.regression import mae, r2, rmse

_probability = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)


@st.composite
def _scored(
    draw: st.DrawFn, min_size: int = 2, max_size: int = 60
) -> tuple[list[int], list[float]]:
    size = draw(st.integers(min_value=min_size, max_value=max_size))
    labels = draw(st.lists(st.integers(0, 1), min_size=size, max_size=size))
    scores = draw(st.lists(_probability, min_size=size, max_size=size))
    return labels, scores


def _in_unit_interval_or_undefined(value: float, *, undefined: bool) -> None:
    """NaN exactly when the metric is undefined for the data: a metric that returned NaN
    everywhere (or never) fails this."""
    if undefined:
        assert math.isnan(value)
    else:
        assert 0.0 <= value <= 1.0


@given(_scored())
def test_label_metrics_lie_in_the_unit_interval_and_are_nan_only_when_undefined(
    pair: tuple[list[int], list[float]],
) -> None:
    labels, scores = pair
    predicted = [int(s >= 0.5) for s in scores]
    has_positive, predicts_positive = 1 in labels, 1 in predicted
    _in_unit_interval_or_undefined(accuracy(labels, predicted), undefined=False)
    _in_unit_interval_or_undefined(precision(labels, predicted), undefined=not predicts_positive)
    _in_unit_interval_or_undefined(recall(labels, predicted), undefined=not has_positive)
    _in_unit_interval_or_undefined(
        f1(labels, predicted), undefined=not (has_positive or predicts_positive)
    )


@given(_scored())
def test_roc_auc_of_reversed_scores_is_one_minus_roc_auc(
    pair: tuple[list[int], list[float]],
) -> None:
    labels, scores = pair
    forward, backward = roc_auc(labels, scores), roc_auc(labels, [-s for s in scores])
    if len(set(labels)) < 2:  # one class: the AUC is undefined
        assert math.isnan(forward) and math.isnan(backward)
    else:
        assert math.isclose(forward + backward, 1.0, abs_tol=1e-12)


@given(_scored())
def test_roc_auc_ignores_a_strictly_increasing_transform(
    pair: tuple[list[int], list[float]],
) -> None:
    labels, raw = pair
    scores = [round(s, 4) for s in raw]  # distinct scores stay distinct after the transform
    forward = roc_auc(labels, scores)
    transformed = roc_auc(labels, [math.exp(3.0 * s) for s in scores])
    if len(set(labels)) < 2:
        assert math.isnan(forward) and math.isnan(transformed)
    else:
        assert math.isclose(forward, transformed, abs_tol=1e-12)


@given(_scored())
def test_losses_are_non_negative_and_brier_at_most_one(pair: tuple[list[int], list[float]]) -> None:
    labels, scores = pair
    assert log_loss(labels, scores) >= 0.0
    assert 0.0 <= brier(labels, scores) <= 1.0


@given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=50), st.floats(-1e3, 1e3))
def test_mae_is_at_most_rmse_and_a_perfect_prediction_has_r2_one(
    truth: list[float], offset: float
) -> None:
    predicted = [t + offset * (i % 3 - 1) for i, t in enumerate(truth)]
    assert mae(truth, predicted) <= rmse(truth, predicted) * (1 + 1e-12) + 1e-9
    perfect = r2(truth, truth)
    spread = np.asarray(truth, dtype=float)
    if float(np.sum((spread - spread.mean()) ** 2)) == 0.0:  # no variance to explain
        assert math.isnan(perfect)
    else:
        assert perfect == 1.0


@given(_scored(min_size=1))
def test_isotonic_map_is_non_decreasing_and_within_the_unit_interval(
    pair: tuple[list[int], list[float]],
) -> None:
    labels, scores = pair
    mapped = fit_isotonic(scores, labels).apply(np.linspace(-0.5, 1.5, 101))
    assert bool(np.all(np.diff(mapped) >= -1e-12))
    assert bool(np.all((mapped >= 0.0) & (mapped <= 1.0)))


@settings(max_examples=40, deadline=None)
@given(_scored(min_size=1, max_size=40), st.integers(0, 2**31 - 1))
def test_cbpe_estimates_and_bands_are_ordered_within_the_unit_interval(
    pair: tuple[list[int], list[float]], seed: int
) -> None:
    predicted, probabilities = pair
    estimate = cbpe(probabilities, predicted, n_draws=50, seed=seed)
    assert math.isclose(
        estimate.expected_tp + estimate.expected_fp + estimate.expected_fn + estimate.expected_tn,
        len(probabilities),
        rel_tol=1e-9,
    )
    accuracy_estimate = estimate.estimates["accuracy"]
    assert 0.0 <= accuracy_estimate <= 1.0  # always defined for a non-empty window
    for key in CBPE_METRICS:
        value, low, high = estimate.estimates[key], estimate.lower[key], estimate.upper[key]
        assert math.isnan(value) or 0.0 <= value <= 1.0
        assert math.isnan(low) == math.isnan(high)
        assert math.isnan(low) or low <= high
