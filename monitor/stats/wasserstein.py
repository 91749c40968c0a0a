"""Wasserstein (earth mover's) distance, normalised by the reference spread."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from monitor.stats._result import MethodResult
from monitor.stats._validate import as_sorted_sample
from monitor.stats.ecdf import EcdfPair, ecdf_pair

__all__ = ["wasserstein"]


def wasserstein(
    reference: ArrayLike,
    current: ArrayLike,
    *,
    scale: float | None = None,
    pair: EcdfPair | None = None,
) -> MethodResult:
    """First Wasserstein distance between two numeric samples, and its normalised size.

    How far, in the column's own units, the current distribution must be moved to
    become the reference one. Divided by the reference standard deviation it becomes
    a scale-free effect size: 0.1 means "moved by a tenth of a standard deviation".

    Parameters
    ----------
    reference, current : array_like
        1-D finite samples (NaN already removed).
    scale : float, optional
        The divisor of the effect size; default: the reference standard deviation
        (population, ddof = 0). A baseline passes the full training data's deviation.
    pair : EcdfPair, optional
        Precomputed pooled ECDFs of the same samples.

    Returns
    -------
    MethodResult
        ``statistic`` W₁ in the column's units, ``effect_size`` W₁ / scale, ``p_value`` None.

    Notes
    -----
    W₁ = ∫ |F̂_ref(x) − F̂_cur(x)| dx = Σ_k |F̂_ref(z_k) − F̂_cur(z_k)| (z_{k+1} − z_k) over
    the pooled distinct values z. Equal to ``scipy.stats.wasserstein_distance``.
    A shift by c gives W₁ = |c|; W₁ / sd is invariant under a shared affine rescaling.
    When the scale is 0 (a constant reference) the effect size is 0 for W₁ = 0 and
    infinite otherwise.

    References
    ----------
    .. [1] Vaserstein, L.N. (1969). Markov processes over denumerable products of spaces.
       Problemy Peredači Informacii 5(3), 64–72.
    .. [2] Ramdas, A., García Trillos, N., Cuturi, M. (2017). On Wasserstein two-sample
       testing and related families of nonparametric tests. Entropy 19(2), 47.

    Examples
    --------
    >>> result = wasserstein([0.0, 1.0, 2.0], [1.0, 2.0, 3.0])
    >>> result.statistic, round(result.effect_size, 6)
    (1.0, 1.224745)
    """
    if pair is None:
        pair = ecdf_pair(
            as_sorted_sample(reference, "reference", "wasserstein"),
            as_sorted_sample(current, "current", "wasserstein"),
            validate=False,
        )
    gaps = np.diff(pair.values)
    distance = float(np.dot(np.abs(pair.difference[:-1]), gaps))
    if scale is None:
        values, counts = pair.values, pair.reference_counts
        mean = float(np.dot(values, counts)) / pair.n_reference
        scale = math.sqrt(float(np.dot((values - mean) ** 2, counts)) / pair.n_reference)
    if scale < 0 or not math.isfinite(scale):
        raise ValueError(f"wasserstein: scale must be finite and >= 0, got {scale}")
    if scale == 0:
        effect = 0.0 if distance == 0 else math.inf
    else:
        effect = distance / scale
    return MethodResult("wasserstein", distance, None, effect, pair.n_reference, pair.n_current)
