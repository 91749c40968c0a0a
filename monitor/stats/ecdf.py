"""The pooled empirical CDFs of two samples, shared by the ECDF-based methods.

Kolmogorov–Smirnov, Cramér–von Mises and Wasserstein all read the two empirical
CDFs on the pooled distinct values. :func:`ecdf_pair` computes them once, in
O(n + m) after sorting, so a check that asks for several of these methods on one
column sorts and merges that column once.
"""

from __future__ import annotations

from dataclasses import dataclass

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
    reference_counts: NDArray[np.int64]
    current_counts: NDArray[np.int64]
    n_reference: int
    n_current: int

    def reference_cdf(self) -> NDArray[np.float64]:
        return np.cumsum(self.reference_counts) / self.n_reference

    def current_cdf(self) -> NDArray[np.float64]:
        return np.cumsum(self.current_counts) / self.n_current


def _distinct(sorted_values: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Distinct values of a sorted array and their multiplicities."""
    starts = np.empty(sorted_values.size, dtype=bool)
    starts[0] = True
    np.not_equal(sorted_values[1:], sorted_values[:-1], out=starts[1:])
    if bool(starts.all()):
        return sorted_values, np.ones(sorted_values.size, dtype=np.int64)
    first = np.flatnonzero(starts)
    counts = np.diff(np.append(first, sorted_values.size)).astype(np.int64)
    return sorted_values[first], counts


def ecdf_pair(reference: ArrayLike, current: ArrayLike) -> EcdfPair:
    """Merge two samples into their pooled distinct values with per-sample counts.

    Parameters
    ----------
    reference, current : array_like
        1-D finite samples; sorted inputs are used as they are, others are sorted.

    Returns
    -------
    EcdfPair

    Examples
    --------
    >>> pair = ecdf_pair([1.0, 2.0, 2.0], [2.0, 3.0])
    >>> pair.values.tolist(), pair.reference_counts.tolist(), pair.current_counts.tolist()
    ([1.0, 2.0, 3.0], [1, 2, 0], [0, 1, 1])
    """
    ref = as_sorted_sample(reference, "reference", "ecdf_pair")
    cur = as_sorted_sample(current, "current", "ecdf_pair")
    ref_values, ref_counts = _distinct(ref)
    cur_values, cur_counts = _distinct(cur)
    # Place the (usually fewer) reference values into the current ones.
    position = np.searchsorted(cur_values, ref_values, side="left")
    inside = position < cur_values.size
    matched = np.zeros(ref_values.size, dtype=bool)
    matched[inside] = cur_values[position[inside]] == ref_values[inside]
    new = ~matched
    n_new = int(new.sum())
    total = cur_values.size + n_new
    # Final index of each reference value: its insertion point plus the new values before it.
    new_before = np.cumsum(new) - new
    ref_index = position + new_before
    is_current_slot = np.ones(total, dtype=bool)
    is_current_slot[ref_index[new]] = False
    values = np.empty(total, dtype=np.float64)
    values[is_current_slot] = cur_values
    values[ref_index[new]] = ref_values[new]
    current_counts = np.zeros(total, dtype=np.int64)
    current_counts[is_current_slot] = cur_counts
    reference_counts = np.zeros(total, dtype=np.int64)
    reference_counts[ref_index] = ref_counts
    return EcdfPair(values, reference_counts, current_counts, int(ref.size), int(cur.size))
