"""CBPE: hand-computed expected confusion matrices, NannyML's estimators, the band."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from monitor.stats.cbpe import CBPE_METRICS, CbpeEstimate, cbpe


def test_constant_probability_gives_the_hand_computed_metrics() -> None:
    # p = 0.8 for 100 records, all predicted 1: E[TP] = 80, E[FP] = 20, E[FN] = E[TN] = 0.
    estimate = cbpe(np.full(100, 0.8), np.ones(100, dtype=int))
    assert (estimate.expected_tp, estimate.expected_fp) == pytest.approx((80.0, 20.0))
    assert (estimate.expected_fn, estimate.expected_tn) == (0.0, 0.0)
    assert estimate.estimates["accuracy"] == pytest.approx(0.8)
    assert estimate.estimates["precision"] == pytest.approx(0.8)
    assert estimate.estimates["recall"] == pytest.approx(1.0)
    assert estimate.estimates["f1"] == pytest.approx(160.0 / 180.0)  # 2TP / (2TP + FP + FN)
    assert estimate.estimates["roc_auc"] == pytest.approx(0.5)  # one tied score


def test_four_record_example_by_hand() -> None:
    # p = (.9, .8, .2, .1), predicted (1, 1, 0, 0): TP = 1.7, FP = .3, FN = .3, TN = 1.7.
    estimate = cbpe([0.9, 0.8, 0.2, 0.1], [1, 1, 0, 0])
    assert estimate.estimates["accuracy"] == pytest.approx(3.4 / 4)
    assert estimate.estimates["precision"] == pytest.approx(1.7 / 2.0)
    assert estimate.estimates["recall"] == pytest.approx(1.7 / 2.0)
    # Expected ROC: TPR steps .9/2, 1.7/2, 1.9/2, 1; FPR steps .1/2, .3/2, 1.1/2, 1 (by hand).
    tpr = np.array([0, 0.9, 1.7, 1.9, 2.0]) / 2.0
    fpr = np.array([0, 0.1, 0.3, 1.1, 2.0]) / 2.0
    assert estimate.estimates["roc_auc"] == pytest.approx(
        float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2))
    )


def test_certain_probabilities_estimate_the_realised_metrics_exactly() -> None:
    rng = np.random.default_rng(5)
    labels = rng.integers(0, 2, size=300)
    predicted = np.where(rng.uniform(size=300) < 0.8, labels, 1 - labels)
    estimate = cbpe(labels.astype(float), predicted, scores=rng.uniform(size=300))
    assert estimate.estimates["accuracy"] == pytest.approx(np.mean(labels == predicted))
    assert estimate.lower["accuracy"] == estimate.upper["accuracy"]  # no label randomness


def test_roc_auc_estimate_is_the_mean_realised_auc_of_calibrated_labels() -> None:
    # Known answer: with y ~ Bernoulli(p), the realised AUC averages to the estimate.
    rng = np.random.default_rng(11)
    p = rng.beta(2.0, 3.0, size=4000)
    estimate = cbpe(p, (p >= 0.5).astype(int))
    realised = [roc_auc_score(rng.uniform(size=p.size) < p, p) for _ in range(200)]
    assert estimate.estimates["roc_auc"] == pytest.approx(np.mean(realised), abs=0.002)


def test_band_contains_the_estimate_and_narrows_with_more_records() -> None:
    rng = np.random.default_rng(2)
    widths = []
    for n in (500, 8000):
        p = rng.beta(2.0, 5.0, size=n)
        estimate = cbpe(p, (p >= 0.4).astype(int))
        for key in CBPE_METRICS:
            assert estimate.lower[key] <= estimate.estimates[key] <= estimate.upper[key]
        widths.append(estimate.upper["accuracy"] - estimate.lower["accuracy"])
    assert widths[1] < widths[0] / 2  # ~ 1 / sqrt(n): 4x narrower expected


def test_same_seed_same_band_and_round_trip() -> None:
    p = np.linspace(0.05, 0.95, 50)
    first, second = cbpe(p, p >= 0.5, seed=3), cbpe(p, p >= 0.5, seed=3)
    assert first == second
    assert CbpeEstimate.from_dict(first.to_dict()) == first


def test_no_predicted_positive_gives_nan_precision_kept_as_null() -> None:
    estimate = cbpe([0.1, 0.2, 0.3], [0, 0, 0])
    assert math.isnan(estimate.estimates["precision"])
    assert estimate.to_dict()["estimates"]["precision"] is None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({"confidence": 1.0}, "confidence must be in", id="confidence"),
        pytest.param({"n_draws": 5}, "n_draws must be >= 10", id="n_draws"),
    ],
)
def test_bad_parameters_are_named(kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        cbpe([0.5], [1], **kwargs)  # type: ignore[arg-type]


def test_probabilities_outside_the_unit_interval_are_refused() -> None:
    with pytest.raises(ValueError, match="cbpe: probabilities must be probabilities"):
        cbpe([1.5], [1])
