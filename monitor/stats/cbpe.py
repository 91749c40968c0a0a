"""Confidence-based performance estimation (CBPE) for binary classification."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.stats import rankdata

from monitor.stats._labels import as_classes, as_probabilities, as_values, same_length

__all__ = ["CBPE_METRICS", "CbpeEstimate", "cbpe"]

FORMAT_VERSION: Final = 1
CBPE_METRICS: Final = ("accuracy", "precision", "recall", "f1", "roc_auc")
_CELLS: Final = 20_000_000  # draws x records held in memory at once


@dataclass(frozen=True, slots=True)
class CbpeEstimate:
    """Estimated metrics of one window, their sampling-error band and the expected
    confusion matrix (``expected_tp`` ... as real-valued counts)."""

    n: int
    expected_tp: float
    expected_fp: float
    expected_fn: float
    expected_tn: float
    estimates: Mapping[str, float]
    lower: Mapping[str, float]
    upper: Mapping[str, float]
    confidence: float
    n_draws: int
    seed: int

    def to_dict(self) -> dict[str, Any]:
        def clean(values: Mapping[str, float]) -> dict[str, float | None]:
            return {k: None if math.isnan(v) else float(v) for k, v in values.items()}

        return {
            "format_version": FORMAT_VERSION,
            "method": "cbpe",
            "n": self.n,
            "expected_confusion": {
                "tp": self.expected_tp,
                "fp": self.expected_fp,
                "fn": self.expected_fn,
                "tn": self.expected_tn,
            },
            "estimates": clean(self.estimates),
            "lower": clean(self.lower),
            "upper": clean(self.upper),
            "confidence": self.confidence,
            "n_draws": self.n_draws,
            "seed": self.seed,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CbpeEstimate:
        keys = ("n", "expected_confusion", "estimates", "lower", "upper", "confidence")
        missing = [key for key in (*keys, "n_draws", "seed") if key not in data]
        if missing:
            raise ValueError(f"CbpeEstimate.from_dict: missing keys {missing}")
        if data.get("format_version", FORMAT_VERSION) != FORMAT_VERSION:
            raise ValueError(
                f"CbpeEstimate.from_dict: format_version {data.get('format_version')!r} "
                f"is not supported; expected {FORMAT_VERSION}"
            )

        def floats(values: Mapping[str, Any]) -> dict[str, float]:
            return {k: math.nan if v is None else float(v) for k, v in values.items()}

        cells = data["expected_confusion"]
        return cls(
            n=int(data["n"]),
            expected_tp=float(cells["tp"]),
            expected_fp=float(cells["fp"]),
            expected_fn=float(cells["fn"]),
            expected_tn=float(cells["tn"]),
            estimates=floats(data["estimates"]),
            lower=floats(data["lower"]),
            upper=floats(data["upper"]),
            confidence=float(data["confidence"]),
            n_draws=int(data["n_draws"]),
            seed=int(data["seed"]),
        )


def _divide(numerator: NDArray[np.float64], denominator: NDArray[np.float64]) -> Any:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(
            denominator > 0, numerator / np.where(denominator > 0, denominator, 1), np.nan
        )


def _expected_auc(probabilities: NDArray[np.float64], scores: NDArray[np.float64]) -> float:
    """Trapezoidal area under the expected ROC curve (NannyML's CBPE ROC AUC)."""
    order = np.argsort(-scores, kind="stable")
    p, s = probabilities[order], scores[order]
    positives, negatives = float(p.sum()), float((1.0 - p).sum())
    if positives <= 0.0 or negatives <= 0.0:
        return math.nan
    ends = np.flatnonzero(np.append(s[1:] != s[:-1], True))  # last index of each score
    tpr = np.concatenate(([0.0], np.cumsum(p)[ends] / positives))
    fpr = np.concatenate(([0.0], np.cumsum(1.0 - p)[ends] / negatives))
    return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2.0))


def _metrics(
    tp: NDArray[np.float64],
    fp: NDArray[np.float64],
    fn: NDArray[np.float64],
    tn: NDArray[np.float64],
) -> dict[str, Any]:
    return {
        "accuracy": (tp + tn) / (tp + fp + fn + tn),
        "precision": _divide(tp, tp + fp),
        "recall": _divide(tp, tp + fn),
        "f1": _divide(2 * tp, 2 * tp + fp + fn),
    }


def cbpe(
    probabilities: ArrayLike,
    predicted: ArrayLike,
    scores: ArrayLike | None = None,
    *,
    confidence: float = 0.95,
    n_draws: int = 200,
    seed: int = 0,
) -> CbpeEstimate:
    r"""Estimate a binary classifier's accuracy, precision, recall, F1 and ROC AUC
    without labels, from calibrated probabilities (CBPE).

    Parameters
    ----------
    probabilities : array_like of float
        Calibrated :math:`p_i = P(y_i = 1 \mid x_i)` per record (the model's scores
        passed through a calibration fitted on labelled reference data).
    predicted : array_like of int
        The model's predicted labels, 0 or 1 (usually ``score >= threshold``).
    scores : array_like of float, optional
        The scores that rank records for ROC AUC (the model's raw scores); default
        ``probabilities``.
    confidence : float, default 0.95
        Coverage of the sampling-error band, in (0, 1).
    n_draws : int, default 200
        Monte Carlo draws for the band (>= 10).
    seed : int, default 0
        Seed of the draws; the same inputs and seed give the same band.

    Returns
    -------
    CbpeEstimate
        ``estimates``, ``lower`` and ``upper`` per metric (NaN where undefined), and
        the expected confusion matrix.

    Notes
    -----
    If the probabilities are calibrated, the label of record :math:`i` is a Bernoulli
    draw with mean :math:`p_i`, so the confusion matrix has the expectation

    .. math::
        E[TP] = \sum_{\hat y_i = 1} p_i,\quad E[FP] = \sum_{\hat y_i = 1} (1 - p_i),\quad
        E[FN] = \sum_{\hat y_i = 0} p_i,\quad E[TN] = \sum_{\hat y_i = 0} (1 - p_i),

    and each metric is estimated from these cells as from counts:
    accuracy :math:`(TP + TN)/n`, precision :math:`TP/(TP + FP)`, recall
    :math:`TP/(TP + FN)`, F1 :math:`2TP/(2TP + FP + FN)`. ROC AUC is the trapezoidal
    area under the expected ROC curve: sorting by score, at each distinct threshold
    :math:`t`, :math:`TPR(t) = \sum_{s_i \ge t} p_i / \sum_i p_i` and
    :math:`FPR(t) = \sum_{s_i \ge t} (1 - p_i) / \sum_i (1 - p_i)`. These are NannyML's
    CBPE estimators [1]_, [2]_.

    The estimate is unbiased (up to the ratio's O(1/n)) only while the calibration
    holds on the current data: under pure covariate shift, where
    :math:`P(y \mid x)` is unchanged. Under concept drift it is wrong, silently.

    Sampling-error band: the realised metric of a window varies around its expectation
    because labels are random even for a perfectly calibrated model. The band is the
    central ``confidence`` interval of the realised metric over ``n_draws`` seeded
    Monte Carlo draws of labels :math:`y_i \sim \mathrm{Bernoulli}(p_i)`, with the
    predictions and scores fixed. (NannyML instead scales a standard error measured on
    reference chunks by :math:`1/\sqrt{n}`; the simulation needs no reference chunks
    and is exact for the window's own probabilities.) It does not include the error
    of the calibration itself.

    References
    ----------
    .. [1] Kivimäki, J., Białek, J., Nurminen, J. K., Kuberski, W. (2024).
       Confidence-based estimators for predictive performance in model monitoring.
       arXiv:2407.08649.
    .. [2] NannyML documentation, "How it works: Performance Estimation — CBPE".
       https://nannyml.readthedocs.io/en/stable/how_it_works/performance_estimation.html

    Examples
    --------
    >>> estimate = cbpe([0.9, 0.8, 0.2, 0.1], [1, 1, 0, 0])
    >>> round(estimate.estimates["accuracy"], 6), round(estimate.expected_tp, 6)
    (0.85, 1.7)
    """
    p = as_probabilities(probabilities, "probabilities", "cbpe")
    if p.ndim != 1:
        raise ValueError("cbpe: probabilities must be 1-D (of class 1)")
    yhat = as_classes(predicted, "predicted", "cbpe")
    same_length(p, yhat, "cbpe")
    if bool((yhat > 1).any()):
        raise ValueError("cbpe: predicted labels must be 0 or 1")
    s = p if scores is None else as_values(scores, "scores", "cbpe")
    same_length(p, s, "cbpe")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"cbpe: confidence must be in (0, 1), got {confidence!r}")
    if n_draws < 10:
        raise ValueError(f"cbpe: n_draws must be >= 10, got {n_draws}")
    positive = yhat == 1
    cells = [
        float(p[positive].sum()),
        float((1.0 - p[positive]).sum()),
        float(p[~positive].sum()),
        float((1.0 - p[~positive]).sum()),
    ]
    point = {k: float(v) for k, v in _metrics(*(np.array(c) for c in cells)).items()}
    point["roc_auc"] = _expected_auc(p, s)
    draws = _simulate(p, positive, s, n_draws, seed)
    tail = (1.0 - confidence) / 2.0
    lower, upper = {}, {}
    for key, values in draws.items():
        finite = values[~np.isnan(values)]
        lower[key] = float(np.quantile(finite, tail)) if finite.size else math.nan
        upper[key] = float(np.quantile(finite, 1.0 - tail)) if finite.size else math.nan
    return CbpeEstimate(
        n=int(p.size),
        expected_tp=cells[0],
        expected_fp=cells[1],
        expected_fn=cells[2],
        expected_tn=cells[3],
        estimates={key: point[key] for key in CBPE_METRICS},
        lower={key: lower[key] for key in CBPE_METRICS},
        upper={key: upper[key] for key in CBPE_METRICS},
        confidence=float(confidence),
        n_draws=int(n_draws),
        seed=int(seed),
    )


def _simulate(
    p: NDArray[np.float64],
    positive: NDArray[np.bool_],
    scores: NDArray[np.float64],
    n_draws: int,
    seed: int,
) -> dict[str, NDArray[np.float64]]:
    """Realised metrics under ``n_draws`` label draws ``y ~ Bernoulli(p)``."""
    rng = np.random.default_rng(seed)
    ranks = rankdata(scores)
    n, n_pred = p.size, float(np.count_nonzero(positive))
    chunk = max(1, _CELLS // max(n, 1))
    parts: dict[str, list[NDArray[np.float64]]] = {key: [] for key in CBPE_METRICS}
    done = 0
    while done < n_draws:
        size = min(chunk, n_draws - done)
        labels = rng.random((size, n)) < p
        n_pos = labels.sum(axis=1).astype(np.float64)
        tp = labels[:, positive].sum(axis=1).astype(np.float64)
        fp, fn = n_pred - tp, n_pos - tp
        tn = n - tp - fp - fn
        for key, values in _metrics(tp, fp, fn, tn).items():
            parts[key].append(np.asarray(values, dtype=np.float64))
        n_neg = n - n_pos
        rank_sum = labels.astype(np.float64) @ ranks
        parts["roc_auc"].append(
            _divide(rank_sum - n_pos * (n_pos + 1) / 2.0, n_pos * n_neg).astype(np.float64)
        )
        done += size
    return {key: np.concatenate(values) for key, values in parts.items()}
