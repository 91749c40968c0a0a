"""Per-window histograms: reference and current counts of one column on the baseline's bins.

A check stores one :class:`~monitor.engine.report.Histogram` per compared column so the
dashboard can draw both distributions for any past window without reloading records.
Numeric columns use the baseline's quantile bin edges (bin b holds
``edges[b-1] <= x < edges[b]``; the two outer bins are open); categorical, boolean and
discrete numeric columns use the baseline's categories, followed by categories seen only
in the window (the most frequent :data:`MAX_UNSEEN` of them; the rest are pooled as
:data:`OTHER_UNSEEN`).

>>> import numpy as np
>>> h = numeric_histogram(np.array([1.0, 2.0]), np.array([3, 4, 3]), np.array([0.5, 1.5, 9.0]))
>>> h.labels, h.reference, h.current
(('< 1', '[1, 2)', '>= 2'), (3, 4, 3), (1, 1, 1))
>>> h = category_histogram(("a", "b"), np.array([5, 5]), {"b": 2, "c": 1})
>>> h.labels, h.reference, h.current
(('a', 'b', 'c'), (5, 5, 0), (0, 2, 1))
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

import numpy as np
from numpy.typing import NDArray

from monitor.engine.report import Histogram

__all__ = [
    "MAX_UNSEEN",
    "OTHER_UNSEEN",
    "category_histogram",
    "numeric_histogram",
    "numeric_histogram_counts",
]

MAX_UNSEEN: Final = 20
OTHER_UNSEEN: Final = "(other unseen)"


def _edge(value: float) -> str:
    """An edge for a label: ``23,460`` for large values, else 4 significant digits."""
    number = float(value)
    return f"{number:,.0f}" if abs(number) >= 1000 else format(number, ".4g")


def numeric_histogram(
    edges: NDArray[np.float64],
    reference_counts: NDArray[np.int64],
    current_sorted: NDArray[np.float64],
) -> Histogram:
    """Counts of the sorted finite ``current`` values on the baseline's bins ``edges``."""
    cuts = np.searchsorted(current_sorted, edges, side="left")
    current = np.diff(np.concatenate(([0], cuts, [current_sorted.size])))
    return numeric_histogram_counts(edges, reference_counts, current)


def numeric_histogram_counts(
    edges: NDArray[np.float64],
    reference_counts: NDArray[np.int64],
    current_counts: NDArray[np.int64],
) -> Histogram:
    """The histogram of current counts already taken on the baseline's bins ``edges``."""
    current = current_counts
    if edges.size == 0:
        labels: list[str] = ["all values"]
    else:
        labels = [f"< {_edge(edges[0])}"]
        labels += [f"[{_edge(a)}, {_edge(b)})" for a, b in zip(edges[:-1], edges[1:], strict=True)]
        labels.append(f">= {_edge(edges[-1])}")
    return Histogram(
        labels=tuple(labels),
        reference=tuple(int(c) for c in reference_counts),
        current=tuple(int(c) for c in current),
        edges=tuple(float(e) for e in edges),
    )


def category_histogram(
    categories: Sequence[str],
    reference_counts: NDArray[np.int64],
    current_counts: Mapping[str, int],
) -> Histogram:
    """Counts per baseline category, then the window's unseen categories, most frequent first."""
    known = set(categories)
    unseen = sorted(
        ((label, count) for label, count in current_counts.items() if label not in known),
        key=lambda item: (-item[1], item[0]),
    )
    kept, pooled = unseen[:MAX_UNSEEN], sum(count for _, count in unseen[MAX_UNSEEN:])
    labels = list(categories) + [label for label, _ in kept]
    current = [int(current_counts.get(c, 0)) for c in categories] + [c for _, c in kept]
    if pooled:
        labels.append(OTHER_UNSEEN)
        current.append(pooled)
    reference = [int(c) for c in reference_counts] + [0] * (len(labels) - len(categories))
    return Histogram(labels=tuple(labels), reference=tuple(reference), current=tuple(current))
