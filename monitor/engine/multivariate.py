"""Multivariate drift: a domain classifier on the joint row samples.

Column tests see one margin at a time: a change in how features move together (a
correlation of 0.9 that falls to 0, with every margin unchanged) passes all of them. A
classifier trained to tell the baseline's rows from the window's rows sees the joint
distribution: when the two are the same, no classifier does better than chance (ROC AUC
0.5); when they differ, a flexible one finds out.

Method (``"classifier"``)
------------------------
1. Take the baseline's joint sample (a uniform sample of up to k = 20 000 whole rows of the
   compared features, kept in the baseline file) and a seeded uniform sample of up to k rows
   of the window; the baseline side is cut to at most ``max(5 × window rows, 1 000)``
   rows (``REFERENCE_RATIO``). Numeric columns are used as they are (missing and
   non-finite values as missing); categorical and boolean ones get a stable hash of their
   label into 63 codes (the same for both samples: see ``_category_code`` for why not the
   baseline's counts).
2. Label baseline rows 0 and window rows 1; train scikit-learn's
   ``HistGradientBoostingClassifier`` (native categorical and missing-value support,
   early stopping; a small model, ``_MODEL``) in stratified 5-fold
   cross-validation and keep every row's out-of-fold score.
3. ``statistic`` = the ROC AUC of the out-of-fold scores, computed as the Mann–Whitney
   U statistic: AUC = U / (n₀ n₁), U = R₁ − n₁(n₁ + 1)/2, R₁ the rank sum (mid-ranks for
   ties) of the window rows' scores.
4. ``p_value``: one-sided, H0 "the two samples come from one distribution" against AUC >
   0.5, from U's normal approximation with the tie correction,
   E[U] = n₀n₁/2,  Var[U] = n₀n₁/12 · ((n + 1) − Σ(t³ − t)/(n(n − 1))),
   z = (U − E[U] − ½) / √Var[U]  (continuity-corrected),  p = 1 − Φ(z).
   Why this null holds: each row's out-of-fold score comes from a model fitted without that
   row, so under H0 (labels independent of the features) the score is independent of the
   row's own label, and the n₀ + n₁ scores are (nearly) exchangeable between the two
   labels: the Mann–Whitney null [1]. The scores of different folds share training rows,
   which makes them slightly dependent; pooled cross-validated AUCs are known to be biased
   *below* 0.5 under H0 [2], so the one-sided test is, if anything, conservative. The
   calibration tests measure its false-alarm rate (``tests/calibration``).
5. ``effect_size`` = AUC − 0.5 (0 for indistinguishable samples, 0.5 for separable ones),
   with the tolerance ``threshold`` (default 0.05). ``drifted`` when ``p_value < alpha`` AND
   ``effect_size >= threshold``: the column rule (DESIGN.md, "The drift decision") on one
   test, so a huge window is flagged only for a joint shift that matters.
6. ``top_columns``: the columns whose permutation in the held-out fold lowers its AUC the
   most [3], averaged over the folds; those with a positive drop, at most five.

Too few rows (under 50 on either side) or columns (under 2) give ``insufficient_data``
with the reason; so does a baseline file written before format 3 (no joint sample).

References
----------
.. [1] Mann, H. B. and Whitney, D. R. (1947). On a test of whether one of two random
   variables is stochastically larger than the other. Ann. Math. Statist. 18(1), 50–60;
   Hanley, J. A. and McNeil, B. J. (1982). The meaning and use of the area under a ROC
   curve. Radiology 143(1), 29–36.
.. [2] Airola, A. et al. (2011). An experimental comparison of cross-validation
   techniques for estimating the area under the ROC curve. Comput. Stat. Data Anal. 55(4),
   1828–1844; Parker, B. J. et al. (2007). Stratification bias in low signal microarray
   studies. BMC Bioinformatics 8, 326.
.. [3] Breiman, L. (2001). Random forests. Machine Learning 45, 5–32 (permutation
   importance); Lopez-Paz, D. and Oquab, M. (2017). Revisiting classifier two-sample
   tests. ICLR; Rabanser, S. et al. (2019). Failing loudly: an empirical study of methods
   for detecting dataset shift. NeurIPS.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass
from typing import Any, Final, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from monitor.engine.baseline import DEFAULT_JOINT_SAMPLE_SIZE, Baseline, joint_labels
from monitor.engine.report import MultivariateResult
from monitor.errors import ConfigError

__all__ = [
    "DEFAULT_FOLDS",
    "DEFAULT_MULTIVARIATE_THRESHOLD",
    "MIN_ROWS",
    "REFERENCE_FLOOR",
    "REFERENCE_RATIO",
    "MultivariateMethod",
    "MultivariateOptions",
    "auc_test",
    "domain_classifier",
]

MultivariateMethod = Literal["off", "classifier"]

DEFAULT_MULTIVARIATE_THRESHOLD: Final = 0.05
"""Tolerance of AUC − 0.5: a joint shift a classifier tells apart less well than this is
not drift, however significant."""
DEFAULT_FOLDS: Final = 5
MIN_ROWS: Final = 50
"""Rows needed on each side (the baseline's joint sample and the window)."""
REFERENCE_RATIO: Final = 5
REFERENCE_FLOOR: Final = 1_000
"""The baseline side uses at most ``max(5 × window rows, 1 000)`` of its joint sample: the
Mann–Whitney variance n₀n₁(n + 1)/12 is ruled by the smaller side, so more reference rows
than five times the window's add little power (relative efficiency 5/6 at five times) and
cost time in every check of a small window."""
_TOP: Final = 5
PERMUTATION_ROWS: Final = 2_000
"""Permutation importance uses at most this many rows of each held-out fold (a seeded,
stratified draw): ranking the columns needs far fewer rows than the AUC test, and each
column costs one prediction of them (at 20 000 + 20 000 rows and 20 columns the full
folds made importance about half of the classifier's time)."""
_MODEL: Final[dict[str, Any]] = {
    "learning_rate": 0.3,
    "max_iter": 30,
    "max_leaf_nodes": 15,
    "max_bins": 64,
    "early_stopping": True,
    "validation_fraction": 0.15,
    "n_iter_no_change": 5,
}
"""A small, quick model (one OpenMP thread: threads cost more than they give on samples
this size; no class weights: they make binning use slow weighted percentiles, and the AUC
does not depend on the class balance): 64 bins, 15 leaves, at most 30 rounds, stopped
early when the held-back 15% stops improving. It is a test, not a production model; the
calibration tests measure its power."""


@dataclass(frozen=True, slots=True)
class MultivariateOptions:
    """How a check computes multivariate drift."""

    method: MultivariateMethod = "classifier"
    threshold: float = DEFAULT_MULTIVARIATE_THRESHOLD
    sample_size: int = DEFAULT_JOINT_SAMPLE_SIZE
    folds: int = DEFAULT_FOLDS
    seed: int = 0

    def __post_init__(self) -> None:
        if self.method not in ("off", "classifier"):
            raise ConfigError(
                f"multivariate method must be 'off' or 'classifier', got {self.method!r}"
            )
        if not (math.isfinite(self.threshold) and 0.0 <= self.threshold <= 0.5):
            raise ConfigError(
                f"multivariate threshold must be in [0, 0.5] (a tolerance of AUC - 0.5), "
                f"got {self.threshold}"
            )
        if self.sample_size < 2 * MIN_ROWS:
            raise ConfigError(
                f"multivariate sample_size must be >= {2 * MIN_ROWS}, got {self.sample_size}"
            )
        if not 2 <= self.folds <= 20:
            raise ConfigError(f"multivariate folds must be in 2..20, got {self.folds}")


def auc_test(scores: NDArray[np.float64], labels: NDArray[np.bool_]) -> tuple[float, float]:
    """ROC AUC of ``scores`` for ``labels`` (True the positive class) and its one-sided
    Mann–Whitney p-value against AUC > 0.5 (normal approximation, tie-corrected,
    continuity-corrected).

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


def _insufficient(reason: str, options: MultivariateOptions, alpha: float) -> MultivariateResult:
    return MultivariateResult(
        "insufficient_data", alpha=alpha, threshold=options.threshold, reason=reason
    )


def _category_code(label: str) -> float:
    """A category's code for the classifier: a stable hash of its label into
    ``max_bins - 1`` buckets.

    The code must not depend on which sample a category is frequent in: coding the
    baseline's most frequent categories apart from the rest selects categories that are
    frequent in the baseline *by chance*, and the classifier then tells the samples apart
    with no drift at all (measured: AUC 0.56 on random halves of Gapminder's 142 countries).
    A hash treats both samples alike; new categories are the column tests' finding."""
    return float(zlib.crc32(label.encode("utf-8")) % (int(_MODEL["max_bins"]) - 1))


def _encode(
    baseline: Baseline, reference: pd.DataFrame, current: pd.DataFrame, names: list[str]
) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """Both samples as one float matrix (categories coded on the baseline's), and which
    columns are categorical."""
    blocks: list[NDArray[np.float64]] = []
    is_categorical: list[bool] = []
    for name in names:
        column = baseline.columns[name]
        if column.kind == "numeric":
            ref = reference[name].to_numpy(dtype=np.float64)
            cur = pd.to_numeric(current[name], errors="coerce").to_numpy(
                dtype=np.float64, na_value=np.nan
            )
            both = np.concatenate([ref, cur])
            both[~np.isfinite(both)] = np.nan
            is_categorical.append(False)
        else:
            labels = np.concatenate([joint_labels(reference[name]), joint_labels(current[name])])
            codes = {v: _category_code(v) for v in set(labels) if v is not None}
            both = np.array([np.nan if v is None else codes[v] for v in labels], dtype=np.float64)
            is_categorical.append(True)
        blocks.append(both)
    return np.column_stack(blocks), np.array(is_categorical, dtype=bool)


def domain_classifier(
    baseline: Baseline,
    current: pd.DataFrame,
    *,
    alpha: float = 0.05,
    options: MultivariateOptions | None = None,
) -> MultivariateResult:
    """Multivariate drift of ``current`` against ``baseline`` by a domain classifier (the
    module docstring has the method, its p-value and references)."""
    options = options or MultivariateOptions()
    if options.method == "off":
        return MultivariateResult("off", alpha=alpha, threshold=options.threshold)
    reference = baseline.joint_sample
    if reference is None:
        return _insufficient(
            f"the baseline (format {baseline.format_version}) has no joint row sample; "
            "rebuild it with this Driftline ('driftline baseline build') for multivariate drift",
            options,
            alpha,
        )
    names = [str(c) for c in reference.columns if str(c) in current.columns]
    if len(names) < 2:
        return _insufficient(
            f"{len(names)} feature column(s) in both the baseline's joint sample and the "
            "window; the domain classifier needs at least 2",
            options,
            alpha,
        )
    rng = np.random.default_rng(options.seed)
    window = current
    if len(window) > options.sample_size:
        window = window.iloc[np.sort(rng.choice(len(window), options.sample_size, replace=False))]
    keep = min(options.sample_size, max(REFERENCE_RATIO * len(window), REFERENCE_FLOOR))
    if len(reference) > keep:
        reference = reference.iloc[np.sort(rng.choice(len(reference), keep, replace=False))]
    n_reference, n_current = len(reference), len(window)
    if min(n_reference, n_current) < MIN_ROWS:
        return _insufficient(
            f"{n_reference} baseline and {n_current} window rows; the domain classifier "
            f"needs at least {MIN_ROWS} on each side",
            options,
            alpha,
        )
    x, categorical = _encode(baseline, reference, window, names)
    y = np.concatenate([np.zeros(n_reference, dtype=bool), np.ones(n_current, dtype=bool)])
    scores, drops = _cross_validate(x, y, categorical, options)
    auc, p_value = auc_test(scores, y)
    effect = auc - 0.5
    significant = alpha >= 1.0 or p_value < alpha
    large = options.threshold == 0.0 or effect >= options.threshold
    order = [i for i in np.argsort(-drops, kind="stable") if drops[i] > 0.0][:_TOP]
    return MultivariateResult(
        "tested",
        method="classifier",
        statistic=float(auc),
        p_value=float(p_value),
        effect_size=float(effect),
        alpha=alpha,
        threshold=options.threshold,
        drifted=bool(significant and large),
        top_columns=tuple(names[i] for i in order),
        importances=tuple(float(drops[i]) for i in order),
        n_reference=n_reference,
        n_current=n_current,
        columns=tuple(names),
    )


def _stratified_rows(
    labels: NDArray[np.bool_], size: int, rng: np.random.Generator
) -> NDArray[np.int64]:
    """Positions of at most ``size`` rows, each label in its share (all rows if fewer)."""
    if labels.size <= size:
        return np.arange(labels.size)
    chosen = []
    for value in (False, True):
        where = np.flatnonzero(labels == value)
        take = max(1, round(size * where.size / labels.size))
        chosen.append(rng.choice(where, min(take, where.size), replace=False))
    return np.sort(np.concatenate(chosen))


def _cross_validate(
    x: NDArray[np.float64],
    y: NDArray[np.bool_],
    categorical: NDArray[np.bool_],
    options: MultivariateOptions,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Out-of-fold scores of every row, and each column's mean permutation drop in the
    held-out folds' AUC."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.model_selection import StratifiedKFold
    from threadpoolctl import threadpool_limits

    folds = StratifiedKFold(n_splits=options.folds, shuffle=True, random_state=options.seed)
    rng = np.random.default_rng([options.seed, 1])
    scores = np.zeros(len(y), dtype=np.float64)
    drops = np.zeros(x.shape[1], dtype=np.float64)
    with threadpool_limits(1):
        for train, test in folds.split(x, y):
            model: Any = HistGradientBoostingClassifier(**_MODEL, random_state=options.seed,
                categorical_features=categorical if categorical.any() else None,
            )  # fmt: skip
            model.fit(x[train], y[train])
            held_out = x[test]
            scores[test] = model.predict_proba(held_out)[:, 1]
            part = _stratified_rows(y[test], PERMUTATION_ROWS, rng)
            held_out, truth = held_out[part], y[test][part]
            fold_auc, _ = auc_test(scores[test][part], truth)
            # one copy of the held-out rows per column, that column permuted; scored in one
            # call (sklearn's checks per call cost more than the trees on a few hundred rows)
            n_columns, n_rows = x.shape[1], len(part)
            permuted = np.tile(held_out, (n_columns, 1))
            for j in range(n_columns):
                block = permuted[j * n_rows : (j + 1) * n_rows]
                block[:, j] = rng.permutation(block[:, j])
            permuted_scores = model.predict_proba(permuted)[:, 1].reshape(n_columns, n_rows)
            for j in range(n_columns):
                permuted_auc, _ = auc_test(permuted_scores[j], truth)
                drops[j] += (fold_auc - permuted_auc) / options.folds
    return scores, drops
