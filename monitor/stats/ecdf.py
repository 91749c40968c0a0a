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


def _place(
    into: NDArray[np.float64], values: NDArray[np.float64]
) -> tuple[NDArray[np.intp], NDArray[np.bool_]]:
    """Insertion points of sorted ``values`` in sorted ``into``, and which are already there."""
    position = np.searchsorted(into, values, side="left")
    inside = position < into.size
    matched = np.zeros(values.size, dtype=bool)
    matched[inside] = into[position[inside]] == values[inside]
    return position, matched


def _merge_sorted(ref: NDArray[np.float64], cur: NDArray[np.float64]) -> EcdfPair:
    """:func:`ecdf_pair` for inputs already known to be sorted, finite and non-empty."""
    ref_values, ref_counts = _distinct(ref)
    cur_has_ties = cur.size > 1 and bool((cur[1:] == cur[:-1]).any())
    # Place the (usually fewer) reference values into the current ones.
    position, matched = _place(cur, ref_values)
    if not cur_has_ties and ref_values.size == ref.size and not bool(matched.any()):
        return _merge_distinct(ref, cur, position)
    if cur_has_ties:
        cur_values, cur_counts = _distinct(cur)
        position, matched = _place(cur_values, ref_values)
    else:
        cur_values, cur_counts = cur, np.ones(cur.size, dtype=np.int64)
    new = ~matched
    # Final index of each reference value: its insertion point plus the new values before it.
    new_before: NDArray[np.intp] = np.cumsum(new) - new
    ref_index = position + new_before
    # Final index of each current value: its own index plus the new reference values before it.
    inserted = np.bincount(position[new], minlength=cur_values.size + 1)
    cur_index = np.arange(cur_values.size) + np.cumsum(inserted)[: cur_values.size]
    total = cur_values.size + int(new.sum())
    values = np.empty(total, dtype=np.float64)
    values[cur_index] = cur_values
    values[ref_index] = ref_values
    current_counts = np.zeros(total, dtype=np.int64)
    current_counts[cur_index] = cur_counts
    reference_counts = np.zeros(total, dtype=np.int64)
    reference_counts[ref_index] = ref_counts
    difference = np.cumsum(reference_counts) / ref.size
    difference -= np.cumsum(current_counts) / cur.size
    return EcdfPair(
        values, reference_counts, current_counts, int(ref.size), int(cur.size), difference, True
    )


def _merge_distinct(
    ref: NDArray[np.float64], cur: NDArray[np.float64], position: NDArray[np.intp]
) -> EcdfPair:
    """The common case of continuous data: every pooled value occurs once."""
    n, m = ref.size, cur.size
    ref_index = position + np.arange(n)
    is_reference = np.zeros(n + m, dtype=bool)
    is_reference[ref_index] = True
    is_current = ~is_reference
    values = np.empty(n + m, dtype=np.float64)
    values[ref_index] = ref
    values[is_current] = cur
    below = np.cumsum(is_reference)
    difference = below * (1.0 / n + 1.0 / m)
    difference -= np.arange(1, n + m + 1) * (1.0 / m)
    return EcdfPair(
        values,
        is_reference.view(np.int8),
        is_current.view(np.int8),
        int(n),
        int(m),
        difference,
        False,
    )
