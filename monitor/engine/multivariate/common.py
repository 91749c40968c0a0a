"""What the multivariate methods share: their options, the joint samples they compare and
the one-sided Mann–Whitney test (as a ROC AUC) both decide with."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from monitor.engine.baseline import Baseline
from monitor.engine.report import MultivariateResult
from monitor.errors import ConfigError

__all__ = [
    "DEFAULT_EXPLAINED_VARIANCE",
    "DEFAULT_FOLDS",
    "DEFAULT_MULTIVARIATE_THRESHOLD",
    "DEFAULT_PCA_THRESHOLD",
    "DEFAULT_SAMPLE_SIZE",
    "DEFAULT_THRESHOLDS",
    "METHOD_KEYS",
    "MIN_ROWS",
    "JointSamples",
    "MultivariateMethod",
    "MultivariateOptions",
    "auc_test",
    "insufficient",
    "is_drift",
    "joint_samples",
]

MultivariateMethod = Literal["off", "classifier", "pca"]
METHOD_KEYS: Final[tuple[MultivariateMethod, ...]] = ("off", "classifier", "pca")
"""The method keys, as the CLI, driftline.yaml and ``MultivariateResult.method`` spell them."""

DEFAULT_MULTIVARIATE_THRESHOLD: Final = 0.05
"""The domain classifier's tolerance of AUC − 0.5: a joint shift a classifier tells apart
less well than this is not drift, however significant."""
DEFAULT_PCA_THRESHOLD: Final = 0.1
"""PCA reconstruction's tolerance of W₁(errors) / sd(reference errors): the per-row errors
moved by less than a tenth of their standard deviation are not drift (the numeric
columns' δ on the same scale)."""
DEFAULT_THRESHOLDS: Final[Mapping[str, float]] = MappingProxyType(
    {
        "off": DEFAULT_MULTIVARIATE_THRESHOLD,
        "classifier": DEFAULT_MULTIVARIATE_THRESHOLD,
        "pca": DEFAULT_PCA_THRESHOLD,
    }
)
"""Each method's default tolerance (``threshold`` None takes it)."""
DEFAULT_EXPLAINED_VARIANCE: Final = 0.9
"""PCA keeps the fewest components that explain this share of the baseline's variance
(:mod:`monitor.engine.multivariate.pca` has the measurements behind 0.9)."""
DEFAULT_FOLDS: Final = 3
"""The classifier's cross-validation folds. Three, not five: each row still gets an
out-of-fold score, the models see two thirds of the rows instead of four fifths, and a
check costs 3 fits instead of 5 (with ``DEFAULT_SAMPLE_SIZE``, the multivariate part of a
1 M × 20 check fell from 1.7 to 0.7 times the column tests' CPU; the calibration tests hold
at the same counts)."""
DEFAULT_SAMPLE_SIZE: Final = 10_000
"""Window rows a multivariate method uses (a seeded uniform sample of the window's joint
sample); the classifier's baseline side is capped at the same number. The decision needs
AUC − 0.5 ≥ 0.05 to be significant: at 10 000 + 10 000 rows the AUC's standard error
under H0 is √((n₀ + n₁ + 1) / (12 n₀ n₁)) ≈ 0.004, so the tolerance is twelve standard
errors away and more rows buy no decision, only time."""
MIN_ROWS: Final = 50
"""Rows needed on each side (the baseline's joint sample, or its held-out half for PCA,
and the window)."""


@dataclass(frozen=True, slots=True)
class MultivariateOptions:
    """How a check computes multivariate drift.

    ``method`` is ``"classifier"`` (default), ``"pca"`` or ``"off"``; ``threshold`` the
    effect-size tolerance, None for the method's default (``DEFAULT_THRESHOLDS``: 0.05
    of AUC − 0.5 for the classifier, 0.1 of the normalised error distance for PCA);
    ``sample_size`` caps the window's rows; ``folds`` is the classifier's cross-validation,
    ``explained_variance`` PCA's share of variance kept; ``seed`` fixes every draw.
    """

    method: MultivariateMethod = "classifier"
    threshold: float | None = None
    sample_size: int = DEFAULT_SAMPLE_SIZE
    folds: int = DEFAULT_FOLDS
    seed: int = 0
    explained_variance: float = DEFAULT_EXPLAINED_VARIANCE

    def __post_init__(self) -> None:
        if self.method not in METHOD_KEYS:
            raise ConfigError(
                f"multivariate method must be one of {list(METHOD_KEYS)}, got {self.method!r}"
            )
        if self.threshold is not None:
            ceiling = 0.5 if self.method == "classifier" else math.inf
            if not (math.isfinite(self.threshold) and 0.0 <= self.threshold <= ceiling):
                expected = (
                    "in [0, 0.5] (a tolerance of AUC - 0.5)"
                    if self.method == "classifier"
                    else "a finite number >= 0"
                )
                raise ConfigError(
                    f"multivariate threshold must be {expected} for method "
                    f"{self.method!r}, got {self.threshold}"
                )
        if self.sample_size < 2 * MIN_ROWS:
            raise ConfigError(
                f"multivariate sample_size must be >= {2 * MIN_ROWS}, got {self.sample_size}"
            )
        if not 2 <= self.folds <= 20:
            raise ConfigError(f"multivariate folds must be in 2..20, got {self.folds}")
        if not 0.0 < self.explained_variance < 1.0:
            raise ConfigError(
                "multivariate explained_variance must be in (0, 1) (the share of the "
                f"baseline's variance PCA keeps), got {self.explained_variance}"
            )

    @property
    def tolerance(self) -> float:
        """``threshold``, or the method's default when it is None."""
        return DEFAULT_THRESHOLDS[self.method] if self.threshold is None else self.threshold


def auc_test(scores: NDArray[np.float64], labels: NDArray[np.bool_]) -> tuple[float, float]:
    """ROC AUC of ``scores`` for ``labels`` (True the positive class) and its one-sided
    Mann–Whitney p-value against AUC > 0.5 (normal approximation, tie-corrected,
    continuity-corrected).

    AUC = U / (n₀ n₁), U = R₁ − n₁(n₁ + 1)/2 with R₁ the positives' rank sum (mid-ranks);
    z = (U − n₀n₁/2 − ½) / √Var[U], Var[U] = n₀n₁/12 · ((n + 1) − Σ(t³ − t)/(n(n − 1))),
    p = 1 − Φ(z) (Mann and Whitney 1947; Hanley and McNeil 1982).

    >>> auc, p = auc_test(np.array([0.1, 0.2, 0.8, 0.9]), np.array([False, False, True, True]))
    >>> auc, round(p, 4)
    (1.0, 0.1226)
    """
    from scipy.stats import rankdata

    n1 = int(labels.sum())
    n0 = int(labels.size - n1)
    if n0 == 0 or n1 == 0:
        raise ValueError("auc_test needs both labels")
    ranks = rankdata(scores)
    u = float(ranks[labels].sum()) - n1 * (n1 + 1) / 2.0
    n = n0 + n1
    _, tie_counts = np.unique(scores, return_counts=True)
    ties = float(np.sum(tie_counts.astype(np.float64) ** 3 - tie_counts))
    variance = n0 * n1 / 12.0 * ((n + 1) - ties / (n * (n - 1)))
    auc = u / (n0 * n1)
    if variance <= 0.0:  # every score equal: nothing told apart
        return auc, 1.0
    z = (u - n0 * n1 / 2.0 - 0.5) / math.sqrt(variance)
    return auc, min(1.0, 0.5 * math.erfc(z / math.sqrt(2.0)))


def insufficient(reason: str, method: str, threshold: float, alpha: float) -> MultivariateResult:
    """The result of ``method`` when it could not test, with ``reason``."""
    return MultivariateResult(
        "insufficient_data", method=method, alpha=alpha, threshold=threshold, reason=reason
    )


def is_drift(p_value: float, effect_size: float, alpha: float, threshold: float) -> bool:
    """The column rule on one test: significant (``p_value < alpha``; ``alpha >= 1``
    switches it off) AND large (``effect_size >= threshold``; 0 switches it off)."""
    significant = alpha >= 1.0 or p_value < alpha
    large = threshold == 0.0 or effect_size >= threshold
    return significant and large


@dataclass(frozen=True, slots=True)
class JointSamples:
    """The rows a method compares: the baseline's joint sample and a seeded uniform sample
    of the window (at most ``sample_size`` rows), restricted to the feature columns both
    have (``names``); ``rng`` continues the seeded stream that drew the window's rows."""

    reference: pd.DataFrame
    current: pd.DataFrame
    names: list[str]
    rng: np.random.Generator


def joint_samples(
    baseline: Baseline, current: pd.DataFrame, options: MultivariateOptions, method: str
) -> JointSamples | str:
    """The samples ``method`` compares, or why there are none (an old baseline file
    without a joint sample, fewer than 2 shared feature columns)."""
    reference = baseline.joint_sample
    if reference is None:
        return (
            f"the baseline (format {baseline.format_version}) has no joint row sample; "
            "rebuild it with this Driftline ('driftline baseline build') for multivariate drift"
        )
    names = [str(c) for c in reference.columns if str(c) in current.columns]
    if len(names) < 2:
        return (
            f"{len(names)} feature column(s) in both the baseline's joint sample and the "
            f"window; {method} needs at least 2"
        )
    rng = np.random.default_rng(options.seed)
    window = current
    if len(window) > options.sample_size:
        window = window.iloc[np.sort(rng.choice(len(window), options.sample_size, replace=False))]
    return JointSamples(reference, window, names, rng)
