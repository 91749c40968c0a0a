r"""Multivariate drift: PCA reconstruction error on the joint row samples.

A principal component analysis of the baseline's rows finds the few directions its
features vary along together; projecting a row onto them and back loses what those
directions cannot express, the row's *reconstruction error*. While the features keep their
joint structure the window's rows reconstruct as well as the baseline's; when a
correlation breaks (0.9 in training, 0 now, every margin unchanged) the window's rows
leave the baseline's subspace and their errors grow. The per-row error turns the joint
distribution into one number per row, tested like a column.

Method (``"pca"``)
-----------------
1. **Split.** The baseline's joint sample (up to k = 20 000 whole rows of the compared
   features) is cut in two by a seeded permutation: the *fit half* (⌊n/2⌋ rows) and the
   *held-out half*. The window contributes a seeded uniform sample of up to
   ``sample_size`` rows.
2. **Encode** (learnt on the fit half only). A numeric column x becomes
   z = (x − mean) / sd, mean and sd (ddof 0) over the fit half's finite values; a missing or
   non-finite value becomes 0 (the fit half's mean). A categorical or boolean column becomes
   indicators of its most frequent labels in the fit half (at most ``MAX_CATEGORIES`` = 10,
   each with a share of at least ``MIN_SHARE`` = 1% of the non-missing values) plus one
   for "any other label" (labels the window brings that the baseline lacks land there);
   each indicator I with fit-half share p becomes (I − p) / √(p(1 − p)) / √m, m the
   column's number of indicators, so that, like a numeric column, the column adds a total
   variance of 1 whatever its number of labels; a missing label gives 0 in all its
   indicators (the fit half's mean). One-hot rather than the classifier's hashed codes:
   PCA is linear, and a code's number has no linear meaning; choosing the frequent labels
   on the fit half cannot select labels frequent by chance in the held-out half (the
   classifier's hashing avoids that same bias), because the held-out half did not take part.
   A column constant or all-missing in the fit half (sd 0, or a single label) says nothing
   about joint structure and is left out, named in ``reason``.
3. **Fit.** scikit-learn's ``PCA`` (full SVD) on the encoded fit half [1]; it keeps the
   fewest q components whose explained variance reaches ``explained_variance`` (default
   0.9), and at most d − 1 of the d encoded dimensions so that something is left to
   reconstruct. Why 0.9 rather than NannyML's 0.65 [2]: the error lives in the dropped
   directions, and a broken correlation shows in the pair's small-variance direction
   (1 − ρ = 0.1 of variance at ρ = 0.9), which both keep out; at 0.65 about half the
   unit-variance noise directions are dropped too and dilute it. Measured (three pairs at
   ρ = 0.9 plus 14 independent columns, 5 000 rows per side, 40 seeds): one pair falling
   to ρ = 0 moves the errors by 0.63 (W₁/sd, below) at 0.9 against 0.24 at 0.65, a pair
   falling to ρ = 0.5 by 0.29 against 0.11; null windows stay at 0.03 either way. What
   0.65 detects better, a variance change of one independent column, is a column test's
   finding.
4. **Errors.** For a row z, e(z) = ‖z − ẑ‖², ẑ = μ + (z − μ) V Vᵀ its projection on the q
   components (V, and μ the fit half's encoded mean: ``inverse_transform(transform(z))``).
   The reference errors are those of the held-out half, the current errors those of the
   window's rows.
5. **Test.** One-sided Mann–Whitney on the two sets of errors (H0: the window's errors are
   distributed as the held-out half's; H1: they are stochastically larger), its normal
   approximation with tie and continuity corrections (:func:`auc_test`, the classifier's
   test). ``statistic`` is the errors' AUC, P(e_cur > e_ref) + ½P(e_cur = e_ref): 0.5 under
   H0. Why this null holds: the encoding and the PCA were learnt on the fit half alone; the
   held-out rows and the window's rows did not take part and, under H0 (one distribution,
   independent rows), are exchangeable given the fit, so their errors are too: exactly the
   Mann–Whitney null, with no cross-validation dependence (unlike the classifier's pooled
   out-of-fold scores). Only errors *larger* in the window count: a window that fits the
   baseline's structure better is not drift.
6. **Effect.** ``effect_size`` = W₁(e_ref, e_cur) / sd(e_ref), the first Wasserstein
   distance between the two error distributions over the reference errors' standard
   deviation (:func:`monitor.stats.wasserstein.wasserstein`): the numeric columns' effect
   size, applied to the error as the column, so its default tolerance 0.1 means what δ
   means there. ``drifted`` when p < α AND effect ≥ ``threshold`` (default 0.1).
7. **Top columns.** Each column's squared residual (summed over its indicators for a
   categorical column), averaged over the window's rows minus averaged over the held-out
   rows; the columns whose residual grew, at most five, largest first (``importances``).

Too few rows (under 50 in the held-out half or the window), fewer than 2 usable columns or a
baseline file before format 3 give ``insufficient_data`` with the reason.

References
----------
.. [1] Jolliffe, I. T. (2002). *Principal Component Analysis*, 2nd ed. Springer, ch. 6
   (choosing the number of components by cumulative explained variance) and ch. 10
   (residuals of the projection as outlier statistics); Jackson, J. E. and Mudholkar,
   G. S. (1979). Control procedures for residuals associated with principal component
   analysis. Technometrics 21(3), 341–349.
.. [2] NannyML, "Data reconstruction with PCA" (multivariate drift detection), 2022:
   standardised features, components reaching 65% of the variance, the mean
   reconstruction error per chunk (prior art; its thresholds come from chunk statistics,
   not a test).
.. [3] Mann, H. B. and Whitney, D. R. (1947). On a test of whether one of two random
   variables is stochastically larger than the other. Ann. Math. Statist. 18(1), 50–60.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from monitor.engine.baseline import Baseline, joint_labels
from monitor.engine.multivariate.common import (
    DEFAULT_PCA_THRESHOLD,
    MIN_ROWS,
    MultivariateOptions,
    auc_test,
    insufficient,
    is_drift,
    joint_samples,
)
from monitor.engine.report import MultivariateResult
from monitor.stats.wasserstein import wasserstein

__all__ = ["MAX_CATEGORIES", "MIN_SHARE", "pca_reconstruction"]

MAX_CATEGORIES: Final = 10
"""Indicators of at most this many of a categorical column's labels (plus "other")."""
MIN_SHARE: Final = 0.01
"""A label gets its own indicator only with at least this share of the fit half's values:
rarer ones would be standardised by a tiny √(p(1 − p)) and one row of them would swamp the
error."""
_TOP: Final = 5


@dataclass(frozen=True, slots=True)
class _Numeric:
    mean: float
    sd: float


@dataclass(frozen=True, slots=True)
class _Categorical:
    labels: tuple[str, ...]
    """The labels with an indicator; the last indicator is "other" when ``has_other``."""
    has_other: bool
    shares: NDArray[np.float64]


_Coding = _Numeric | _Categorical


def _numeric_values(frame: pd.DataFrame, name: str) -> NDArray[np.float64]:
    values = pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    return np.where(np.isfinite(values), values, np.nan)


def _learn(kind: str, fit: pd.DataFrame, name: str) -> _Coding | None:
    """How to encode column ``name``, learnt on the fit half; None when it is constant or
    all missing there."""
    if kind == "numeric":
        values = _numeric_values(fit, name)
        values = values[~np.isnan(values)]
        if values.size == 0:
            return None
        sd = float(values.std())
        return _Numeric(float(values.mean()), sd) if sd > 0.0 else None
    labels = pd.Series(joint_labels(fit[name])).dropna()
    if labels.empty:
        return None
    counts = labels.value_counts(sort=True)
    shares = counts / counts.sum()
    top = [str(label) for label in shares.index[:MAX_CATEGORIES] if shares[label] >= MIN_SHARE]
    rest = float(1.0 - shares[top].sum()) if top else 1.0
    kept = [float(shares[label]) for label in top] + ([rest] if rest > 1e-12 else [])
    indicator_shares = np.array(kept, dtype=np.float64)
    if np.count_nonzero((indicator_shares > 0.0) & (indicator_shares < 1.0)) == 0:
        return None  # one label: constant
    return _Categorical(tuple(top), rest > 1e-12, indicator_shares)


def _encode(coding: _Coding, frame: pd.DataFrame, name: str) -> NDArray[np.float64]:
    """Column ``name`` of ``frame`` as an (n, m) block of standardised values."""
    if isinstance(coding, _Numeric):
        z = (_numeric_values(frame, name) - coding.mean) / coding.sd
        return np.nan_to_num(z, nan=0.0)[:, None]
    labels = pd.Series(joint_labels(frame[name]), dtype=object)
    present = labels.notna().to_numpy()
    width = coding.shares.size
    position = labels.map({label: i for i, label in enumerate(coding.labels)}).to_numpy(
        dtype=np.float64, na_value=np.nan
    )
    if coding.has_other:  # a label without its own indicator, seen or new, is "other"
        position = np.where(present & np.isnan(position), width - 1, position)
    rows = np.flatnonzero(~np.isnan(position))
    indicators = np.zeros((labels.size, width), dtype=np.float64)
    indicators[rows, position[rows].astype(np.int64)] = 1.0
    p = coding.shares
    spread = np.sqrt(p * (1.0 - p))
    block = np.where(spread > 0.0, (indicators - p) / np.where(spread > 0.0, spread, 1.0), 0.0)
    block[~present] = 0.0
    scaled: NDArray[np.float64] = block / np.sqrt(width)
    return scaled


def _matrix(
    codings: list[tuple[str, _Coding]], frame: pd.DataFrame
) -> tuple[NDArray[np.float64], list[slice]]:
    """The encoded rows of ``frame``, and each column's slice of them."""
    blocks = [_encode(coding, frame, name) for name, coding in codings]
    edges = np.cumsum([0] + [b.shape[1] for b in blocks])
    slices = [slice(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:], strict=True)]
    return np.hstack(blocks), slices


def _fit_pca(z_fit: NDArray[np.float64], explained_variance: float) -> Any:
    """scikit-learn's PCA with the fewest components reaching ``explained_variance``, and
    at most d − 1 of the d dimensions."""
    from sklearn.decomposition import PCA
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        model: Any = PCA(n_components=explained_variance, svd_solver="full").fit(z_fit)
        if model.n_components_ >= z_fit.shape[1]:
            model = PCA(n_components=z_fit.shape[1] - 1, svd_solver="full").fit(z_fit)
    return model


def _squared_residuals(model: Any, z: NDArray[np.float64]) -> NDArray[np.float64]:
    reconstructed: NDArray[np.float64] = model.inverse_transform(model.transform(z))
    return np.asarray((z - reconstructed) ** 2, dtype=np.float64)


def pca_reconstruction(
    baseline: Baseline,
    current: pd.DataFrame,
    *,
    alpha: float = 0.05,
    options: MultivariateOptions | None = None,
) -> MultivariateResult:
    """Multivariate drift of ``current`` against ``baseline`` by PCA reconstruction error.

    Parameters
    ----------
    baseline : Baseline
        Its joint row sample is the reference (half fits the PCA, half gives the
        reference errors).
    current : DataFrame
        The window's rows (a uniform sample of them), the baseline's feature columns.
    alpha : float
        Significance level of the one-sided test (default 0.05; 1 switches it off).
    options : MultivariateOptions, optional
        ``threshold`` (None: 0.1), ``explained_variance`` (0.9), ``sample_size`` and
        ``seed``; ``method`` is not read (``multivariate_drift`` dispatches on it).

    Returns
    -------
    MultivariateResult
        ``method`` "pca"; ``statistic`` the errors' AUC P(e_cur > e_ref); ``p_value`` its
        one-sided Mann–Whitney p-value; ``effect_size`` W₁(e_ref, e_cur) / sd(e_ref);
        ``drifted`` when p < alpha and effect ≥ threshold; ``top_columns`` the columns
        whose squared residual grew most; ``n_reference`` the held-out half's rows.

    Notes
    -----
    The module docstring has the method, the null and the measurements behind the
    defaults: e(z) = ‖z − ẑ‖², ẑ the projection on the q leading components of the fit
    half, q the fewest reaching 90% of its variance.

    References
    ----------
    .. [1] Jolliffe, I. T. (2002). Principal Component Analysis, 2nd ed. Springer.
    .. [2] Mann, H. B. and Whitney, D. R. (1947). Ann. Math. Statist. 18(1), 50–60.

    Examples
    --------
    >>> from monitor.engine.baseline import build_baseline
    >>> rng = np.random.default_rng(0)
    >>> a, b = rng.normal(size=(2, 2_000))
    >>> baseline = build_baseline(pd.DataFrame({"a": a, "b": 0.9 * a + 0.44 * b}))
    >>> c, d = rng.normal(size=(2, 2_000))
    >>> result = pca_reconstruction(baseline, pd.DataFrame({"a": c, "b": d}))
    >>> result.drifted, sorted(result.top_columns)
    (True, ['a', 'b'])
    """
    options = options or MultivariateOptions()
    threshold = DEFAULT_PCA_THRESHOLD if options.threshold is None else options.threshold
    found = joint_samples(baseline, current, options, "PCA reconstruction")
    if isinstance(found, str):
        return insufficient(found, "pca", threshold, alpha)
    order = found.rng.permutation(len(found.reference))
    half = len(order) // 2
    fit = found.reference.iloc[np.sort(order[:half])]
    held_out = found.reference.iloc[np.sort(order[half:])]
    window = found.current
    if min(len(fit), len(held_out), len(window)) < MIN_ROWS:
        return insufficient(
            f"{len(found.reference)} baseline and {len(window)} window rows; PCA "
            f"reconstruction needs at least {2 * MIN_ROWS} baseline rows (half fit the PCA, "
            f"half are the reference) and {MIN_ROWS} window rows",
            "pca",
            threshold,
            alpha,
        )
    codings: list[tuple[str, _Coding]] = []
    left_out: list[str] = []
    for name in found.names:
        coding = _learn(baseline.columns[name].kind, fit, name)
        if coding is None:
            left_out.append(name)
        else:
            codings.append((name, coding))
    note = (
        f"left out {left_out}: constant or all missing in the baseline's sample" if left_out else ""
    )
    if len(codings) < 2:
        return insufficient(
            f"{len(codings)} usable feature column(s); PCA reconstruction needs at least 2 "
            f"({note})",
            "pca",
            threshold,
            alpha,
        )
    z_fit, slices = _matrix(codings, fit)
    model = _fit_pca(z_fit, options.explained_variance)
    reference = _squared_residuals(model, _matrix(codings, held_out)[0])
    current_residuals = _squared_residuals(model, _matrix(codings, window)[0])
    reference_errors, current_errors = reference.sum(axis=1), current_residuals.sum(axis=1)
    labels = np.concatenate(
        [np.zeros(reference_errors.size, dtype=bool), np.ones(current_errors.size, dtype=bool)]
    )
    auc, p_value = auc_test(np.concatenate([reference_errors, current_errors]), labels)
    effect = float(wasserstein(reference_errors, current_errors).effect_size or 0.0)
    growth = np.array(
        [current_residuals[:, s].sum(axis=1).mean() - reference[:, s].sum(axis=1).mean()
         for s in slices]
    )  # fmt: skip
    top = [i for i in np.argsort(-growth, kind="stable") if growth[i] > 0.0][:_TOP]
    names = [name for name, _ in codings]
    return MultivariateResult(
        "tested",
        method="pca",
        statistic=float(auc),
        p_value=float(p_value),
        effect_size=effect,
        alpha=alpha,
        threshold=threshold,
        drifted=is_drift(p_value, effect, alpha, threshold),
        top_columns=tuple(names[i] for i in top),
        importances=tuple(float(growth[i]) for i in top),
        n_reference=int(reference_errors.size),
        n_current=int(current_errors.size),
        columns=tuple(names),
        reason=note,
    )
