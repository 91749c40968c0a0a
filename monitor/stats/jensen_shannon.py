"""Jensen–Shannon distance between two categorical distributions."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from monitor.stats._result import MethodResult
from monitor.stats._validate import as_counts

__all__ = ["jensen_shannon"]

_METHOD = "jsd"


def jensen_shannon(reference_counts: ArrayLike, current_counts: ArrayLike) -> MethodResult:
    r"""Jensen–Shannon distance (base 2) between two count vectors.

    A bounded, symmetric distance between the category frequencies of the reference
    and current samples. It is finite even when a category is empty in one sample,
    which makes it a robust effect size for categorical or binned columns. It is a
    distance, not a test: there is no p-value.

    Parameters
    ----------
    reference_counts, current_counts : array_like of float
        1-D, non-negative counts per category, aligned on the same categories, each
        with a positive total.

    Returns
    -------
    MethodResult
        ``method="jsd"``; ``statistic`` and ``effect_size`` are both the distance in
        [0, 1]; ``p_value`` is None; ``n_reference`` and ``n_current`` are the totals.

    Notes
    -----
    Measures the departure from H0-like equality :math:`P = Q`; 0 means identical.

    With proportions P and Q and their mixture :math:`M = (P + Q) / 2`,

    .. math:: JSD(P, Q) = \sqrt{\tfrac12 KL(P \| M) + \tfrac12 KL(Q \| M)},

    with KL in bits (log base 2), using :math:`0 \log 0 = 0`. The result equals
    ``scipy.spatial.distance.jensenshannon(P, Q, base=2)``. It lies in [0, 1]:
    0 for identical distributions, 1 for disjoint supports. Rounding is clipped to
    that range. Empty, negative or misaligned counts raise ValueError.

    References
    ----------
    .. [1] Lin, J. (1991). Divergence measures based on the Shannon entropy. IEEE
       Transactions on Information Theory 37(1), 145-151.
    .. [2] Endres, D.M., Schindelin, J.E. (2003). A new metric for probability
       distributions. IEEE Transactions on Information Theory 49(7), 1858-1860.

    Examples
    --------
    >>> round(jensen_shannon([1, 0], [0, 1]).statistic, 12)
    1.0
    >>> round(jensen_shannon([10, 20, 30], [20, 20, 20]).statistic, 6)
    0.180361
    """
    reference, current = as_counts(reference_counts, current_counts, _METHOD)
    p = reference / reference.sum()
    q = current / current.sum()
    m = (p + q) / 2.0
    divergence = float(
        (special.rel_entr(p, m).sum() + special.rel_entr(q, m).sum()) / (2.0 * math.log(2.0))
    )
    distance = float(np.clip(math.sqrt(max(divergence, 0.0)), 0.0, 1.0))
    return MethodResult(
        method=_METHOD,
        statistic=distance,
        p_value=None,
        effect_size=distance,
        n_reference=int(round(float(reference.sum()))),
        n_current=int(round(float(current.sum()))),
    )
