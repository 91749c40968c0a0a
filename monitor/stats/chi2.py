"""Chi-square test of homogeneity for a categorical column."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from monitor.stats._result import MethodResult
from monitor.stats._validate import as_counts

__all__ = ["chi_square"]

_METHOD = "chi2"


def chi_square(reference_counts: ArrayLike, current_counts: ArrayLike) -> MethodResult:
    r"""Pearson chi-square test of homogeneity on a 2 x k table of category counts.

    Compares the category frequencies of the reference and current samples of one
    categorical (or binned) column. Use it when every category has a reasonable
    expected count (the usual rule of thumb is at least 5); the p-value is asymptotic.

    Parameters
    ----------
    reference_counts, current_counts : array_like of float
        1-D, non-negative counts per category, aligned on the same categories, each
        with a positive total.

    Returns
    -------
    MethodResult
        ``method="chi2"``, ``statistic`` X², ``p_value``; ``effect_size`` is None;
        ``n_reference`` and ``n_current`` are the count totals.

    Notes
    -----
    H0: both samples are drawn from the same categorical distribution.

    With observed counts :math:`O_{ij}` (row i = reference/current, column j = category),
    row totals :math:`R_i`, column totals :math:`C_j` and grand total N,

    .. math:: X^2 = \sum_{i,j} (O_{ij} - E_{ij})^2 / E_{ij}, \quad E_{ij} = R_i C_j / N,

    and the p-value is the upper tail of :math:`\chi^2` with ``k - 1`` degrees of
    freedom, where k is the number of categories kept. No continuity correction is
    applied: the result equals ``scipy.stats.chi2_contingency(table, correction=False)``.

    Edge cases: categories that are 0 in both samples are dropped (they carry no
    information and would give a 0/0 cell). If only one category remains, the
    samples are identical in distribution: X² = 0 and p = 1. Empty, negative or
    misaligned counts raise ValueError.

    References
    ----------
    .. [1] Pearson, K. (1900). On the criterion that a given system of deviations from
       the probable ... Philosophical Magazine 50(302), 157-175.
    .. [2] Agresti, A. (2013). Categorical Data Analysis, 3rd ed., section 3.2. Wiley.

    Examples
    --------
    >>> result = chi_square([10, 20, 30], [20, 20, 20])
    >>> round(result.statistic, 6), round(result.p_value, 6)
    (5.333333, 0.069483)
    """
    reference, current = as_counts(reference_counts, current_counts, _METHOD)
    n_reference = float(reference.sum())
    n_current = float(current.sum())
    observed = np.vstack([reference, current])
    observed = observed[:, observed.sum(axis=0) > 0]
    if observed.shape[1] < 2:
        statistic, p_value = 0.0, 1.0
    else:
        row_totals = observed.sum(axis=1, keepdims=True)
        column_totals = observed.sum(axis=0, keepdims=True)
        expected = row_totals * column_totals / observed.sum()
        statistic = float(((observed - expected) ** 2 / expected).sum())
        p_value = float(stats.chi2.sf(statistic, observed.shape[1] - 1))
    return MethodResult(
        method=_METHOD,
        statistic=statistic,
        p_value=p_value,
        effect_size=None,
        n_reference=int(round(n_reference)),
        n_current=int(round(n_current)),
    )
