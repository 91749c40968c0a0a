"""Pure statistical methods on numpy arrays: tests, distances and corrections.

Every method returns a frozen :class:`MethodResult` and is registered under a short,
stable key in :data:`METHODS` (see :mod:`monitor.stats.registry`). Performance metrics
(classification and regression) return a float and are registered in :data:`METRICS`;
:func:`fit_isotonic` (calibration) and :func:`cbpe` (performance estimation) are the
two helpers of estimated performance.
"""

from __future__ import annotations

from monitor.stats._result import MethodResult
from monitor.stats.anderson import anderson_darling
from monitor.stats.calibration import IsotonicMap, fit_isotonic
from monitor.stats.cbpe import CBPE_METRICS, CbpeEstimate, cbpe
from monitor.stats.chi2 import chi_square
from monitor.stats.classification import accuracy, brier, f1, log_loss, precision, recall, roc_auc
from monitor.stats.correction import benjamini_hochberg, bonferroni
from monitor.stats.cvm import cramer_von_mises
from monitor.stats.ecdf import EcdfPair, ecdf_pair
from monitor.stats.hellinger import hellinger
from monitor.stats.jensen_shannon import jensen_shannon
from monitor.stats.ks import ks_two_sample
from monitor.stats.psi import psi
from monitor.stats.registry import (
    CORRECTIONS,
    METHODS,
    METRICS,
    Correction,
    Method,
    Metric,
    get_method,
)
from monitor.stats.regression import mae, mape, r2, rmse
from monitor.stats.wasserstein import wasserstein
from monitor.stats.ztest import two_proportion_z

__all__ = [
    "CBPE_METRICS",
    "CORRECTIONS",
    "METHODS",
    "METRICS",
    "CbpeEstimate",
    "Correction",
    "EcdfPair",
    "IsotonicMap",
    "Method",
    "MethodResult",
    "Metric",
    "accuracy",
    "anderson_darling",
    "benjamini_hochberg",
    "bonferroni",
    "brier",
    "cbpe",
    "chi_square",
    "cramer_von_mises",
    "ecdf_pair",
    "f1",
    "fit_isotonic",
    "get_method",
    "hellinger",
    "jensen_shannon",
    "ks_two_sample",
    "log_loss",
    "mae",
    "mape",
    "precision",
    "psi",
    "r2",
    "recall",
    "rmse",
    "roc_auc",
    "two_proportion_z",
    "wasserstein",
]
