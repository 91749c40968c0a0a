"""Multivariate drift: does the features' *joint* distribution differ between the
baseline and the window?

Column tests see one margin at a time: a change in how features move together (a
correlation of 0.9 that falls to 0, every margin unchanged) passes all of them. Two
methods look at whole rows, one per module, both decided by the column rule on one test
(``p_value < alpha`` AND ``effect_size >= threshold``):

- ``"classifier"`` (:mod:`~monitor.engine.multivariate.classifier`, the default): a
  gradient-boosted domain classifier in cross-validation; statistic its ROC AUC, effect
  AUC − 0.5 (tolerance 0.05). Finds any joint difference a flexible model can learn,
  non-linear ones included.
- ``"pca"`` (:mod:`~monitor.engine.multivariate.pca`): PCA reconstruction error; statistic
  the AUC of the window's per-row errors against held-out baseline rows', effect the
  errors' normalised Wasserstein distance (tolerance 0.1). Linear structure only, a
  fraction of the classifier's cost, and an exact Mann–Whitney null.

:func:`~monitor.engine.multivariate.dispatch.multivariate_drift` is the one dispatch on
``MultivariateOptions.method`` (``compare`` calls it); ``common`` holds the options, the
joint samples and the AUC test both methods use.
"""

from __future__ import annotations

from monitor.engine.multivariate.classifier import (
    PERMUTATION_ROWS,
    REFERENCE_FLOOR,
    REFERENCE_RATIO,
    domain_classifier,
)
from monitor.engine.multivariate.common import (
    DEFAULT_EXPLAINED_VARIANCE,
    DEFAULT_FOLDS,
    DEFAULT_MULTIVARIATE_THRESHOLD,
    DEFAULT_PCA_THRESHOLD,
    DEFAULT_SAMPLE_SIZE,
    DEFAULT_THRESHOLDS,
    METHOD_KEYS,
    MIN_ROWS,
    MultivariateMethod,
    MultivariateOptions,
    auc_test,
)
from monitor.engine.multivariate.dispatch import METHODS, multivariate_drift
from monitor.engine.multivariate.pca import pca_reconstruction

__all__ = [
    "DEFAULT_EXPLAINED_VARIANCE",
    "DEFAULT_FOLDS",
    "DEFAULT_MULTIVARIATE_THRESHOLD",
    "DEFAULT_PCA_THRESHOLD",
    "DEFAULT_SAMPLE_SIZE",
    "DEFAULT_THRESHOLDS",
    "METHODS",
    "METHOD_KEYS",
    "MIN_ROWS",
    "PERMUTATION_ROWS",
    "REFERENCE_FLOOR",
    "REFERENCE_RATIO",
    "MultivariateMethod",
    "MultivariateOptions",
    "auc_test",
    "domain_classifier",
    "multivariate_drift",
    "pca_reconstruction",
]
