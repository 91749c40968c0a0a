"""Input checks shared by the methods: shape and emptiness, checked once."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray


def as_sample(values: ArrayLike, name: str, method: str) -> NDArray[np.float64]:
    """A 1-D, finite, non-empty float64 sample, or a ValueError naming the argument."""
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1:
        raise ValueError(f"{method}: {name} must be 1-D, got shape {array.shape}")
    if array.size == 0:
        raise ValueError(f"{method}: {name} is empty; pass at least one value")
    if not np.isfinite(array).all():
        raise ValueError(
            f"{method}: {name} contains NaN or infinite values; remove them before testing"
        )
    return array


def as_sorted_sample(values: ArrayLike, name: str, method: str) -> NDArray[np.float64]:
    """Like :func:`as_sample`, sorted ascending (no copy when already sorted)."""
    array = as_sample(values, name, method)
    if array.size > 1 and not bool(np.all(array[1:] >= array[:-1])):
        array = np.sort(array)
    return array


def as_counts(
    reference: ArrayLike, current: ArrayLike, method: str
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Two aligned, non-negative count vectors with positive totals."""
    ref = np.asarray(reference, dtype=np.float64)
    cur = np.asarray(current, dtype=np.float64)
    for name, array in (("reference", ref), ("current", cur)):
        if array.ndim != 1:
            raise ValueError(f"{method}: {name} counts must be 1-D, got shape {array.shape}")
        if array.size == 0:
            raise ValueError(f"{method}: {name} counts are empty; pass one count per category")
        if not np.isfinite(array).all() or bool((array < 0).any()):
            raise ValueError(f"{method}: {name} counts must be finite and non-negative")
        if float(array.sum()) <= 0.0:
            raise ValueError(f"{method}: {name} counts sum to 0; the sample is empty")
    if ref.shape != cur.shape:
        raise ValueError(
            f"{method}: reference has {ref.size} categories but current has {cur.size}; "
            "align both count vectors on the same categories"
        )
    return ref, cur
