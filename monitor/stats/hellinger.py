"""Hellinger distance between two categorical distributions."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from monitor.stats._result import MethodResult
from monitor.stats._validate import as_counts

__all__ = ["hellinger"]

_METHOD = "hellinger"


def hellinger(reference_counts: ArrayLike, current_counts: ArrayLike) -> MethodResult:
    r"""Hellinger distance between two count vectors.

    A bounded, symmetric distance between the category frequencies of the reference
    and current samples, finite when a category is empty in one sample. It is a
    distance, not a test: there is no p-value.

    Parameters
    ----------
    reference_counts, current_counts : array_like of float
        1-D, non-negative counts per category, aligned on the same categories, each
        with a positive total.

    Returns
    -------
    MethodResult
        ``method="hellinger"``; ``statistic`` and ``effect_size`` are both the
        distance in [0, 1]; ``p_value`` is None; ``n_reference`` and ``n_current``
        are the totals.

    Notes
    -----
    Measures the departure from :math:`P = Q`; 0 means identical.

    With proportions P and Q,

    .. math:: H(P, Q) = \sqrt{1 - \sum_j \sqrt{p_j q_j}}
                      = \tfrac{1}{\sqrt 2} \, \lVert \sqrt P - \sqrt Q \rVert_2 .

    The second (equal) form is the one computed: it has no cancellation, so identical
    inputs give exactly 0. The result lies in [0, 1] (1 for disjoint supports);
    rounding outside that range (tiny negatives, or 1 + ulp) is clipped. Empty,
    negative or misaligned counts raise ValueError.

    References
    ----------
    .. [1] Hellinger, E. (1909). Neue Begründung der Theorie quadratischer Formen von
       unendlichvielen Veränderlichen. J. reine angew. Math. 136, 210-271.
    .. [2] Le Cam, L., Yang, G.L. (2000). Asymptotics in Statistics, 2nd ed.,
       section 3.2. Springer.

    Examples
    --------
    >>> round(hellinger([1, 0], [0, 1]).statistic, 12)
    1.0
    >>> round(hellinger([1, 1], [1, 1]).statistic, 12)
    0.0
    """
    reference, current = as_counts(reference_counts, current_counts, _METHOD)
    p = reference / reference.sum()
    q = current / current.sum()
    squared = float(((np.sqrt(p) - np.sqrt(q)) ** 2).sum()) / 2.0
    distance = min(math.sqrt(max(squared, 0.0)), 1.0)
    return MethodResult(
        method=_METHOD,
        statistic=distance,
        p_value=None,
        effect_size=distance,
        n_reference=int(round(float(reference.sum()))),
        n_current=int(round(float(current.sum()))),
    )
