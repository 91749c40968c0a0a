"""Classification metrics: accuracy, precision, recall, F1, ROC AUC, log loss, Brier score.

Labels are class codes ``0, 1, ..., K-1`` (the caller encodes its labels); binary
metrics take class 1 as the positive class. Precision, recall and F1 average the
one-vs-rest values of the classes present in ``y_true`` or ``y_pred`` with equal weight
(``average="macro"``); ROC AUC, log loss and Brier take a 2-D probability matrix for
more than two classes. An undefined value (a ratio with a zero denominator, an AUC with
one class) is NaN, never a silent 0.
"""

from __future__ import annotations

from typing import Final, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.stats import rankdata

from monitor.stats._labels import as_classes, as_probabilities, same_length

__all__ = ["accuracy", "brier", "f1", "log_loss", "precision", "recall", "roc_auc"]

Average = Literal["binary", "macro"]
_EPS: Final = float(np.finfo(np.float64).eps)


def _labels_pair(
    y_true: ArrayLike, y_pred: ArrayLike, metric: str
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    truth = as_classes(y_true, "y_true", metric)
    predicted = as_classes(y_pred, "y_pred", metric)
    same_length(truth, predicted, metric)
    return truth, predicted


def _ratio(numerator: float, denominator: float) -> float:
    return float(numerator / denominator) if denominator > 0 else float("nan")


def _per_class(
    truth: NDArray[np.int64], predicted: NDArray[np.int64], average: Average, metric: str
) -> list[tuple[int, int, int]]:
    """(tp, fp, fn) of the positive class (binary) or of every present class (macro)."""
    if average == "binary":
        classes: NDArray[np.int64] = np.array([1])
        if bool((truth > 1).any()) or bool((predicted > 1).any()):
            raise ValueError(
                f"{metric}: average='binary' needs codes 0 and 1; use average='macro' "
                "for more than two classes"
            )
    elif average == "macro":
        classes = np.union1d(truth, predicted)
    else:
        raise ValueError(f"{metric}: average must be 'binary' or 'macro', got {average!r}")
    counts = []
    for k in classes:
        is_true, is_pred = truth == k, predicted == k
        tp = int(np.count_nonzero(is_true & is_pred))
        counts.append(
            (tp, int(np.count_nonzero(is_pred)) - tp, int(np.count_nonzero(is_true)) - tp)
        )
    return counts


def _mean(values: list[float]) -> float:
    finite = [v for v in values if not np.isnan(v)]
    return float(np.mean(finite)) if finite else float("nan")


def accuracy(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    r"""Accuracy: the share of predictions equal to the label.

    Parameters
    ----------
    y_true, y_pred : array_like of int
        Class codes, one prediction per label.

    Returns
    -------
    float
        In [0, 1].

    Notes
    -----
    .. math:: \mathrm{acc} = \frac{1}{n} \sum_i [\hat y_i = y_i]

    References
    ----------
    .. [1] scikit-learn, ``sklearn.metrics.accuracy_score`` (the golden values' source).

    Examples
    --------
    >>> accuracy([0, 1, 1, 0], [0, 1, 0, 0])
    0.75
    """
    truth, predicted = _labels_pair(y_true, y_pred, "accuracy")
    return float(np.mean(truth == predicted))


def precision(y_true: ArrayLike, y_pred: ArrayLike, *, average: Average = "binary") -> float:
    r"""Precision: of the records predicted positive, the share that are positive.

    Parameters
    ----------
    y_true, y_pred : array_like of int
        Class codes, one prediction per label.
    average : {"binary", "macro"}
        ``"binary"``: of class 1; ``"macro"``: the unweighted mean over the classes
        present in ``y_true`` or ``y_pred`` of each class's one-vs-rest precision.

    Returns
    -------
    float
        In [0, 1]; NaN when nothing is predicted positive (classes with an undefined
        value are left out of the macro mean).

    Notes
    -----
    .. math:: \mathrm{precision} = \frac{TP}{TP + FP}

    References
    ----------
    .. [1] van Rijsbergen, C. J. (1979). Information Retrieval, 2nd ed., ch. 7. Butterworths.

    Examples
    --------
    >>> precision([0, 1, 1, 0], [1, 1, 0, 0])
    0.5
    """
    truth, predicted = _labels_pair(y_true, y_pred, "precision")
    return _mean(
        [_ratio(tp, tp + fp) for tp, fp, _ in _per_class(truth, predicted, average, "precision")]
    )


def recall(y_true: ArrayLike, y_pred: ArrayLike, *, average: Average = "binary") -> float:
    r"""Recall (sensitivity): of the positive records, the share predicted positive.

    Parameters
    ----------
    y_true, y_pred : array_like of int
        Class codes, one prediction per label.
    average : {"binary", "macro"}
        As for :func:`precision`.

    Returns
    -------
    float
        In [0, 1]; NaN when no record is positive.

    Notes
    -----
    .. math:: \mathrm{recall} = \frac{TP}{TP + FN}

    References
    ----------
    .. [1] van Rijsbergen, C. J. (1979). Information Retrieval, 2nd ed., ch. 7. Butterworths.

    Examples
    --------
    >>> recall([0, 1, 1, 0], [1, 1, 0, 0])
    0.5
    """
    truth, predicted = _labels_pair(y_true, y_pred, "recall")
    return _mean(
        [_ratio(tp, tp + fn) for tp, _, fn in _per_class(truth, predicted, average, "recall")]
    )


def f1(y_true: ArrayLike, y_pred: ArrayLike, *, average: Average = "binary") -> float:
    r"""F1 score: the harmonic mean of precision and recall.

    Parameters
    ----------
    y_true, y_pred : array_like of int
        Class codes, one prediction per label.
    average : {"binary", "macro"}
        As for :func:`precision` (macro F1 averages the per-class F1 values).

    Returns
    -------
    float
        In [0, 1]; NaN when there is no positive record and no positive prediction.

    Notes
    -----
    .. math:: F_1 = \frac{2\,TP}{2\,TP + FP + FN}

    which equals :math:`2PR/(P+R)` whenever both are defined.

    References
    ----------
    .. [1] van Rijsbergen, C. J. (1979). Information Retrieval, 2nd ed., ch. 7. Butterworths.

    Examples
    --------
    >>> round(f1([0, 1, 1, 0], [1, 1, 1, 0]), 6)
    0.8
    """
    truth, predicted = _labels_pair(y_true, y_pred, "f1")
    return _mean(
        [
            _ratio(2 * tp, 2 * tp + fp + fn)
            for tp, fp, fn in _per_class(truth, predicted, average, "f1")
        ]
    )


def _binary_auc(positive: NDArray[np.bool_], scores: NDArray[np.float64]) -> float:
    n_pos = int(np.count_nonzero(positive))
    n_neg = positive.size - n_pos
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = rankdata(scores)  # midranks for ties
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def roc_auc(y_true: ArrayLike, scores: ArrayLike) -> float:
    r"""Area under the ROC curve, from ranks (the Mann–Whitney form).

    Parameters
    ----------
    y_true : array_like of int
        Class codes.
    scores : array_like of float
        1-D scores of class 1 (any real numbers: only their order matters), or a 2-D
        ``(n, K)`` matrix with one column per class.

    Returns
    -------
    float
        In [0, 1]; NaN when ``y_true`` holds a single class (binary), or when no
        class can be scored one-vs-rest (multiclass).

    Notes
    -----
    The probability that a random positive scores above a random negative, ties
    counting one half. With the midranks :math:`R_i` of the scores among all
    :math:`n = n_1 + n_0` records,

    .. math:: \mathrm{AUC} = \frac{\sum_{i: y_i = 1} R_i - n_1 (n_1 + 1)/2}{n_1 n_0}.

    Multiclass: the unweighted mean over the classes of the one-vs-rest AUC of
    column :math:`k` (scikit-learn's ``multi_class="ovr", average="macro"``); a class
    absent from ``y_true`` (or present in every record) is left out of the mean.

    References
    ----------
    .. [1] Hanley, J. A., McNeil, B. J. (1982). The meaning and use of the area under a
       receiver operating characteristic (ROC) curve. Radiology 143(1), 29–36.
    .. [2] Fawcett, T. (2006). An introduction to ROC analysis. Pattern Recognition
       Letters 27(8), 861–874.

    Examples
    --------
    >>> roc_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    0.75
    """
    truth = as_classes(y_true, "y_true", "roc_auc")
    values = np.asarray(scores, dtype=np.float64)
    if values.ndim not in (1, 2) or values.shape[0] == 0 or not np.isfinite(values).all():
        raise ValueError("roc_auc: scores must be a non-empty, finite 1-D or 2-D array")
    same_length(truth, values, "roc_auc")
    if values.ndim == 1 or values.shape[1] == 2:
        column = values if values.ndim == 1 else values[:, 1]
        if bool((truth > 1).any()):
            raise ValueError("roc_auc: 1-D scores need codes 0 and 1; pass one column per class")
        return _binary_auc(truth == 1, column)
    return _mean([_binary_auc(truth == k, values[:, k]) for k in range(values.shape[1])])


def _one_hot_pair(
    y_true: ArrayLike, probabilities: ArrayLike, metric: str
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    truth = as_classes(y_true, "y_true", metric)
    proba = as_probabilities(probabilities, "probabilities", metric)
    same_length(truth, proba, metric)
    if proba.ndim == 1:
        if bool((truth > 1).any()):
            raise ValueError(f"{metric}: 1-D probabilities need codes 0 and 1")
        proba = np.column_stack((1.0 - proba, proba))
    if int(truth.max()) >= proba.shape[1]:
        raise ValueError(
            f"{metric}: class code {int(truth.max())} has no probability column "
            f"(got {proba.shape[1]} columns)"
        )
    return truth, proba


def log_loss(y_true: ArrayLike, probabilities: ArrayLike) -> float:
    r"""Log loss (cross-entropy) of predicted probabilities.

    Parameters
    ----------
    y_true : array_like of int
        Class codes.
    probabilities : array_like of float
        1-D probabilities of class 1, or a 2-D ``(n, K)`` matrix of class
        probabilities (rows summing to 1).

    Returns
    -------
    float
        >= 0; 0 for certain, correct predictions.

    Notes
    -----
    .. math:: L = -\frac{1}{n} \sum_i \ln \max(\epsilon, \min(1 - \epsilon, p_{i, y_i}))

    with :math:`\epsilon` the float64 machine epsilon (as scikit-learn clips), so a
    certain, wrong prediction costs about 36 rather than infinity.

    References
    ----------
    .. [1] Good, I. J. (1952). Rational decisions. Journal of the Royal Statistical
       Society B 14(1), 107–114.

    Examples
    --------
    >>> round(log_loss([0, 1], [0.2, 0.9]), 6)
    0.164252
    """
    truth, proba = _one_hot_pair(y_true, probabilities, "log_loss")
    chosen = np.clip(proba[np.arange(truth.size), truth], _EPS, 1.0 - _EPS)
    return float(-np.mean(np.log(chosen)))


def brier(y_true: ArrayLike, probabilities: ArrayLike) -> float:
    r"""Brier score: the mean squared error of predicted probabilities.

    Parameters
    ----------
    y_true : array_like of int
        Class codes.
    probabilities : array_like of float
        1-D probabilities of class 1, or a 2-D ``(n, K)`` matrix of class probabilities.

    Returns
    -------
    float
        Binary: in [0, 1]; multiclass: in [0, 2]. Lower is better.

    Notes
    -----
    Binary (one probability per record):
    :math:`B = \frac{1}{n}\sum_i (p_i - y_i)^2`. Multiclass, Brier's original form:
    :math:`B = \frac{1}{n}\sum_i \sum_k (p_{ik} - [y_i = k])^2`; both as scikit-learn's
    ``brier_score_loss`` (``scale_by_half="auto"``). A 2-column matrix is read as binary.

    References
    ----------
    .. [1] Brier, G. W. (1950). Verification of forecasts expressed in terms of
       probability. Monthly Weather Review 78(1), 1–3.

    Examples
    --------
    >>> round(brier([0, 1], [0.2, 0.9]), 6)
    0.025
    """
    truth, proba = _one_hot_pair(y_true, probabilities, "brier")
    if proba.shape[1] == 2:
        return float(np.mean((proba[:, 1] - truth) ** 2))
    onehot = np.zeros_like(proba)
    onehot[np.arange(truth.size), truth] = 1.0
    return float(np.mean(((proba - onehot) ** 2).sum(axis=1)))
