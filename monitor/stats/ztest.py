"""Two-proportion z test for a boolean column."""

from __future__ import annotations

import math

from numpy.typing import ArrayLike
from scipy import stats

from monitor.stats._result import MethodResult
from monitor.stats._validate import as_counts

__all__ = ["two_proportion_z"]

_METHOD = "ztest"


def two_proportion_z(reference_counts: ArrayLike, current_counts: ArrayLike) -> MethodResult:
    r"""Pooled two-proportion z test for a boolean column.

    Compares the share of ``True`` values in the reference and current samples. It is
    the 2 x 2 case of the chi-square test of homogeneity (z² = X²), with a sign that
    tells the direction of the change. The p-value is asymptotic (normal).

    Parameters
    ----------
    reference_counts, current_counts : array_like of float
        Length-2 vectors ``[count_false, count_true]``, non-negative, each with a
        positive total.

    Returns
    -------
    MethodResult
        ``method="ztest"``, ``statistic`` z (positive when the current proportion of
        ``True`` is higher), two-sided ``p_value``; ``effect_size`` is None;
        ``n_reference`` and ``n_current`` are the count totals.

    Notes
    -----
    H0: :math:`\pi_{ref} = \pi_{cur}` (same probability of ``True``).

    With :math:`\hat p_r = t_r / n_r`, :math:`\hat p_c = t_c / n_c` and the pooled
    proportion :math:`\bar p = (t_r + t_c) / (n_r + n_c)`,

    .. math:: z = \frac{\hat p_c - \hat p_r}{\sqrt{\bar p (1 - \bar p)(1/n_r + 1/n_c)}},
              \qquad p = 2\,\Phi(-|z|).

    Edge cases: when :math:`\bar p` is 0 or 1 (every value is the same in both
    samples) the standard error is 0; there is no evidence of change, so z = 0 and
    p = 1. Vectors that are not of length 2, empty, negative or with a zero total
    raise ValueError.

    References
    ----------
    .. [1] Fleiss, J.L., Levin, B., Paik, M.C. (2003). Statistical Methods for Rates
       and Proportions, 3rd ed., section 2.5. Wiley.

    Examples
    --------
    >>> result = two_proportion_z([50, 50], [30, 70])
    >>> round(result.statistic, 6), round(result.p_value, 6)
    (2.886751, 0.003892)
    """
    reference, current = as_counts(reference_counts, current_counts, _METHOD)
    if reference.size != 2:
        raise ValueError(
            f"{_METHOD}: expected counts of length 2 [count_false, count_true], "
            f"got {reference.size} categories; use chi2 for more than two categories"
        )
    n_reference = float(reference.sum())
    n_current = float(current.sum())
    true_reference = float(reference[1])
    true_current = float(current[1])
    pooled = (true_reference + true_current) / (n_reference + n_current)
    if pooled <= 0.0 or pooled >= 1.0:
        statistic, p_value = 0.0, 1.0
    else:
        standard_error = math.sqrt(pooled * (1.0 - pooled) * (1.0 / n_reference + 1.0 / n_current))
        statistic = (true_current / n_current - true_reference / n_reference) / standard_error
        p_value = float(2.0 * stats.norm.sf(abs(statistic)))
    return MethodResult(
        method=_METHOD,
        statistic=float(statistic),
        p_value=min(p_value, 1.0),
        effect_size=None,
        n_reference=int(round(n_reference)),
        n_current=int(round(n_current)),
    )
