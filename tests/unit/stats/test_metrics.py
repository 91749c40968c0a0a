"""Performance metrics: golden values against scikit-learn, and the metric registry's
conformance (docstrings, determinism, empty input)."""

from __future__ import annotations

import inspect
import math
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from sklearn import metrics as skm

from monitor.stats import METRICS, Metric
from monitor.stats.classification import (
    accuracy,
    brier,
    f1,
    log_loss,
    precision,
    recall,
    roc_auc,
)
from monitor.stats.regression import mae, mape, r2, rmse


def _section_titles(doc: str) -> set[str]:
    lines = inspect.cleandoc(doc).splitlines()
    return {
        title.strip()
        for title, rule in zip(lines, lines[1:], strict=False)
        if re.fullmatch(r"-{3,}", rule.strip()) and len(rule.strip()) == len(title.strip())
    }


_SEEDS = [pytest.param(seed, id=f"seed-{seed}") for seed in (1, 2, 3)]


def _binary(seed: int, n: int = 500) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    scores = np.round(rng.uniform(size=n), 2)  # rounded: ties exercise the midranks
    labels = (rng.uniform(size=n) < scores).astype(np.int64)
    return labels, scores, (scores >= 0.5).astype(np.int64)


def _multiclass(seed: int, n: int = 600, k: int = 4) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    proba = rng.dirichlet(np.ones(k), size=n)
    labels = np.array([rng.choice(k, p=row) for row in proba])
    return labels, proba, proba.argmax(axis=1)


@pytest.mark.parametrize("seed", _SEEDS)
def test_binary_label_metrics_equal_scikit_learn(seed: int) -> None:
    y, _, yhat = _binary(seed)
    assert accuracy(y, yhat) == pytest.approx(skm.accuracy_score(y, yhat), rel=1e-12)
    assert precision(y, yhat) == pytest.approx(skm.precision_score(y, yhat), rel=1e-12)
    assert recall(y, yhat) == pytest.approx(skm.recall_score(y, yhat), rel=1e-12)
    assert f1(y, yhat) == pytest.approx(skm.f1_score(y, yhat), rel=1e-12)


@pytest.mark.parametrize("seed", _SEEDS)
def test_binary_probability_metrics_equal_scikit_learn(seed: int) -> None:
    y, scores, _ = _binary(seed)
    assert roc_auc(y, scores) == pytest.approx(skm.roc_auc_score(y, scores), rel=1e-12)
    assert log_loss(y, scores) == pytest.approx(skm.log_loss(y, scores), rel=1e-12)
    assert brier(y, scores) == pytest.approx(skm.brier_score_loss(y, scores), rel=1e-12)


@pytest.mark.parametrize("seed", _SEEDS)
def test_multiclass_macro_metrics_equal_scikit_learn(seed: int) -> None:
    y, proba, yhat = _multiclass(seed)
    assert accuracy(y, yhat) == pytest.approx(skm.accuracy_score(y, yhat), rel=1e-12)
    for ours, theirs in ((precision, skm.precision_score), (recall, skm.recall_score)):
        assert ours(y, yhat, average="macro") == pytest.approx(
            theirs(y, yhat, average="macro"), rel=1e-12
        )
    assert f1(y, yhat, average="macro") == pytest.approx(
        skm.f1_score(y, yhat, average="macro"), rel=1e-12
    )
    assert roc_auc(y, proba) == pytest.approx(
        skm.roc_auc_score(y, proba, multi_class="ovr", average="macro"), rel=1e-12
    )
    assert log_loss(y, proba) == pytest.approx(skm.log_loss(y, proba), rel=1e-12)
    assert brier(y, proba) == pytest.approx(skm.brier_score_loss(y, proba), rel=1e-12)


def test_macro_precision_leaves_out_a_class_never_predicted_as_scikit_learn_nan() -> None:
    y, yhat = [0, 1, 2, 2], [0, 1, 1, 1]  # class 2 never predicted: precision undefined
    expected = skm.precision_score(y, yhat, average="macro", zero_division=np.nan)
    assert precision(y, yhat, average="macro") == pytest.approx(expected, rel=1e-12)


def test_undefined_ratios_are_nan_not_zero() -> None:
    assert math.isnan(precision([0, 1], [0, 0]))  # nothing predicted positive
    assert math.isnan(recall([0, 0], [1, 0]))  # no positive record
    assert math.isnan(roc_auc([1, 1], [0.2, 0.9]))  # one class only


@pytest.mark.parametrize("seed", _SEEDS)
def test_regression_metrics_equal_scikit_learn(seed: int) -> None:
    rng = np.random.default_rng(seed)
    truth = rng.lognormal(3.0, 0.5, size=400)
    predicted = truth + rng.normal(0.0, 4.0, size=400)
    assert mae(truth, predicted) == pytest.approx(skm.mean_absolute_error(truth, predicted))
    assert rmse(truth, predicted) == pytest.approx(
        skm.root_mean_squared_error(truth, predicted), rel=1e-12
    )
    assert mape(truth, predicted) == pytest.approx(
        skm.mean_absolute_percentage_error(truth, predicted), rel=1e-12
    )
    assert r2(truth, predicted) == pytest.approx(skm.r2_score(truth, predicted), rel=1e-12)


def test_r2_of_constant_targets_is_nan() -> None:
    assert math.isnan(r2([2.0, 2.0, 2.0], [1.0, 2.0, 3.0]))


def test_binary_average_refuses_more_than_two_classes() -> None:
    with pytest.raises(ValueError, match="average='macro'"):
        precision([0, 1, 2], [0, 1, 2])


def test_mismatched_lengths_name_both_sizes() -> None:
    with pytest.raises(
        ValueError, match="accuracy: y_true has 3 values but the predictions have 2"
    ):
        accuracy([0, 1, 1], [0, 1])


def test_text_labels_are_refused_with_the_fix() -> None:
    with pytest.raises(ValueError, match="encode labels first"):
        accuracy(np.array(["a", "b"]), np.array(["a", "a"]))


_METRIC_PARAMS = [pytest.param(metric, id=key) for key, metric in METRICS.items()]


def _metric_inputs(metric: Metric) -> tuple[np.ndarray, np.ndarray]:
    y, scores, yhat = _binary(7, n=60)
    if metric.task == "regression":
        rng = np.random.default_rng(7)
        truth = rng.uniform(1.0, 10.0, size=60)
        return truth, truth + rng.normal(size=60)
    return y, {"labels": yhat, "scores": scores, "probabilities": scores}[metric.inputs]


@pytest.mark.parametrize("metric", _METRIC_PARAMS)
@pytest.mark.parametrize("section", ["Notes", "References", "Examples"])
def test_metric_docstring_has_numpydoc_section(metric: Metric, section: str) -> None:
    assert section in _section_titles(metric.run.__doc__ or "")


@pytest.mark.parametrize("metric", _METRIC_PARAMS)
def test_metric_returns_a_python_float_deterministically(metric: Metric) -> None:
    first = metric.run(*_metric_inputs(metric))
    assert type(first) is float
    assert first == metric.run(*_metric_inputs(metric))


@pytest.mark.parametrize("metric", _METRIC_PARAMS)
def test_metric_rejects_empty_input_naming_itself(metric: Metric) -> None:
    with pytest.raises(ValueError, match=metric.run.__name__):
        metric.run(np.array([]), np.array([]))


@pytest.mark.parametrize("key", list(METRICS))
def test_metric_entry_key_matches_its_function(key: str) -> None:
    assert METRICS[key].key == key == METRICS[key].run.__name__


@pytest.mark.parametrize("metric", _METRIC_PARAMS)
def test_higher_is_better_agrees_with_a_perfect_prediction(metric: Metric) -> None:
    truth, predicted = _metric_inputs(metric)
    perfect: Any = truth.astype(np.float64) if metric.task == "regression" else truth
    run: Callable[..., float] = metric.run
    best, actual = run(truth, perfect), run(truth, predicted)
    assert (best > actual) == metric.higher_is_better
