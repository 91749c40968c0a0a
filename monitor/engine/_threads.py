"""Per-column work on a few threads: numpy's sorts release the GIL, so a table's columns
sort side by side (building a baseline, profiling a window, testing the columns)."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

__all__ = ["default_workers", "map_columns"]

_T = TypeVar("_T")
_R = TypeVar("_R")


def default_workers() -> int:
    """The default number of threads for per-column work: the CPUs, at most 8."""
    return min(os.cpu_count() or 1, 8)


def map_columns(func: Callable[[_T], _R], items: Sequence[_T], workers: int) -> list[_R]:
    """``[func(item) for item in items]``, on ``workers`` threads when more than one and
    there is more than one item (results in the items' order)."""
    if workers <= 1 or len(items) <= 1:
        return [func(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(workers, len(items))) as pool:
        return list(pool.map(func, items))
