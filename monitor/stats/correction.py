"""Multiple-testing corrections: adjusted p-values across the columns of a check."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["benjamini_hochberg", "bonferroni"]


def benjamini_hochberg(p_values: ArrayLike) -> NDArray[np.float64]:
    r"""Benjamini–Hochberg adjusted p-values (false discovery rate control).

    Rejecting every hypothesis whose adjusted p-value is <= alpha controls the false
    discovery rate at alpha for independent (or positively dependent) tests. Use it
    when a check tests many columns and a few false alarms are acceptable.

    Parameters
    ----------
    p_values : array_like of float
        1-D p-values in [0, 1]. NaN entries (columns without a p-value) are allowed.

    Returns
    -------
    NDArray[np.float64]
        Adjusted p-values in the input order, each <= 1; NaN where the input is NaN.
        An empty input gives an empty array.

    Notes
    -----
    H0_i: column i has not drifted; the procedure controls
    :math:`E[V / \max(R, 1)] \le \alpha`.

    With the m non-NaN p-values sorted, :math:`p_{(1)} \le \dots \le p_{(m)}`,

    .. math:: \tilde p_{(i)} = \min\Bigl(1, \min_{j \ge i} \frac{m\, p_{(j)}}{j}\Bigr).

    NaN entries stay NaN and do not count in m. The result equals
    ``scipy.stats.false_discovery_control(p, method="bh")`` on the non-NaN entries.
    Values outside [0, 1] or a non-1-D input raise ValueError.

    References
    ----------
    .. [1] Benjamini, Y., Hochberg, Y. (1995). Controlling the false discovery rate: a
       practical and powerful approach to multiple testing. JRSS B 57(1), 289-300.

    Examples
    --------
    >>> adjusted = benjamini_hochberg([0.01, 0.04, 0.03, float("nan")])
    >>> print([round(float(value), 6) for value in adjusted])
    [0.03, 0.04, 0.04, nan]
    """
    array, mask = _as_p_values(p_values, "benjamini_hochberg")
    adjusted = np.full(array.shape, np.nan, dtype=np.float64)
    valid = array[mask]
    m = valid.size
    if m == 0:
        return adjusted
    order = np.argsort(valid, kind="stable")
    # m / i first: then m / i >= 1 keeps adjusted >= raw exactly, and m / i <= m keeps
    # BH <= Bonferroni exactly, in floating point.
    ranked = valid[order] * (m / np.arange(1, m + 1, dtype=np.float64))
    ranked = np.minimum.accumulate(ranked[::-1])[::-1]
    result = np.empty(m, dtype=np.float64)
    result[order] = np.minimum(ranked, 1.0)
    adjusted[mask] = result
    return adjusted


def bonferroni(p_values: ArrayLike) -> NDArray[np.float64]:
    r"""Bonferroni adjusted p-values (family-wise error rate control).

    Rejecting every hypothesis whose adjusted p-value is <= alpha controls the
    probability of any false alarm at alpha, under any dependence. It is more
    conservative than :func:`benjamini_hochberg`.

    Parameters
    ----------
    p_values : array_like of float
        1-D p-values in [0, 1]. NaN entries (columns without a p-value) are allowed.

    Returns
    -------
    NDArray[np.float64]
        Adjusted p-values in the input order, each <= 1; NaN where the input is NaN.
        An empty input gives an empty array.

    Notes
    -----
    H0_i: column i has not drifted; the procedure controls
    :math:`P(V \ge 1) \le \alpha`.

    With m non-NaN p-values, :math:`\tilde p_i = \min(1, m\, p_i)`. NaN entries stay
    NaN and do not count in m. Values outside [0, 1] or a non-1-D input raise
    ValueError.

    References
    ----------
    .. [1] Dunn, O.J. (1961). Multiple comparisons among means. JASA 56(293), 52-64.

    Examples
    --------
    >>> adjusted = bonferroni([0.01, 0.04, 0.5])
    >>> print([round(float(value), 6) for value in adjusted])
    [0.03, 0.12, 1.0]
    """
    array, mask = _as_p_values(p_values, "bonferroni")
    adjusted = np.full(array.shape, np.nan, dtype=np.float64)
    m = int(mask.sum())
    adjusted[mask] = np.minimum(array[mask] * m, 1.0)
    return adjusted


def _as_p_values(p_values: ArrayLike, method: str) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """A 1-D float64 array of p-values in [0, 1] or NaN, and its non-NaN mask."""
    array = np.asarray(p_values, dtype=np.float64)
    if array.ndim != 1:
        raise ValueError(f"{method}: p_values must be 1-D, got shape {array.shape}")
    mask = ~np.isnan(array)
    valid = array[mask]
    if bool(((valid < 0.0) | (valid > 1.0)).any()):
        raise ValueError(
            f"{method}: p_values must lie in [0, 1] (or be NaN for a missing value), "
            f"got min {float(valid.min())!r} and max {float(valid.max())!r}"
        )
    return array, mask
