"""Population stability index over fixed bins."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from monitor.stats._result import MethodResult
from monitor.stats._validate import as_counts

__all__ = ["psi"]

_METHOD = "psi"


def psi(
    reference_counts: ArrayLike, current_counts: ArrayLike, *, epsilon: float = 1e-4
) -> MethodResult:
    r"""Population stability index (PSI) between two binned count vectors.

    The credit-scoring industry's summary of how far a binned distribution has moved
    from its reference. It is a symmetrised Kullback–Leibler divergence over the
    given bins (the bins are not chosen here). It is a distance, not a test: there is
    no p-value.

    Parameters
    ----------
    reference_counts, current_counts : array_like of float
        1-D, non-negative counts per bin, aligned on the same bins, each with a
        positive total.
    epsilon : float, default 1e-4
        Proportion substituted for an empty bin; must be finite and in (0, 1).

    Returns
    -------
    MethodResult
        ``method="psi"``; ``statistic`` and ``effect_size`` are both the PSI (>= 0);
        ``p_value`` is None; ``n_reference`` and ``n_current`` are the totals.

    Notes
    -----
    Measures the departure from :math:`P = Q`; 0 means identical.

    With bin proportions :math:`r_j` (reference) and :math:`c_j` (current),

    .. math:: PSI = \sum_j (c_j - r_j) \ln(c_j / r_j) = KL(C \| R) + KL(R \| C).

    Empty-bin rule: a bin whose proportion is 0 in one sample would make the sum
    infinite, so every proportion equal to 0 is replaced by ``epsilon`` (without
    renormalising). A bin empty in both samples then contributes 0. Each term is
    >= 0, so PSI >= 0 with or without the substitution. The result depends on
    ``epsilon`` whenever a bin is empty in exactly one sample.

    Usual reading: PSI < 0.1 stable; 0.1-0.25 moderate shift; > 0.25 large shift.
    These are conventions, not significance levels.

    References
    ----------
    .. [1] Siddiqi, N. (2006). Credit Risk Scorecards, chapter 8. Wiley.
    .. [2] Yurdakul, B. (2018). Statistical Properties of Population Stability Index.
       PhD dissertation, Western Michigan University.

    Examples
    --------
    >>> round(psi([50, 50], [25, 75]).statistic, 6)
    0.274653
    """
    if not (math.isfinite(epsilon) and 0.0 < epsilon < 1.0):
        raise ValueError(f"{_METHOD}: epsilon must be in (0, 1), got {epsilon!r}")
    reference, current = as_counts(reference_counts, current_counts, _METHOD)
    r = reference / reference.sum()
    c = current / current.sum()
    r = np.where(r > 0.0, r, epsilon)
    c = np.where(c > 0.0, c, epsilon)
    value = max(float(((c - r) * np.log(c / r)).sum()), 0.0)
    return MethodResult(
        method=_METHOD,
        statistic=value,
        p_value=None,
        effect_size=value,
        n_reference=int(round(float(reference.sum()))),
        n_current=int(round(float(current.sum()))),
    )
