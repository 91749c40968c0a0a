"""Input checks shared by the performance metrics: aligned, non-empty label arrays."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray


def as_classes(values: ArrayLike, name: str, metric: str) -> NDArray[np.int64]:
    """A 1-D, non-empty array of class codes (integers >= 0), or a ValueError naming it."""
    array = np.asarray(values)
    if array.ndim != 1:
        raise ValueError(f"{metric}: {name} must be 1-D, got shape {array.shape}")
    if array.size == 0:
        raise ValueError(f"{metric}: {name} is empty; pass at least one label")
    if array.dtype.kind == "b":
        return array.astype(np.int64)
    if array.dtype.kind not in "iuf" or not np.all(np.isfinite(array)):
        raise ValueError(
            f"{metric}: {name} must hold class codes 0, 1, ..., K-1; encode labels first"
        )
    codes = array.astype(np.int64)
    if bool((codes != array).any()) or bool((codes < 0).any()):
        raise ValueError(f"{metric}: {name} must hold integer class codes >= 0")
    return codes


def as_values(values: ArrayLike, name: str, metric: str) -> NDArray[np.float64]:
    """A 1-D, finite, non-empty float64 array, or a ValueError naming it."""
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1:
        raise ValueError(f"{metric}: {name} must be 1-D, got shape {array.shape}")
    if array.size == 0:
        raise ValueError(f"{metric}: {name} is empty; pass at least one value")
    if not np.isfinite(array).all():
        raise ValueError(f"{metric}: {name} contains NaN or infinite values; drop them first")
    return array


def as_probabilities(values: ArrayLike, name: str, metric: str) -> NDArray[np.float64]:
    """Probabilities in [0, 1]: 1-D (of the positive class) or 2-D (one column per class)."""
    array = np.asarray(values, dtype=np.float64)
    if array.ndim not in (1, 2):
        raise ValueError(f"{metric}: {name} must be 1-D or 2-D, got shape {array.shape}")
    if array.shape[0] == 0:
        raise ValueError(f"{metric}: {name} is empty; pass at least one value")
    if not np.isfinite(array).all() or bool((array < 0).any()) or bool((array > 1).any()):
        raise ValueError(f"{metric}: {name} must be probabilities in [0, 1]")
    return array


def same_length(a: np.ndarray, b: np.ndarray, metric: str) -> None:
    if a.shape[0] != b.shape[0]:
        raise ValueError(
            f"{metric}: y_true has {a.shape[0]} values but the predictions have {b.shape[0]}; "
            "pass one prediction per label"
        )
