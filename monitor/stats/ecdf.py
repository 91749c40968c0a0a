"""The pooled empirical CDFs of two samples, shared by the ECDF-based methods.

Kolmogorov–Smirnov, Cramér–von Mises and Wasserstein all read the two empirical
CDFs on the pooled distinct values. :func:`ecdf_pair` computes them once, in
O(n + m) after sorting, so a check that asks for several of these methods on one
column sorts and merges that column once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from monitor.stats._validate import as_sorted_sample

__all__ = ["EcdfPair", "ecdf_pair"]


@dataclass(frozen=True, slots=True)
class EcdfPair:
    """Both samples' counts on their pooled distinct values ``values`` (ascending).

    ``reference_counts[k]`` and ``current_counts[k]`` count the observations equal to
    ``values[k]``; the CDFs are their cumulative sums divided by ``n_reference`` and
    ``n_current``.
    """

    values: NDArray[np.float64]
    reference_counts: NDArray[np.integer[Any]]
    current_counts: NDArray[np.integer[Any]]
    n_reference: int
    n_current: int
    difference: NDArray[np.float64]
    """F̂_ref − F̂_cur at each of ``values``."""
    has_ties: bool
    """Whether any value occurs more than once in the pooled sample."""

    def reference_cdf(self) -> NDArray[np.float64]:
        return np.cumsum(self.reference_counts) / self.n_reference

    def current_cdf(self) -> NDArray[np.float64]:
        return np.cumsum(self.current_counts) / self.n_current


def ecdf_pair(reference: ArrayLike, current: ArrayLike, *, validate: bool = True) -> EcdfPair:
    """Merge two samples into their pooled distinct values with per-sample counts.

    Parameters
    ----------
    reference, current : array_like
        1-D finite samples; sorted inputs are used as they are, others are sorted.
    validate : bool
        ``False`` skips the input checks for callers that pass float64 arrays already
        known to be 1-D, finite, non-empty and sorted (the check engine does).

    Returns
    -------
    EcdfPair

    Examples
    --------
    >>> pair = ecdf_pair([1.0, 2.0, 2.0], [2.0, 3.0])
    >>> pair.values.tolist(), pair.reference_counts.tolist(), pair.current_counts.tolist()
    ([1.0, 2.0, 3.0], [1, 2, 0], [0, 1, 1])
    """
    if not validate:
        return _merge_sorted(np.asarray(reference), np.asarray(current))
    ref = as_sorted_sample(reference, "reference", "ecdf_pair")
    cur = as_sorted_sample(current, "current", "ecdf_pair")
    return _merge_sorted(ref, cur)


def _merge_sorted(ref: NDArray[np.float64], cur: NDArray[np.float64]) -> EcdfPair:
    """:func:`ecdf_pair` for inputs already known to be sorted, finite and non-empty.

    The two sorted samples are merged by a stable argsort of their concatenation: two
    ascending runs, which numpy's stable sort (timsort) merges in one linear pass, faster
    than bisecting one sample into the other. Equal values keep the reference first."""
    n, m = ref.size, cur.size
    pooled = np.concatenate([ref, cur])
    order = np.argsort(pooled, kind="stable")
    merged = pooled[order]
    is_reference = order < n
    starts = np.empty(n + m, dtype=bool)
    starts[0] = True
    np.not_equal(merged[1:], merged[:-1], out=starts[1:])
    if bool(starts.all()):  # continuous data: every pooled value occurs once
        below = np.cumsum(is_reference, dtype=np.float64)
        difference = below * (1.0 / n + 1.0 / m)
        difference -= np.arange(1, n + m + 1) * (1.0 / m)
        return EcdfPair(
            merged,
            is_reference.view(np.int8),
            (~is_reference).view(np.int8),
            int(n),
            int(m),
            difference,
            False,
        )
    first = np.flatnonzero(starts)
    reference_counts = np.add.reduceat(is_reference.astype(np.int64), first)
    current_counts = np.diff(np.append(first, n + m)).astype(np.int64) - reference_counts
    difference = np.cumsum(reference_counts) / n
    difference -= np.cumsum(current_counts) / m
    return EcdfPair(
        merged[first], reference_counts, current_counts, int(n), int(m), difference, True
    )
