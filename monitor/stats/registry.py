"""The read-only registry of statistical methods, keyed by short stable names.

Stored results reference these keys: never rename one, add an alias instead.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final, Literal

import numpy as np
from numpy.typing import NDArray

from monitor.stats._result import MethodResult
from monitor.stats.anderson import anderson_darling
from monitor.stats.chi2 import chi_square
from monitor.stats.classification import accuracy, brier, f1, log_loss, precision, recall, roc_auc
from monitor.stats.correction import benjamini_hochberg, bonferroni
from monitor.stats.cvm import cramer_von_mises
from monitor.stats.hellinger import hellinger
from monitor.stats.jensen_shannon import jensen_shannon
from monitor.stats.ks import ks_two_sample
from monitor.stats.psi import psi
from monitor.stats.regression import mae, mape, r2, rmse
from monitor.stats.wasserstein import wasserstein
from monitor.stats.ztest import two_proportion_z

__all__ = ["CORRECTIONS", "METHODS", "METRICS", "Correction", "Method", "Metric", "get_method"]

Inputs = Literal["samples", "counts"]
Role = Literal["test", "distance"]
Task = Literal["classification", "regression"]
MetricInputs = Literal["labels", "scores", "probabilities", "values"]


@dataclass(frozen=True, slots=True)
class Method:
    """One registered method.

    ``inputs`` says what ``run`` takes: two numeric samples, or two aligned count
    vectors (categories or bins). ``role`` is ``"test"`` for methods with a p-value and
    ``"distance"`` for effect sizes.
    """

    key: str
    name: str
    inputs: Inputs
    role: Role
    run: Callable[..., MethodResult]
    reference: str


@dataclass(frozen=True, slots=True)
class Correction:
    key: str
    name: str
    run: Callable[[NDArray[np.float64]], NDArray[np.float64]]
    reference: str


METHODS: Final[Mapping[str, Method]] = MappingProxyType(
    {
        "ks": Method("ks", "Kolmogorov–Smirnov", "samples", "test", ks_two_sample, "Hodges (1958)"),
        "cvm": Method(
            "cvm", "Cramér–von Mises", "samples", "test", cramer_von_mises, "Anderson (1962)"
        ),
        "anderson": Method(
            "anderson",
            "Anderson–Darling k-sample",
            "samples",
            "test",
            anderson_darling,
            "Scholz & Stephens (1987)",
        ),
        "chi2": Method(
            "chi2", "Chi-square homogeneity", "counts", "test", chi_square, "Pearson (1900)"
        ),
        "ztest": Method(
            "ztest",
            "Two-proportion Z-test",
            "counts",
            "test",
            two_proportion_z,
            "Fleiss, Levin & Paik (2003)",
        ),
        "wasserstein": Method(
            "wasserstein",
            "Wasserstein distance / reference sd",
            "samples",
            "distance",
            wasserstein,
            "Vaserstein (1969)",
        ),
        "jsd": Method(
            "jsd", "Jensen–Shannon distance", "counts", "distance", jensen_shannon, "Lin (1991)"
        ),
        "psi": Method(
            "psi",
            "Population stability index",
            "counts",
            "distance",
            psi,
            "Yurdakul (2018)",
        ),
        "hellinger": Method(
            "hellinger", "Hellinger distance", "counts", "distance", hellinger, "Hellinger (1909)"
        ),
    }
)

CORRECTIONS: Final[Mapping[str, Correction]] = MappingProxyType(
    {
        "bh": Correction(
            "bh", "Benjamini–Hochberg", benjamini_hochberg, "Benjamini & Hochberg (1995)"
        ),
        "bonferroni": Correction("bonferroni", "Bonferroni", bonferroni, "Dunn (1961)"),
    }
)


@dataclass(frozen=True, slots=True)
class Metric:
    """One registered performance metric: ``run(y_true, y_pred_or_scores) -> float``.

    ``inputs`` says what the second argument is: predicted class codes (``"labels"``),
    scores ranked for ROC AUC (``"scores"``), class probabilities (``"probabilities"``),
    or numeric predictions (``"values"``, regression). ``higher_is_better`` tells a drop
    from a rise; ``averaged`` metrics take ``average="macro"`` for multiclass.
    """

    key: str
    name: str
    task: Task
    inputs: MetricInputs
    higher_is_better: bool
    run: Callable[..., float]
    reference: str
    averaged: bool = False


METRICS: Final[Mapping[str, Metric]] = MappingProxyType(
    {
        "accuracy": Metric(
            "accuracy", "Accuracy", "classification", "labels", True, accuracy, "scikit-learn"
        ),
        "precision": Metric(
            "precision",
            "Precision",
            "classification",
            "labels",
            True,
            precision,
            "van Rijsbergen (1979)",
            averaged=True,
        ),
        "recall": Metric(
            "recall",
            "Recall",
            "classification",
            "labels",
            True,
            recall,
            "van Rijsbergen (1979)",
            averaged=True,
        ),
        "f1": Metric(
            "f1", "F1", "classification", "labels", True, f1, "van Rijsbergen (1979)", averaged=True
        ),
        "roc_auc": Metric(
            "roc_auc",
            "ROC AUC",
            "classification",
            "scores",
            True,
            roc_auc,
            "Hanley & McNeil (1982)",
        ),
        "log_loss": Metric(
            "log_loss",
            "Log loss",
            "classification",
            "probabilities",
            False,
            log_loss,
            "Good (1952)",
        ),
        "brier": Metric(
            "brier", "Brier score", "classification", "probabilities", False, brier, "Brier (1950)"
        ),
        "mae": Metric(
            "mae", "Mean absolute error", "regression", "values", False, mae, "Willmott (2005)"
        ),
        "rmse": Metric(
            "rmse", "Root mean squared error", "regression", "values", False, rmse, "Hyndman (2006)"
        ),
        "mape": Metric(
            "mape",
            "Mean absolute percentage error",
            "regression",
            "values",
            False,
            mape,
            "Hyndman (2006)",
        ),
        "r2": Metric("r2", "R²", "regression", "values", True, r2, "Draper & Smith (1998)"),
    }
)


def get_method(key: str) -> Method:
    """The method registered under ``key``, or a ValueError listing the known keys."""
    try:
        return METHODS[key]
    except KeyError:
        raise ValueError(f"unknown method {key!r}; choose one of {sorted(METHODS)}") from None
